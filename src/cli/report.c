// SPDX-License-Identifier: GPL-2.0
/* Human-readable tables; the JSON twin is snapshot_json.c. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "table.h"

const char *fmt_bytes(uint64_t bytes, char *buf)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, 16, "%" PRIu64 " B", bytes);
	else
		snprintf(buf, 16, "%.1f %s", v, unit[u]);
	return buf;
}

static const char *fmt_rate(double per_s, char *buf)
{
	char b[16];
	uint64_t mag;

	if (isnan(per_s))
		return "-";
	mag = (uint64_t)(per_s < 0 ? -per_s : per_s);
	snprintf(buf, 24, "%s%s/s", per_s < 0 ? "-" : "+", fmt_bytes(mag, b));
	return buf;
}

static const char *processes(size_t n)
{
	return n == 1 ? "process" : "processes";
}

/* The oldest census among the processes, in seconds; -1 when none. */
static double oldest_census_s(const struct snapshot *s)
{
	double age = -1;

	for (size_t i = 0; i < s->nr_procs; i++) {
		const struct census_figures *f = &s->procs[i].census;
		double a;

		if (!f->valid)
			continue;
		a = ((double)s->host.realtime_ns - (double)f->realtime_ns) /
		    1e9;
		if (a > age)
			age = a < 0 ? 0 : a;
	}
	return age;
}

/* The process with the most of what the headline acts on. */
static const struct proc_sample *most(const struct snapshot *s, bool exact)
{
	const struct proc_sample *best = NULL;

	for (size_t i = 0; i < s->nr_procs; i++) {
		const struct proc_sample *p = &s->procs[i];
		uint64_t v = exact ? p->census.reclaimable_bytes :
				     p->waste_bytes;

		if (exact && (!p->census.valid || report_census_stale(p)))
			continue;
		if (v && (!best || v > (exact ? best->census.reclaimable_bytes :
						best->waste_bytes)))
			best = p;
	}
	return best;
}

/* "act first:" the largest figure and the command that removes it. */
static void report_act(FILE *out, const struct snapshot *s, int can_reclaim)
{
	const struct proc_sample *r = most(s, true), *e = most(s, false);
	char b[16];

	if (r && r->census.reclaimable_bytes >= REPORT_ACT_MIN_BYTES) {
		fprintf(out, "act first: %s empty in %s (%d): %s",
			fmt_bytes(r->census.reclaimable_bytes, b), r->comm,
			r->pid,
			can_reclaim == 0 ? "ptwatch reclaim pid " :
			can_reclaim == -EOPNOTSUPP ?
					   "ptwatch reclaim on" :
					   "needs the ptwatch kernel");
		if (can_reclaim == 0)
			fprintf(out, "%d", r->pid);
		fputc('\n', out);
	} else if (e && e->waste_bytes >= REPORT_ACT_MIN_BYTES &&
		   !e->census.valid) {
		fprintf(out,
			"act first: up to %s in %s (%d): ptwatch show %d "
			"--exact\n",
			fmt_bytes(e->waste_bytes, b), e->comm, e->pid, e->pid);
	} else if (s->host.census.sparse_excess_bytes >= REPORT_ACT_MIN_BYTES) {
		fprintf(out,
			"act first: %s sparse, not empty: allocator settings "
			"(docs/allocator-advice.md)\n",
			fmt_bytes(s->host.census.sparse_excess_bytes, b));
	} else {
		fprintf(out,
			"act first: nothing: no process holds %s of "
			"waste\n",
			fmt_bytes(REPORT_ACT_MIN_BYTES, b));
	}
}

