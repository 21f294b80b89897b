// SPDX-License-Identifier: GPL-2.0
/* ptwatch show PID [--exact]: one process, and the census of its tables. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "census.h"
#include "census_view.h"
#include "cgroups.h"
#include "view.h"
#include "json_put.h"
#include "spec.h"
#include "term.h"

#define CENSUS_TRIES 5
/* With --exact, smaps_rollup (which walks every PTE, as the census does:
 * 1.2 s for a million tables) only up to this much VmPTE: above it the
 * census gives the exact figures and the estimate comes from status, as
 * in the daemon (src/daemon/rollup_budget.h). */
#define EXACT_ROLLUP_MAX (64ULL << 20)

struct show_opts {
	pid_t pid;
	bool exact, json, force_pagemap;
};

static int show_parse(int argc, char **argv, struct show_opts *o)
{
	const struct cli_cmd *cmd = cli_cmd_find("show");
	struct option opts[CLI_MAX_OPTS + 1];
	char shorts[3 * CLI_MAX_OPTS + 2];
	char *end;
	long pid;
	int c;

	*o = (struct show_opts){ 0 };
	cli_getopt_tables(cmd->opts, "", opts, shorts);
	while ((c = cli_getopt(argc, argv, shorts, opts, cmd->opts)) != -1) {
		switch (c) {
		case 'e':
			o->exact = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'p':
			o->force_pagemap = o->exact = true;
			break;
		case 'h':
			cli_cmd_usage(stdout, cmd);
			return -1;
		default:
			return PTW_USAGE;
		}
	}
	if (optind + 1 != argc)
		return cli_error(PTW_USAGE, "show: expected one PID");
	errno = 0;
	pid = strtol(argv[optind], &end, 10);
	if (errno || *end || pid <= 0 || pid > 4194304)
		return cli_error(PTW_USAGE, "show: '%s' is not a PID",
				 argv[optind]);
	o->pid = pid;
	return PTW_OK;
}

static int read_sample(pid_t pid, bool exact, struct proc_sample *p)
{
	int fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct cgroup_layout layout;
	int err;

	if (fd < 0)
		return cli_error(PTW_ERR, "cannot open /proc: %s",
				 strerror(errno));
	cgroup_detect("/sys/fs/cgroup", &layout);
	err = snapshot_read_proc_bounded(fd, pid, layout.version == 2, 0,
					 exact ? EXACT_ROLLUP_MAX : UINT64_MAX,
					 p);
	close(fd);
	if (err == -ENODATA)
		return cli_error(PTW_NOPROC,
				 "pid %d is a kernel thread: it "
				 "has no page tables of its own",
				 pid);
	if (err && err != -EACCES)
		return cli_error(PTW_NOPROC, "no process with pid %d", pid);
	return PTW_OK;
}

static int take_census(const struct show_opts *o, struct pte_census *c)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	/* a large process is walked on every CPU (census_par.c) */
	int err = census_take_retry_threads("/proc", o->pid, o->force_pagemap,
					    cpus > 0 ? (unsigned int)cpus : 1,
					    CENSUS_TRIES, c);

	switch (err) {
	case 0:
		return PTW_OK;
	case -ESRCH:
		return cli_error(PTW_NOPROC, "pid %d exited", o->pid);
	case -EACCES:
	case -EPERM:
		return cli_error(PTW_PERM,
				 "--exact: no right to read "
				 "/proc/%d/pagemap (run as its user or root)",
				 o->pid);
	case -EAGAIN:
		return cli_error(PTW_ERR,
				 "pid %d changed its page tables "
				 "during %d censuses; try again",
				 o->pid, CENSUS_TRIES);
	case -E2BIG:
		return cli_error(PTW_UNSUPPORTED,
				 "pid %d maps too much for a "
				 "/proc/PID/pagemap census; PAGEMAP_SCAN "
				 "(Linux 6.7+) has no such limit",
				 o->pid);
	default:
		return cli_error(PTW_ERR, "census of pid %d: %s", o->pid,
				 strerror(-err));
	}
}

