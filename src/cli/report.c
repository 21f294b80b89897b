// SPDX-License-Identifier: GPL-2.0
/* Human-readable tables; the JSON twin is snapshot_json.c. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "report.h"

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

void report_host(FILE *out, const struct host_sample *h, size_t nr_procs,
		 const char *source)
{
	const struct census_sum *c = &h->census;
	char pt[16], sec[16], waste[16], mem[16], rec[16], sp[16];

	fprintf(out,
		"host %s: page tables %s (secondary %s) of %s memory [%s]\n",
		h->kernel, fmt_bytes(h->page_tables, pt),
		fmt_bytes(h->sec_page_tables, sec),
		fmt_bytes(h->mem_total, mem), source);
	/* exact first: what the kernel can free, then what only the
	 * allocator can, then the cheap estimate's upper bound */
	if (c->processes)
		fprintf(out,
			"  reclaimable (exact)     %10s  empty PTE tables in "
			"%u censused processes (%.0f%% of page tables)\n"
			"  sparse excess (exact)   %10s  partly filled tables "
			"beyond packed need: allocator layout\n",
			fmt_bytes(c->reclaimable_bytes, rec), c->processes,
			h->page_tables ? 100.0 * (double)c->page_table_bytes /
						 (double)h->page_tables :
					 0,
			fmt_bytes(c->sparse_excess_bytes, sp));
	else
		fprintf(out,
			"  reclaimable (exact)     %10s  no process "
			"censused yet\n",
			"-");
	fprintf(out,
		"  estimated waste (<=)    %10s  upper bound over %zu "
		"processes, no page walk (docs/waste-model.md)\n",
		fmt_bytes(h->waste_bytes, waste), nr_procs);
	if (h->unreadable)
		fprintf(out,
			"note: smaps_rollup of %u processes was not "
			"readable: estimated from status without THP\n",
			h->unreadable);
}

static const char *fmt_exact(const struct proc_sample *s, uint64_t v, char *buf)
{
	return s->census.valid ? fmt_bytes(v, buf) : "-";
}

void report_procs(FILE *out, const struct proc_sample *p, size_t n,
		  const struct proc_rate *rates)
{
	char b[8][16], r[2][24];

	fprintf(out, "\n%7s %-16s %10s %11s %10s %10s %10s %10s %10s", "PID",
		"COMM", "PTE", "RECLAIMABLE", "SPARSE", "EST.WASTE", "RSS",
		"ANON", "SWAP");
	if (rates)
		fprintf(out, " %14s %14s", "PTE RATE", "WASTE RATE");
	fprintf(out, "  CGROUP\n");
	for (size_t i = 0; i < n; i++) {
		const struct proc_sample *s = &p[i];

		fprintf(out, "%7d %-16s %10s %11s %10s %10s %10s %10s %10s",
			s->pid, s->comm, fmt_bytes(s->page_table_bytes, b[0]),
			fmt_exact(s, s->census.reclaimable_bytes, b[1]),
			fmt_exact(s, s->census.sparse_excess_bytes, b[2]),
			fmt_bytes(s->waste_bytes, b[3]),
			fmt_bytes(s->rss_anon + s->rss_file + s->rss_shmem,
				  b[4]),
			fmt_bytes(s->rss_anon, b[5]), fmt_bytes(s->swap, b[6]));
		if (rates && rates[i].valid)
			fprintf(out, " %14s %14s",
				fmt_rate(rates[i].pte_per_s, r[0]),
				fmt_rate(rates[i].waste_per_s, r[1]));
		else if (rates)
			fprintf(out, " %14s %14s", "-", "-");
		fprintf(out, "  %s\n", s->cgroup[0] ? s->cgroup : "-");
	}
	fprintf(out, "(RECLAIMABLE and SPARSE exact from a census, \"-\" where "
		     "none ran; EST.WASTE an upper bound)\n");
}

void report_cgroups(FILE *out, const struct cgroup_sample *c, size_t n)
{
	char b[3][16];

	fprintf(out, "\n%10s %11s %10s %6s %-12s %s\n", "PTE", "RECLAIMABLE",
		"EST.WASTE", "PROCS", "SOURCE", "CGROUP");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%10s %11s %10s %6u %-12s %s\n",
			fmt_bytes(c[i].page_table_bytes, b[0]),
			c[i].census.processes ?
				fmt_bytes(c[i].census.reclaimable_bytes, b[2]) :
				"-",
			fmt_bytes(c[i].waste_bytes, b[1]), c[i].nr_procs,
			c[i].source, c[i].path);
}
