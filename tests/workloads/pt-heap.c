// SPDX-License-Identifier: GPL-2.0
/*
 * pt-heap: a jemalloc-like heap that grows, then frees objects at random
 * and purges the free runs, for the memory-saved benchmark of PTE reclaim.
 *
 *   pt-heap HEAP_MIB [FREE_PCT] [SEED] [--pause]
 *
 * Carves HEAP_MIB of anonymous memory (2 MiB aligned, THP off, so that
 * every 2 MiB range has one PTE page of its own) into objects of 1 to 256
 * pages (power-of-two size classes, each equally likely, as jemalloc's
 * large extents), writes every page, then frees FREE_PCT percent of the
 * objects (default 90: the heap after a load spike) chosen at random.
 * Free neighbours coalesce, and each maximal free run is purged with one
 * MADV_DONTNEED call, as jemalloc does with a dirty extent when it decays
 * (muzzy_decay_ms:0, the default since jemalloc 5.2). A 2 MiB range that
 * no live object touches is empty after the purge and lies inside one
 * run: its PTE page is what reclaim can free (ranges_empty).
 *
 * Prints key=value lines: heap_mib, objects, freed, purge_calls, ranges,
 * ranges_empty, live_kb, vmpte_touched_kb (after the writes),
 * vmpte_purged_kb (after the purge), rss_purged_kb, data_ok (every live
 * page read back). With --pause it then waits for a line on stdin, so that
 * `ptwatch show PID --exact` can count the empty tables.
 * Exit status: 0 ok, 1 system call failed or data mismatch, 2 bad usage.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "status_kb.h"

#define PAGE 4096UL
#define RANGE (2UL << 20)
#define RANGE_PAGES (RANGE / PAGE)
#define MAX_CLASS 8 /* objects of 1 << 0 .. 1 << 8 pages */

struct heap {
	char *base;
	unsigned long pages;
	unsigned long *obj_start; /* first page of each object */
	unsigned long nobj;
	unsigned char *live; /* per page: 1 when its object is live */
};

/* xorshift64*: the same SEED gives the same heap on every kernel */
static uint64_t rnd_state;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 2685821657736338717ULL;
}

