// SPDX-License-Identifier: GPL-2.0
/*
 * kern-ptfree: the seed workload for PTE page reclaim, scaled.
 *
 *   kern-ptfree MODE [BLOCKS] [--pause]
 *
 * Maps BLOCKS (default 4096) 2 MiB blocks of anonymous memory, 2 MiB
 * aligned and without THP (so that each block has exactly one PTE page of
 * its own), and for each block in turn: writes to every page (the whole
 * last page gets a pattern), then gives memory back according to MODE:
 *   dontneed  MADV_DONTNEED on the whole block (the seed test)
 *   keep1     MADV_DONTNEED on all but the block's last page; at the end
 *             every kept page is checked byte for byte, and the first page
 *             of every block must read back as zeroes
 *   small     MADV_DONTNEED on each half of the block (two 1 MiB calls):
 *             the PTE page ends up empty, but no call covered all of it
 *   free      MADV_FREE on the whole block
 *   race      for 10 s, one thread MADV_DONTNEEDs whole blocks over and over
 *             while another faults pages back in: exercises the recheck of
 *             tables refilled during a zap (bad rss counters or bad page
 *             state in dmesg at exit would show a table freed while mapping)
 * With --pause it then prints its figures, waits for a line on stdin and
 * calls MADV_DONTNEED once on the whole mapping (vmpte_final_kb).
 *
 * Prints key=value lines: blocks, vmpte_before_kb (before the mmap),
 * vmpte_after_kb (after the loop), upper_tables_kb, data_ok (keep1),
 * vmpte_final_kb.  VmPTE counts page tables of every level: mapping the
 * range needs PMD pages (one per GiB) and maybe PUD pages (one per 512 GiB)
 * that no PTE reclaim frees; upper_tables_kb is the most they can add.
 * Exit status: 0 ok, 1 system call failed or data mismatch, 2 bad usage.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "status_kb.h"

#define BLOCK (2UL << 20)
#define PAGE 4096UL
#define PMD_SPAN (1UL << 30) /* range one PMD page maps */
#define PUD_SPAN (1UL << 39) /* range one PUD page maps */

enum mode { M_DONTNEED, M_KEEP1, M_SMALL, M_FREE, M_RACE };

#define RACE_SECONDS 10

/* The byte stored at offset off of block b: differs per block and page. */
static unsigned char pattern(unsigned long b, unsigned long off)
{
	return (unsigned char)(b * 31 + off / PAGE * 7 + off % 251 + 1);
}

/*
 * Faults in every page of the block with one byte each (cheap under
 * emulation), and fills the last page, the one keep1 keeps, completely.
 */
static void fill_block(unsigned char *p, unsigned long b)
{
	unsigned long off;

	for (off = 0; off < BLOCK - PAGE; off += PAGE)
		p[off] = pattern(b, off);
	for (off = BLOCK - PAGE; off < BLOCK; off++)
		p[off] = pattern(b, off);
}

static int advise(void *p, unsigned long len, int advice)
{
	if (madvise(p, len, advice) == 0)
		return 0;
	fprintf(stderr, "kern-ptfree: madvise(%d): %s\n", advice,
		strerror(errno));
	return -1;
}

static int release_block(unsigned char *p, enum mode mode)
{
	switch (mode) {
	case M_DONTNEED:
		return advise(p, BLOCK, MADV_DONTNEED);
	case M_KEEP1:
		return advise(p, BLOCK - PAGE, MADV_DONTNEED);
	case M_SMALL:
		if (advise(p, BLOCK / 2, MADV_DONTNEED))
			return -1;
		return advise(p + BLOCK / 2, BLOCK / 2, MADV_DONTNEED);
	case M_FREE:
		return advise(p, BLOCK, MADV_FREE);
	case M_RACE:
		break;
	}
	return -1;
}

/* keep1: the kept last page intact, the discarded first page zero. */
static int check_keep1(unsigned char *base, unsigned long blocks)
{
	unsigned long b, off;

	for (b = 0; b < blocks; b++) {
		unsigned char *p = base + b * BLOCK;

		for (off = BLOCK - PAGE; off < BLOCK; off++) {
			if (p[off] != pattern(b, off)) {
				fprintf(stderr,
					"kern-ptfree: block %lu offset %lu: %u, want %u\n",
					b, off, p[off], pattern(b, off));
				return -1;
			}
		}
		for (off = 0; off < PAGE; off++) {
			if (p[off]) {
				fprintf(stderr,
					"kern-ptfree: block %lu offset %lu not zero after MADV_DONTNEED\n",
					b, off);
				return -1;
			}
		}
	}
	return 0;
}

