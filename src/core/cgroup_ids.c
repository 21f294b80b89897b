// SPDX-License-Identifier: GPL-2.0
/* Memory cgroup id -> path (cgroup_ids.h). */
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_ids.h"

/* nftw has no user pointer: the walk's state lives here for its duration. */
static struct id_walk {
	size_t root_len;
	struct cgroup_ids *ids;
	size_t cap;
	int err;
} w;

static int visit(const char *dir, const struct stat *st, int type,
		 struct FTW *ftw)
{
	const char *rel = dir + w.root_len;
	struct cgroup_id_ent *e;

	(void)ftw;
	if (type != FTW_D)
		return 0;
	if (w.ids->nr == w.cap) {
		size_t cap = w.cap ? w.cap * 2 : 64;
		void *p = realloc(w.ids->e, cap * sizeof(*w.ids->e));

		if (!p) {
			w.err = -ENOMEM;
			return 1;
		}
		w.ids->e = p;
		w.cap = cap;
	}
	e = &w.ids->e[w.ids->nr];
	e->id = st->st_ino;
	e->path = strdup(*rel ? rel : "/");
	if (!e->path) {
		w.err = -ENOMEM;
		return 1;
	}
	w.ids->nr++;
	return 0;
}

static int by_id(const void *a, const void *b)
{
	const struct cgroup_id_ent *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

int cgroup_ids_load(const struct cgroup_layout *l, struct cgroup_ids *ids)
{
	*ids = (struct cgroup_ids){ 0 };
	if (l->version == 0)
		return 0;
	w = (struct id_walk){ .root_len = strlen(l->mem_root), .ids = ids };
	if (nftw(l->mem_root, visit, 16, FTW_PHYS) < 0 && !w.err)
		w.err = -errno;
	if (w.err) {
		cgroup_ids_free(ids);
		return w.err;
	}
	qsort(ids->e, ids->nr, sizeof(*ids->e), by_id);
	return 0;
}

const char *cgroup_ids_path(const struct cgroup_ids *ids, uint64_t id)
{
	struct cgroup_id_ent key = { .id = id }, *e;

	if (!ids->nr)
		return NULL;
	e = bsearch(&key, ids->e, ids->nr, sizeof(key), by_id);
	return e ? e->path : NULL;
}

void cgroup_ids_free(struct cgroup_ids *ids)
{
	for (size_t i = 0; i < ids->nr; i++)
		free(ids->e[i].path);
	free(ids->e);
	*ids = (struct cgroup_ids){ 0 };
}

bool cgroup_ids_same(const struct cgroup_ids *a, const struct cgroup_ids *b)
{
	if (a->nr != b->nr)
		return false;
	for (size_t i = 0; i < a->nr; i++)
		if (a->e[i].id != b->e[i].id ||
		    strcmp(a->e[i].path, b->e[i].path))
			return false;
	return true;
}
