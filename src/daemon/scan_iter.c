// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's sampler through the BPF task iterator (scan_priv.h): every
 * process, every sample, in one pass. The table (sorted by PID) is updated
 * in place as the records come, so a sample needs no second table: a
 * record of a known PID overwrites its entry (its previous VmPTE kept for
 * the rate), one of a new PID is appended past the end, entries no record
 * named are dropped, and the appended ones are merged in.
 *
 * Most processes do not change between two samples (a sleeping one's
 * figures stand still): a record that gives what its entry holds leaves
 * the entry as it is (no cgroup path, no estimate), and when few changed
 * the order by waste is mended for them rather than sorted again. At
 * 10,000 processes the pass then costs about what the kernel's iteration
 * does (docs/bpf-iter.md, "Cost").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "iter_sample.h"
#include "log.h"
#include "scan_priv.h"

#define MAX_MOVED 64

struct pass {
	struct d_scan *sc;
	struct iter_sampler is;
	size_t known; /* entries before the pass (sorted) */
	size_t cur;   /* the first known entry no record has passed yet */
	size_t tail;  /* entries in use, appended ones included */
	uint64_t now; /* CLOCK_MONOTONIC of the pass */
	unsigned int reread, added;
	/* entries whose figures changed (their index), while few: the order
	 * by waste is mended for them instead of sorted again */
	uint32_t moved[MAX_MOVED];
	size_t nr_moved;
	bool saw_pid1;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The entry of pid among the entries known before the pass, or -1. */
static long find_known(const struct pass *ps, pid_t pid)
{
	const struct proc_sample *p = ps->sc->snap.procs;
	size_t lo = 0, hi = ps->known;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (p[mid].pid == pid)
			return mid;
		if (p[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* find_known() for the records, which come in ascending tgid order: the
 * entries are walked along with them rather than searched for each. */
static long next_known(struct pass *ps, pid_t pid)
{
	const struct proc_sample *p = ps->sc->snap.procs;

	while (ps->cur < ps->known && p[ps->cur].pid < pid)
		ps->cur++;
	if (ps->cur < ps->known && p[ps->cur].pid == pid)
		return ps->cur;
	if (ps->cur && p[ps->cur - 1].pid > pid)
		return find_known(ps, pid); /* out of order: search */
	return -1;
}

static int take_rec(const struct ptw_iter_rec *r, void *arg)
{
	struct pass *ps = arg;
	struct d_scan *sc = ps->sc;
	long i = next_known(ps, r->tgid);
	struct d_proc_meta *m, old = { 0 };
	struct proc_sample *p;
	uint64_t prev_pte = 0;
	bool same = false, keep_cgroup;
	int err;

	ps->saw_pid1 |= r->tgid == 1;
	if (i < 0) {
		err = d_scan_grow(sc, ps->tail + 1);
		if (err)
			return err;
		i = ps->tail++;
		ps->added++;
	} else {
		old = sc->meta[i];
		/* a PID reused since the last sample is another process */
		same = !old.start_ns || old.start_ns == r->start_ns;
		prev_pte = sc->snap.procs[i].page_table_bytes;
		ps->reread++;
	}
	m = &sc->meta[i];
	p = &sc->snap.procs[i];
	/* an entry the iterator filled (start_ns set), of the same cgroup,
	 * whose paths did not change */
	keep_cgroup = same && old.start_ns && old.cgroup_id == r->cgroup_id &&
		      ps->is.ids_same;
	if (keep_cgroup && iter_sampler_unchanged(r, p)) {
		m->prev_ns = old.read_ns;
		m->prev_pte = prev_pte;
		m->read_ns = ps->now;
		m->gone = false;
		return 0;
	}
	if (ps->nr_moved < MAX_MOVED)
		ps->moved[ps->nr_moved] = i;
	ps->nr_moved++;
	/* smaps_rollup within the sample's budget (rollup_budget.h); a
	 * process it does not fit is estimated from its RSS this sample */
	ps->is.rollup_min_pte = d_rollup_decide(&sc->rollup, r->pgtables) ==
						D_ROLLUP_READ ?
					PTW_ROLLUP_MIN_PTE :
					UINT64_MAX;
	err = iter_sampler_fill(&ps->is, r, p, keep_cgroup);
	*m = (struct d_proc_meta){
		.read_ns = ps->now,
		.prev_ns = same ? old.read_ns : 0,
		.prev_pte = same ? prev_pte : 0,
		.start_ns = r->start_ns,
		.cgroup_id = r->cgroup_id,
		.partial = err == -EACCES,
	};
	return 0;
}

/* PID 1 from procfs when the kernel's iteration left it out
 * (iter_sample.h): in place, or appended. */
static int take_pid1(struct pass *ps)
{
	struct d_scan *sc = ps->sc;
	struct proc_sample p1;
	long i = find_known(ps, 1);
	int err = iter_sampler_pid1(&ps->is, &p1);

	if (err && err != -EACCES)
		return 0; /* no PID 1 with an mm here */
	if (i < 0) {
		if (d_scan_grow(sc, ps->tail + 1))
			return -ENOMEM;
		i = ps->tail++;
		ps->added++;
		sc->meta[i] = (struct d_proc_meta){ 0 };
	} else {
		sc->meta[i].prev_ns = sc->meta[i].read_ns;
		sc->meta[i].prev_pte = sc->snap.procs[i].page_table_bytes;
		ps->reread++;
	}
	sc->snap.procs[i] = p1;
	if (ps->nr_moved < MAX_MOVED)
		ps->moved[ps->nr_moved] = i;
	ps->nr_moved++;
	sc->meta[i].read_ns = ps->now;
	sc->meta[i].partial = err == -EACCES;
	sc->meta[i].gone = false;
	return 0;
}

/* The k appended entries (at the end, after the gone ones were dropped)
 * into PID order. A new PID may be low (PIDs wrap), so rather than
 * bubbling each one down, the known entries move up in blocks, each at
 * most once: O(entries + k log entries), whatever the PIDs. */
static int merge_appended(struct d_scan *sc, size_t k)
{
	struct proc_sample *p = sc->snap.procs, *tp;
	struct d_proc_meta *m = sc->meta, *tm;
	size_t n = sc->snap.nr_procs, r = n - k;

	if (!k || !r || p[r - 1].pid < p[r].pid) {
		bool sorted = true;

		for (size_t j = r + 1; j < n && sorted; j++)
			sorted = p[j - 1].pid < p[j].pid;
		if (sorted)
			return 0;
	}
	tp = malloc(k * sizeof(*tp));
	tm = malloc(k * sizeof(*tm));
	if (!tp || !tm) {
		free(tp);
		free(tm);
		return -ENOMEM;
	}
	memcpy(tp, &p[r], k * sizeof(*tp));
	memcpy(tm, &m[r], k * sizeof(*tm));
	/* records come in PID order: only a PID 1 taken from procfs is out */
	for (size_t a = 1; a < k; a++) {
		for (size_t b = a; b > 0 && tp[b - 1].pid > tp[b].pid; b--) {
			struct proc_sample sp = tp[b];
			struct d_proc_meta sm = tm[b];

			tp[b] = tp[b - 1], tp[b - 1] = sp;
			tm[b] = tm[b - 1], tm[b - 1] = sm;
		}
	}
	/* [r + j + 1, n) is in place; known [0, r) is not placed yet */
	for (size_t j = k; j-- > 0;) {
		size_t lo = 0, hi = r;

		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (p[mid].pid < tp[j].pid)
				lo = mid + 1;
			else
				hi = mid;
		}
		memmove(&p[lo + j + 1], &p[lo], (r - lo) * sizeof(*p));
		memmove(&m[lo + j + 1], &m[lo], (r - lo) * sizeof(*m));
		p[lo + j] = tp[j];
		m[lo + j] = tm[j];
		r = lo;
	}
	free(tp);
	free(tm);
	return 0;
}

bool d_scan_use_iter(struct d_scan *sc, const struct d_scan_opts *o)
{
	int err;

	if (sc->iter_tried)
		return sc->iter != NULL;
	sc->iter_tried = true;
	if (o->no_iter) {
		snprintf(sc->iter_why, sizeof(sc->iter_why),
			 "bpf_iter = no in the configuration");
		err = -ECANCELED;
	} else if (strcmp(o->proc_root, "/proc")) {
		/* the iterator sees this kernel's tasks, not a test's tree */
		snprintf(sc->iter_why, sizeof(sc->iter_why),
			 "proc_root is %s, not /proc", o->proc_root);
		err = -ECANCELED;
	} else {
		err = ptw_iter_open(&sc->iter, sc->layout.version == 1, false,
				    sc->iter_why, sizeof(sc->iter_why));
	}
	if (err)
		d_log(LOG_INFO,
		      "sampler: procfs, %u known processes re-read per "
		      "sample (%s)",
		      o->budget, sc->iter_why);
	else
		d_log(LOG_INFO,
		      "sampler: BPF task iterator (%s), every process every "
		      "sample",
		      ptw_iter_kind(sc->iter));
	return !err;
}

int d_scan_iter_sample(struct d_scan *sc, const struct d_scan_opts *o,
		       const struct host_sample *h)
{
	struct pass ps = {
		.sc = sc,
		.known = sc->snap.nr_procs,
		.tail = sc->snap.nr_procs,
		.now = mono_ns(),
	};
	size_t before;
	int n;

	ps.is = (struct iter_sampler){
		.it = sc->iter,
		.layout = &sc->layout,
		.ids = sc->iter_ids, /* to tell whether paths changed */
		.rollup_min_pte = PTW_ROLLUP_MIN_PTE,
	};
	sc->iter_ids = (struct cgroup_ids){ 0 };
	ps.is.proc_fd = open(o->proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ps.is.proc_fd < 0) {
		iter_sampler_end(&ps.is);
		return -errno;
	}
	for (size_t i = 0; i < ps.known; i++)
		sc->meta[i].gone = true; /* until a record names it */
	d_rollup_begin(&sc->rollup, sc->rollup_budget);
	n = iter_sampler_begin(&ps.is);
	if (!n)
		n = ptw_iter_read(sc->iter, take_rec, &ps);
	if (n >= 0 && !ps.saw_pid1)
		n = take_pid1(&ps);
	close(ps.is.proc_fd);
	if (n < 0) {
		iter_sampler_end(&ps.is);
		for (size_t i = 0; i < ps.known; i++)
			sc->meta[i].gone = false;
		snprintf(sc->iter_why, sizeof(sc->iter_why),
			 "task iterator: a pass failed: %s", strerror(-n));
		d_log(LOG_WARNING, "sampler: %s; procfs from now on",
		      sc->iter_why);
		ptw_iter_close(sc->iter);
		sc->iter = NULL;
		return d_scan_sample(sc, o);
	}
	sc->iter_ids = ps.is.ids; /* kept for the next pass */
	sc->snap.host = *h;
	sc->snap.source = PTW_SOURCE_ITER;
	sc->snap.nr_procs = ps.tail;
	before = sc->snap.nr_procs;
	d_scan_drop_gone(sc);
	if (merge_appended(sc, ps.added))
		return -ENOMEM;
	sc->last_new = ps.added;
	sc->last_refreshed = ps.reread;
	if (ps.added || sc->snap.nr_procs != before || ps.nr_moved > MAX_MOVED)
		return d_scan_finish(sc, NULL, -1);
	return d_scan_finish(sc, ps.moved, ps.nr_moved);
}
