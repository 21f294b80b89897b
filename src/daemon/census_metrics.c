// SPDX-License-Identifier: GPL-2.0
/* The census's Prometheus series (census_metrics.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "census_metrics.h"
#include "metrics.h"

static void host_series(FILE *o, const struct d_state *st)
{
	const struct host_sample *h = &st->scan.snap.host;
	const struct census_sum *c = &h->census;
	const struct d_census *d = &st->census;

	d_metrics_value(
		o, "ptwatch_page_table_reclaimable_bytes", "gauge",
		"Empty PTE tables (exact, what the kernel can free), summed "
		"over censused processes.",
		(double)c->reclaimable_bytes);
	d_metrics_value(
		o, "ptwatch_page_table_sparse_excess_bytes", "gauge",
		"PTE tables beyond what their used entries need if packed "
		"(exact, allocator layout), summed over censused processes.",
		(double)c->sparse_excess_bytes);
	d_metrics_value(
		o, "ptwatch_thp_deposited_pte_tables", "gauge",
		"PTE tables deposited for PMD-mapped anonymous THP (needed), "
		"summed over censused processes.",
		(double)c->thp_deposited_tables);
	d_metrics_value(o, "ptwatch_censused_processes", "gauge",
			"Processes with census figures.", (double)c->processes);
	d_metrics_value(
		o, "ptwatch_census_coverage_ratio", "gauge",
		"Share of the host's page tables held by censused processes.",
		h->page_tables ?
			(double)c->page_table_bytes / (double)h->page_tables :
			0);
	d_metrics_value(o, "ptwatch_census_runs_total", "counter",
			"Censuses the daemon took.", (double)d->runs);
	d_metrics_value(o, "ptwatch_census_failures_total", "counter",
			"Censuses that failed (process gone or not readable).",
			(double)d->failures);
	d_metrics_value(
		o, "ptwatch_census_cpu_seconds_total", "counter",
		"CPU time spent in censuses (part of the sampling CPU).",
		d->cpu_total_s);
	d_metrics_value(o, "ptwatch_census_step_seconds", "gauge",
			"Wall time of the last sample's censuses (at most "
			"[census] slice and one piece of a walk).",
			d->last_wall_s);
	d_metrics_value(o, "ptwatch_census_in_progress", "gauge",
			"1 while a census goes on across samples.",
			d->cur.active ? 1 : 0);
	d_metrics_value(o, "ptwatch_census_spread_total", "counter",
			"Censuses that took more than one sample.",
			(double)d->spread);
	d_metrics_value(o, "ptwatch_census_slices_total", "counter",
			"Samples in which a census went on from an earlier "
			"one.",
			(double)d->slices);
	d_metrics_value(o, "ptwatch_census_restarts_total", "counter",
			"Census walks begun again because the process changed "
			"during them.",
			(double)d->restarts);
}

static int by_reclaimable(const void *a, const void *b)
{
	const struct cgroup_sample *const *x = a, *const *y = b;
	uint64_t kx = (*x)->census.reclaimable_bytes;
	uint64_t ky = (*y)->census.reclaimable_bytes;

	if (kx != ky)
		return kx < ky ? 1 : -1;
	return strcmp((*x)->path, (*y)->path);
}

static void cgroup_series(FILE *o, const struct d_state *st)
{
	const struct snapshot *s = &st->scan.snap;
	const struct cgroup_sample **cg =
		malloc((s->nr_cgroups + 1) * sizeof(*cg));
	static const char *const names[] = {
		"ptwatch_cgroup_page_table_reclaimable_bytes",
		"ptwatch_cgroup_page_table_sparse_excess_bytes",
		"ptwatch_cgroup_censused_processes",
	};
	static const char *const helps[] = {
		"Empty PTE tables (exact) of the censused processes in a memory "
		"cgroup, hierarchical.",
		"Sparse PTE-table excess (exact) of the censused processes in a "
		"memory cgroup, hierarchical.",
		"Censused processes in a memory cgroup, hierarchical.",
	};
	size_t n = 0;

	if (!cg)
		return;
	for (size_t i = 0; i < s->nr_cgroups; i++)
		if (s->cgroups[i].census.processes)
			cg[n++] = &s->cgroups[i];
	qsort(cg, n, sizeof(*cg), by_reclaimable);
	if (n > st->cfg.top_cgroups)
		n = st->cfg.top_cgroups;
	for (int m = 0; m < 3; m++) {
		d_metrics_head(o, names[m], "gauge", helps[m]);
		for (size_t i = 0; i < n; i++) {
			const struct census_sum *c = &cg[i]->census;
			double v = m == 0 ? (double)c->reclaimable_bytes :
				   m == 1 ? (double)c->sparse_excess_bytes :
					    (double)c->processes;

			fprintf(o, "%s{cgroup=", names[m]);
			d_metrics_label(o, cg[i]->path[0] ? cg[i]->path : "/");
			fprintf(o, "} %.17g\n", v);
		}
	}
	free(cg);
}

static double age_s(const struct census_figures *f)
{
	struct timespec ts;
	double now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = ts.tv_sec + ts.tv_nsec / 1e9;
	return now - (double)f->realtime_ns / 1e9;
}

/* The censused processes among the top by estimated waste, at most
 * top_processes of them: bounded like the other per-process series. */
static void process_series(FILE *o, const struct d_state *st)
{
	static const char *const names[] = {
		"ptwatch_process_page_table_reclaimable_bytes",
		"ptwatch_process_page_table_sparse_excess_bytes",
		"ptwatch_process_thp_deposited_pte_tables",
		"ptwatch_process_census_age_seconds",
	};
	static const char *const helps[] = {
		"Empty PTE tables (exact) of a censused top process.",
		"Sparse PTE-table excess (exact) of a censused top process.",
		"PTE tables deposited for its PMD-mapped anonymous THP.",
		"Age of its census figures.",
	};

	for (int m = 0; m < 4; m++) {
		size_t shown = 0;

		d_metrics_head(o, names[m], "gauge", helps[m]);
		for (size_t i = 0; i < st->scan.snap.nr_procs &&
				   shown < st->cfg.top_processes;
		     i++) {
			const struct proc_sample *p = d_scan_nth(&st->scan, i);
			const struct census_figures *f = &p->census;
			double v = m == 0 ? (double)f->reclaimable_bytes :
				   m == 1 ? (double)f->sparse_excess_bytes :
				   m == 2 ? (double)f->thp_deposited_tables :
					    age_s(f);

			if (!f->valid)
				continue;
			fprintf(o, "%s{pid=\"%d\",comm=", names[m],
				(int)p->pid);
			d_metrics_label(o, p->comm);
			fputs(",cgroup=", o);
			d_metrics_label(o, p->cgroup);
			fprintf(o, "} %.17g\n", v);
			shown++;
		}
	}
}

void d_census_metrics(FILE *o, const struct d_state *st)
{
	host_series(o, st);
	cgroup_series(o, st);
	process_series(o, st);
}