void report_host(FILE *out, const struct snapshot *s, const char *source,
		 int can_reclaim)
{
	const struct host_sample *h = &s->host;
	const struct census_sum *c = &h->census;
	char pt[16], sec[16], waste[16], mem[16], rec[16], sp[16];
	double age = oldest_census_s(s);
	unsigned int stale = 0;

	for (size_t i = 0; i < s->nr_procs; i++)
		stale += report_census_stale(&s->procs[i]);

	fprintf(out, "host %s: page tables %s", h->kernel,
		fmt_bytes(h->page_tables, pt));
	if (h->sec_page_tables)
		fprintf(out, " (secondary %s)",
			fmt_bytes(h->sec_page_tables, sec));
	fprintf(out, " of %s [%s]\n", fmt_bytes(h->mem_total, mem), source);
	report_act(out, s, can_reclaim);
	/* exact first: what the kernel can free, then what only the
	 * allocator can, then the cheap estimate's upper bound */
	if (c->processes) {
		fprintf(out,
			"  reclaimable (exact)   %10s  empty PTE tables, census "
			"%.0f s old",
			fmt_bytes(c->reclaimable_bytes, rec), age);
		if (stale)
			fprintf(out, ", %u stale", stale);
		fputc('\n', out);
		fprintf(out,
			"  sparse excess (exact) %10s  partly filled tables: "
			"allocator layout\n",
			fmt_bytes(c->sparse_excess_bytes, sp));
		fprintf(out,
			"  census coverage       %9.0f%%  of page tables, in %u "
			"of %zu %s\n",
			h->page_tables ? 100.0 * (double)c->page_table_bytes /
						 (double)h->page_tables :
					 0,
			c->processes, s->nr_procs, processes(s->nr_procs));
	} else {
		fprintf(out, "  reclaimable (exact)   %10s  no census yet\n",
			"-");
	}
	fprintf(out,
		"  estimated waste (<=)  %10s  upper bound, %zu %s, no "
		"page walk\n",
		fmt_bytes(h->waste_bytes, waste), s->nr_procs,
		processes(s->nr_procs));
	if (h->unreadable)
		fprintf(out,
			"note: %u %s not readable: estimated from status\n",
			h->unreadable,
			h->unreadable == 1 ? "process's smaps_rollup" :
					     "processes' smaps_rollup");
}

bool report_census_stale(const struct proc_sample *p)
{
	return p->census.valid &&
	       p->census.page_table_bytes != p->page_table_bytes;
}

/* exact figures; "*" after one the process has changed since */
static const char *fmt_exact(const struct proc_sample *s, uint64_t v, char *buf)
{
	if (!s->census.valid)
		return "-";
	fmt_bytes(v, buf);
	if (report_census_stale(s))
		strcat(buf, "*");
	return buf;
}

/* Process columns, in order; drop: which go first when the line is too
 * wide (docs/cli.md). */
enum {
	P_PID,
	P_COMM,
	P_PTE,
	P_RECL,
	P_SPARSE,
	P_EST,
	P_RSS,
	P_ANON,
	P_SWAP,
	P_PTE_RATE,
	P_WASTE_RATE,
	P_CGROUP,
	P_NR
};
static const struct table_col proc_cols[P_NR] = {
	[P_PID] = { "PID", 7, false, 0, false },
	[P_COMM] = { "COMM", 16, true, 0, false },
	[P_PTE] = { "PTE", 10, false, 0, false },
	[P_RECL] = { "RECLAIMABLE", 11, false, 0, false },
	[P_SPARSE] = { "SPARSE", 10, false, 3, false },
	[P_EST] = { "EST.WASTE", 10, false, 1, false },
	[P_RSS] = { "RSS", 10, false, 5, false },
	[P_ANON] = { "ANON", 10, false, 6, false },
	[P_SWAP] = { "SWAP", 10, false, 7, false },
	[P_PTE_RATE] = { "PTE RATE", 13, false, 2, false },
	[P_WASTE_RATE] = { "WASTE RATE", 13, false, 4, false },
	[P_CGROUP] = { "CGROUP", 0, true, 0, true },
};

static int longest_cgroup_p(const struct proc_sample *p, size_t n)
{
	int w = 1;

	for (size_t i = 0; i < n; i++)
		if ((int)strlen(p[i].cgroup) > w)
			w = (int)strlen(p[i].cgroup);
	return w;
}

