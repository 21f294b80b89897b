// SPDX-License-Identifier: GPL-2.0
/*
 * Captures census fixtures (tests/fixtures/census-*.txt): builds one
 * memory shape in itself, then prints its mappings and what the kernel
 * reports for them through PAGEMAP_SCAN and /proc/self/pagemap:
 *   census-capture thp-anon | zero | shmem-thp DIR | hugetlb
 *     thp-anon   4 blocks of anonymous THP written, and a 4 KiB-mapped
 *                block of 3 pages beside them (MADV_NOHUGEPAGE)
 *     zero       4 blocks of anonymous THP read: the huge zero page
 *     shmem-thp  4 blocks of a file on DIR, a tmpfs mounted huge=always,
 *                mapped shared and written
 *     hugetlb    2 blocks of MAP_HUGETLB (needs vm.nr_hugepages >= 2)
 * Output, one item a line, the mappings of the shape only:
 *   maps LINE            as /proc/self/maps has it
 *   scan START END CATS  a PAGEMAP_SCAN region (hex)
 *   pm ADDR N FIRST STEP N pagemap entries from ADDR, the i-th being
 *                        FIRST + i * STEP (hex; PFNs need root)
 * Run as root on a kernel with PAGEMAP_SCAN (6.7+). Exits 1 with a message
 * when the shape cannot be built (no THP, no huge pages).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../../include/pagemap_scan.h"

#define BLOCK (2UL << 20)
#define PAGE 4096UL

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static char *aligned(unsigned long n, int prot, int flags, int fd)
{
	char *p = mmap(NULL, (n + 1) * BLOCK, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		die("mmap");
	a = (char *)(((uintptr_t)p + BLOCK - 1) & ~(BLOCK - 1));
	munmap(p, (n + 1) * BLOCK);
	p = mmap(a, n * BLOCK, prot, flags | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap fixed");
	return p;
}

static void print_maps(uintptr_t lo, uintptr_t hi)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	uintptr_t s, e;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR, &s, &e) == 2 &&
		    s >= lo && e <= hi)
			printf("maps %s", line);
	if (f)
		fclose(f);
}

static void print_scan(int fd, uintptr_t lo, uintptr_t hi)
{
	struct page_region v[64];
	struct pm_scan_arg a = {
		.size = sizeof(a),
		.start = lo,
		.end = hi,
		.vec = (uintptr_t)v,
		.vec_len = 64,
		.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
		.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED |
			       PAGE_IS_HUGE | PAGE_IS_FILE | PAGE_IS_PFNZERO,
	};

	while (a.start < hi) {
		int n = ioctl(fd, PAGEMAP_SCAN, &a);

		if (n < 0)
			die("PAGEMAP_SCAN");
		for (int i = 0; i < n; i++)
			printf("scan %llx %llx %llx\n",
			       (unsigned long long)v[i].start,
			       (unsigned long long)v[i].end,
			       (unsigned long long)v[i].categories);
		if (a.walk_end <= a.start)
			break;
		a.start = a.walk_end;
	}
}

static void print_pagemap(int fd, uintptr_t lo, uintptr_t hi)
{
	size_t n = (hi - lo) / PAGE, i = 0;
	uint64_t *e = malloc(n * 8);

	if (!e || pread(fd, e, n * 8, lo / PAGE * 8) != (ssize_t)(n * 8))
		die("pagemap");
	while (i < n) {
		uint64_t step = i + 1 < n ? e[i + 1] - e[i] : 0;
		size_t j = i + 1;

		while (j < n && e[j] - e[j - 1] == step)
			j++;
		printf("pm %" PRIxPTR " %zx %" PRIx64 " %" PRIx64 "\n",
		       lo + i * PAGE, j - i, e[i], j - i > 1 ? step : 0);
		i = j;
	}
	free(e);
}

static char *build(const char *what, const char *dir, size_t *len)
{
	char *p, path[512];
	volatile char sink = 0;
	int fd;

	*len = 4 * BLOCK;
	if (!strcmp(what, "thp-anon") || !strcmp(what, "zero")) {
		p = aligned(5, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1);
		if (madvise(p, 4 * BLOCK, MADV_HUGEPAGE) ||
		    madvise(p + 4 * BLOCK, BLOCK, MADV_NOHUGEPAGE))
			die("madvise");
		for (int i = 0; i < 4; i++) {
			if (*what == 't')
				p[i * BLOCK] = 1;
			else
				sink += p[i * BLOCK];
		}
		if (*what == 't')
			for (int i = 0; i < 3; i++)
				p[4 * BLOCK + i * PAGE] = 1;
		*len = 5 * BLOCK;
	} else if (!strcmp(what, "shmem-thp") && dir) {
		snprintf(path, sizeof(path), "%s/census-capture", dir);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || ftruncate(fd, 4 * BLOCK))
			die(path);
		unlink(path);
		p = aligned(4, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
		memset(p, 1, 4 * BLOCK);
	} else if (!strcmp(what, "hugetlb")) {
		p = aligned(2, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1);
		memset(p, 1, 2 * BLOCK);
		*len = 2 * BLOCK;
	} else {
		fprintf(stderr, "usage: census-capture thp-anon|zero|"
				"shmem-thp DIR|hugetlb\n");
		exit(2);
	}
	(void)sink;
	return p;
}

int main(int argc, char **argv)
{
	struct utsname u;
	size_t len;
	char *p;
	int fd;

	if (argc < 2)
		return 2;
	p = build(argv[1], argc > 2 ? argv[2] : NULL, &len);
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		die("/proc/self/pagemap");
	uname(&u);
	printf("# census fixture %s, captured on %s by "
	       "tests/workloads/census-capture.c\n",
	       argv[1], u.release);
	print_maps((uintptr_t)p, (uintptr_t)p + len);
	print_scan(fd, (uintptr_t)p, (uintptr_t)p + len);
	print_pagemap(fd, (uintptr_t)p, (uintptr_t)p + len);
	return 0;
}
