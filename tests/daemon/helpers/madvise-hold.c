// SPDX-License-Identifier: GPL-2.0
/*
 * madvise-hold MIB SECONDS [PIECE_KIB]: maps MIB MiB, touches every page,
 * gives it back with MADV_DONTNEED (leaving its PTE tables behind) and
 * sleeps, so that a test can see the madvise volume and the page-table
 * waste it leaves. With PIECE_KIB it gives the memory back in pieces of
 * that size: kernels that free empty PTE tables on MADV_DONTNEED (6.14+)
 * do so only for a zap covering a whole 2 MiB, so 1024 leaves the tables
 * there too. Prints "ready" once done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t len, piece;
	char *p;

	if (argc != 3 && argc != 4) {
		fprintf(stderr,
			"usage: madvise-hold MIB SECONDS [PIECE_KIB]\n");
		return 2;
	}
	len = (size_t)atol(argv[1]) << 20;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		return 1;
	/* small pages only: THP would need no PTE tables */
	madvise(p, len, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	piece = argc == 4 ? (size_t)atol(argv[3]) << 10 : len;
	if (!piece)
		return 2;
	for (size_t off = 0; off < len; off += piece)
		if (madvise(p + off, off + piece > len ? len - off : piece,
			    MADV_DONTNEED))
			return 1;
	printf("ready\n");
	fflush(stdout);
	sleep(atoi(argv[2]));
	return 0;
}