void report_procs(FILE *out, const struct proc_sample *p, size_t n,
		  const struct proc_rate *rates, const struct report_fit *fit)
{
	struct table_col cols[P_NR];
	bool waste_rates = false;
	struct table t;

	/* rates from the daemon have none for waste: no column of "-" */
	for (size_t i = 0; rates && i < n; i++)
		waste_rates |= rates[i].valid && !isnan(rates[i].waste_per_s);
	memcpy(cols, proc_cols, sizeof(cols));
	if (!rates)
		cols[P_PTE_RATE].head = NULL;
	if (!waste_rates)
		cols[P_WASTE_RATE].head = NULL;
	table_fit(&t, cols, P_NR, fit->width, longest_cgroup_p(p, n),
		  fit->wide);
	table_head(out, &t);
	for (size_t i = 0; i < n; i++) {
		const struct proc_sample *s = &p[i];
		char b[P_NR][24];
		const char *cell[P_NR];

		snprintf(b[P_PID], sizeof(b[0]), "%d", s->pid);
		cell[P_PID] = b[P_PID];
		cell[P_COMM] = s->comm;
		cell[P_PTE] = fmt_bytes(s->page_table_bytes, b[P_PTE]);
		cell[P_RECL] =
			fmt_exact(s, s->census.reclaimable_bytes, b[P_RECL]);
		cell[P_SPARSE] = fmt_exact(s, s->census.sparse_excess_bytes,
					   b[P_SPARSE]);
		cell[P_EST] = fmt_bytes(s->waste_bytes, b[P_EST]);
		cell[P_RSS] = fmt_bytes(
			s->rss_anon + s->rss_file + s->rss_shmem, b[P_RSS]);
		cell[P_ANON] = fmt_bytes(s->rss_anon, b[P_ANON]);
		cell[P_SWAP] = fmt_bytes(s->swap, b[P_SWAP]);
		cell[P_PTE_RATE] =
			rates && rates[i].valid ?
				fmt_rate(rates[i].pte_per_s, b[P_PTE_RATE]) :
				"-";
		cell[P_WASTE_RATE] = rates && rates[i].valid ?
					     fmt_rate(rates[i].waste_per_s,
						      b[P_WASTE_RATE]) :
					     "-";
		cell[P_CGROUP] = s->cgroup[0] ? s->cgroup : "-";
		table_row(out, &t, cell);
	}
}

void report_procs_note(FILE *out)
{
	fprintf(out, "(\"-\": no census, \"*\": changed since its census; "
		     "EST.WASTE: an upper bound)\n");
}

enum { C_PTE, C_RECL, C_EST, C_PROCS, C_SOURCE, C_CGROUP, C_NR };
static const struct table_col cgroup_cols[C_NR] = {
	[C_PTE] = { "PTE", 10, false, 0, false },
	[C_RECL] = { "RECLAIMABLE", 11, false, 2, false },
	[C_EST] = { "EST.WASTE", 10, false, 1, false },
	[C_PROCS] = { "PROCS", 6, false, 3, false },
	[C_SOURCE] = { "SOURCE", 12, true, 4, false },
	[C_CGROUP] = { "CGROUP", 0, true, 0, true },
};

void report_cgroups(FILE *out, const struct cgroup_sample *c, size_t n,
		    const struct report_fit *fit)
{
	struct table t;
	int longest = 1;

	for (size_t i = 0; i < n; i++)
		if ((int)strlen(c[i].path) > longest)
			longest = (int)strlen(c[i].path);
	table_fit(&t, cgroup_cols, C_NR, fit->width, longest, fit->wide);
	table_head(out, &t);
	for (size_t i = 0; i < n; i++) {
		char b[C_NR][24];
		const char *cell[C_NR];

		cell[C_PTE] = fmt_bytes(c[i].page_table_bytes, b[C_PTE]);
		cell[C_RECL] = c[i].census.processes ?
				       fmt_bytes(c[i].census.reclaimable_bytes,
						 b[C_RECL]) :
				       "-";
		cell[C_EST] = fmt_bytes(c[i].waste_bytes, b[C_EST]);
		snprintf(b[C_PROCS], sizeof(b[0]), "%u", c[i].nr_procs);
		cell[C_PROCS] = b[C_PROCS];
		cell[C_SOURCE] = c[i].source;
		cell[C_CGROUP] = c[i].path;
		table_row(out, &t, cell);
	}
}
