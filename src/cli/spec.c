// SPDX-License-Identifier: GPL-2.0
/* The command line's table (spec.h). */
#include <string.h>

#include "spec.h"

#define HELP                                        \
	{                                           \
		"help", 'h', 'h', NULL, "this help" \
	}
#define JSON                                                                         \
	{                                                                            \
		"json", 'j', 'j', NULL,                                              \
			"machine-readable output (docs/json-schema.md); also global" \
	}
#define SORT                                                                  \
	{                                                                     \
		"sort", 0, 's', "KEY", "order by waste (default), pte or rss" \
	}
#define WIDE                                                                \
	{                                                                   \
		"wide", 'w', 'w', NULL,                                     \
			"every column and whole cgroup paths, however wide" \
	}

const struct cli_opt cli_global_opts[] = {
	{ "socket", 's', 's', "PATH",
	  "the daemon's socket (default " PTW_SOCKET_PATH
	  "); one given here must answer" },
	{ "no-daemon", 0, 'N', NULL, "read the kernel directly" },
	{ "json", 'j', 'j', NULL, "machine-readable output, for any command" },
	{ "help", 'h', 'h', NULL, "this help" },
	{ "version", 'V', 'V', NULL, "print the version" },
	{ 0 },
};

static const struct cli_opt snapshot_opts[] = {
	{ "rows", 'n', 'r', "N", "the N largest processes (default 20)" },
	SORT,
	WIDE,
	JSON,
	HELP,
	{ 0 },
};

static const struct cli_opt top_opts[] = {
	{ "delay", 'd', 'd', "SECONDS", "between frames (default 2)" },
	{ "iterations", 'n', 'i', "N", "N frames, then exit (top(1)'s -n)" },
	{ "once", 0, 'o', NULL, "one frame, no screen control (-n 1)" },
	{ "rows", 0, 'r', "N", "at most N processes (default: what fits)" },
	SORT,
	WIDE,
	JSON,
	HELP,
	{ 0 },
};

static const struct cli_opt show_opts[] = {
	{ "exact", 0, 'e', NULL,
	  "count the PTE tables and the empty ones (ptrace read access)" },
	{ "pagemap", 0, 'p', NULL,
	  "census from /proc/PID/pagemap even where PAGEMAP_SCAN exists" },
	JSON,
	HELP,
	{ 0 },
};

static const struct cli_opt status_opts[] = {
	JSON,
	HELP,
	{ 0 },
};

static const struct cli_opt record_opts[] = {
	{ "duration", 'd', 'd', "SECONDS",
	  "count for SECONDS (default: "
	  "until Ctrl-C)" },
	{ "pid", 'p', 'p', "PID", "only this process" },
	{ "rows", 'n', 'n', "N", "the N busiest processes (default 20)" },
	JSON,
	HELP,
	{ 0 },
};

static const struct cli_opt reclaim_opts[] = {
	{ "sysctl-root", 0, 'r', "DIR",
	  "where vm/pt_reclaim is, without the daemon (default /proc/sys)" },
	JSON,
	HELP,
	{ 0 },
};

static const struct cli_opt reclaim_pid_opts[] = {
	{ "dry-run", 0, 'n', NULL,
	  "the census only: what would be freed (any kernel)" },
	{ "reason", 0, 'r', "TEXT", "why, for the journal line of each" },
	{ "pagemap", 0, 'p', NULL, "census through /proc/PID/pagemap" },
	{ "no-census", 0, 'N', NULL,
	  "send every whole block; the kernel skips tables in use" },
	{ "proc-root", 0, 'P', "DIR", "procfs to read (default /proc)" },
	JSON,
	HELP,
	{ 0 },
};

static const struct cli_opt help_opts[] = {
	HELP,
	{ 0 },
};

