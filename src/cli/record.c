// SPDX-License-Identifier: GPL-2.0
/*
 * ptwatch record [-d SECONDS] [--json] [-p PID] [-n N]: loads the probes
 * itself (no daemon), counts page-table events per process for a while or
 * until Ctrl-C, and prints what it saw, processes that ended included.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "bpf_json.h"
#include "bpf_probes.h"
#include "bpf_tally.h"
#include "cli.h"
#include "spec.h"
#include "view.h"
#include "report.h"
#include "table.h"
#include "term.h"

struct record_opts {
	double duration; /* seconds; 0: until interrupted */
	bool json;
	uint32_t pid;
	size_t limit; /* rows in the table */
};

struct record_result {
	struct ptw_proc *procs;
	bool *ended;
	size_t n;
	struct ptw_totals totals;
	const struct ptw_probe_status *st;
	double seconds;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse(int argc, char **argv, struct record_opts *o)
{
	const struct cli_cmd *cmd = cli_cmd_find("record");
	struct option opts[CLI_MAX_OPTS + 1];
	char shorts[3 * CLI_MAX_OPTS + 2];
	char *end;
	int c;

	*o = (struct record_opts){ .limit = 20 };
	cli_getopt_tables(cmd->opts, "", opts, shorts);
	while ((c = cli_getopt(argc, argv, shorts, opts, cmd->opts)) != -1) {
		errno = 0;
		switch (c) {
		case 'd':
			if (cli_parse_seconds("-d", optarg, 0.01, 604800,
					      &o->duration))
				return PTW_USAGE;
			break;
		case 'j':
			o->json = true;
			break;
		case 'p': {
			long v = strtol(optarg, &end, 10);

			if (*end || errno || v <= 0 || v > INT32_MAX)
				return cli_error(PTW_USAGE,
						 "record: bad pid '%s'",
						 optarg);
			o->pid = (uint32_t)v;
			break;
		}
		case 'n': {
			long v = strtol(optarg, &end, 10);

			if (*end || errno || v <= 0)
				return cli_error(PTW_USAGE,
						 "record: bad row count '%s'",
						 optarg);
			o->limit = (size_t)v;
			break;
		}
		case 'h':
			cli_cmd_usage(stdout, cmd);
			return -1;
		default:
			return PTW_USAGE; /* getopt said why, on one line */
		}
	}
	if (optind < argc)
		return cli_error(PTW_USAGE, "record: unexpected argument '%s'",
				 argv[optind]);
	if (o->pid && kill((pid_t)o->pid, 0) < 0 && errno == ESRCH)
		return cli_error(PTW_NOPROC, "record: no process %" PRIu32,
				 o->pid);
	return PTW_OK;
}

static void announce(const struct record_opts *o,
		     const struct ptw_probe_status *st)
{
	int missing = 0;

	fprintf(stderr, "ptwatch: recording");
	if (o->duration > 0)
		fprintf(stderr, " for %g s", o->duration);
	fprintf(stderr, " (Ctrl-C stops)");
	for (int p = 0; p < PTW_PROBE_NR; p++) {
		if (st[p].attach == PTW_ATTACH_NONE)
			fprintf(stderr, "%s%s",
				missing++ ? ", " : "; not attached: ",
				st[p].name);
	}
	fprintf(stderr, "\n");
}

/* Runs until the deadline or a signal, reading once a second. */
static void run(struct bpf_probes *bp, struct ptw_tally *t, double duration)
{
	double start = now_s(), left;
	int ms;

	for (;;) {
		left = duration > 0 ? start + duration - now_s() : 1.0;
		if (stop || left <= 0)
			break;
		ms = left > 1.0 ? 1000 : (int)(left * 1000) + 1;
		bpf_probes_poll(bp, ms);
		ptw_tally_update(t, bp);
	}
	ptw_tally_update(t, bp);
}

static uint64_t weight(const struct ptw_proc *p)
{
	return p->c[PTW_C_PTE_INSTALLED] + p->c[PTW_C_PTE_FREED] +
	       p->c[PTW_C_PTE_RECLAIMED] + p->c[PTW_C_MADV_DONTNEED_CALLS] +
	       p->c[PTW_C_MADV_FREE_CALLS] + p->c[PTW_C_ZAP_CALLS];
}

static int by_weight(const void *a, const void *b)
{
	uint64_t x = weight(a), y = weight(b);

	return (x < y) - (x > y);
}

static int collect(struct ptw_tally *t, struct record_result *r)
{
	r->procs = calloc(t->n ? t->n : 1, sizeof(*r->procs));
	r->ended = calloc(t->n ? t->n : 1, sizeof(*r->ended));
	if (!r->procs || !r->ended)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++)
		ptw_tally_sum(&t->e[i], &r->procs[i]);
	r->n = t->n;
	qsort(r->procs, r->n, sizeof(*r->procs), by_weight);
	/* ended[] follows the sorted order. */
	for (size_t i = 0; i < r->n; i++) {
		for (size_t k = 0; k < t->n; k++) {
			if (t->e[k].live.pid == r->procs[i].pid)
				r->ended[i] = t->e[k].ended &&
					      !t->e[k].has_live;
		}
	}
	return 0;
}

