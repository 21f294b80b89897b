// SPDX-License-Identifier: GPL-2.0
/* The daemon's incremental sampler (scan.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "scan.h"
#include "scan_priv.h"
#include "procfs.h"

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmp_int(const void *a, const void *b)
{
	const pid_t *x = a, *y = b;

	return (*x > *y) - (*x < *y);
}

/* The PIDs in proc_root, sorted. */
static int list_pids(const char *proc_root, pid_t **out, size_t *nr)
{
	size_t cap = 1024, n = 0;
	pid_t *p = malloc(cap * sizeof(*p));
	struct dirent *de;
	DIR *d;

	if (!p)
		return -ENOMEM;
	d = opendir(proc_root);
	if (!d) {
		free(p);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (n == cap) {
			pid_t *np = realloc(p, (cap *= 2) * sizeof(*p));

			if (!np) {
				closedir(d);
				free(p);
				return -ENOMEM;
			}
			p = np;
		}
		p[n++] = atoi(de->d_name);
	}
	closedir(d);
	qsort(p, n, sizeof(*p), cmp_int);
	*out = p;
	*nr = n;
	return 0;
}

int d_scan_grow(struct d_scan *sc, size_t want)
{
	size_t cap = sc->cap ? sc->cap : 256;
	void *np, *nm;

	if (want <= sc->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	np = realloc(sc->snap.procs, cap * sizeof(*sc->snap.procs));
	if (!np)
		return -ENOMEM;
	sc->snap.procs = np;
	nm = realloc(sc->meta, cap * sizeof(*sc->meta));
	if (!nm)
		return -ENOMEM;
	sc->meta = nm;
	sc->cap = cap;
	return 0;
}

/* Reads one process into p/m, its smaps_rollup only if that fits in what
 * is left of the sample's rollup budget. false when it is gone or a
 * kernel thread. */
static bool read_one(struct d_scan *sc, int proc_fd, pid_t pid,
		     struct proc_sample *p, struct d_proc_meta *m, bool known)
{
	struct proc_sample s;
	int err = snapshot_read_proc_bounded(proc_fd, pid,
					     sc->layout.version == 2,
					     PTW_ROLLUP_MIN_PTE,
					     sc->rollup.left, &s);

	if (err && err != -EACCES)
		return false;
	/* charges what the rollup walked, or counts why it was skipped */
	d_rollup_decide(&sc->rollup, s.page_table_bytes);
	if (known) {
		m->prev_ns = m->read_ns;
		m->prev_pte = p->page_table_bytes;
	} else {
		*m = (struct d_proc_meta){ 0 };
	}
	m->young = !known && sc->started;
	*p = s;
	m->read_ns = now_ns(CLOCK_MONOTONIC);
	m->partial = err == -EACCES;
	m->gone = false;
	return true;
}

/* Drops table entries whose PID is not in the listing; returns the PIDs
 * of the listing that the table lacks (the new processes). */
static int merge_listing(struct d_scan *sc, const pid_t *l, size_t nl,
			 pid_t **fresh, size_t *nfresh)
{
	struct snapshot *s = &sc->snap;
	size_t i = 0, j = 0, k = 0, nf = 0;
	pid_t *f = malloc((nl + 1) * sizeof(*f));

	if (!f)
		return -ENOMEM;
	while (i < s->nr_procs || k < nl) {
		if (k == nl || (i < s->nr_procs && s->procs[i].pid < l[k])) {
			i++; /* gone */
		} else if (i == s->nr_procs || l[k] < s->procs[i].pid) {
			f[nf++] = l[k++];
		} else {
			if (j != i) {
				s->procs[j] = s->procs[i];
				sc->meta[j] = sc->meta[i];
			}
			i++, j++, k++;
		}
	}
	s->nr_procs = j;
	*fresh = f;
	*nfresh = nf;
	return 0;
}

/* Re-reads the processes the last sample read for the first time, outside
 * the budget. A new process is most often a fork about to exec: read
 * between the two, it has its parent's name and page tables, and with
 * the round robin it kept them until its turn came, tens of samples on a
 * busy host (a `sleep` listed as "bash" in t-daemon's cold run). Read as
 * new again: a rate from the parent's image to the child's means nothing.
 * Not those of the first sample (sc->started): they were there before us,
 * and on a large host that would be a second full read at start. */
static void reread_young(struct d_scan *sc, int proc_fd)
{
	struct snapshot *s = &sc->snap;

	for (size_t i = 0; i < s->nr_procs; i++) {
		if (!sc->meta[i].young)
			continue;
		if (read_one(sc, proc_fd, s->procs[i].pid, &s->procs[i],
			     &sc->meta[i], false))
			sc->meta[i].young = false;
		else
			sc->meta[i].gone = true;
	}
}

/* Re-reads up to budget known processes from the cursor on, wrapping;
 * those read since t0, this sample's start, are not due (a rate needs
 * time) and do not count. */
static void refresh(struct d_scan *sc, int proc_fd, unsigned int budget,
		    uint64_t t0)
{
	struct snapshot *s = &sc->snap;
	size_t n = s->nr_procs, start = 0, todo, done = 0;

	if (!n)
		return;
	todo = budget && budget < n ? budget : n;
	while (start < n && s->procs[start].pid < sc->cursor)
		start++;
	for (size_t c = 0; c < n && done < todo; c++) {
		size_t i = (start + c) % n;
		uint64_t pte = s->procs[i].page_table_bytes;

		if (sc->meta[i].read_ns >= t0)
			continue;
		/* its rollup fits a sample but not what is left of this one:
		 * it and those after it wait for the next sample */
		if (pte >= PTW_ROLLUP_MIN_PTE && pte <= sc->rollup.per_sample &&
		    pte > sc->rollup.left) {
			sc->rollup.deferred += todo - done;
			break;
		}
		if (!read_one(sc, proc_fd, s->procs[i].pid, &s->procs[i],
			      &sc->meta[i], true))
			sc->meta[i].gone = true;
		sc->cursor = s->procs[i].pid + 1;
		done++;
	}
	sc->last_refreshed = done;
}

/* Reads the new processes and merges them in, keeping PID order. */
static int add_fresh(struct d_scan *sc, int proc_fd, const pid_t *f, size_t nf)
{
	struct snapshot *s = &sc->snap;
	size_t n = s->nr_procs, added = 0;

	if (d_scan_grow(sc, n + nf))
		return -ENOMEM;
	/* read into the free tail, then merge the two sorted runs from the
	 * back so nothing needs a second array */
	for (size_t k = 0; k < nf; k++)
		added += read_one(sc, proc_fd, f[k], &s->procs[n + added],
				  &sc->meta[n + added], false);
	sc->last_new = added;
	if (added && n && s->procs[n - 1].pid > s->procs[n].pid) {
		struct proc_sample tp;
		struct d_proc_meta tm;

		/* insertion from the back: new PIDs are nearly always the
		 * largest, so this is linear in practice */
		for (size_t a = n; a < n + added; a++) {
			for (size_t b = a;
			     b > 0 && s->procs[b - 1].pid > s->procs[b].pid;
			     b--) {
				tp = s->procs[b], s->procs[b] = s->procs[b - 1],
				s->procs[b - 1] = tp;
				tm = sc->meta[b], sc->meta[b] = sc->meta[b - 1],
				sc->meta[b - 1] = tm;
			}
		}
	}
	s->nr_procs = n + added;
	return 0;
}

void d_scan_drop_gone(struct d_scan *sc)
{
	struct snapshot *s = &sc->snap;
	size_t j = 0;

	for (size_t i = 0; i < s->nr_procs; i++) {
		if (sc->meta[i].gone)
			continue;
		if (j != i) {
			s->procs[j] = s->procs[i];
			sc->meta[j] = sc->meta[i];
		}
		j++;
	}
	s->nr_procs = j;
}

static int cmp_waste(const void *a, const void *b, void *arg)
{
	const struct proc_sample *p = arg;
	const struct proc_sample *x = &p[*(const uint32_t *)a];
	const struct proc_sample *y = &p[*(const uint32_t *)b];

	if (x->waste_bytes != y->waste_bytes)
		return x->waste_bytes < y->waste_bytes ? 1 : -1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* The order mended for the moved entries: out of it, then each back in
 * where it now belongs. false when it cannot be (no order yet). */
static bool mend_order(struct d_scan *sc, const uint32_t *moved, size_t nm)
{
	struct snapshot *s = &sc->snap;
	uint32_t *o = sc->order;
	size_t n = s->nr_procs, j = 0;
	uint8_t *out;

	if (!o)
		return false;
	if (!nm)
		return true;
	out = calloc(n, 1);
	if (!out)
		return false;
	for (size_t i = 0; i < nm; i++)
		out[moved[i]] = 1;
	for (size_t i = 0; i < n; i++)
		if (!out[o[i]])
			o[j++] = o[i];
	free(out);
	for (size_t i = 0; i < nm; i++) {
		size_t lo = 0, hi = j;

		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (cmp_waste(&o[mid], &moved[i], s->procs) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		memmove(&o[lo + 1], &o[lo], (j - lo) * sizeof(*o));
		o[lo] = moved[i];
		j++;
	}
	return true;
}

int d_scan_finish(struct d_scan *sc, const uint32_t *moved, long nr_moved)
{
	struct snapshot *s = &sc->snap;
	uint32_t *o;

	if (nr_moved < 0 || !mend_order(sc, moved, nr_moved)) {
		o = realloc(sc->order, (s->nr_procs + 1) * sizeof(*o));
		if (!o)
			return -ENOMEM;
		sc->order = o;
		for (size_t i = 0; i < s->nr_procs; i++)
			o[i] = i;
		qsort_r(o, s->nr_procs, sizeof(*o), cmp_waste, s->procs);
	}
	s->host.waste_bytes = 0;
	s->host.unreadable = 0;
	for (size_t i = 0; i < s->nr_procs; i++) {
		s->host.waste_bytes += s->procs[i].waste_bytes;
		s->host.unreadable += sc->meta[i].partial;
	}
	free(s->cgroups);
	s->cgroups = NULL;
	s->nr_cgroups = 0;
	return cgroup_collect(&sc->layout, s);
}

int d_scan_sample(struct d_scan *sc, const struct d_scan_opts *o)
{
	struct host_sample h = { 0 };
	pid_t *l = NULL, *f = NULL;
	size_t nl = 0, nf = 0;
	int proc_fd, err;

	err = snapshot_read_host(o->proc_root, &h);
	if (err)
		return err;
	if (!sc->have_layout) {
		cgroup_detect(o->cgroup_root, &sc->layout);
		sc->have_layout = true;
	}
	h.cgroup_version = sc->layout.version;
	if (d_scan_use_iter(sc, o))
		return d_scan_iter_sample(sc, o, &h);
	err = list_pids(o->proc_root, &l, &nl);
	if (err)
		return err;
	proc_fd = open(o->proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (proc_fd < 0) {
		free(l);
		return -errno;
	}
	sc->snap.host = h;
	sc->snap.source = PTW_SOURCE_PROCFS;
	d_rollup_begin(&sc->rollup, sc->rollup_budget);
	err = merge_listing(sc, l, nl, &f, &nf);
	if (!err) {
		uint64_t t0 = now_ns(CLOCK_MONOTONIC);

		reread_young(sc, proc_fd);
		refresh(sc, proc_fd, o->budget, t0);
		err = add_fresh(sc, proc_fd, f, nf);
		sc->started = true;
	}
	close(proc_fd);
	free(l);
	free(f);
	d_scan_drop_gone(sc);
	return err ? err : d_scan_finish(sc, NULL, -1);
}

const struct proc_sample *d_scan_nth(const struct d_scan *sc, size_t i)
{
	return &sc->snap.procs[sc->order[i]];
}

size_t d_scan_nth_index(const struct d_scan *sc, size_t i)
{
	return sc->order[i];
}

double d_scan_rate(const struct d_scan *sc, size_t idx)
{
	const struct d_proc_meta *m = &sc->meta[idx];

	if (!m->prev_ns || m->read_ns <= m->prev_ns)
		return NAN;
	return ((double)sc->snap.procs[idx].page_table_bytes -
		(double)m->prev_pte) /
	       ((double)(m->read_ns - m->prev_ns) / 1e9);
}

long d_scan_find(const struct d_scan *sc, pid_t pid)
{
	size_t lo = 0, hi = sc->snap.nr_procs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (sc->snap.procs[mid].pid == pid)
			return mid;
		if (sc->snap.procs[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

void d_scan_free(struct d_scan *sc)
{
	ptw_iter_close(sc->iter);
	cgroup_ids_free(&sc->iter_ids);
	snapshot_free(&sc->snap);
	free(sc->meta);
	free(sc->order);
	*sc = (struct d_scan){ 0 };
}
