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

/* Whether a process changed since a census that saw VmPTE `pte` and
 * `then` bytes resident: its VmPTE is another, or its resident memory
 * moved by 1 MiB and an eighth (a purge empties tables without freeing
 * them: VmPTE alone misses a census taken in the middle of an
 * allocate-then-purge). */
static bool moved(uint64_t pte, uint64_t then, const struct proc_sample *p)
{
	uint64_t now = resident(p);
	uint64_t delta = now > then ? now - then : then - now;

	return pte != p->page_table_bytes ||
	       (delta >= (1ULL << 20) && delta >= then / 8);
}

static bool changed(const struct d_census_entry *e, const struct proc_sample *p)
{
	return moved(e->fig.page_table_bytes, e->rss_at, p);
}

/* Wants a census: never had one (that process) or a stale one, which is
 * as good as none (the first pass, which may run on credit: an offender
 * censused while it was still building waits for no refresh); or, in the
 * second pass, an old one. Not the one going on across samples. */
static bool due(const struct d_census *c, const struct proc_sample *p,
		uint64_t now, uint64_t max_age_ns, bool fresh_only)
{
	long i = find(c, p->pid);

	if (c->cur.active && c->cur.pid == p->pid)
		return false;
	/* a spread census is earned back before the next one, even when
	 * its figures went stale */
	if (i >= 0 && c->e[i].debt_s > 0)
		return false;
	if (i < 0 || (c->e[i].fig.valid && changed(&c->e[i], p)))
		return true;
	return !fresh_only && now - c->e[i].taken_ns >= max_age_ns;
}

static void drop_walk(struct d_census *c)
{
	census_walk_end(&c->cur.w);
	c->cur.active = false;
}

/* Ends the census of e: its figures, or why there are none. */
static void finish(struct d_census *c, struct d_census_entry *e, int err)
{
	struct d_census_walk *cw = &c->cur;
	struct pte_census pc;

	c->runs++;
	if (err) {
		/* gone, not ours to read, or changing under every try:
		 * tried again after max_age */
		e->fig.valid = false;
		c->failures++;
		if (err != -ESRCH)
			d_log(LOG_DEBUG, "census of pid %d (%s): %s", e->pid,
			      e->comm, strerror(-err));
		drop_walk(c);
		return;
	}
	census_walk_result(&cw->w, &pc);
	e->fig = pc.fig;
	if (cw->slices > 1) {
		c->spread++;
		d_log(LOG_INFO,
		      "census of pid %d (%s): %llu PTE tables, %llu empty, "
		      "walked in %u samples (%.1f ms CPU, %u tries)",
		      e->pid, e->comm, (unsigned long long)pc.pte_tables,
		      (unsigned long long)pc.empty_pte_tables, cw->slices,
		      (cw->cpu_s + clock_s(CLOCK_THREAD_CPUTIME_ID) -
		       cw->slice_cpu0) *
			      1e3,
		      cw->tries);
	}
	drop_walk(c);
}

/* Walks the current census on until the deadline; begins it again while
 * VmPTE moves under it, up to TRIES times. */
static void advance(struct d_census *c, struct d_census_entry *e,
		    const struct proc_sample *p, const char *proc_root,
		    uint64_t deadline_ns)
{
	struct d_census_walk *cw = &c->cur;

	cw->slices++;
	for (;;) {
		int err = census_walk_step(&cw->w, deadline_ns);

		if (err == 1)
			return; /* goes on in the next sample */
		if (err == -EAGAIN && cw->tries < TRIES) {
			c->restarts++;
			census_walk_end(&cw->w);
			cw->tries++;
			cw->slices = 1;
			cw->rss_at = e->rss_at = resident(p);
			err = census_walk_begin(&cw->w, proc_root, p->pid,
						false, NULL);
			if (!err)
				continue;
		}
		finish(c, e, err);
		return;
	}
}

/* Begins the census of p and walks it until the deadline. */
static void take_one(struct d_census *c, const struct proc_sample *p,
		     const char *proc_root, uint64_t now, uint64_t deadline_ns)
{
	struct d_census_entry *e = entry_for(c, p);
	struct d_census_walk *cw = &c->cur;
	int err;

	if (!e)
		return;
	snprintf(e->comm, sizeof(e->comm), "%s", p->comm);
	e->taken_ns = now;
	e->rss_at = resident(p);
	/* before the census: a PID reused during it is caught next prune */
	if (procfs_start_time(proc_root, p->pid, &e->start_ticks))
		e->start_ticks = 0;
	*cw = (struct d_census_walk){
		.active = true,
		.pid = p->pid,
		.rss_at = e->rss_at,
		.tries = 1,
		.slice_cpu0 = clock_s(CLOCK_THREAD_CPUTIME_ID),
	};
	err = census_walk_begin(&cw->w, proc_root, p->pid, false, NULL);
	if (err)
		finish(c, e, err);
	else
		advance(c, e, p, proc_root, deadline_ns);
}

/* Goes on with the census begun in an earlier sample: begun again when
 * its process's resident memory moved since (VmPTE the walk checks). */
