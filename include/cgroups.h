/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory cgroups for the snapshot: where the memory controller is mounted
 * (v2 unified, v1, or hybrid with v2 lacking memory) and the list of its
 * cgroups with their page-table bytes and the waste of their processes.
 */
#ifndef PTWATCH_CGROUPS_H
#define PTWATCH_CGROUPS_H

#include <limits.h>
#include <stdbool.h>

#include "snapshot.h"

struct cgroup_layout {
	unsigned int version;	 /* 2, 1 or 0 when no memory cgroup exists */
	char mem_root[PATH_MAX]; /* directory of the memory hierarchy's root */
};

void cgroup_detect(const char *cgroup_root, struct cgroup_layout *l);

/*
 * Fills s->cgroups from the hierarchy at l->mem_root and adds each process
 * in s->procs to its cgroup and every ancestor. 0 or -errno.
 */
int cgroup_collect(const struct cgroup_layout *l, struct snapshot *s);

#endif
