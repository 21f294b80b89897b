// SPDX-License-Identifier: GPL-2.0
/* Prometheus text exposition of the daemon's state. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ptwatch.h"
#include "attribution.h"
#include "census_metrics.h"
#include "metrics.h"

void d_metrics_label(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', out), fputc(*s, out);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

void d_metrics_head(FILE *o, const char *name, const char *type,
		    const char *help)
{
	fprintf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void d_metrics_value(FILE *o, const char *name, const char *type,
		     const char *help, double v)
{
	d_metrics_head(o, name, type, help);
	fprintf(o, "%s %.17g\n", name, v);
}

static void host_metrics(FILE *o, const struct d_state *st)
{
	const struct host_sample *h = &st->scan.snap.host;

	d_metrics_value(o, "ptwatch_memory_total_bytes", "gauge",
			"MemTotal of the host.", (double)h->mem_total);
	d_metrics_value(
		o, "ptwatch_page_tables_bytes", "gauge",
		"Page-table memory of the host (/proc/meminfo PageTables).",
		(double)h->page_tables);
	d_metrics_value(o, "ptwatch_secondary_page_tables_bytes", "gauge",
			"Secondary page tables (KVM, IOMMU) of the host.",
			(double)h->sec_page_tables);
	d_metrics_value(
		o, "ptwatch_page_table_waste_bytes", "gauge",
		"Page-table bytes held beyond what resident and swapped memory "
		"needs, summed over processes.",
		(double)h->waste_bytes);
	d_metrics_value(o, "ptwatch_processes", "gauge",
			"Processes with an address space in the last sample.",
			(double)st->scan.snap.nr_procs);
	d_metrics_value(
		o, "ptwatch_processes_unreadable", "gauge",
		"Processes whose smaps_rollup could not be read (estimate from "
		"status only).",
		(double)h->unreadable);
	d_metrics_value(
		o, "ptwatch_sample_rollup_bytes", "gauge",
		"Page tables smaps_rollup walked in the last sample (bounded "
		"per sample, so a huge process cannot make a sample slow).",
		(double)st->scan.rollup.walked);
	d_metrics_value(
		o, "ptwatch_processes_rollup_skipped", "gauge",
		"Processes with more page tables than a sample may walk: "
		"estimated from status, THP counted as PTE-mapped.",
		(double)st->scan.rollup.status_only);
	d_metrics_value(o, "ptwatch_last_sample_timestamp_seconds", "gauge",
			"Wall-clock time of the last sample.",
			(double)h->realtime_ns / 1e9);
}

static int cmp_cgroup_waste(const void *a, const void *b)
{
	const struct cgroup_sample *const *x = a, *const *y = b;

	if ((*x)->waste_bytes != (*y)->waste_bytes)
		return (*x)->waste_bytes < (*y)->waste_bytes ? 1 : -1;
	return strcmp((*x)->path, (*y)->path);
}

static void cgroup_series(FILE *o, const char *name,
			  const struct cgroup_sample *const *cg, size_t n,
			  const uint64_t *v)
{
	for (size_t i = 0; i < n; i++) {
		fprintf(o, "%s{cgroup=", name);
		d_metrics_label(o, cg[i]->path[0] ? cg[i]->path : "/");
		fprintf(o, "} %llu\n", (unsigned long long)v[i]);
	}
}

/* Is a process in cgroup `path` (this one or a descendant)? */
static bool in_cgroup(const char *proc_cg, const char *path)
{
	size_t len = strlen(path);

	if (!strcmp(path, "/"))
		return true;
	return !strncmp(proc_cg, path, len) &&
	       (proc_cg[len] == '\0' || proc_cg[len] == '/');
}

/*
 * VmPTE summed over the processes now in each cgroup, hierarchical: the
 * attribution of the waste series. memory.stat charges a table to the
 * cgroup its process was in when the table was allocated, so the two
 * differ for processes that moved (PID 1's tables stay with the root
 * while it sits in /init.scope). n cgroups x processes prefix compares,
 * once for each run of processes in the same cgroup (neighbours in PID
 * order mostly are): in[] holds the last run's answers.
 */
