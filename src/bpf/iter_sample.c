// SPDX-License-Identifier: GPL-2.0
/* Task iterator records as snapshot processes (iter_sample.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iter_sample.h"

void iter_comm(const char raw[PTW_ITER_COMM_BYTES], char *out, size_t len)
{
	size_t n = 0;

	/* raw, as the procfs reader gives it once it undid status's
	 * escaping of '\n' and '\\' (procfs.h) */
	while (n < PTW_ITER_COMM_BYTES && raw[n] && n + 1 < len) {
		out[n] = raw[n];
		n++;
	}
	out[n] = '\0';
}

int iter_sampler_begin(struct iter_sampler *is)
{
	struct cgroup_ids prev = is->ids;
	int err;

	is->ids_fresh = true;
	err = cgroup_ids_load(is->layout, &is->ids);
	is->ids_same = !err && cgroup_ids_same(&prev, &is->ids);
	cgroup_ids_free(&prev);
	return err;
}

void iter_sampler_end(struct iter_sampler *is)
{
	cgroup_ids_free(&is->ids);
}

/* A cgroup made since the walk: walk again, once a pass. */
static const char *cgroup_path(struct iter_sampler *is, uint64_t id)
{
	const char *path = cgroup_ids_path(&is->ids, id);

	if (!path && is->layout->version && !is->ids_fresh) {
		is->ids_fresh = true;
		is->ids_same = false;
		cgroup_ids_free(&is->ids);
		if (cgroup_ids_load(is->layout, &is->ids) == 0)
			path = cgroup_ids_path(&is->ids, id);
	}
	return path;
}

int iter_sampler_fill(struct iter_sampler *is, const struct ptw_iter_rec *r,
		      struct proc_sample *p, bool keep_cgroup)
{
	const char *path;

	if (!keep_cgroup) {
		memset(p, 0, sizeof(*p));
		path = is->layout->version ? cgroup_path(is, r->cgroup_id) :
					     NULL;
		if (path)
			snprintf(p->cgroup, sizeof(p->cgroup), "%s", path);
	} else {
		/* all but the path, which is 512 bytes to copy again */
		memset(p->comm, 0, sizeof(p->comm));
		p->census = (struct census_figures){ 0 };
	}
	p->pid = r->tgid;
	iter_comm(r->comm, p->comm, sizeof(p->comm));
	p->rss_anon = r->rss_anon;
	p->rss_file = r->rss_file;
	p->rss_shmem = r->rss_shmem;
	p->swap = r->swap;
	p->page_table_bytes = r->pgtables;
	return snapshot_estimate(is->proc_fd, is->rollup_min_pte, p);
}

bool iter_sampler_unchanged(const struct ptw_iter_rec *r,
			    const struct proc_sample *p)
{
	char comm[sizeof(p->comm)];

	if (r->pgtables >= PTW_ROLLUP_MIN_PTE || p->pid != (pid_t)r->tgid ||
	    p->page_table_bytes != r->pgtables || p->rss_anon != r->rss_anon ||
	    p->rss_file != r->rss_file || p->rss_shmem != r->rss_shmem ||
	    p->swap != r->swap)
		return false;
	iter_comm(r->comm, comm, sizeof(comm));
	return !strcmp(comm, p->comm);
}

int iter_sampler_pid1(struct iter_sampler *is, struct proc_sample *p)
{
	return snapshot_read_proc(is->proc_fd, 1, is->layout->version == 2,
				  is->rollup_min_pte, p);
}

struct take_ctx {
	struct iter_sampler *is;
	struct snapshot *s;
	size_t cap;
	bool saw_pid1;
};

static int take_rec(const struct ptw_iter_rec *r, void *arg)
{
	struct take_ctx *c = arg;
	struct snapshot *s = c->s;
	struct proc_sample *p;

	if (s->nr_procs == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		void *np = realloc(s->procs, cap * sizeof(*s->procs));

		if (!np)
			return -ENOMEM;
		s->procs = np;
		c->cap = cap;
	}
	p = &s->procs[s->nr_procs++];
	if (iter_sampler_fill(c->is, r, p, false) == -EACCES)
		s->host.unreadable++;
	s->host.waste_bytes += p->waste_bytes;
	c->saw_pid1 |= r->tgid == 1;
	return 0;
}

/* PID 1 first, as procfs lists it, when the iterator left it out. */
static int add_pid1(struct take_ctx *c)
{
	struct snapshot *s = c->s;
	struct proc_sample p1;
	void *np;
	int err = iter_sampler_pid1(c->is, &p1);

	if (err && err != -EACCES)
		return 0; /* no PID 1 with an mm here (a container) */
	np = realloc(s->procs, (s->nr_procs + 1) * sizeof(*s->procs));
	if (!np)
		return -ENOMEM;
	s->procs = np;
	memmove(&s->procs[1], &s->procs[0], s->nr_procs * sizeof(*s->procs));
	s->procs[0] = p1;
	s->nr_procs++;
	s->host.unreadable += err == -EACCES;
	s->host.waste_bytes += p1.waste_bytes;
	return 0;
}

/* Loaded once, kept for the process's life (top takes many samples). */
static struct ptw_iter *shared_it;
static unsigned int shared_version; /* layout it was loaded for */

static int iter_get(const struct cgroup_layout *l, char *why, size_t len)
{
	if (shared_it && shared_version == l->version)
		return 0;
	ptw_iter_close(shared_it);
	shared_it = NULL;
	shared_version = l->version;
	/* one pass or a few (top): the program that loads fast */
	return ptw_iter_open(&shared_it, l->version == 1, true, why, len);
}

int snapshot_take_iter(struct snapshot *s, const struct snapshot_opts *opts,
		       char *why, size_t len)
{
	struct snapshot_opts o = *opts;
	struct cgroup_layout layout;
	struct iter_sampler is = { 0 };
	struct take_ctx c = { .is = &is, .s = s };
	int err;

	memset(s, 0, sizeof(*s));
	if (o.only_pid)
		return -EINVAL;
	if (!o.proc_root)
		o.proc_root = "/proc";
	if (!o.cgroup_root)
		o.cgroup_root = "/sys/fs/cgroup";
	cgroup_detect(o.cgroup_root, &layout);
	err = iter_get(&layout, why, len);
	if (err)
		return err;
	err = snapshot_read_host(o.proc_root, &s->host);
	if (err) {
		snprintf(why, len, "cannot read %s/meminfo: %s", o.proc_root,
			 strerror(-err));
		return err;
	}
	s->host.cgroup_version = layout.version;
	is.it = shared_it;
	is.layout = &layout;
	is.rollup_min_pte = o.rollup_min_pte ? o.rollup_min_pte :
					       PTW_ROLLUP_MIN_PTE;
	is.proc_fd = open(o.proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (is.proc_fd < 0) {
		err = -errno;
		snprintf(why, len, "cannot open %s: %s", o.proc_root,
			 strerror(errno));
		return err;
	}
	err = iter_sampler_begin(&is);
	if (!err)
		err = ptw_iter_read(shared_it, take_rec, &c);
	if (err >= 0 && !c.saw_pid1)
		err = add_pid1(&c);
	if (err < 0)
		snprintf(why, len, "task iterator: a pass failed: %s",
			 strerror(-err));
	else
		err = cgroup_collect(&layout, s);
	iter_sampler_end(&is);
	close(is.proc_fd);
	if (err < 0) {
		snapshot_free(s);
		return err;
	}
	s->source = PTW_SOURCE_ITER;
	return 0;
}
