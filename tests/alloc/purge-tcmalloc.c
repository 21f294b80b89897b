// SPDX-License-Identifier: GPL-2.0
/* alloc-purge with tcmalloc (gperftools 2.10, Debian's): return every free
 * span to the kernel (MADV_DONTNEED), as ReleaseFreeMemory() does. */
#include <gperftools/malloc_extension_c.h>

const char *alloc_name(void)
{
	return "tcmalloc";
}

void alloc_purge(void)
{
	MallocExtension_ReleaseFreeMemory();
}
