// SPDX-License-Identifier: GPL-2.0
/*
 * Builds PTE tables of known occupancy and holds them for a census:
 *   pt-occupancy N
 * makes N aligned 2 MiB blocks of each shape, in mappings of their own so
 * that no other table is touched:
 *   empty   one page touched, then dropped (4 KiB MADV_DONTNEED: the
 *           table stays even where the kernel reclaims empty tables)
 *   one     1 page            -> bucket "1"
 *   few     8 pages           -> "2-15"
 *   some    64 pages          -> "16-127"
 *   half    256 pages         -> "128-511"
 *   full    512 pages         -> "512"
 *   file    512 pages of a shared memfd mapping (shmem) -> "512"
 *   swap    40 pages, then MADV_PAGEOUT: 40 swap entries -> "16-127"
 *           (without swap they stay present: the same bucket)
 *   thp     MADV_HUGEPAGE, written: a PMD-mapped THP, one deposited table
 *   zero    MADV_HUGEPAGE, read: the huge zero page, one deposited table
 * All but thp and zero are MADV_NOHUGEPAGE. The THP shapes are checked
 * against the kernel's own smaps (AnonHugePages) and the swap shape
 * against VmSwap; what was really built is printed:
 *   expect empty=N one=N ... thp=T zero=Z thp_fallback=F swapped_pages=S
 * (F = N - T written blocks that THP did not map: one page each, so in
 * bucket "1"; the zero shape is built only when every THP was mapped)
 *   ready PID
 * then it waits for stdin to close (or SIGTERM). Before it builds, it
 * prints
 *   base PID
 * and waits for SIGUSR1: a census taken then and one taken after "ready"
 * differ by the shapes' tables alone, the same process in the same
 * layout (a second process's binary, heap and stack land elsewhere under
 * ASLR and fill other tables: issue 22). To keep its own tables still
 * across the build, it first grows its heap and stack beyond what the
 * build uses, and runs the build's file reads once (warm_up()). N = 0
 * prints base and ready without waiting. Exits 1 with a message on
 * failure.
 *   pt-occupancy --bench T
 * builds T tables in one mapping, every other one empty and the rest with
 * one page (the census speed test: 65536 tables need 128 GiB of address
 * space, 128 MiB of memory and 256 MiB of page tables). Before "ready" it
 * prints "built NS", the CLOCK_REALTIME nanosecond its tables were done:
 * a census taken before that saw it half built.
 */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "status_kb.h"

#define BLOCK (2UL << 20)
#define PAGE 4096UL

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* n aligned blocks, in a mapping of exactly their size */
static char *map_blocks(unsigned long n, int advice, int fd)
{
	unsigned long len = (n + 1) * BLOCK;
	int flags = fd < 0 ? MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE :
			     MAP_SHARED;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *start;

	if (p == MAP_FAILED)
		die("mmap");
	start = (char *)(((unsigned long)p + BLOCK - 1) & ~(BLOCK - 1));
	if (munmap(p, len))
		die("munmap");
	/* the aligned place is free now: map there exactly */
	p = mmap(start, n * BLOCK, PROT_READ | PROT_WRITE, flags | MAP_FIXED,
		 fd, 0);
	if (p == MAP_FAILED)
		die("mmap fixed");
	/* a neighbour may merge with it, but never shares its blocks */
	if (madvise(p, n * BLOCK, advice) && fd < 0)
		die("madvise");
	return p;
}

static void touch(char *b, unsigned long pages)
{
	for (unsigned long i = 0; i < pages; i++)
		b[i * PAGE] = 1;
}

static void shape(unsigned long n, unsigned long pages)
{
	char *p = map_blocks(n, MADV_NOHUGEPAGE, -1);

	for (unsigned long i = 0; i < n; i++)
		touch(p + i * BLOCK, pages);
}

static void empty(unsigned long n)
{
	char *p = map_blocks(n, MADV_NOHUGEPAGE, -1);

	for (unsigned long i = 0; i < n; i++) {
		touch(p + i * BLOCK, 1);
		if (madvise(p + i * BLOCK, PAGE, MADV_DONTNEED))
			die("madvise(MADV_DONTNEED)");
	}
}

static void file(unsigned long n)
{
	int fd = memfd_create("pt-occupancy", 0);

	if (fd < 0)
		die("memfd_create");
	if (n && ftruncate(fd, n * BLOCK))
		die("ftruncate");
	if (n)
		touch(map_blocks(n, MADV_NOHUGEPAGE, fd), n * 512);
}

