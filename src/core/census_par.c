// SPDX-License-Identifier: GPL-2.0
/*
 * The census of a large process on several CPUs, for `ptwatch show
 * --exact` (issue 24: a million tables take about a second of the
 * kernel's PTE reads on one CPU). PAGEMAP_SCAN takes the mmap lock for
 * reading, so threads can walk one process at once. The address space is
 * cut at aligned 1 GiB windows, and a thread takes a whole window (every
 * mapping's part in it, in address order) at a time: a 2 MiB block, whose
 * entries are summed across the mappings that share it, never spans two
 * windows, so each thread's counts are exact for its windows and add up.
 * The PMD and PUD tables come from the layout, counted once by the
 * caller's walk. The daemon does not use this: it walks in slices on its
 * one thread (census_sched.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "census.h"
#include "pagemap_scan.h"

#define WINDOW_SHIFT 30
#define SCAN_VEC 512
#define MAX_THREADS 8
/* below this much VmPTE (16k tables, some 16 ms) threads cost more than
 * they save */
#define PAR_MIN_PTE (64ULL << 20)

/* A mapping's part inside one window. */
struct part {
	struct census_vma v; /* clipped to the window; anon as the mapping */
	uint64_t window;
};

struct par {
	const struct part *parts;
	size_t nr;
	size_t next; /* the next part to hand out (a window's first) */
	pthread_mutex_t lock;
	int pagemap_fd;
};

struct worker {
	struct par *par;
	struct census_acc acc;
	int err;
};

/* The next window: its parts are [*first, return). */
static size_t take_window(struct par *p, size_t *first)
{
	size_t i, end;

	pthread_mutex_lock(&p->lock);
	i = p->next;
	for (end = i; end < p->nr && p->parts[end].window == p->parts[i].window;
	     end++)
		;
	p->next = end;
	pthread_mutex_unlock(&p->lock);
	*first = i;
	return end;
}

static int scan_part(struct worker *wk, const struct census_vma *v)
{
	struct page_region vec[SCAN_VEC];
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.start = v->start,
		.end = v->end,
		.vec = (uintptr_t)vec,
		.vec_len = SCAN_VEC,
		.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
		.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_HUGE,
	};

	census_acc_vma_begin(&wk->acc, v);
	while (arg.start < v->end) {
		int n = ioctl(wk->par->pagemap_fd, PAGEMAP_SCAN, &arg);

		if (n < 0)
			return -errno;
		census_feed_regions(&wk->acc, v, vec, n);
		if (arg.walk_end <= arg.start)
			break;
		arg.start = arg.walk_end;
	}
	census_acc_vma_end(&wk->acc);
	return 0;
}

static void *work(void *arg)
{
	struct worker *wk = arg;
	size_t i, end;

	while (!wk->err && (end = take_window(wk->par, &i)) > i) {
		for (; i < end && !wk->err; i++)
			if (wk->par->parts[i].v.access)
				wk->err = scan_part(wk, &wk->par->parts[i].v);
		census_acc_finish(&wk->acc); /* the window's last block */
	}
	return NULL;
}

/* The parts of every mapping below the user top, window by window. */
static int cut(struct census_walk *w, struct part **out, size_t *nr)
{
	size_t n = 0, cap = 0;
	struct part *parts = NULL;
	int err;

	while ((err = census_walk_next_vma(w)) > 0) {
		uint64_t a = w->vma.start;

		while (a < w->vma.end) {
			uint64_t win = a >> WINDOW_SHIFT;
			uint64_t stop = (win + 1) << WINDOW_SHIFT;

			if (n == cap) {
				void *np;

				cap = cap ? cap * 2 : 256;
				np = realloc(parts, cap * sizeof(*parts));
				if (!np) {
					free(parts);
					return -ENOMEM;
				}
				parts = np;
			}
			parts[n].v = w->vma;
			parts[n].v.start = a;
			parts[n].v.end = stop < w->vma.end ? stop : w->vma.end;
			parts[n++].window = win;
			a = parts[n - 1].v.end;
		}
		w->scanned += w->vma.end - w->vma.start;
		w->in_vma = false;
	}
	if (err < 0) {
		free(parts);
		return err;
	}
	*out = parts;
	*nr = n;
	return 0;
}

static void add_acc(struct census_acc *to, const struct census_acc *from)
{
	for (int b = 0; b < CENSUS_BUCKETS; b++)
		to->occupancy[b] += from->occupancy[b];
	to->used_tables += from->used_tables;
	to->used_entries += from->used_entries;
	to->deposited += from->deposited;
	to->huge_blocks += from->huge_blocks;
}

/* The walk w (begun, no step taken) done on `threads` threads. */
static int walk_par(struct census_walk *w, unsigned int threads)
{
	struct worker wk[MAX_THREADS];
	pthread_t tid[MAX_THREADS];
	struct par p = { .pagemap_fd = w->pagemap_fd };
	unsigned int started = 0;
	int err = cut(w, (struct part **)&p.parts, &p.nr);

	if (err)
		return err;
	pthread_mutex_init(&p.lock, NULL);
	for (unsigned int t = 0; t < threads; t++) {
		wk[t] = (struct worker){ .par = &p };
		if (t && pthread_create(&tid[t], NULL, work, &wk[t]))
			break; /* fewer threads: the rest is done all the same */
		started = t + 1;
	}
	work(&wk[0]);
	for (unsigned int t = 1; t < started; t++)
		pthread_join(tid[t], NULL);
	pthread_mutex_destroy(&p.lock);
	free((void *)p.parts);
	for (unsigned int t = 0; t < started && !err; t++) {
		err = wk[t].err;
		add_acc(&w->acc, &wk[t].acc);
	}
	w->steps = 1;
	w->done = !err;
	return err ? err : census_walk_check(w);
}

int census_take_threads(const char *proc_root, pid_t pid, bool force_pagemap,
			unsigned int threads, struct pte_census *out)
{
	struct census_walk w;
	int err = census_walk_begin(&w, proc_root, pid, force_pagemap, NULL);

	memset(out, 0, sizeof(*out));
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	if (!err) {
		if (threads > 1 && w.use_ioctl && w.vm_pte >= PAR_MIN_PTE) {
			struct timespec t0, t1;

			clock_gettime(CLOCK_MONOTONIC, &t0);
			err = walk_par(&w, threads);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			w.busy_ns = (t1.tv_sec - t0.tv_sec) * 1000000000ULL +
				    t1.tv_nsec - t0.tv_nsec;
		} else {
			err = census_walk_step(&w, 0);
		}
	}
	if (!err)
		census_walk_result(&w, out);
	census_walk_end(&w);
	return err;
}
