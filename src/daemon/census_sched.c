// SPDX-License-Identifier: GPL-2.0
/* The daemon's census step (census_sched.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "census_sched.h"
#include "procfs.h"
#include "log.h"

#define TRIES 3
#define BUCKET_SAMPLES 10 /* the balance is capped at this many grants */

static double clock_s(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long find(const struct d_census *c, pid_t pid)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->e[mid].pid == pid)
			return mid;
		if (c->e[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(long)lo - 1; /* where it would go */
}

const struct d_census_entry *d_census_find(const struct d_census *c, pid_t pid)
{
	long i = find(c, pid);

	return i >= 0 ? &c->e[i] : NULL;
}

/* The entry for p, made when missing; NULL when out of memory. */
static struct d_census_entry *entry_for(struct d_census *c,
					const struct proc_sample *p)
{
	long i = find(c, p->pid);

	if (i >= 0)
		return &c->e[i];
	i = -i - 1;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		void *ne = realloc(c->e, cap * sizeof(*c->e));

		if (!ne)
			return NULL;
		c->e = ne;
		c->cap = cap;
	}
	memmove(&c->e[i + 1], &c->e[i], (c->n - i) * sizeof(*c->e));
	c->n++;
	memset(&c->e[i], 0, sizeof(c->e[i]));
	c->e[i].pid = p->pid;
	return &c->e[i];
}

/* Keeps the entries whose process is still in the snapshot and is the
 * same process: same start time (a reused PID, even with the same comm,
 * is another process and must not inherit the figures). */
static void prune(struct d_census *c, const struct d_scan *sc,
		  const char *proc_root)
{
	size_t j = 0;

	for (size_t i = 0; i < c->n; i++) {
		uint64_t start;

		if (d_scan_find(sc, c->e[i].pid) < 0 ||
		    procfs_start_time(proc_root, c->e[i].pid, &start) ||
		    start != c->e[i].start_ticks)
			continue;
		c->e[j++] = c->e[i];
	}
	c->n = j;
}

static uint64_t resident(const struct proc_sample *p)
{
	return p->rss_anon + p->rss_file + p->rss_shmem;
}

/* Whether the process changed since its census: its VmPTE is another, or
 * its resident memory moved by 1 MiB and an eighth (a purge empties
 * tables without freeing them: VmPTE alone misses a census taken in the
 * middle of an allocate-then-purge). */
static bool changed(const struct d_census_entry *e, const struct proc_sample *p)
{
	uint64_t now = resident(p), then = e->rss_at;
	uint64_t delta = now > then ? now - then : then - now;

	return e->fig.page_table_bytes != p->page_table_bytes ||
	       (delta >= (1ULL << 20) && delta >= then / 8);
}

/* Wants a census: never had one (that process) or a stale one, which is
 * as good as none (the first pass, which may run on credit: an offender
 * censused while it was still building waits for no refresh); or, in the
 * second pass, an old one. */
static bool due(const struct d_census *c, const struct proc_sample *p,
		uint64_t now, uint64_t max_age_ns, bool fresh_only)
{
	long i = find(c, p->pid);

	if (i < 0 || (c->e[i].fig.valid && changed(&c->e[i], p)))
		return true;
	return !fresh_only && now - c->e[i].taken_ns >= max_age_ns;
}

static void take_one(struct d_census *c, const struct proc_sample *p,
		     const char *proc_root, uint64_t now)
{
	struct d_census_entry *e = entry_for(c, p);
	struct pte_census pc;
	int err;

	if (!e)
		return;
	snprintf(e->comm, sizeof(e->comm), "%s", p->comm);
	e->taken_ns = now;
	e->rss_at = resident(p);
	/* before the census: a PID reused during it is caught next prune */
	if (procfs_start_time(proc_root, p->pid, &e->start_ticks))
		e->start_ticks = 0;
	err = census_take_retry(proc_root, p->pid, false, TRIES, &pc);
	c->runs++;
	if (err) {
		/* gone, or not ours to read: tried again after max_age */
		e->fig.valid = false;
		c->failures++;
		if (err != -ESRCH)
			d_log(LOG_DEBUG, "census of pid %d (%s): %s", p->pid,
			      p->comm, strerror(-err));
		return;
	}
	e->fig = pc.fig;
}

/* Runs censuses in two passes (new processes, then old figures) over the
 * top candidates, while the balance is positive. */
static void run(struct d_census *c, const struct d_scan *sc,
		const struct d_census_cfg *cfg, const char *proc_root,
		double cap)
{
	size_t top = sc->snap.nr_procs < cfg->top ? sc->snap.nr_procs :
						    cfg->top;
	uint64_t max_age_ns = (uint64_t)cfg->max_age_s * 1000000000ULL;
	unsigned int runs = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < top; i++) {
			const struct proc_sample *p = d_scan_nth(sc, i);
			struct timespec ts;
			uint64_t now;
			double t0;

			/* a process never censused may overdraw the balance
			 * down to -cap: spending stays within the grants plus
			 * the cap over time, and a new offender need not wait
			 * behind the refreshes */
			if (runs >= cfg->per_sample ||
			    c->tokens_s <= (pass == 0 ? -cap : 0))
				goto out;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			now = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
			/* below the floor the figures cannot matter (layout
			 * noise), and the budget is better spent on the rest */
			if (p->waste_bytes < (uint64_t)cfg->min_waste_kib
						     << 10 ||
			    !p->waste_bytes ||
			    !due(c, p, now, max_age_ns, pass == 0))
				continue;
			t0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
			take_one(c, p, proc_root, now);
			t0 = clock_s(CLOCK_THREAD_CPUTIME_ID) - t0;
			d_log(LOG_DEBUG, "census of pid %d (%s): %.2f ms CPU",
			      p->pid, p->comm, t0 * 1e3);
			c->tokens_s -= t0;
			c->cpu_total_s += t0;
			runs++;
		}
	}
out:
	c->last_runs = runs;
}

/* Copies the kept figures into the snapshot's processes. */
static void apply(const struct d_census *c, struct d_scan *sc)
{
	for (size_t i = 0; i < sc->snap.nr_procs; i++) {
		struct proc_sample *p = &sc->snap.procs[i];
		long k = find(c, p->pid);

		/* prune() kept only the same processes */
		if (k >= 0)
			p->census = c->e[k].fig;
		else
			p->census.valid = false;
	}
	census_sum_snapshot(&sc->snap);
}

void d_census_step(struct d_census *c, struct d_scan *sc,
		   const struct d_census_cfg *cfg, const char *proc_root,
		   double scan_cpu_s)
{
	double grant = scan_cpu_s * cfg->cpu_percent / 100.0;
	double cap = grant * BUCKET_SAMPLES;

	prune(c, sc, proc_root);
	if (cfg->enabled && cfg->cpu_percent) {
		c->tokens_s += grant;
		if (c->tokens_s > cap)
			c->tokens_s = cap;
		run(c, sc, cfg, proc_root, cap);
	} else {
		c->last_runs = 0;
	}
	apply(c, sc);
}

void d_census_free(struct d_census *c)
{
	free(c->e);
	*c = (struct d_census){ 0 };
}
