// SPDX-License-Identifier: GPL-2.0
/*
 * Exact census of a process's PTE tables. A PTE table covers one 2 MiB
 * block; it is "used" when any PTE in it is present or a swap entry. The
 * page walk tells which blocks are used, but not whether an all-none table
 * exists, so the total comes from VmPTE less the upper-level tables, which
 * are counted from the layout: one PMD table per 1 GiB region and one PUD
 * table per 512 GiB region that an accessible mapping touches. The walk
 * is census_walk.c (in steps, for the daemon); here it runs in one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "census.h"

int census_take(const char *proc_root, pid_t pid, bool force_pagemap,
		struct pte_census *out)
{
	return census_take_visit(proc_root, pid, force_pagemap, NULL, out);
}

int census_take_visit(const char *proc_root, pid_t pid, bool force_pagemap,
		      const struct census_visitor *visit,
		      struct pte_census *out)
{
	struct census_walk w;
	int err = census_walk_begin(&w, proc_root, pid, force_pagemap, visit);

	memset(out, 0, sizeof(*out));
	if (!err)
		err = census_walk_step(&w, 0); /* one step: to the end */
	if (!err)
		census_walk_result(&w, out);
	census_walk_end(&w);
	return err;
}

int census_take_retry_threads(const char *proc_root, pid_t pid,
			      bool force_pagemap, unsigned int threads,
			      int tries, struct pte_census *out)
{
	int err = -EAGAIN;

	/* a busy process may install tables while we walk */
	for (int i = 0; i < tries && err == -EAGAIN; i++)
		err = census_take_threads(proc_root, pid, force_pagemap,
					  threads, out);
	return err;
}

int census_take_retry(const char *proc_root, pid_t pid, bool force_pagemap,
		      int tries, struct pte_census *out)
{
	return census_take_retry_threads(proc_root, pid, force_pagemap, 1,
					 tries, out);
}

int census_empty_blocks(const char *proc_root, pid_t pid, bool force_pagemap,
			struct census_range **ranges, size_t *nr)
{
	struct census_walk w;
	int err = census_walk_begin(&w, proc_root, pid, force_pagemap, NULL);

	w.acc.collect = true;
	if (!err)
		err = census_walk_step(&w, 0);
	/* VmPTE moving is no reason to refuse places: the kernel checks
	 * every table again under its lock */
	if (err == -EAGAIN && w.done)
		err = 0;
	*ranges = NULL;
	*nr = 0;
	if (!err) {
		*ranges = w.acc.ranges;
		*nr = w.acc.nr_ranges;
		w.acc.ranges = NULL; /* the caller's now */
	}
	census_walk_end(&w);
	return err;
}