static void proc_pte_sums(const struct d_state *st,
			  const struct cgroup_sample *const *cg, size_t n,
			  uint64_t *sum, bool *in)
{
	const char *last = NULL;

	for (size_t p = 0; p < st->scan.snap.nr_procs; p++) {
		const struct proc_sample *ps = &st->scan.snap.procs[p];

		if (!last || strcmp(ps->cgroup, last)) {
			for (size_t i = 0; i < n; i++)
				in[i] = in_cgroup(ps->cgroup, cg[i]->path);
			last = ps->cgroup;
		}
		for (size_t i = 0; i < n; i++)
			if (in[i])
				sum[i] += ps->page_table_bytes;
	}
}

static void cgroup_families(FILE *o, const struct d_state *st,
			    const struct cgroup_sample *const *cg, size_t n,
			    uint64_t *v, bool *in)
{
	d_metrics_head(
		o, "ptwatch_cgroup_page_tables_bytes", "gauge",
		"Page tables charged to a memory cgroup, hierarchical: memory.stat "
		"pagetables on cgroup v2 (charged where each table was "
		"allocated), the sum of its processes' VmPTE on cgroup v1 and for "
		"the root.");
	for (size_t i = 0; i < n; i++)
		v[i] = cg[i]->page_table_bytes;
	cgroup_series(o, "ptwatch_cgroup_page_tables_bytes", cg, n, v);
	d_metrics_head(
		o, "ptwatch_cgroup_process_page_tables_bytes", "gauge",
		"VmPTE summed over the processes now in a memory cgroup, "
		"hierarchical: the attribution of the waste series.");
	memset(v, 0, n * sizeof(*v));
	proc_pte_sums(st, cg, n, v, in);
	cgroup_series(o, "ptwatch_cgroup_process_page_tables_bytes", cg, n, v);
	d_metrics_head(
		o, "ptwatch_cgroup_page_table_waste_bytes", "gauge",
		"Page-table waste summed over the processes now in a memory "
		"cgroup, hierarchical.");
	for (size_t i = 0; i < n; i++)
		v[i] = cg[i]->waste_bytes;
	cgroup_series(o, "ptwatch_cgroup_page_table_waste_bytes", cg, n, v);
	d_metrics_head(o, "ptwatch_cgroup_processes", "gauge",
		       "Processes in a memory cgroup, hierarchical.");
	for (size_t i = 0; i < n; i++)
		v[i] = cg[i]->nr_procs;
	cgroup_series(o, "ptwatch_cgroup_processes", cg, n, v);
}

/* The top_cgroups cgroups by waste; the rest are left out, not summed
 * into an "other" series, because cgroups nest and sums would mislead. */
static void cgroup_metrics(FILE *o, const struct d_state *st)
{
	size_t n = st->scan.snap.nr_cgroups;
	const struct cgroup_sample **cg = malloc((n + 1) * sizeof(*cg));
	uint64_t *v = calloc(n + 1, sizeof(*v));
	bool *in = calloc(n + 1, sizeof(*in));

	if (!cg || !v || !in)
		goto out;
	for (size_t i = 0; i < n; i++)
		cg[i] = &st->scan.snap.cgroups[i];
	qsort(cg, n, sizeof(*cg), cmp_cgroup_waste);
	if (n > st->cfg.top_cgroups)
		n = st->cfg.top_cgroups;
	cgroup_families(o, st, cg, n, v, in);
out:
	free(in);
	free(v);
	free(cg);
}

static void proc_labels(FILE *o, const struct proc_sample *p)
{
	fprintf(o, "{pid=\"%d\",comm=", (int)p->pid);
	d_metrics_label(o, p->comm);
	fputs(",cgroup=", o);
	d_metrics_label(o, p->cgroup);
	fputc('}', o);
}

/* How many of the top N by waste reach the floor (`order` is by waste,
 * most first, so they are a prefix). */
static size_t exported_procs(const struct d_state *st)
{
	uint64_t floor = (uint64_t)st->cfg.process_min_waste_kib * 1024;
	size_t n = st->scan.snap.nr_procs < st->cfg.top_processes ?
			   st->scan.snap.nr_procs :
			   st->cfg.top_processes;
	size_t i = 0;

	while (i < n && d_scan_nth(&st->scan, i)->waste_bytes >= floor)
		i++;
	return i;
}

/* Only the top N by waste, and only above the floor: bounded label
 * cardinality, and no series churn from processes with a few tables of
 * noise. Every series has the same labels: pid, comm, cgroup. */