/* How many tables, each mapping span bytes, [p, p + len) reaches into. */
static unsigned long tables_spanned(unsigned char *p, unsigned long len,
				    unsigned long span)
{
	unsigned long start = (unsigned long)p;

	return (start + len - 1) / span - start / span + 1;
}

struct race {
	unsigned char *p;
	unsigned long blocks;
	volatile int stop;
	unsigned long faults;
};

/* The faulting side of race: one write per block per pass, moving page. */
static void *race_writer(void *arg)
{
	struct race *r = arg;
	unsigned long pass, b;

	for (pass = 0; !r->stop; pass++) {
		for (b = 0; b < r->blocks; b++)
			r->p[b * BLOCK + (pass * 37 % 512) * PAGE] = 1;
		r->faults += r->blocks;
	}
	return NULL;
}

static int run_race(unsigned char *p, unsigned long blocks)
{
	struct race r = { .p = p, .blocks = blocks };
	unsigned long zaps = 0, b;
	pthread_t t;
	time_t end = time(NULL) + RACE_SECONDS;
	int ret = 0;

	if (pthread_create(&t, NULL, race_writer, &r)) {
		fprintf(stderr, "kern-ptfree: pthread_create failed\n");
		return -1;
	}
	while (!ret && time(NULL) < end) {
		for (b = 0; b < blocks && !ret; b++, zaps++)
			ret = advise(p + b * BLOCK, BLOCK, MADV_DONTNEED);
	}
	r.stop = 1;
	pthread_join(t, NULL);
	printf("race_zaps=%lu\nrace_writes=%lu\n", zaps, r.faults);
	return ret;
}

static int parse_mode(const char *s, enum mode *mode)
{
	static const char *const names[] = { "dontneed", "keep1", "small",
					     "free", "race" };
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*mode = (enum mode)i;
			return 0;
		}
	}
	return -1;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: kern-ptfree dontneed|keep1|small|free|race [BLOCKS] [--pause]\n");
	return 2;
}

/* 2 MiB aligned, so that block b is exactly the range of one PTE page. */
static unsigned char *map_blocks(unsigned long blocks)
{
	unsigned long len = blocks * BLOCK + BLOCK;
	unsigned char *raw, *p;

	raw = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED) {
		fprintf(stderr, "kern-ptfree: mmap %lu MiB: %s\n", len >> 20,
			strerror(errno));
		return NULL;
	}
	p = (unsigned char *)(((unsigned long)raw + BLOCK - 1) & ~(BLOCK - 1));
	/* A THP would map the block without any PTE page. */
	if (madvise(p, blocks * BLOCK, MADV_NOHUGEPAGE) && errno != EINVAL) {
		fprintf(stderr, "kern-ptfree: MADV_NOHUGEPAGE: %s\n",
			strerror(errno));
		return NULL;
	}
	return p;
}

int main(int argc, char **argv)
{
	unsigned long blocks = 4096, b;
	enum mode mode;
	int pause_after = 0, data_ok = 1, i;
	long before;
	unsigned char *p;

	if (argc < 2 || parse_mode(argv[1], &mode))
		return usage();
	for (i = 2; i < argc; i++) {
		char *end;

		if (!strcmp(argv[i], "--pause")) {
			pause_after = 1;
			continue;
		}
		blocks = strtoul(argv[i], &end, 10);
		if (*end || !blocks || blocks > (1UL << 20))
			return usage();
	}

	before = status_kb("VmPTE");
	p = map_blocks(blocks);
	if (!p)
		return 1;
	if (mode == M_RACE) {
		if (run_race(p, blocks))
			return 1;
		printf("data_ok=1\n");
		return 0;
	}
	for (b = 0; b < blocks; b++) {
		fill_block(p + b * BLOCK, b);
		if (release_block(p + b * BLOCK, mode))
			return 1;
	}
	printf("blocks=%lu\nvmpte_before_kb=%ld\nvmpte_after_kb=%ld\n", blocks,
	       before, status_kb("VmPTE"));
	printf("upper_tables_kb=%lu\n",
	       (tables_spanned(p, blocks * BLOCK, PMD_SPAN) +
		tables_spanned(p, blocks * BLOCK, PUD_SPAN)) *
		       (PAGE >> 10));
	if (mode == M_KEEP1) {
		data_ok = check_keep1(p, blocks) == 0;
		printf("data_ok=%d\n", data_ok);
	}
	fflush(stdout);

	if (pause_after) {
		char line[16];

		if (!fgets(line, sizeof(line), stdin))
			return 1;
		if (advise(p, blocks * BLOCK, MADV_DONTNEED))
			return 1;
		printf("vmpte_final_kb=%ld\n", status_kb("VmPTE"));
	}
	return data_ok ? 0 : 1;
}