const struct cli_cmd cli_cmds[] = {
	{ "snapshot", cmd_snapshot, "",
	  "page-table waste of every process and cgroup, and the host",
	  snapshot_opts, NULL },
	{ "top", cmd_top, "", "the same, refreshed, with rates of change",
	  top_opts,
	  "keys: q (Esc, Ctrl-D) quit, w p r sort by waste, pte, rss, ? or h "
	  "help" },
	{ "show", cmd_show, "PID", "one process; --exact counts its PTE tables",
	  show_opts, NULL },
	{ "status", cmd_status, "",
	  "kernel features and how each BPF probe attached", status_opts,
	  NULL },
	{ "record", cmd_record, "",
	  "attach the BPF probes (root) and count page-table events",
	  record_opts,
	  "Counts per process for SECONDS, or until Ctrl-C; a PID that is "
	  "not there\nor a kernel thread is exit 3." },
	{ "reclaim", cmd_reclaim, "on|off|auto|status",
	  "PTE-table reclaim: switch it on, off, back to the daemon's policy",
	  reclaim_opts,
	  "  on, off   switch PTE-table reclaim (root); the daemon then holds "
	  "it\n"
	  "  auto      hand the knob back to the daemon's policy (root)\n"
	  "  status    how this kernel reclaims empty PTE tables, and the "
	  "policy\n"
	  "  pid       free the empty PTE tables of processes now (ptwatch "
	  "help reclaim pid)" },
	{ "reclaim pid", NULL, "PID...",
	  "free the empty PTE tables of processes now (MADV_PT_RECLAIM)",
	  reclaim_pid_opts,
	  "Needs CAP_SYS_NICE and ptrace access to each process, and a kernel "
	  "with\nMADV_PT_RECLAIM (exit 5 without); --dry-run needs neither." },
	{ "help", cmd_help, "[COMMAND]", "this list, or one command's help",
	  help_opts, NULL },
	{ 0 },
};

const struct cli_cmd *cli_cmd_find(const char *name)
{
	for (const struct cli_cmd *c = cli_cmds; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

void cli_getopt_tables(const struct cli_opt *o, const char *prefix,
		       struct option *longs, char *shorts)
{
	int n = 0;

	strcpy(shorts, prefix);
	for (; o->name && n < CLI_MAX_OPTS; o++, n++) {
		longs[n] = (struct option){ o->name,
					    o->arg ? required_argument :
						     no_argument,
					    NULL, o->val };
		if (o->shrt) {
			size_t len = strlen(shorts);

			shorts[len++] = o->shrt;
			if (o->arg)
				shorts[len++] = ':';
			shorts[len] = 0;
		}
	}
	longs[n] = (struct option){ 0 };
}

int cli_getopt(int argc, char **argv, const char *shorts,
	       const struct option *longs, const struct cli_opt *o)
{
	int c = getopt_long(argc, argv, shorts, longs, NULL);

	for (; c > 0 && c != '?' && o->name; o++)
		if (o->shrt == c)
			return o->val;
	return c;
}

static void opts_usage(FILE *out, const struct cli_opt *o)
{
	for (; o->name; o++) {
		char left[48];

		if (o->shrt)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->shrt,
				 o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(out, "  %-24s %s\n", left, o->help);
	}
}

void cli_cmd_usage(FILE *out, const struct cli_cmd *c)
{
	fprintf(out, "usage: ptwatch %s%s%s [OPTIONS]\n%s\n\noptions:\n",
		c->name, *c->args ? " " : "", c->args, c->summary);
	opts_usage(out, c->opts);
	if (c->more)
		fprintf(out, "\n%s\n", c->more);
}

void cli_usage(FILE *out)
{
	fprintf(out, "usage: ptwatch [OPTIONS] COMMAND [ARGS] [OPTIONS]\n"
		     "       ptwatch help [COMMAND]\n\ncommands:\n");
	for (const struct cli_cmd *c = cli_cmds; c->name; c++) {
		char left[64];

		snprintf(left, sizeof(left), "%s%s%s", c->name,
			 *c->args ? " " : "", c->args);
		fprintf(out, "  %-30s %s\n", left, c->summary);
	}
	fprintf(out, "\noptions (before the command):\n");
	opts_usage(out, cli_global_opts);
	fprintf(out,
		"\nexit codes:\n"
		"  0 success             1 runtime failure\n"
		"  2 bad command line    3 no such process (or it exited)\n"
		"  4 permission denied   5 not supported by this kernel/host\n"
		"  6 daemon required but not reachable (also a --socket "
		"given\n    that does not answer)\n");
}

int cmd_help(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct cli_cmd *c;
	char name[64];

	(void)ctx;
	if (argc > 1 &&
	    (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		cli_cmd_usage(stdout, cli_cmd_find("help"));
		return PTW_OK;
	}
	if (argc > 1 && argv[1][0] == '-')
		return cli_error(PTW_USAGE, "help: unknown option '%s'",
				 argv[1]);
	if (argc < 2) {
		cli_usage(stdout);
		return PTW_OK;
	}
	/* "help reclaim pid" as well as "help 'reclaim pid'" */
	snprintf(name, sizeof(name), "%s%s%s", argv[1], argc > 2 ? " " : "",
		 argc > 2 ? argv[2] : "");
	c = cli_cmd_find(name);
	if (!c || argc > 3)
		return cli_error(PTW_USAGE,
				 "help: no command '%s' (try ptwatch help)",
				 name);
	cli_cmd_usage(stdout, c);
	return PTW_OK;
}