static void print_json_result(const struct record_result *r,
			      const struct record_opts *o)
{
	json_object *root = json_object_new_object(),
		    *a = json_object_new_array();
	struct utsname u;

	uname(&u);
	json_object_object_add(root, "kernel",
			       json_object_new_string(u.release));
	json_object_object_add(root, "duration_s",
			       json_object_new_double(r->seconds));
	json_object_object_add(root, "pid_filter",
			       o->pid ? json_object_new_int64(o->pid) : NULL);
	json_object_object_add(root, "probes", ptw_probes_json(r->st));
	json_object_object_add(root, "totals",
			       ptw_totals_json(&r->totals, r->st));
	for (size_t i = 0; i < r->n; i++) {
		json_object *p = ptw_proc_json(&r->procs[i], r->st);

		json_object_object_add(p, "ended",
				       json_object_new_boolean(r->ended[i]));
		json_object_array_add(a, p);
	}
	json_object_object_add(root, "processes", a);
	print_json(root);
	json_object_put(root);
}

/* A counter cell: the number, or "-" when the kernel cannot give it. */
static const char *cell(const struct record_result *r, const struct ptw_proc *p,
			enum ptw_counter c, bool bytes, char *buf)
{
	if (!ptw_counter_known(r->st, c))
		return "-";
	if (bytes)
		return fmt_bytes(p->c[c], buf);
	snprintf(buf, 24, "%" PRIu64, (uint64_t)p->c[c]);
	return buf;
}

/* The table's columns: PID, COMM, then the counters; drop: which go
 * first when the terminal is narrow (table.h). */
static const enum ptw_counter row_counters[] = {
	PTW_C_PTE_INSTALLED,	   PTW_C_PTE_FREED,
	PTW_C_PTE_RECLAIMED,	   PTW_C_PTES_ZAPPED,
	PTW_C_ZAP_CALLS,	   PTW_C_ZAP_BYTES,
	PTW_C_MADV_DONTNEED_CALLS, PTW_C_MADV_DONTNEED_BYTES,
	PTW_C_MADV_FREE_CALLS,	   PTW_C_MADV_FREE_BYTES,
};
#define NR_COUNTERS (sizeof(row_counters) / sizeof(row_counters[0]))
static const struct table_col row_cols[2 + NR_COUNTERS] = {
	{ "PID", 8, false, 0, false },
	{ "COMM", 16, true, 0, false },
	{ "TABLES+", 7, false, 1, false },
	{ "TABLES-", 7, false, 1, false },
	{ "RECLAIMED", 9, false, 0, false },
	{ "PTES-ZAPPED", 11, false, 4, false },
	{ "ZAPS", 7, false, 5, false },
	{ "ZAP-BYTES", 10, false, 5, false },
	{ "DONTNEEDS", 9, false, 2, false },
	{ "DONTNEED-B", 11, false, 3, false },
	{ "FREES", 7, false, 2, false },
	{ "FREE-B", 10, false, 3, false },
};

static void print_row(const struct table *t, const struct record_result *r,
		      const struct ptw_proc *p, const char *pid,
		      const char *comm)
{
	char buf[NR_COUNTERS][32];
	const char *cells[2 + NR_COUNTERS] = { pid, comm };

	for (size_t i = 0; i < NR_COUNTERS; i++) {
		enum ptw_counter c = row_counters[i];
		bool bytes = c == PTW_C_ZAP_BYTES ||
			     c == PTW_C_MADV_DONTNEED_BYTES ||
			     c == PTW_C_MADV_FREE_BYTES;

		cells[2 + i] = cell(r, p, c, bytes, buf[i]);
	}
	table_row(stdout, t, cells);
}

