// SPDX-License-Identifier: GPL-2.0
/*
 * pt-thp-refault: what freeing an empty PTE table costs the next fault on
 * a host with THP "always" (docs/kernel-patches.md, "THP-eligible blocks").
 *
 *   pt-thp-refault [BLOCKS]
 *
 * Root (it switches /sys/kernel/mm/transparent_hugepage/enabled, and puts
 * it back). With THP "never" it maps two regions of BLOCKS (default 16)
 * 2 MiB-aligned blocks, writes every page and empties every block with
 * two 1 MiB MADV_DONTNEEDs, so each block keeps an empty PTE table. Then,
 * with THP "always", it frees region B's tables with MADV_PT_RECLAIM and
 * writes one page in every block of both regions: in A the fault finds the
 * table and maps 4 KiB, in B it finds none and may map a 2 MiB THP.
 *
 * Prints key=value lines: blocks, freed_b (tables freed in B),
 * rss_kb_a and rss_kb_b (what each region has resident after the writes,
 * by mincore(): the region's own memory, nothing else of the process's),
 * thp_b (THPs faulted in B, /proc/vmstat thp_fault_alloc).
 * Exit status: 0 ok, 1 a system call failed, 2 bad usage, 77 no THP or no
 * MADV_PT_RECLAIM.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "status_kb.h"
#include "wl_common.h"

#define BLOCK (2UL << 20)
#define PAGE 4096UL
#define THP_ENABLED "/sys/kernel/mm/transparent_hugepage/enabled"

static char saved[32];

static void die(const char *what)
{
	fprintf(stderr, "pt-thp-refault: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int thp_set(const char *mode)
{
	FILE *f = fopen(THP_ENABLED, "w");
	int ok;

	if (!f)
		return -1;
	ok = fputs(mode, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* The mode in brackets, "always [madvise] never" -> "madvise" */
static int thp_save(void)
{
	char buf[128], *l, *r;
	FILE *f = fopen(THP_ENABLED, "r");

	if (!f || !fgets(buf, sizeof(buf), f))
		return -1;
	fclose(f);
	l = strchr(buf, '[');
	r = l ? strchr(l, ']') : NULL;
	if (!r || r - l - 1 >= (long)sizeof(saved))
		return -1;
	memcpy(saved, l + 1, r - l - 1);
	return 0;
}

static void thp_restore(void)
{
	if (saved[0])
		thp_set(saved);
}

static long vmstat(const char *key)
{
	char name[64];
	long v;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		die("/proc/vmstat");
	while (fscanf(f, "%63s %ld", name, &v) == 2)
		if (!strcmp(name, key)) {
			fclose(f);
			return v;
		}
	fclose(f);
	return -1;
}

/* BLOCKS aligned blocks, every page written, each block emptied in halves */
static char *region(unsigned long blocks)
{
	unsigned long len = blocks * BLOCK;
	char *raw = mmap(NULL, len + BLOCK, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p;

	if (raw == MAP_FAILED)
		die("mmap");
	p = (char *)(((unsigned long)raw + BLOCK - 1) & ~(BLOCK - 1));
	for (unsigned long off = 0; off < len; off += PAGE)
		p[off] = 1;
	for (unsigned long b = 0; b < blocks; b++)
		if (madvise(p + b * BLOCK, BLOCK / 2, MADV_DONTNEED) ||
		    madvise(p + b * BLOCK + BLOCK / 2, BLOCK / 2,
			    MADV_DONTNEED))
			die("MADV_DONTNEED");
	return p;
}

/* What the region has resident (kB) after a write in every block */
static long touch(char *p, unsigned long blocks)
{
	static unsigned char vec[BLOCK / PAGE];
	long kb = 0;

	for (unsigned long b = 0; b < blocks; b++)
		p[b * BLOCK + PAGE] = 2;
	for (unsigned long b = 0; b < blocks; b++) {
		if (mincore(p + b * BLOCK, BLOCK, vec))
			die("mincore");
		for (unsigned long i = 0; i < BLOCK / PAGE; i++)
			kb += (vec[i] & 1) * (PAGE / 1024);
	}
	return kb;
}

int main(int argc, char **argv)
{
	unsigned long blocks = argc > 1 ? strtoul(argv[1], NULL, 0) : 16;
	long pte, thp, rss_a, rss_b;
	char *a, *b;

	if (argc > 2 || !blocks) {
		fprintf(stderr, "usage: pt-thp-refault [BLOCKS]\n");
		return 2;
	}
	if (madvise(NULL, 0, MADV_PT_RECLAIM) || thp_save() ||
	    thp_set("never")) {
		fprintf(stderr, "pt-thp-refault: needs MADV_PT_RECLAIM on, "
				"THP and root\n");
		return 77;
	}
	atexit(thp_restore);
	a = region(blocks);
	b = region(blocks);
	if (thp_set("always"))
		die("THP always");
	pte = status_kb("VmPTE");
	if (madvise(b, blocks * BLOCK, MADV_PT_RECLAIM))
		die("MADV_PT_RECLAIM");
	printf("blocks=%lu\nfreed_b=%ld\n", blocks,
	       (pte - status_kb("VmPTE")) / 4);
	rss_a = touch(a, blocks);
	thp = vmstat("thp_fault_alloc");
	rss_b = touch(b, blocks);
	printf("rss_kb_a=%ld\nrss_kb_b=%ld\nthp_b=%ld\n", rss_a, rss_b,
	       vmstat("thp_fault_alloc") - thp);
	return 0;
}