static int heap_map(struct heap *h, unsigned long mib)
{
	size_t len = mib << 20;
	char *raw = mmap(NULL, len + RANGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (raw == MAP_FAILED) {
		perror("pt-heap: mmap");
		return -1;
	}
	h->base = (char *)(((uintptr_t)raw + RANGE - 1) & ~(RANGE - 1));
	h->pages = len / PAGE;
	if (madvise(h->base, len, MADV_NOHUGEPAGE))
		perror("pt-heap: MADV_NOHUGEPAGE (THP may fill ranges)");
	h->obj_start = calloc(h->pages + 1, sizeof(*h->obj_start));
	h->live = calloc(h->pages, 1);
	if (!h->obj_start || !h->live) {
		fprintf(stderr, "pt-heap: out of memory for the bookkeeping\n");
		return -1;
	}
	return 0;
}

/* Each page holds its own index and the object's, so a page that moved or
 * came back zero is told from one that kept its data. */
static void page_fill(struct heap *h, unsigned long pg, unsigned long obj)
{
	uint64_t *w = (uint64_t *)(h->base + pg * PAGE);

	w[0] = pg;
	w[1] = obj ^ 0x5a5a5a5a5a5a5a5aULL;
}

static int page_ok(struct heap *h, unsigned long pg, unsigned long obj)
{
	uint64_t *w = (uint64_t *)(h->base + pg * PAGE);

	return w[0] == pg && w[1] == (obj ^ 0x5a5a5a5a5a5a5a5aULL);
}

static void heap_fill(struct heap *h)
{
	unsigned long pg = 0, size;

	while (pg < h->pages) {
		size = 1UL << (rnd() % (MAX_CLASS + 1));
		if (size > h->pages - pg)
			size = h->pages - pg;
		h->obj_start[h->nobj] = pg;
		for (unsigned long i = 0; i < size; i++) {
			page_fill(h, pg + i, h->nobj);
			h->live[pg + i] = 1;
		}
		h->nobj++;
		pg += size;
	}
	h->obj_start[h->nobj] = h->pages;
}

static unsigned long heap_free_random(struct heap *h, unsigned pct)
{
	unsigned long freed = 0;

	for (unsigned long o = 0; o < h->nobj; o++) {
		if (rnd() % 100 >= pct)
			continue;
		memset(h->live + h->obj_start[o], 0,
		       h->obj_start[o + 1] - h->obj_start[o]);
		freed++;
	}
	return freed;
}

/* One MADV_DONTNEED per maximal free run; returns the calls or -1. */
static long heap_purge(struct heap *h)
{
	unsigned long pg = 0, end;
	long calls = 0;

	while (pg < h->pages) {
		if (h->live[pg]) {
			pg++;
			continue;
		}
		for (end = pg; end < h->pages && !h->live[end]; end++)
			;
		if (madvise(h->base + pg * PAGE, (end - pg) * PAGE,
			    MADV_DONTNEED)) {
			perror("pt-heap: MADV_DONTNEED");
			return -1;
		}
		calls++;
		pg = end;
	}
	return calls;
}

static unsigned long ranges_empty(struct heap *h)
{
	unsigned long n = 0, r, i;

	for (r = 0; r < h->pages / RANGE_PAGES; r++) {
		for (i = 0; i < RANGE_PAGES && !h->live[r * RANGE_PAGES + i];
		     i++)
			;
		n += i == RANGE_PAGES;
	}
	return n;
}

static int heap_verify(struct heap *h, unsigned long *live_pages)
{
	unsigned long o, pg;
	int ok = 1;

	*live_pages = 0;
	for (o = 0; o < h->nobj; o++)
		for (pg = h->obj_start[o]; pg < h->obj_start[o + 1]; pg++) {
			if (!h->live[pg])
				break;
			(*live_pages)++;
			if (!page_ok(h, pg, o)) {
				if (ok)
					fprintf(stderr,
						"pt-heap: page %lu of object %lu lost its data\n",
						pg, o);
				ok = 0;
			}
		}
	return ok;
}

int main(int argc, char **argv)
{
	unsigned long mib = 0, freed, live_pages;
	unsigned pct;
	int pause_after = 0, npos = 0, data_ok;
	long calls, touched_kb;
	struct heap h = { 0 };

	const char *pos[3] = { NULL, "90", "1" };

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pause"))
			pause_after = 1;
		else if (npos < 3)
			pos[npos++] = argv[i];
		else
			npos = 4; /* too many: usage */
	}
	if (pos[0])
		mib = strtoul(pos[0], NULL, 10);
	pct = (unsigned)strtoul(pos[1], NULL, 10);
	rnd_state = strtoull(pos[2], NULL, 10) * 2654435761ULL | 1;
	if (npos > 3)
		mib = 0;
	if (mib < 2 || mib % 2 || mib > (1UL << 20) || pct > 100) {
		fprintf(stderr,
			"usage: pt-heap HEAP_MIB [FREE_PCT] [SEED] [--pause]"
			" (HEAP_MIB even, >= 2; FREE_PCT 0..100)\n");
		return 2;
	}
	if (heap_map(&h, mib))
		return 1;
	heap_fill(&h);
	touched_kb = status_kb("VmPTE");
	freed = heap_free_random(&h, pct);
	calls = heap_purge(&h);
	if (calls < 0)
		return 1;
	data_ok = heap_verify(&h, &live_pages);
	printf("heap_mib=%lu\nobjects=%lu\nfreed=%lu\npurge_calls=%ld\n"
	       "ranges=%lu\nranges_empty=%lu\nlive_kb=%lu\n"
	       "vmpte_touched_kb=%ld\nvmpte_purged_kb=%ld\nrss_purged_kb=%ld\n"
	       "data_ok=%d\n",
	       mib, h.nobj, freed, calls, h.pages / RANGE_PAGES,
	       ranges_empty(&h), live_pages * PAGE / 1024, touched_kb,
	       status_kb("VmPTE"), status_kb("VmRSS"), data_ok);
	fflush(stdout);
	if (pause_after) {
		char line[16];

		if (!fgets(line, sizeof(line), stdin))
			line[0] = 0;
	}
	return data_ok ? 0 : 1;
}
