// SPDX-License-Identifier: GPL-2.0
/*
 * Takes one snapshot: /proc/meminfo for the host, /proc/PID/{status,
 * smaps_rollup,cgroup} for each process, the memory cgroup tree. Each
 * process is read through a directory fd so that all three files belong to
 * the same process even if its PID is reused mid-read.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cgroups.h"
#include "snapshot.h"
#include "waste.h"

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Fills the memory figures from smaps_rollup, or from status alone when
 * rollup is not wanted (small page tables: not worth its page walk) or
 * cannot be read (another user's process). THP is then unknown and counted
 * as PTE-mapped, which makes the waste estimate smaller, not larger.
 * Returns false only when rollup was wanted and refused. */
static bool read_memory(int dirfd, const struct proc_status *st, bool rollup,
			struct proc_sample *out)
{
	struct waste_input in = {
		.pte_mapped_bytes = st->vm_rss,
		.swap_bytes = st->vm_swap,
		.page_table_bytes = st->vm_pte,
	};
	struct waste_estimate est;
	struct smaps_rollup r;
	char buf[4096];
	bool full = false;

	if (!rollup) {
		full = true; /* skipped by choice, not refused */
	} else if (procfs_read(dirfd, "smaps_rollup", buf, sizeof(buf)) > 0 &&
		   procfs_parse_smaps_rollup(buf, &r) == 0) {
		out->thp_bytes =
			r.anon_huge + r.shmem_pmd_mapped + r.file_pmd_mapped;
		in.pmd_mapped_bytes = out->thp_bytes;
		in.anon_pmd_bytes = r.anon_huge;
		in.pte_mapped_bytes =
			r.rss > out->thp_bytes ? r.rss - out->thp_bytes : 0;
		in.swap_bytes = r.swap;
		full = true;
	}
	waste_estimate(&in, &est);
	out->needed_bytes = est.needed_bytes;
	out->waste_bytes = est.waste_bytes;
	return full;
}

int snapshot_read_proc(int proc_dirfd, pid_t pid, int cgroup_v2_memory,
		       uint64_t rollup_min_pte, struct proc_sample *out)
{
	return snapshot_read_proc_bounded(proc_dirfd, pid, cgroup_v2_memory,
					  rollup_min_pte, UINT64_MAX, out);
}

int snapshot_read_proc_bounded(int proc_dirfd, pid_t pid, int cgroup_v2_memory,
			       uint64_t rollup_min_pte, uint64_t rollup_max_pte,
			       struct proc_sample *out)
{
	char name[16], buf[8192];
	struct proc_status st;
	ssize_t n;
	int dirfd, err = 0;

	snprintf(name, sizeof(name), "%d", pid);
	dirfd = openat(proc_dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	memset(out, 0, sizeof(*out));
	n = procfs_read(dirfd, "status", buf, sizeof(buf));
	if (n < 0) {
		err = n == -ENOENT ? -ESRCH : (int)n;
		goto out;
	}
	if (procfs_parse_status(buf, &st) < 0) {
		err = -ESRCH; /* empty status: the task is being reaped */
		goto out;
	}
	if (!st.has_mm) {
		err = -ENODATA;
		goto out;
	}
	out->pid = pid;
	snprintf(out->comm, sizeof(out->comm), "%s", st.comm);
	out->rss_anon = st.rss_anon;
	out->rss_file = st.rss_file;
	out->rss_shmem = st.rss_shmem;
	out->swap = st.vm_swap;
	out->page_table_bytes = st.vm_pte;
	if (!read_memory(dirfd, &st,
			 st.vm_pte >= rollup_min_pte &&
				 st.vm_pte <= rollup_max_pte,
			 out))
		err = -EACCES; /* still a usable sample; caller counts it */
	if (procfs_read(dirfd, "cgroup", buf, sizeof(buf)) < 0 ||
	    procfs_parse_cgroup(buf, cgroup_v2_memory, out->cgroup,
				sizeof(out->cgroup)) < 0)
		out->cgroup[0] = '\0';
out:
	close(dirfd);
	return err;
}

int snapshot_estimate(int proc_dirfd, uint64_t rollup_min_pte,
		      struct proc_sample *p)
{
	struct proc_status st = {
		.vm_rss = p->rss_anon + p->rss_file + p->rss_shmem,
		.vm_swap = p->swap,
		.vm_pte = p->page_table_bytes,
	};
	bool rollup = st.vm_pte >= rollup_min_pte;
	char name[16];
	int dirfd = -1;