static void print_hist(const __u64 *hist)
{
	printf("zap batches (PTEs per batch: count):");
	for (unsigned int s = 0; s < PTW_HIST_SLOTS; s++)
		printf(" %s:%" PRIu64, ptw_hist_slot_name(s),
		       (uint64_t)hist[s]);
	printf("\n");
}

static void print_table(const struct record_result *r,
			const struct record_opts *o)
{
	struct ptw_proc total = { 0 };
	struct table t;
	char pid[16], comm[PTW_COMM_BYTES + 2];
	size_t shown = r->n < o->limit ? r->n : o->limit;

	printf("recorded %.1f s, %zu %s; \"-\": not countable on this kernel "
	       "(ptwatch status)\n",
	       r->seconds, r->n, r->n == 1 ? "process" : "processes");
	table_fit(&t, row_cols, 2 + NR_COUNTERS, term_width(), 0, false);
	table_head(stdout, &t);
	for (size_t i = 0; i < shown; i++) {
		snprintf(pid, sizeof(pid), "%" PRIu32,
			 (uint32_t)r->procs[i].pid);
		snprintf(comm, sizeof(comm), "%.16s%s", r->procs[i].comm,
			 r->ended[i] ? "*" : "");
		print_row(&t, r, &r->procs[i], pid, comm);
	}
	if (shown < r->n)
		printf("(%zu more; -n to show them)\n", r->n - shown);
	memcpy(total.c, r->totals.c, sizeof(total.c));
	print_row(&t, r, &total, "all", o->pid ? "(this pid)" : "(system)");
	printf("TABLES+/-: PTE tables allocated, freed; RECLAIMED: freed empty "
	       "by reclaim;\nZAPS: unmap calls; DONTNEEDS, FREES: madvise "
	       "calls, -B(YTES) what they covered\n");
	printf("* ended during the recording");
	if (r->totals.drops)
		printf("; %" PRIu64 " events not attributed (map full)",
		       (uint64_t)r->totals.drops);
	printf("\n");
	if (ptw_counter_known(r->st, PTW_C_PTES_ZAPPED))
		print_hist(r->totals.hist);
}

static int open_error(int err)
{
	if (err == -EPERM || err == -EACCES)
		return cli_error(PTW_PERM,
				 "record: loading BPF needs root (%s)",
				 strerror(-err));
	if (err == -ENOENT)
		return cli_error(
			PTW_UNSUPPORTED,
			"record: no probe could attach on this kernel (see ptwatch status)");
	return cli_error(PTW_ERR, "record: cannot load the BPF probes (%s)",
			 strerror(-err));
}

int cmd_record(struct cli_ctx *ctx, int argc, char **argv)
{
	struct bpf_probes_opts bo = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct record_result r = { 0 };
	struct record_opts o;
	struct ptw_tally t;
	struct bpf_probes *bp;
	double start;
	int rc, err;

	rc = parse(argc, argv, &o);
	if (rc)
		return rc < 0 ? PTW_OK : rc;
	o.json |= ctx->json;
	/* as show: a PID that is not there or a kernel thread is exit 3 */
	if (o.pid && (rc = cli_check_pid("/proc", (pid_t)o.pid, "record")))
		return rc;
	bo.pid = o.pid;
	/* No SA_RESTART: Ctrl-C must end the wait in poll at once. Installed
	 * before loading, so that Ctrl-C while loading ends cleanly too. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	err = bpf_probes_open(&bp, &bo);
	if (err)
		return open_error(err);
	r.st = bpf_probes_status(bp);
	announce(&o, r.st);
	ptw_tally_init(&t);
	start = now_s();
	run(bp, &t, o.duration);
	r.seconds = now_s() - start;
	bpf_probes_totals(bp, &r.totals);
	rc = collect(&t, &r) ? cli_error(PTW_ERR, "record: out of memory") :
			       PTW_OK;
	if (!rc && o.json)
		print_json_result(&r, &o);
	else if (!rc)
		print_table(&r, &o);
	free(r.procs);
	free(r.ended);
	ptw_tally_free(&t);
	bpf_probes_close(bp);
	return rc;
}
