// SPDX-License-Identifier: GPL-2.0
/*
 * A process with a million PTE tables (issue 24), for the census and the
 * daemon at the scale of the seeds' 110 GiB of page tables:
 *   pt-million [TABLES [EMPTY_PERCENT [MAPPINGS]]]
 * builds TABLES (default 1,048,576) aligned 2 MiB blocks with one PTE
 * table each, one written page per block, over TABLES * 2 MiB of sparse
 * anonymous memory (2 TiB for a million: 4 GiB of tables and up to 4 GiB
 * of pages). EMPTY_PERCENT (default 0) of the tables, spread evenly, are
 * then left empty: the page is dropped with a 4 KiB MADV_DONTNEED, which
 * keeps the table on every kernel (one that frees empty tables does so
 * only for a zap of a whole block). The blocks are split into MAPPINGS
 * (default 1) mappings with an unmapped block between two, so that they
 * stay apart in /proc/PID/maps. THP is off for them (MADV_NOHUGEPAGE): a
 * written block must not become a 2 MiB page.
 * Prints, so that checks are about its own memory only:
 *   region 0xSTART 0xEND          every block built lies in [START, END)
 *   expect tables=N empty=E one=O mappings=M
 *   built NS seconds=S             CLOCK_REALTIME when the tables were done
 *   ready PID
 * then waits for stdin to close (or SIGTERM). Exits 1 with a message on
 * failure, 2 on a bad command line.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "wl_common.h"

#define PAGE 4096UL
#define MAX_TABLES (1L << 26) /* 128 TiB of blocks: the 47-bit user space */

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static double now_s(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Table i of n is one of the pct% left empty: the floor of i * pct / 100
 * steps up at it (exactly n * pct / 100 of them, evenly spread). */
static int is_empty(unsigned long i, unsigned long pct)
{
	return (i + 1) * pct / 100 != i * pct / 100;
}

int main(int argc, char **argv)
{
	long tables = argc > 1 ? number(argv[1], 1, MAX_TABLES) : 1L << 20;
	long pct = argc > 2 ? number(argv[2], 0, 100) : 0;
	long maps = argc > 3 ? number(argv[3], 1, 1L << 16) : 1;
	unsigned long per, span, empty = 0;
	struct timespec done;
	double t0;
	char *base, c;

	if (argc > 4 || tables < 0 || pct < 0 || maps < 0 || maps > tables) {
		say("usage: pt-million [TABLES [EMPTY_PERCENT [MAPPINGS]]]\n");
		return 2;
	}
	/* mapping j: blocks [j * (per + 1), j * (per + 1) + per), then a hole */
	per = (tables + maps - 1) / maps;
	span = (unsigned long)maps * (per + 1) * WL_BLOCK;
	base = map_aligned_flags(span, MAP_NORESERVE);
	if (!base)
		die("mmap");
	if (madvise(base, span, MADV_NOHUGEPAGE))
		die("madvise(MADV_NOHUGEPAGE)");
	for (long j = 0; j < maps; j++)
		if (munmap(base + ((j + 1) * (per + 1) - 1) * WL_BLOCK,
			   WL_BLOCK))
			die("munmap");
	t0 = now_s(CLOCK_MONOTONIC);
	for (unsigned long i = 0; i < (unsigned long)tables; i++) {
		char *p = base + (i / per * (per + 1) + i % per) * WL_BLOCK;

		p[0] = 1;
		if (!is_empty(i, pct))
			continue;
		if (madvise(p, PAGE, MADV_DONTNEED))
			die("madvise(MADV_DONTNEED)");
		empty++;
	}
	clock_gettime(CLOCK_REALTIME, &done);
	printf("region %p %p\n", (void *)base, (void *)(base + span));
	printf("expect tables=%ld empty=%lu one=%lu mappings=%ld\n", tables,
	       empty, tables - empty, maps);
	printf("built %llu seconds=%.2f\n",
	       (unsigned long long)done.tv_sec * 1000000000ULL +
		       (unsigned long long)done.tv_nsec,
	       now_s(CLOCK_MONOTONIC) - t0);
	printf("ready %d\n", getpid());
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	return 0;
}