static void process_metrics(FILE *o, const struct d_state *st)
{
	size_t n = exported_procs(st);

	d_metrics_head(
		o, "ptwatch_process_page_table_waste_bytes", "gauge",
		"Page-table waste of one of the top_processes processes by "
		"waste, if at least process_min_waste_kib.");
	for (size_t i = 0; i < n; i++) {
		fputs("ptwatch_process_page_table_waste_bytes", o);
		proc_labels(o, d_scan_nth(&st->scan, i));
		fprintf(o, " %llu\n",
			(unsigned long long)d_scan_nth(&st->scan, i)
				->waste_bytes);
	}
	d_metrics_head(o, "ptwatch_process_page_tables_bytes", "gauge",
		       "VmPTE of one of the processes in "
		       "ptwatch_process_page_table_waste_bytes.");
	for (size_t i = 0; i < n; i++) {
		fputs("ptwatch_process_page_tables_bytes", o);
		proc_labels(o, d_scan_nth(&st->scan, i));
		fprintf(o, " %llu\n",
			(unsigned long long)d_scan_nth(&st->scan, i)
				->page_table_bytes);
	}
}

static void hugetlb_metrics(FILE *o, const struct d_state *st)
{
	d_metrics_head(o, "ptwatch_hugetlb_pages", "gauge",
		       "HugeTLB pages in the pool, by page size.");
	for (unsigned int i = 0; i < st->huge.nr_pools; i++)
		fprintf(o, "ptwatch_hugetlb_pages{page_size=\"%llu\"} %llu\n",
			(unsigned long long)st->huge.pools[i].page_bytes,
			(unsigned long long)st->huge.pools[i].nr_pages);
	d_metrics_head(
		o, "ptwatch_hugetlb_vmemmap_saving_bytes", "gauge",
		"struct-page memory that HugeTLB vmemmap optimization frees for "
		"the pool (if allocated with it on).");
	for (unsigned int i = 0; i < st->huge.nr_pools; i++)
		fprintf(o,
			"ptwatch_hugetlb_vmemmap_saving_bytes{page_size=\"%"
			"llu\"} %llu\n",
			(unsigned long long)st->huge.pools[i].page_bytes,
			(unsigned long long)st->huge.pools[i].saving_bytes);
}

static void knob_series(FILE *o, const char *name, const struct d_state *st,
			double (*get)(const struct d_state *, int))
{
	for (int id = 0; id < D_NR_KNOBS; id++)
		fprintf(o, "%s{knob=\"%s\"} %.17g\n", name, st->knob[id].name,
			get(st, id));
}

static double k_avail(const struct d_state *st, int id)
{
	return st->knob[id].value >= 0;
}

static double k_changes(const struct d_state *st, int id)
{
	return st->knob[id].changes;
}

static double k_would(const struct d_state *st, int id)
{
	return st->pol[id].would_changes;
}

static double k_dry(const struct d_state *st, int id)
{
	return st->pol[id].cfg.dry_run;
}

static double k_backoff(const struct d_state *st, int id)
{
	return st->pol[id].state == D_POL_BACKOFF;
}

static void knob_metrics(FILE *o, const struct d_state *st)
{
	d_metrics_head(o, "ptwatch_knob_available", "gauge",
		       "Whether the sysctl exists on this kernel.");
	knob_series(o, "ptwatch_knob_available", st, k_avail);
	d_metrics_head(o, "ptwatch_knob_value", "gauge",
		       "Current value of the sysctl.");
	for (int id = 0; id < D_NR_KNOBS; id++)
		if (st->knob[id].value >= 0)
			fprintf(o, "ptwatch_knob_value{knob=\"%s\"} %d\n",
				st->knob[id].name, st->knob[id].value);
	d_metrics_head(o, "ptwatch_knob_changes_total", "counter",
		       "Changes ptwatchd made to the sysctl.");
	knob_series(o, "ptwatch_knob_changes_total", st, k_changes);
	d_metrics_head(o, "ptwatch_knob_dry_run_decisions_total", "counter",
		       "Changes the policy would have made in dry-run mode.");
	knob_series(o, "ptwatch_knob_dry_run_decisions_total", st, k_would);
	d_metrics_head(
		o, "ptwatch_knob_dry_run", "gauge",
		"Whether the policy for the sysctl runs in dry-run mode.");
	knob_series(o, "ptwatch_knob_dry_run", st, k_dry);
	d_metrics_head(
		o, "ptwatch_knob_backoff", "gauge",
		"Whether the policy backs off because an administrator changed "
		"the sysctl.");
	knob_series(o, "ptwatch_knob_backoff", st, k_backoff);
	d_metrics_head(
		o, "ptwatch_pt_reclaim_mode", "gauge",
		"How this kernel reclaims empty PTE tables: absent, builtin or "
		"sysctl.");
	fprintf(o, "ptwatch_pt_reclaim_mode{mode=\"%s\"} 1\n",
		pt_reclaim_mode_name(st->kf.pt_reclaim));
}