static void resume(struct d_census *c, const struct d_scan *sc,
		   const char *proc_root, uint64_t deadline_ns)
{
	struct d_census_walk *cw = &c->cur;
	long k = find(c, cw->pid), i = d_scan_find(sc, cw->pid);
	const struct proc_sample *p;

	if (k < 0 || i < 0) { /* gone, or another process (prune) */
		drop_walk(c);
		return;
	}
	p = &sc->snap.procs[i];
	c->slices++;
	cw->slice_cpu0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	/* its resident memory moved (the sample's figure against the one
	 * when the walk began; VmPTE the walk checks itself): what was
	 * walked may be stale */
	if (moved(p->page_table_bytes, cw->rss_at, p)) {
		int err;

		census_walk_end(&cw->w);
		c->restarts++;
		if (cw->tries >= TRIES) {
			finish(c, &c->e[k], -EAGAIN);
			return;
		}
		cw->tries++;
		cw->slices = 0;
		cw->rss_at = c->e[k].rss_at = resident(p);
		err = census_walk_begin(&cw->w, proc_root, p->pid, false, NULL);
		if (err) {
			finish(c, &c->e[k], err);
			return;
		}
	}
	advance(c, &c->e[k], p, proc_root, deadline_ns);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Charges the CPU since t0 (thread CPU seconds) to the bucket. */
static void charge(struct d_census *c, double t0)
{
	double t = clock_s(CLOCK_THREAD_CPUTIME_ID) - t0;

	c->tokens_s -= t;
	c->cpu_total_s += t;
	if (c->cur.active)
		c->cur.cpu_s += t;
}

/* Runs censuses in two passes (new processes, then old figures) over the
 * top candidates, while the balance is positive and the slice lasts. */
static unsigned int run(struct d_census *c, const struct d_scan *sc,
			const struct d_census_cfg *cfg, const char *proc_root,
			double cap, uint64_t deadline_ns)
{
	size_t top = sc->snap.nr_procs < cfg->top ? sc->snap.nr_procs :
						    cfg->top;
	uint64_t max_age_ns = (uint64_t)cfg->max_age_s * 1000000000ULL;
	unsigned int runs = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < top; i++) {
			const struct proc_sample *p = d_scan_nth(sc, i);
			uint64_t now = mono_ns();
			double t0;

			/* a process never censused may overdraw the balance
			 * down to -cap: spending stays within the grants plus
			 * the cap over time, and a new offender need not wait
			 * behind the refreshes; one census at a time may go
			 * on into the next sample */
			if (runs >= cfg->per_sample ||
			    c->tokens_s <= (pass == 0 ? -cap : 0) ||
			    now >= deadline_ns || c->cur.active)
				return runs;
			/* below the floor the figures cannot matter (layout
			 * noise), and the budget is better spent on the rest */
			if (p->waste_bytes < (uint64_t)cfg->min_waste_kib
						     << 10 ||
			    !p->waste_bytes ||
			    !due(c, p, now, max_age_ns, pass == 0))
				continue;
			t0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
			take_one(c, p, proc_root, now, deadline_ns);
			charge(c, t0);
			d_log(LOG_DEBUG, "census of pid %d (%s): %s", p->pid,
			      p->comm,
			      c->cur.active ? "goes on next sample" : "done");
			runs++;
		}
	}
	return runs;
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

/* Each sample earns every indebted process one grant back, as if it had a
 * bucket of its own. */
static void repay(struct d_census *c, double grant)
{
	for (size_t i = 0; i < c->n; i++)
		c->e[i].debt_s =
			c->e[i].debt_s > grant ? c->e[i].debt_s - grant : 0;
}

/* The census begun in an earlier sample goes on. Its slices after the
 * first are its process's debt, not the bucket's: one process of a
 * million tables (a second of CPU, hours of grants) must not hold back
 * the census of every other process until it is earned back; it holds
 * back only its own next census (due() waits for the debt). */
static void go_on(struct d_census *c, const struct d_scan *sc,
		  const char *proc_root, uint64_t deadline_ns)
{
	pid_t pid = c->cur.pid;
	double t = clock_s(CLOCK_THREAD_CPUTIME_ID);
	long k;

	resume(c, sc, proc_root, deadline_ns);
	t = clock_s(CLOCK_THREAD_CPUTIME_ID) - t;
	c->cpu_total_s += t;
	if (c->cur.active)
		c->cur.cpu_s += t;
	k = find(c, pid);
	if (k >= 0)
		c->e[k].debt_s += t;
	else
		c->tokens_s -= t; /* gone: the bucket pays */
}

void d_census_step(struct d_census *c, struct d_scan *sc,
		   const struct d_census_cfg *cfg, const char *proc_root,
		   double scan_cpu_s)
{
	double grant = scan_cpu_s * cfg->cpu_percent / 100.0;
	double cap = grant * BUCKET_SAMPLES;

	uint64_t t0 = mono_ns();
	uint64_t deadline = t0 + (uint64_t)cfg->slice_ms * 1000000ULL;

	prune(c, sc, proc_root);
	c->last_runs = 0;
	if (cfg->enabled && cfg->cpu_percent) {
		c->tokens_s += grant;
		if (c->tokens_s > cap)
			c->tokens_s = cap;
		repay(c, grant);
		if (c->cur.active) {
			c->last_runs = 1;
			go_on(c, sc, proc_root, deadline);
		}
		c->last_runs += run(c, sc, cfg, proc_root, cap, deadline);
	} else if (c->cur.active) {
		drop_walk(c); /* switched off by a reload */
	}
	c->last_wall_s = (mono_ns() - t0) / 1e9;
	apply(c, sc);
}

void d_census_free(struct d_census *c)
{
	if (c->cur.active)
		drop_walk(c);
	free(c->e);
	*c = (struct d_census){ 0 };
}
