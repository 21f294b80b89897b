// SPDX-License-Identifier: GPL-2.0
/* Memory cgroup id -> path (cgroup_ids.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup_ids.h"

/* The directories under dirfd (path: its name, len bytes used), depth
 * first. d_ino is the kernfs id as st_ino is: no stat(2) of each of the
 * dozens of files of a cgroup, as nftw() makes. */
static int walk_dirs(int dirfd, char *path, size_t len, cgroup_dir_fn fn,
		     void *arg)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *de;
	int err = 0;

	if (!d) {
		close(dirfd);
		return -errno;
	}
	while (!err && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		struct stat st;
		int fd;

		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] ||
		     (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (de->d_type == DT_UNKNOWN &&
		    (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		     !S_ISDIR(st.st_mode)))
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (len + 1 + n >= PATH_MAX)
			continue; /* deeper than a path can name */
		path[len] = '/';
		memcpy(path + len + 1, de->d_name, n + 1);
		err = fn(path, de->d_ino, arg);
		fd = err ? -1 :
			   openat(dirfd, de->d_name,
				  O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		/* gone since it was listed: a cgroup removed meanwhile */
		if (fd >= 0)
			err = walk_dirs(fd, path, len + 1 + n, fn, arg);
		path[len] = '\0';
	}
	closedir(d);
	return err;
}

int cgroup_dirs_walk(const char *root, cgroup_dir_fn fn, void *arg)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, err;

	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	path[0] = '\0';
	err = fn("/", st.st_ino, arg);
	return err ? err : walk_dirs(fd, path, 0, fn, arg);
}

struct id_walk {
	struct cgroup_ids *ids;
	size_t cap;
};

static int visit(const char *rel, uint64_t id, void *arg)
{
	struct id_walk *w = arg;
	struct cgroup_id_ent *e;

	if (w->ids->nr == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		void *p = realloc(w->ids->e, cap * sizeof(*w->ids->e));

		if (!p)
			return -ENOMEM;
		w->ids->e = p;
		w->cap = cap;
	}
	e = &w->ids->e[w->ids->nr];
	e->id = id;
	e->path = strdup(rel);
	if (!e->path)
		return -ENOMEM;
	w->ids->nr++;
	return 0;
}

static int by_id(const void *a, const void *b)
{
	const struct cgroup_id_ent *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

int cgroup_ids_load(const struct cgroup_layout *l, struct cgroup_ids *ids)
{
	struct id_walk w = { .ids = ids };
	int err;

	*ids = (struct cgroup_ids){ 0 };
	if (l->version == 0)
		return 0;
	err = cgroup_dirs_walk(l->mem_root, visit, &w);
	if (err) {
		cgroup_ids_free(ids);
		return err;
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
