// SPDX-License-Identifier: GPL-2.0
/* ptwatch: the command line. Parses global options, then hands over. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	cli_cmd_fn fn;
	const char *help;
} commands[] = {
	{ "snapshot", cmd_snapshot,
	  "page-table waste of every process and cgroup, and the host" },
	{ "top", cmd_top, "the same, refreshed, with rates of change" },
	{ "show", cmd_show, "one process; --exact counts its PTE tables" },
	{ "status", cmd_status,
	  "kernel features and how each BPF probe attached" },
	{ "record", cmd_record,
	  "attach the BPF probes and count page-table events" },
	{ "reclaim", cmd_reclaim, "PTE-table reclaim: on | off | status" },
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ptwatch [--socket PATH] [--no-daemon] COMMAND [OPTIONS]\n"
		"       ptwatch COMMAND --help\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].help);
	fprintf(out,
		"\nexit codes:\n"
		"  0 success             1 runtime failure\n"
		"  2 bad command line    3 no such process (or it exited)\n"
		"  4 permission denied   5 not supported by this kernel/host\n"
		"  6 daemon required but not reachable\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "no-daemon", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct cli_ctx ctx = { .prog = "ptwatch",
			       .socket_path = PTW_SOCKET_PATH };
	int c;

	/* '+': stop at the first non-option, the command name. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			ctx.socket_path = optarg;
			break;
		case 'N':
			ctx.no_daemon = true;
			break;
		case 'h':
			usage(stdout);
			return PTW_OK;
		case 'V':
			printf("ptwatch %s\n", PTW_VERSION);
			return PTW_OK;
		default:
			return cli_error(PTW_USAGE,
					 "unknown or incomplete "
					 "option '%s' (try --help)",
					 argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_error(PTW_USAGE, "no command given (try --help)");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			int sub_argc = argc - optind;
			char **sub_argv = argv + optind;
			char name[32];

			/* getopt names argv[0] in its messages */
			snprintf(name, sizeof(name), "ptwatch %s",
				 commands[i].name);
			sub_argv[0] = name;
			optind = 0; /* full getopt reset for the command */
			opterr = 1;
			return commands[i].fn(&ctx, sub_argc, sub_argv);
		}
	}
	return cli_error(PTW_USAGE, "unknown command '%s' (try --help)",
			 argv[optind]);
}
