/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of pt-race (tests/workloads/pt-race.c), the race tests of
 * PTE-table reclaim. A header, not a .c file: every tests/workloads/NAME.c
 * becomes a program of its own (build.mk), so pt-race is one translation
 * unit that includes this.
 *
 * Data pattern: every checked 8-byte word says where it belongs and when it
 * was written, so that a word read from the wrong page (a freed table
 * reused, a table moved wrongly), a stale generation or a torn page is told
 * apart from the zeroes a legitimate MADV_DONTNEED leaves:
 *   bits 63..56 tag 0xa5, 55..32 generation, 31..12 page index, 11..0 word.
 * Page indexes count from the start of the mode's region, so data that
 * mremap moves keeps its index.
 */
#ifndef PT_RACE_H
#define PT_RACE_H

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../status_kb.h"
#include "../wl_common.h"

#define BLOCK (2UL << 20)
#define PAGE 4096UL
#define WORDS (PAGE / 8) /* 8-byte words per page */
#define BLOCK_PAGES (BLOCK / PAGE)
#define PMD_SPAN (1UL << 30) /* range one PMD page maps */
#define KEEP_GEN 0xffffffUL  /* generation of "kept" pages, written once */
#define MAX_THREADS 64
#define NEXTRA 5	  /* mode-specific counters */
#define MISMATCH_LINES 10 /* stderr lines before only counting */
/*
 * Zappers touch every TOUCH_STRIDE-th page of a block before emptying it:
 * the table is there to free all the same, and under QEMU's software
 * emulation (the guest runs) 64 faults instead of 512 give 8 times the
 * zaps, forks and moves per second.
 */
#define TOUCH_STRIDE 8

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

typedef volatile uint64_t vword;

/* Figures of one mode run; the threads add to them. */
struct stats {
	atomic_ulong iterations, zaps, checks, mismatches, legit_errors, errors;
	atomic_ulong on_demand_calls; /* --on-demand: MADV_PT_RECLAIMs made */
	atomic_ulong
		extra[NEXTRA]; /* mode-specific counters, named by the mode */
};

extern struct stats S;
extern atomic_int stop_flag;
extern int corrupt_wanted;	/* --self-test-corrupt */
extern int on_demand;		/* --on-demand */
extern atomic_int corrupt_done; /* the byte was flipped */
extern const char *mode_name;
extern unsigned int seconds; /* how long each mode races */
extern long vmpte_end_kb;    /* VmPTE after the mode's final sweep */

void run_for(unsigned int seconds);

static inline int stopped(void)
{
	return atomic_load_explicit(&stop_flag, memory_order_relaxed);
}

/* True exactly once per mode run when --self-test-corrupt asked for it. */
static inline int corrupt_now(void)
{
	return corrupt_wanted && !atomic_exchange(&corrupt_done, 1);
}

static inline uint64_t pword(unsigned long idx, unsigned long w,
			     unsigned long gen)
{
	return 0xa5UL << 56 | (gen & 0xffffff) << 32 | (idx & 0xfffff) << 12 |
	       w;
}

static inline unsigned long pword_gen(uint64_t v)
{
	return v >> 32 & 0xffffff;
}

/* v is a pattern word of page idx, word w, of a generation in [lo, hi]. */
static inline int pword_ok(uint64_t v, unsigned long idx, unsigned long w,
			   unsigned long lo, unsigned long hi)
{
	unsigned long g = pword_gen(v);

	return v == pword(idx, w, g) && g >= lo && g <= hi;
}

/* Counts a data mismatch; the first MISMATCH_LINES get a line each. */
static inline void mismatch(const volatile void *addr, uint64_t want,
			    uint64_t got, const char *what)
{
	unsigned long n = atomic_fetch_add(&S.mismatches, 1);

	if (n < MISMATCH_LINES)
		say("pt-race: %s: mismatch at %p (%s): expected 0x%016llx, got 0x%016llx\n",
		    mode_name, addr, what, (unsigned long long)want,
		    (unsigned long long)got);
}

/* Counts a system call failure the race does not explain. */
static inline void fail(const char *what, int err)
{
	atomic_fetch_add(&S.errors, 1);
	say("pt-race: %s: %s: %s\n", mode_name, what, strerror(err));
}

/*
 * MADV_DONTNEED of [p, p + len). ENOMEM (part of the range unmapped) is
 * legitimate where another thread moves or unmaps the range: ok_enomem.
 * Returns 0 when the call succeeded.
 */
static inline int dontneed(void *p, unsigned long len, int ok_enomem)
{
	if (!madvise(p, len, MADV_DONTNEED))
		return 0;
	if (errno == ENOMEM && ok_enomem)
		atomic_fetch_add(&S.legit_errors, 1);
	else
		fail("madvise(MADV_DONTNEED)", errno);
	return -1;
}

/*
 * --on-demand: the block is emptied in two halves, which leaves its table,
 * and then MADV_PT_RECLAIM frees it. ENOMEM is legitimate where the whole
 * DONTNEED's is; anything else is a failure.
 */