	if (rollup) {
		snprintf(name, sizeof(name), "%d", p->pid);
		dirfd = openat(proc_dirfd, name,
			       O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		/* gone since it was sampled: its figures stand as taken */
		rollup = dirfd >= 0;
	}
	p->thp_bytes = 0;
	if (!read_memory(dirfd, &st, rollup, p)) {
		close(dirfd);
		return -EACCES;
	}
	if (dirfd >= 0)
		close(dirfd);
	return 0;
}

int snapshot_read_host(const char *proc_root, struct host_sample *h)
{
	char path[PATH_MAX], buf[8192];
	struct meminfo mi;
	struct utsname u;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/meminfo", proc_root);
	n = procfs_read(AT_FDCWD, path, buf, sizeof(buf));
	if (n < 0)
		return n;
	if (procfs_parse_meminfo(buf, &mi) < 0)
		return -EINVAL;
	h->mem_total = mi.mem_total;
	h->page_tables = mi.page_tables;
	h->sec_page_tables = mi.sec_page_tables;
	if (uname(&u) == 0)
		snprintf(h->kernel, sizeof(h->kernel), "%s", u.release);
	h->timestamp_ns = now_ns(CLOCK_MONOTONIC);
	h->realtime_ns = now_ns(CLOCK_REALTIME);
	return 0;
}

static int add_sample(struct snapshot *s, size_t *cap,
		      const struct proc_sample *p)
{
	if (s->nr_procs == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		void *np = realloc(s->procs, ncap * sizeof(*s->procs));

		if (!np)
			return -ENOMEM;
		s->procs = np;
		*cap = ncap;
	}
	s->procs[s->nr_procs++] = *p;
	s->host.waste_bytes += p->waste_bytes;
	return 0;
}

/* Reads one PID into the snapshot; processes that vanish are skipped. */
static int take_one(struct snapshot *s, size_t *cap, int proc_fd, pid_t pid,
		    bool v2, uint64_t rollup_min_pte)
{
	struct proc_sample p;
	int err = snapshot_read_proc(proc_fd, pid, v2, rollup_min_pte, &p);

	if (err == -EACCES) {
		s->host.unreadable++;
		err = 0;
	}
	if (err)
		return err;
	return add_sample(s, cap, &p);
}

static int take_procs(struct snapshot *s, const struct snapshot_opts *o,
		      bool v2)
{
	size_t cap = 0;
	int proc_fd, err = 0;
	DIR *d;
	struct dirent *de;

	if (o->only_pid) {
		proc_fd =
			open(o->proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (proc_fd < 0)
			return -errno;
		err = take_one(s, &cap, proc_fd, o->only_pid, v2,
			       o->rollup_min_pte);
		close(proc_fd);
		return err == -ENOENT ? -ESRCH : err;
	}
	d = opendir(o->proc_root);
	if (!d)
		return -errno;
	proc_fd = dirfd(d);
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		err = take_one(s, &cap, proc_fd, atoi(de->d_name), v2,
			       o->rollup_min_pte);
		if (err == -ENOMEM)
			break;
		err = 0; /* exited, kernel thread: quietly skipped */
	}
	closedir(d);
	return err;
}

int snapshot_take(struct snapshot *s, const struct snapshot_opts *opts)
{
	struct snapshot_opts o = *opts;
	struct cgroup_layout layout;
	int err;

	if (!o.proc_root)
		o.proc_root = "/proc";
	if (!o.cgroup_root)
		o.cgroup_root = "/sys/fs/cgroup";
	if (!o.rollup_min_pte)
		o.rollup_min_pte = PTW_ROLLUP_MIN_PTE;
	memset(s, 0, sizeof(*s));
	err = snapshot_read_host(o.proc_root, &s->host);
	if (err)
		return err;
	cgroup_detect(o.cgroup_root, &layout);
	s->host.cgroup_version = layout.version;
	err = take_procs(s, &o, layout.version == 2);
	if (!err && !o.only_pid)
		err = cgroup_collect(&layout, s);
	if (err)
		snapshot_free(s);
	return err;
}

void snapshot_free(struct snapshot *s)
{
	free(s->procs);
	free(s->cgroups);
	s->procs = NULL;
	s->cgroups = NULL;
	s->nr_procs = s->nr_cgroups = 0;
}

static uint64_t proc_key(const struct proc_sample *p, enum snapshot_sort k)
{
	switch (k) {
	case SORT_PTE:
		return p->page_table_bytes;
	case SORT_RSS:
		return p->rss_anon + p->rss_file + p->rss_shmem;
	default:
		return p->waste_bytes;
	}
}

static enum snapshot_sort sort_key;

/* Largest first; ties by PID so the order is stable between runs. */
static int cmp_proc(const void *a, const void *b)
{
	const struct proc_sample *x = a, *y = b;
	uint64_t kx = proc_key(x, sort_key), ky = proc_key(y, sort_key);

	if (kx != ky)
		return kx < ky ? 1 : -1;
	return x->pid - y->pid;
}

static int cmp_cgroup(const void *a, const void *b)
{
	const struct cgroup_sample *x = a, *y = b;
	uint64_t kx = sort_key == SORT_WASTE ? x->waste_bytes :
					       x->page_table_bytes;
	uint64_t ky = sort_key == SORT_WASTE ? y->waste_bytes :
					       y->page_table_bytes;

	if (kx != ky)
		return kx < ky ? 1 : -1;
	return strcmp(x->path, y->path);
}

void snapshot_sort(struct snapshot *s, enum snapshot_sort key)
{
	sort_key = key;
	qsort(s->procs, s->nr_procs, sizeof(*s->procs), cmp_proc);
	qsort(s->cgroups, s->nr_cgroups, sizeof(*s->cgroups), cmp_cgroup);
}
