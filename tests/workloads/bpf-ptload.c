// SPDX-License-Identifier: GPL-2.0
/*
 * bpf-ptload N: a known amount of page-table work for the BPF tests.
 *
 * Maps N 2 MiB-aligned chunks (THP off, so each needs its own PTE table),
 * touches one page in each (N PTE tables installed), calls MADV_FREE on
 * the first page of each (N calls of 4 KiB), MADV_DONTNEED on each whole
 * chunk (N calls of 2 MiB), then unmaps it all (N tables freed) and exits.
 * Prints what it did as "key value" lines.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHUNK (2UL << 20)

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
	size_t len;
	char *raw, *base;

	if (n <= 0 || n > 100000) {
		fprintf(stderr, "usage: bpf-ptload N (1..100000)\n");
		return 2;
	}
	len = (size_t)(n + 1) * CHUNK;
	raw = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	base = (char *)(((uintptr_t)raw + CHUNK - 1) & ~(CHUNK - 1));
	/* A huge PMD would need no PTE table: keep THP out. */
	madvise(raw, len, MADV_NOHUGEPAGE);
	for (long i = 0; i < n; i++)
		base[i * CHUNK] = 1;
	for (long i = 0; i < n; i++)
		madvise(base + i * CHUNK, 4096, MADV_FREE);
	for (long i = 0; i < n; i++)
		madvise(base + i * CHUNK, CHUNK, MADV_DONTNEED);
	munmap(raw, len);
	printf("pid %d\nchunks %ld\ndontneed_calls %ld\ndontneed_bytes %lu\n"
	       "free_calls %ld\nfree_bytes %ld\n",
	       (int)getpid(), n, n, (unsigned long)(n * CHUNK), n, n * 4096);
	return 0;
}