static inline int zap_block_on_demand(char *p, int ok_enomem)
{
	if (dontneed(p, BLOCK / 2, ok_enomem) ||
	    dontneed(p + BLOCK / 2, BLOCK / 2, ok_enomem))
		return -1;
	atomic_fetch_add(&S.on_demand_calls, 1);
	if (!madvise(p, BLOCK, MADV_PT_RECLAIM))
		return 0;
	if (errno == ENOMEM && ok_enomem)
		atomic_fetch_add(&S.legit_errors, 1);
	else
		fail("madvise(MADV_PT_RECLAIM)", errno);
	return -1;
}

/*
 * A whole-block DONTNEED, the call that frees the block's PTE table. With
 * --on-demand every other call of a thread, its first one included (a
 * slow mode may zap once), frees it on demand instead, so
 * that the two ways race each other as well as the mode's operation.
 */
static inline int zap_block(void *p, int ok_enomem)
{
	static __thread unsigned long calls;
	int ret = on_demand && !(calls++ & 1) ?
			  zap_block_on_demand(p, ok_enomem) :
			  dontneed(p, BLOCK, ok_enomem);

	if (!ret)
		atomic_fetch_add(&S.zaps, 1);
	return ret;
}

static inline long vmpte_kb(void)
{
	return status_kb("VmPTE");
}

/*
 * Maps blocks * 2 MiB of private anonymous memory, aligned to align (2 MiB
 * or 1 GiB), without THP: each block is then exactly the range of one PTE
 * table of its own. The rest of the over-sized mapping is unmapped.
 */
static inline char *map_region(unsigned long blocks, unsigned long align)
{
	unsigned long len = blocks * BLOCK, raw_len = len + align, head;
	char *raw, *p;

	raw = mmap(NULL, raw_len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED) {
		fail("mmap", errno);
		return NULL;
	}
	p = (char *)(((unsigned long)raw + align - 1) & ~(align - 1));
	head = p - raw;
	if (head)
		munmap(raw, head);
	munmap(p + len, raw_len - head - len);
	if (madvise(p, len, MADV_NOHUGEPAGE) && errno != EINVAL) {
		fail("madvise(MADV_NOHUGEPAGE)", errno);
		munmap(p, len);
		return NULL;
	}
	return p;
}

/* Fills every word of page idx, at p, with generation gen. */
static inline void fill_page(char *p, unsigned long idx, unsigned long gen)
{
	vword *q = (vword *)p;
	unsigned long w;

	for (w = 0; w < WORDS; w++)
		q[w] = pword(idx, w, gen);
}

/* Page idx at p holds generation gen in every word: 0 ok, -1 mismatch. */
static inline int check_page(const char *p, unsigned long idx,
			     unsigned long gen, const char *what)
{
	const vword *q = (const vword *)p;
	unsigned long w;

	atomic_fetch_add(&S.checks, 1);
	for (w = 0; w < WORDS; w++) {
		uint64_t v = q[w];

		if (v != pword(idx, w, gen)) {
			mismatch(q + w, pword(idx, w, gen), v, what);
			return -1;
		}
	}
	return 0;
}

/* One word of page idx is 0 or pword(idx, w, g) for some g in [lo, hi]. */
static inline int check_word_or_zero(const vword *q, unsigned long idx,
				     unsigned long w, unsigned long lo,
				     unsigned long hi, const char *what)
{
	uint64_t v = q[w];

	atomic_fetch_add(&S.checks, 1);
	if (!v || pword_ok(v, idx, w, lo, hi))
		return 0;
	mismatch(q + w, pword(idx, w, hi), v, what);
	return -1;
}

/* One thread of a mode: fn(arg), arg usually a struct with an id. */
struct job {
	void *(*fn)(void *);
	void *arg;
};

/*
 * Starts the jobs, lets them race for the mode's seconds, stops and joins
 * them. Returns -1 when a thread could not be started (the others are
 * stopped and joined).
 */
static inline int run_jobs(struct job *jobs, int n)
{
	pthread_t t[MAX_THREADS + 4];
	int i, started, ret = 0;

	for (started = 0; started < n; started++) {
		int err = pthread_create(&t[started], NULL, jobs[started].fn,
					 jobs[started].arg);

		if (err) {
			fail("pthread_create", err);
			atomic_store(&stop_flag, 1);
			ret = -1;
			break;
		}
	}
	if (!ret)
		run_for(seconds);
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	return ret;
}

/*
 * The end of every mode: one MADV_DONTNEED over the whole region (with
 * reclaim it frees every PTE table in it, so vmpte_kb_end shows whether
 * the kernel reclaims), VmPTE, then unmap.
 */
static inline void finish_region(char *p, unsigned long len)
{
	if (madvise(p, len, MADV_DONTNEED) && errno != ENOMEM)
		fail("final madvise(MADV_DONTNEED)", errno);
	vmpte_end_kb = vmpte_kb();
	munmap(p, len);
}

#endif
