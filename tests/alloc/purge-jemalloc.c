// SPDX-License-Identifier: GPL-2.0
/* alloc-purge with jemalloc (Debian's libjemalloc2, 5.3): purge every
 * arena's dirty pages now, as an explicit `arena.<i>.purge` does. */
#include <jemalloc/jemalloc.h>
#include <stdio.h>

const char *alloc_name(void)
{
	return "jemalloc";
}

void alloc_purge(void)
{
	char name[64];

	snprintf(name, sizeof(name), "arena.%u.purge", MALLCTL_ARENAS_ALL);
	mallctl(name, NULL, NULL, NULL, 0);
}
