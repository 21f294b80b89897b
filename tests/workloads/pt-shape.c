// SPDX-License-Identifier: GPL-2.0
/*
 * Builds a known page-table shape and holds it for inspection:
 *   pt-shape EMPTY FULL [ONE]
 * EMPTY 2 MiB blocks each get one page touched and then dropped with a
 * 4 KiB MADV_DONTNEED (smaller than a PMD, so even kernels with PTE-table
 * reclaim keep the table): EMPTY tables that map nothing. FULL blocks are
 * touched in every page: FULL tables that map 512 pages. ONE blocks keep
 * their last page only: ONE tables that map one page where a lockless
 * look from the block's start meets it last (MADV_PT_RECLAIM's worst
 * case). In that order: the empty blocks, the one-page ones, the full.
 * THP is off for the range so that every block has a PTE table.
 * Prints "ready PID" on stdout once built, then waits for stdin to close
 * (or SIGTERM) and exits 0. Exits 1 with a message on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define BLOCK (2UL << 20)
#define PAGE 4096UL

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static char *map_aligned(unsigned long blocks)
{
	unsigned long len = (blocks + 1) * BLOCK;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *start;

	if (p == MAP_FAILED)
		die("mmap");
	start = (char *)(((unsigned long)p + BLOCK - 1) & ~(BLOCK - 1));
	/* Trim to exactly `blocks` aligned blocks: no half-used tables. */
	if (start > p && munmap(p, start - p))
		die("munmap head");
	if (munmap(start + blocks * BLOCK, p + len - (start + blocks * BLOCK)))
		die("munmap tail");
	if (madvise(start, blocks * BLOCK, MADV_NOHUGEPAGE))
		die("madvise(MADV_NOHUGEPAGE)");
	return start;
}

int main(int argc, char **argv)
{
	unsigned long n[3], i = 0; /* empty, one, full */
	char *base = NULL, c;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: pt-shape EMPTY FULL [ONE]\n");
		return 2;
	}
	n[0] = strtoul(argv[1], NULL, 10);
	n[2] = strtoul(argv[2], NULL, 10);
	n[1] = argc == 4 ? strtoul(argv[3], NULL, 10) : 0;
	if (n[0] + n[1] + n[2])
		base = map_aligned(n[0] + n[1] + n[2]);
	for (int k = 0; k < 3; k++) {
		for (; n[k]; n[k]--, i++) {
			char *b = base + i * BLOCK;

			if (k == 2) {
				memset(b, 0x5a, BLOCK);
				continue;
			}
			b[k ? BLOCK - PAGE : 0] = 1;
			if (!k && madvise(b, PAGE, MADV_DONTNEED))
				die("madvise(MADV_DONTNEED)");
		}
	}
	printf("ready %d\n", getpid());
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	return 0;
}