static void print_json_show(const struct proc_sample *p,
			    const struct pte_census *c)
{
	json_object *o = proc_sample_to_json(p);

	if (c) {
		json_object *x = json_object_new_object();

		json_object_object_add(x, "method",
				       json_object_new_string(c->method));
		json_put_u64(x, "pmd_tables", c->pmd_tables);
		json_put_u64(x, "pud_tables", c->pud_tables);
		json_put_u64(x, "huge_blocks", c->huge_blocks);
		json_put_u64(x, "used_entries", c->used_entries);
		json_put_u64(x, "scanned_bytes", c->scanned_bytes);
		json_object_object_add(
			x, "elapsed_s",
			json_object_new_double((double)c->elapsed_ns / 1e9));
		json_put_u64(o, "pte_tables", c->pte_tables);
		json_put_u64(o, "used_pte_tables", c->used_pte_tables);
		census_figures_to_json(o, &c->fig);
		json_put_u64(o, "empty_pte_table_bytes",
			     c->empty_pte_tables * 4096);
		json_object_object_add(o, "census", x);
	}
	print_json(o);
	json_object_put(o);
}

static void print_table_show(const struct proc_sample *p,
			     const struct pte_census *c)
{
	const struct census_figures *f = c ? &c->fig : NULL;
	char b[3][16], bar[CENSUS_BAR_LEN];
	struct report_fit fit = { term_width(), false };

	report_procs(stdout, p, 1, NULL, &fit);
	if (!c)
		return;
	printf("\nexact census (%s, %s of mappings walked in %.1f ms):\n",
	       c->method, fmt_bytes(c->scanned_bytes, b[0]),
	       (double)c->elapsed_ns / 1e6);
	printf("  reclaimable     %10s  %llu empty PTE tables: the kernel "
	       "can free them now\n",
	       fmt_bytes(f->reclaimable_bytes, b[0]),
	       (unsigned long long)f->empty_pte_tables);
	printf("  sparse excess   %10s  beyond what %llu entries need "
	       "packed: allocator\n",
	       fmt_bytes(f->sparse_excess_bytes, b[1]),
	       (unsigned long long)c->used_entries);
	printf("  estimated waste %10s  upper bound from procfs (no page "
	       "walk)\n",
	       fmt_bytes(p->waste_bytes, b[2]));
	printf("  occupancy       %s\n", census_bar(f->occupancy, bar));
	printf("  PTE tables      %10llu  (%llu mapping pages, %llu empty, "
	       "%llu deposited for THP)\n",
	       (unsigned long long)c->pte_tables,
	       (unsigned long long)c->used_pte_tables,
	       (unsigned long long)c->empty_pte_tables,
	       (unsigned long long)c->thp_deposited_tables);
	printf("  PMD tables      %10llu\n", (unsigned long long)c->pmd_tables);
	printf("  PUD tables      %10llu\n", (unsigned long long)c->pud_tables);
	printf("  PMD-mapped      %10llu  2 MiB blocks, no PTE table (THP "
	       "deposits one)\n",
	       (unsigned long long)c->huge_blocks);
	census_advice(stdout, c);
}

int cmd_show(struct cli_ctx *ctx, int argc, char **argv)
{
	struct show_opts o;
	struct proc_sample p;
	struct pte_census c;
	int rc = show_parse(argc, argv, &o);

	if (rc)
		return rc < 0 ? PTW_OK : rc;
	o.json |= ctx->json;
	rc = read_sample(o.pid, o.exact, &p);
	if (!rc && o.exact)
		rc = take_census(&o, &c);
	if (rc)
		return rc;
	if (o.exact)
		p.census = c.fig; /* the row shows the exact figures too */
	if (o.json)
		print_json_show(&p, o.exact ? &c : NULL);
	else
		print_table_show(&p, o.exact ? &c : NULL);
	return PTW_OK;
}