/* swap entries written; 0 where there is no swap */
static unsigned long swapped(unsigned long n)
{
	char *p = map_blocks(n, MADV_NOHUGEPAGE, -1);
	unsigned long before = status_kb("VmSwap"), after;

	for (unsigned long i = 0; i < n; i++) {
		touch(p + i * BLOCK, 40);
		madvise(p + i * BLOCK, 40 * PAGE, MADV_PAGEOUT);
	}
	after = status_kb("VmSwap");
	return after > before ? (after - before) / 4 : 0;
}

/* AnonHugePages of the mapping at p, in 2 MiB blocks, from smaps */
static unsigned long smaps_thp_blocks(const char *p)
{
	char line[256], want[32];
	unsigned long kb = 0;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		die("/proc/self/smaps");
	snprintf(want, sizeof(want), "%lx-", (unsigned long)p);
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, ':') &&
		    strchr(line, '-') < strchr(line, ' '))
			in = strncmp(line, want, strlen(want)) == 0;
		else if (in && sscanf(line, "AnonHugePages: %lu", &kb) == 1)
			break;
	}
	fclose(f);
	return kb / 2048;
}

static unsigned long thp(unsigned long n, int write)
{
	char *p = map_blocks(n, MADV_HUGEPAGE, -1);
	volatile char sink = 0;

	for (unsigned long i = 0; i < n; i++) {
		if (write)
			p[i * BLOCK] = 1;
		else
			sink += p[i * BLOCK];
	}
	(void)sink;
	return write ? smaps_thp_blocks(p) : n;
}

static void bench(unsigned long tables)
{
	char *p = map_blocks(tables, MADV_NOHUGEPAGE, -1);

	for (unsigned long i = 0; i < tables; i++) {
		touch(p + i * BLOCK, 1);
		if (i % 2 == 0 && madvise(p + i * BLOCK, PAGE, MADV_DONTNEED))
			die("madvise(MADV_DONTNEED)");
	}
}

static int read_flag(const char *path, const char *want)
{
	char buf[128] = "";
	FILE *f = fopen(path, "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	return strstr(buf, want) != NULL;
}

/*
 * Everything outside the shapes reaches its final size before "base": the
 * heap (kept: no trimming, small blocks never mmapped), the stack (deeper
 * than any call below uses) and the stdio reads of the build.
 */
static void warm_up(void)
{
	volatile char stack[128 << 10];
	char *heap;
	unsigned long kb;

	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	heap = malloc(256 << 10);
	if (!heap)
		die("malloc");
	memset(heap, 1, 256 << 10);
	free(heap);
	for (size_t i = 0; i < sizeof(stack); i += PAGE)
		stack[i] = 1;
	smaps_thp_blocks(NULL);
	status_kb("VmSwap");
	read_flag("/sys/kernel/mm/transparent_hugepage/use_zero_page", "1");
	if (sscanf("AnonHugePages: 0", "AnonHugePages: %lu", &kb) != 1)
		die("sscanf");
}

/* "base PID", then SIGUSR1 */
static void wait_go(unsigned long n)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		die("sigprocmask");
	printf("base %d\n", getpid());
	fflush(stdout);
	if (n && sigwait(&set, &sig))
		die("sigwait");
}

int main(int argc, char **argv)
{
	unsigned long n, t = 0, z = 0, s = 0, f = 0;
	struct timespec ts;
	char c;

	if (argc == 3 && !strcmp(argv[1], "--bench")) {
		n = strtoul(argv[2], NULL, 10);
		bench(n);
		clock_gettime(CLOCK_REALTIME, &ts);
		printf("expect empty=%lu one=%lu\n", n / 2, n - n / 2);
		printf("built %llu\n",
		       (unsigned long long)ts.tv_sec * 1000000000ULL +
			       (unsigned long long)ts.tv_nsec);
		n = 0;
	} else if (argc != 2) {
		fprintf(stderr, "usage: pt-occupancy N | --bench TABLES\n");
		return 2;
	} else {
		n = strtoul(argv[1], NULL, 10);
		warm_up();
		wait_go(n);
	}
	if (n) {
		empty(n);
		shape(n, 1);
		shape(n, 8);
		shape(n, 64);
		shape(n, 256);
		shape(n, 512);
		file(n);
		s = swapped(n);
		t = thp(n, 1);
		f = n - t;
		/* the huge zero page only when THP mapped the written ones and
		 * the kernel hands it out on read faults */
		if (t == n && read_flag("/sys/kernel/mm/transparent_hugepage/"
					"use_zero_page",
					"1"))
			z = thp(n, 0);
	}
	if (argc == 2)
		printf("expect empty=%lu one=%lu few=%lu some=%lu half=%lu full=%lu "
		       "file=%lu swap=%lu thp=%lu zero=%lu thp_fallback=%lu "
		       "swapped_pages=%lu\n",
		       n, n, n, n, n, n, n, n, t, z, f, s);
	printf("ready %d\n", getpid());
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	return 0;
}
