// SPDX-License-Identifier: GPL-2.0
/* Memory cgroups: find the hierarchy, list it, sum processes into it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup_ids.h"
#include "cgroups.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static bool is_cgroup2(const char *dir)
{
	struct statfs st;

	return statfs(dir, &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC;
}

static bool v2_has_memory(const char *dir)
{
	char path[PATH_MAX + 32], buf[512];

	snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
	if (procfs_read(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return false;
	for (char *tok = strtok(buf, " \n"); tok; tok = strtok(NULL, " \n"))
		if (strcmp(tok, "memory") == 0)
			return true;
	return false;
}

void cgroup_detect(const char *root, struct cgroup_layout *l)
{
	char path[PATH_MAX];

	l->version = 0;
	l->mem_root[0] = '\0';
	if (is_cgroup2(root) && v2_has_memory(root)) {
		l->version = 2;
		snprintf(l->mem_root, sizeof(l->mem_root), "%s", root);
		return;
	}
	snprintf(path, sizeof(path), "%s/memory/memory.stat", root);
	if (access(path, R_OK) == 0) {
		l->version = 1;
		snprintf(l->mem_root, sizeof(l->mem_root), "%s/memory", root);
		return;
	}
	snprintf(path, sizeof(path), "%s/unified", root);
	if (is_cgroup2(path) && v2_has_memory(path)) {
		l->version = 2;
		snprintf(l->mem_root, sizeof(l->mem_root), "%s", path);
	}
}

/* The walk's state lives here for its duration. */
static struct walk {
	const struct cgroup_layout *l;
	struct cgroup_sample *cg;
	size_t nr, cap;
	int err;
} walk;

static void read_pagetables(const char *dir, struct cgroup_sample *c)
{
	char path[PATH_MAX + 16], buf[8192];

	c->source = "processes";
	if (walk.l->version != 2 || strcmp(c->path, "/") == 0)
		return;
	snprintf(path, sizeof(path), "%s/memory.stat", dir);
	if (procfs_read(AT_FDCWD, path, buf, sizeof(buf)) > 0 &&
	    procfs_memstat_value(buf, "pagetables", &c->page_table_bytes) == 0)
		c->source = "memory.stat";
}

static int visit(const char *rel, uint64_t id, void *arg)
{
	char dir[PATH_MAX];
	struct cgroup_sample *c;

	(void)id;
	(void)arg;
	if (walk.nr == walk.cap) {
		size_t cap = walk.cap ? walk.cap * 2 : 64;
		void *p = realloc(walk.cg, cap * sizeof(*walk.cg));

		if (!p) {
			walk.err = -ENOMEM;
			return 1;
		}
		walk.cg = p;
		walk.cap = cap;
	}
	c = &walk.cg[walk.nr++];
	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", rel);
	if (snprintf(dir, sizeof(dir), "%s%s", walk.l->mem_root,
		     strcmp(rel, "/") ? rel : "") < (int)sizeof(dir))
		read_pagetables(dir, c);
	else
		c->source = "processes"; /* a path too long to read by */
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct cgroup_sample *)a)->path,
		      ((const struct cgroup_sample *)b)->path);
}

static struct cgroup_sample *find(struct snapshot *s, const char *path)
{
	struct cgroup_sample key;

	snprintf(key.path, sizeof(key.path), "%s", path);
	return bsearch(&key, s->cgroups, s->nr_cgroups, sizeof(key), by_path);
}

/* The cgroups a process in cg counts in: its own and every ancestor up to
 * "/", those the walk found. chain: room for PTW_CGROUP_LEN. */
static size_t chain_of(struct snapshot *s, const char *cg,
		       struct cgroup_sample **chain)
{
	char path[PTW_CGROUP_LEN];
	size_t n = 0;

	snprintf(path, sizeof(path), "%s", cg);
	for (;;) {
		struct cgroup_sample *c = find(s, path[0] ? path : "/");
		char *slash;

		if (c)
			chain[n++] = c;
		slash = strrchr(path, '/');
		if (!slash || !path[0] || strcmp(path, "/") == 0)
			break;
		*slash = '\0';
	}
	return n;
}

/* Adds one process to the cgroups of its chain. */
static void add_proc(struct cgroup_sample *const *chain, size_t n,
		     const struct proc_sample *p)
{
	for (size_t i = 0; i < n; i++) {
		struct cgroup_sample *c = chain[i];

		c->nr_procs++;
		c->waste_bytes += p->waste_bytes;
		if (strcmp(c->source, "processes") == 0)
			c->page_table_bytes += p->page_table_bytes;
	}
}

int cgroup_collect(const struct cgroup_layout *l, struct snapshot *s)
{
	struct cgroup_sample *chain[PTW_CGROUP_LEN];
	const char *last = NULL;
	size_t n = 0;
	int err;

	s->cgroups = NULL;
	s->nr_cgroups = 0;
	if (l->version == 0)
		return 0;
	walk = (struct walk){ .l = l };
	/* directories only, by readdir: nftw() would stat every file */
	err = cgroup_dirs_walk(l->mem_root, visit, NULL);
	if (err < 0 && !walk.err)
		walk.err = err;
	if (walk.err) {
		free(walk.cg);
		return walk.err;
	}
	s->cgroups = walk.cg;
	s->nr_cgroups = walk.nr;
	qsort(s->cgroups, s->nr_cgroups, sizeof(*s->cgroups), by_path);
	for (size_t i = 0; i < s->nr_procs; i++) {
		const char *cg = s->procs[i].cgroup;

		if (!cg[0])
			continue;
		/* neighbours in PID order share a cgroup more often than not:
		 * its chain is looked up once for the run */
		if (!last || strcmp(cg, last)) {
			n = chain_of(s, cg, chain);
			last = cg;
		}
		add_proc(chain, n, &s->procs[i]);
	}
	return 0;
}
