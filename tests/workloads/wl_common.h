/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the workloads share (tests/workloads/NAME.c and pt-race/): uapi
 * values newer than Debian 12's headers, output without stdio locks, and
 * number parsing. Header-only, like status_kb.h: build.mk makes one
 * static program of each .c.
 */
#ifndef PTWATCH_WL_COMMON_H
#define PTWATCH_WL_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_PT_RECLAIM
#define MADV_PT_RECLAIM 20564 /* ours: docs/contracts.md */
#endif
/* 6.4+ uapi */
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_process_madvise
#define SYS_process_madvise 440
#endif

/*
 * Output without stdio locks: forked children of a threaded parent may
 * print too, and a lock held by another thread at fork() would never be
 * released in the child.
 */
__attribute__((format(printf, 1, 2))) static inline void say(const char *fmt,
							     ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	if (n > 0 && write(2, buf, n) < 0)
		return;
}

/* Reads a decimal number in [lo, hi]; -1 when s is not one. */
static inline long number(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	return v;
}

#define WL_BLOCK (2UL << 20)

/*
 * len bytes of private anonymous memory at a 2 MiB boundary (one PTE
 * table per block), the rest of the over-sized mapping unmapped; NULL
 * with errno set when mmap() fails. `flags` adds mmap flags
 * (MAP_NORESERVE: terabytes of sparse memory under heuristic overcommit).
 */
static inline char *map_aligned_flags(size_t len, int flags)
{
	char *raw = mmap(NULL, len + WL_BLOCK, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
	char *base;

	if (raw == MAP_FAILED)
		return NULL;
	base = (char *)(((uintptr_t)raw + WL_BLOCK - 1) & ~(WL_BLOCK - 1));
	if (base > raw)
		munmap(raw, base - raw);
	munmap(base + len, raw + len + WL_BLOCK - (base + len));
	return base;
}

static inline char *map_aligned(size_t len)
{
	return map_aligned_flags(len, 0);
}

#endif
