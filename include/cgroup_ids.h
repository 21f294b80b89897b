/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory cgroups by id: the kernel names a cgroup by its kernfs node id,
 * which is the inode number of its directory in cgroupfs (64-bit, 5.5+).
 * The task iterator gives ids; the snapshot shows paths, as
 * /proc/PID/cgroup does. One walk of the memory hierarchy maps them.
 */
#ifndef PTWATCH_CGROUP_IDS_H
#define PTWATCH_CGROUP_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroups.h"

struct cgroup_id_ent {
	uint64_t id;
	char *path; /* relative to the hierarchy's root, "/" for the root */
};

struct cgroup_ids {
	struct cgroup_id_ent *e; /* sorted by id */
	size_t nr;
};

/* fn for each directory under root, root included: rel is its path from
 * root ("/" for root, else "/a/b"), id its inode number (the kernfs id).
 * Stops at fn's first non-zero return, which it returns; -errno when root
 * cannot be read. A directory removed during the walk is skipped. */
typedef int (*cgroup_dir_fn)(const char *rel, uint64_t id, void *arg);
int cgroup_dirs_walk(const char *root, cgroup_dir_fn fn, void *arg);

/* Walks l->mem_root (nothing when l->version is 0). 0 or -errno. */
int cgroup_ids_load(const struct cgroup_layout *l, struct cgroup_ids *ids);
/* The path of id, or NULL when the walk did not see it. */
const char *cgroup_ids_path(const struct cgroup_ids *ids, uint64_t id);
void cgroup_ids_free(struct cgroup_ids *ids);
/* Whether a and b map the same ids to the same paths. */
bool cgroup_ids_same(const struct cgroup_ids *a, const struct cgroup_ids *b);

#endif
