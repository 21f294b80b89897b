// SPDX-License-Identifier: GPL-2.0
/*
 * alloc-purge: a heap that real allocators (glibc, jemalloc, tcmalloc;
 * tests/alloc/build.mk links one binary per allocator) give back to the
 * kernel, for the share of empty PTE tables freed by the kernel alone,
 * by `ptwatch reclaim pid` and by ptwatchd's [free_tables] policy.
 *
 *   alloc-purge-ALLOC MIB [--purge] [--hold]
 *
 * THREADS (4) threads each allocate MIB / THREADS of objects of 16 KiB to
 * 112 KiB (under glibc's mmap threshold, jemalloc's large size classes,
 * tcmalloc's spans), write a pattern into every byte, then free the
 * objects of every other run of 4 MiB of allocations (frees that leave
 * whole 2 MiB blocks empty, as a burst of requests that ends does). With
 * --purge, the allocator is asked to return what is free: malloc_trim(0)
 * (glibc), mallctl arena.<all>.purge (jemalloc),
 * MallocExtension_ReleaseFreeMemory() (tcmalloc); without it only its own
 * policy runs (e.g. jemalloc with MALLOC_CONF=dirty_decay_ms:0).
 * Then prints key=value lines (alloc, objects, live_objects,
 * vmpte_peak_kb after the writes, vmpte_purged_kb after the purge,
 * rss_purged_kb) and, with --hold, "ready PID", waits for a line on stdin
 * and checks every live object byte for byte: data_ok=1 or 0.
 * Exit status: 0 ok, 1 allocation failed or data mismatch, 2 bad usage.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../workloads/status_kb.h"

#define THREADS 4
#define RUN_BYTES (4UL << 20) /* frees go by runs of allocations */

const char *alloc_name(void);
void alloc_purge(void);

struct obj {
	unsigned char *p;
	size_t len;
};

struct worker {
	pthread_t t;
	int id;
	size_t bytes;
	struct obj *objs;
	size_t n, live;
};

static pthread_barrier_t barrier;
static int purge;

static unsigned char pattern(const struct worker *w, size_t i, size_t off)
{
	return (unsigned char)(w->id * 131 + i * 7 + off / 4096 + 1);
}

static size_t obj_size(size_t i)
{
	return (16 + (i * 37) % 97) * 1024; /* 16 .. 112 KiB */
}

static void *work(void *arg)
{
	struct worker *w = arg;
	size_t done = 0, run = 0, cap = w->bytes / (16 * 1024) + 1;

	w->objs = calloc(cap, sizeof(*w->objs));
	for (size_t i = 0; w->objs && done < w->bytes && w->n < cap; i++) {
		struct obj *o = &w->objs[w->n++];

		o->len = obj_size(i);
		o->p = malloc(o->len);
		if (!o->p)
			exit(1);
		for (size_t off = 0; off < o->len; off += 4096)
			memset(o->p + off, pattern(w, i, off),
			       o->len - off < 4096 ? o->len - off : 4096);
		done += o->len;
	}
	pthread_barrier_wait(&barrier); /* peak: every thread has written */
	pthread_barrier_wait(&barrier);
	for (size_t i = 0; i < w->n; i++) {
		if ((run / RUN_BYTES) % 2) {
			free(w->objs[i].p);
			w->objs[i].p = NULL;
		} else {
			w->live++;
		}
		run += w->objs[i].len;
	}
	if (purge)
		alloc_purge();
	return NULL;
}

static int check(const struct worker *w)
{
	for (size_t i = 0; i < w->n; i++) {
		const struct obj *o = &w->objs[i];

		for (size_t off = 0; o->p && off < o->len; off++)
			if (o->p[off] != pattern(w, i, off & ~4095UL))
				return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	struct worker w[THREADS] = { 0 };
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 0, objs = 0,
	       live = 0;
	int hold = 0, ok = 1;
	long peak;
	char line[16];

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--purge"))
			purge = 1;
		else if (!strcmp(argv[i], "--hold"))
			hold = 1;
		else
			mib = 0;
	}
	if (!mib) {
		fprintf(stderr,
			"usage: alloc-purge-%s MIB [--purge] [--hold]\n",
			alloc_name());
		return 2;
	}
	pthread_barrier_init(&barrier, NULL, THREADS + 1);
	for (int i = 0; i < THREADS; i++) {
		w[i].id = i;
		w[i].bytes = (mib << 20) / THREADS;
		pthread_create(&w[i].t, NULL, work, &w[i]);
	}
	pthread_barrier_wait(&barrier);
	peak = status_kb("VmPTE");
	pthread_barrier_wait(&barrier);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(w[i].t, NULL);
		objs += w[i].n;
		live += w[i].live;
	}
	printf("alloc=%s\nobjects=%zu\nlive_objects=%zu\n", alloc_name(), objs,
	       live);
	printf("vmpte_peak_kb=%ld\nvmpte_purged_kb=%ld\nrss_purged_kb=%ld\n",
	       peak, status_kb("VmPTE"), status_kb("VmRSS"));
	if (hold) {
		printf("ready %d\n", (int)getpid());
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 1;
	}
	for (int i = 0; i < THREADS; i++)
		ok &= check(&w[i]);
	printf("data_ok=%d\n", ok);
	return ok ? 0 : 1;
}