static void self_metrics(FILE *o, const struct d_state *st)
{
	const struct d_stats *s = &st->stats;

	d_metrics_head(o, "ptwatch_build_info", "gauge",
		       "Version of ptwatchd.");
	fprintf(o, "ptwatch_build_info{version=\"%s\"} 1\n", PTW_VERSION);
	/* its own metric: a kernel update must not start a new build_info
	 * series, nor a package update a new kernel series */
	d_metrics_head(o, "ptwatch_kernel_info", "gauge",
		       "Release of the running kernel (uname -r).");
	fputs("ptwatch_kernel_info{release=", o);
	d_metrics_label(o, st->kf.release);
	fputs("} 1\n", o);
	d_metrics_value(o, "ptwatch_samples_total", "counter", "Samples taken.",
			s->samples);
	d_metrics_value(o, "ptwatch_sample_errors_total", "counter",
			"Samples that failed.", s->sample_errors);
	d_metrics_value(o, "ptwatch_sample_duration_seconds", "gauge",
			"Wall time of the last sample.", s->last_sample_s);
	d_metrics_value(o, "ptwatch_sample_duration_max_seconds", "gauge",
			"Longest wall time of a sample after the first.",
			s->max_sample_s);
	d_metrics_value(o, "ptwatch_sample_gap_max_seconds", "gauge",
			"Longest time from the start of a sample to the start "
			"of the next (the interval when samples are on time).",
			s->max_gap_s);
	d_metrics_value(o, "ptwatch_sample_cpu_seconds_total", "counter",
			"CPU time spent sampling.", s->sample_cpu_total_s);
	d_metrics_value(o, "ptwatch_requests_total", "counter",
			"Query socket requests answered.", s->requests);
	d_metrics_value(
		o, "ptwatch_requests_refused_total", "counter",
		"Query socket requests refused (malformed, oversized, too slow, "
		"too many clients).",
		s->refused);
	d_metrics_value(o, "ptwatch_knob_changes_denied_total", "counter",
			"Knob changes refused because the client was not root.",
			s->denied);
	d_metrics_value(
		o, "ptwatch_textfile_write_errors_total", "counter",
		"Failed writes of the node_exporter textfile (a missing "
		"textfile_dir, i.e. node_exporter not installed, is not "
		"counted).",
		st->textfile.errors);
	d_metrics_head(o, "ptwatch_config_reloads_total", "counter",
		       "Configuration reloads (SIGHUP) by result.");
	fprintf(o,
		"ptwatch_config_reloads_total{result=\"ok\"} %lu\n"
		"ptwatch_config_reloads_total{result=\"error\"} %lu\n",
		s->reloads, s->reload_errors);
}

int d_metrics_render(const struct d_state *st, char **text, size_t *len)
{
	FILE *o = open_memstream(text, len);

	if (!o)
		return -errno;
	self_metrics(o, st);
	if (st->have_snap) {
		host_metrics(o, st);
		cgroup_metrics(o, st);
		process_metrics(o, st);
		d_census_metrics(o, st);
	}
	hugetlb_metrics(o, st);
	knob_metrics(o, st);
	d_free_metrics(&st->free, o);
	d_bpf_metrics(st->bpf, o);
	if (fclose(o))
		return -errno;
	return 0;
}

int d_metrics_write_textfile(const char *dir, const char *text, size_t len)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int fd, rc = 0;

	/* node_exporter only reads *.prom, so the temporary name is safe */
	snprintf(path, sizeof(path), "%s/%s", dir, D_METRICS_FILE);
	snprintf(tmp, sizeof(tmp), "%s/.%s.%d", dir, D_METRICS_FILE, getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		rc = errno ? -errno : -EIO;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}
