// SPDX-License-Identifier: GPL-2.0
/* alloc-purge with glibc malloc: malloc_trim(0) returns the free pages of
 * every arena (threads get arenas of their own) with MADV_DONTNEED. */
#include <malloc.h>

const char *alloc_name(void)
{
	return "glibc";
}

void alloc_purge(void)
{
	malloc_trim(0);
}
