// SPDX-License-Identifier: GPL-2.0
/*
 * pt-collapse: PTE tables freed by a THP collapse of shmem memory.
 *
 *   pt-collapse [BLOCKS]
 *
 * Maps BLOCKS (default 8) 2 MiB blocks of a memfd (shmem) MAP_SHARED, 2 MiB
 * aligned, writes every page (small pages: the guest leaves shmem THP off,
 * so each block gets a PTE table of its own), then asks for a collapse of
 * each block with MADV_COLLAPSE, which builds a THP in the page cache and
 * retracts the block's PTE table (collapse_pte_mapped_thp() for this mm).
 * The series reports that free as pagetable:pte_table_free reason 2
 * ("collapse"); without it, installs and frees would not balance.
 *
 * Prints key=value lines: blocks, collapsed (blocks MADV_COLLAPSE took),
 * vmpte_touched_kb, vmpte_collapsed_kb, data_ok.
 * Exit status: 0 ok, 1 system call failed or data mismatch, 2 bad usage.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "status_kb.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

#define BLOCK (2UL << 20)
#define PAGE 4096UL

/* A 2 MiB aligned shared mapping of a memfd of len bytes. */
static unsigned char *map_aligned(int fd, unsigned long len)
{
	unsigned char *raw, *p;

	/* Reserve len + BLOCK, then map the file at the aligned start. */
	raw = mmap(NULL, len + BLOCK, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	p = (unsigned char *)(((uintptr_t)raw + BLOCK - 1) & ~(BLOCK - 1));
	if (mmap(p, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		 0) == MAP_FAILED)
		return NULL;
	return p;
}

/* The pattern a page holds: its index, so a misplaced page shows. */
static int check(const unsigned char *p, unsigned long len)
{
	unsigned long off;

	for (off = 0; off < len; off += PAGE)
		if (*(const unsigned long *)(p + off) != off / PAGE) {
			fprintf(stderr, "pt-collapse: page %lu reads %lu\n",
				off / PAGE, *(const unsigned long *)(p + off));
			return -1;
		}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long blocks = argc > 1 ? strtoul(argv[1], NULL, 0) : 8;
	unsigned long len, off, b, collapsed = 0;
	long touched;
	int data_ok;
	unsigned char *p;
	int fd;

	if (argc > 2 || blocks == 0 || blocks > 4096) {
		fprintf(stderr, "usage: pt-collapse [BLOCKS (1-4096)]\n");
		return 2;
	}
	len = blocks * BLOCK;
	fd = memfd_create("pt-collapse", 0);
	if (fd < 0 || ftruncate(fd, len)) {
		fprintf(stderr, "pt-collapse: memfd: %s\n", strerror(errno));
		return 1;
	}
	p = map_aligned(fd, len);
	if (!p) {
		fprintf(stderr, "pt-collapse: mmap: %s\n", strerror(errno));
		return 1;
	}
	for (off = 0; off < len; off += PAGE)
		*(unsigned long *)(p + off) = off / PAGE;
	touched = status_kb("VmPTE");
	for (b = 0; b < blocks; b++) {
		if (!madvise(p + b * BLOCK, BLOCK, MADV_COLLAPSE))
			collapsed++;
		else
			fprintf(stderr,
				"pt-collapse: MADV_COLLAPSE block %lu: %s\n", b,
				strerror(errno));
	}
	printf("blocks=%lu\ncollapsed=%lu\nvmpte_touched_kb=%ld\n"
	       "vmpte_collapsed_kb=%ld\n",
	       blocks, collapsed, touched, status_kb("VmPTE"));
	data_ok = check(p, len) == 0;
	printf("data_ok=%d\n", data_ok);
	return collapsed == blocks && data_ok ? 0 : 1;
}
