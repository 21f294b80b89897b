// SPDX-License-Identifier: GPL-2.0
/*
 * Frees another process's empty PTE tables with MADV_PT_RECLAIM. The plan
 * comes from the census walk: the mappings, merged into runs of adjacent
 * ones, and the blocks that hold a present or swap entry. Every other
 * 2 MiB block a run touches may have a table that maps nothing; the kernel
 * checks each one again under its locks, so a stale plan costs a wasted
 * look, never a wrong free.
 *
 * A block wholly inside one run goes out in ranges of up to 1 GiB. A block
 * that a run only partly covers (the run starts or ends inside it, next to
 * a hole) is not sent: the kernel never frees a table that reaches into a
 * hole (free_pgtables() frees it with the hole's neighbours), and would
 * only say ENOMEM.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "census.h"
#include "procfs.h"
#include "reclaim_pid.h"

#define PT_BLOCK_SHIFT 21
#define PT_BLOCK_SIZE (1ULL << PT_BLOCK_SHIFT)
#define PAGE_SIZE_4K 4096ULL
#define CENSUS_TRIES 3

struct span {
	uint64_t start, end; /* bytes for runs, block numbers for used */
};

struct spans {
	struct span *v;
	size_t n, cap;
	int err;
};

struct plan {
	struct spans runs; /* adjacent mappings merged */
	struct spans used; /* used blocks [first, last + 1), merged */
};

/* Appends [start, end), merging with the last span when they touch. */
static void spans_add(struct spans *s, uint64_t start, uint64_t end)
{
	if (s->n && start <= s->v[s->n - 1].end) {
		if (end > s->v[s->n - 1].end)
			s->v[s->n - 1].end = end;
		return;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		struct span *v = realloc(s->v, cap * sizeof(*v));

		if (!v) {
			s->err = -ENOMEM;
			return;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = (struct span){ start, end };
}

static void saw_vma(void *ctx, uint64_t start, uint64_t end, bool access)
{
	struct plan *p = ctx;

	(void)access; /* PROT_NONE keeps its tables too: it is looked at */
	spans_add(&p->runs, start, end);
}

static void saw_used(void *ctx, uint64_t start, uint64_t end)
{
	struct plan *p = ctx;

	spans_add(&p->used, start >> PT_BLOCK_SHIFT,
		  ((end - 1) >> PT_BLOCK_SHIFT) + 1);
}

static void plan_reset(struct plan *p)
{
	p->runs.n = p->used.n = 0;
	p->runs.err = p->used.err = 0;
}

static void plan_free(struct plan *p)
{
	free(p->runs.v);
	free(p->used.v);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int reclaim_pid_supported(void)
{
	return madvise(NULL, 0, MADV_PT_RECLAIM) ? -errno : 0;
}

const char *reclaim_pid_why_not(int err)
{
	switch (err) {
	case -EINVAL:
		return "this kernel has no MADV_PT_RECLAIM (it needs the "
		       "ptwatch kernel series, patch 11)";
	case -EOPNOTSUPP:
		return "vm.pt_reclaim is 0: PTE-table reclaim is switched off "
		       "(ptwatch reclaim on)";
	default:
		return strerror(-err);
	}
}

/* The caller's view of one call */
struct sender {
	int pidfd;
	struct reclaim_pid_result *res;
	int err; /* first error that stops the whole process */
};

static void send_range(struct sender *s, uint64_t start, uint64_t end)
{
	struct iovec iov = { (void *)(uintptr_t)start, end - start };
	uint64_t t0 = now_ns(), dt;
	long n;

	if (s->err)
		return;
	n = syscall(SYS_process_madvise, s->pidfd, &iov, 1, MADV_PT_RECLAIM, 0);
	dt = now_ns() - t0;
	if (dt > s->res->longest_call_ns)
		s->res->longest_call_ns = dt;
	s->res->ranges++;
	if (n >= 0) {
		s->res->bytes_advised += (uint64_t)n;
		return;
	}
	/* ENOMEM: the target changed its mappings since the census; the
	 * part still mapped was done. */
	if (errno == ENOMEM)
		return;
	s->err = -errno;
}

/*
 * Calls fn(ctx, block, inner) for every 2 MiB block of the plan's runs
 * that maps nothing, in address order: inner when the run covers it whole,
 * else it reaches into a hole (an edge block shared by two runs comes
 * twice, once as each run's). Stops when fn returns false.
 */
static void plan_blocks(const struct plan *p,
			bool (*fn)(void *ctx, uint64_t b, bool inner),
			void *ctx)
{
	size_t u = 0;

	for (size_t r = 0; r < p->runs.n; r++) {
		const struct span *run = &p->runs.v[r];
		uint64_t b = run->start >> PT_BLOCK_SHIFT;
		uint64_t last = (run->end - 1) >> PT_BLOCK_SHIFT;

		for (; b <= last; b++) {
			uint64_t bs = b << PT_BLOCK_SHIFT;

			while (u < p->used.n && p->used.v[u].end <= b)
				u++;
			if (u < p->used.n && p->used.v[u].start <= b)
				continue; /* maps something */
			if (!fn(ctx, b,
				bs >= run->start &&
					bs + PT_BLOCK_SIZE <= run->end))
				return;
		}
	}
}

/* The sender's pending range of inner blocks, in bytes */
struct batch {
	struct sender *s;
	uint64_t start, end;
	bool use_only;		  /* send only the blocks in `only` */
	struct block_cursor only; /* the policy's evidence */
	struct block_set *sent;	  /* records what is sent, or NULL */
};

/* Inner blocks go out batched; edge blocks are the kernel's to keep. */
static bool send_block(void *ctx, uint64_t b, bool inner)
{
	struct batch *bt = ctx;
	uint64_t bs = b << PT_BLOCK_SHIFT;

	if (!inner || (bt->use_only && !block_cursor_has(&bt->only, bs)))
		return true;
	if (bt->end != bs || bt->end - bt->start >= RECLAIM_MAX_RANGE) {
		if (bt->end)
			send_range(bt->s, bt->start, bt->end);
		bt->start = bs;
	}
	bt->end = bs + PT_BLOCK_SIZE;
	bt->s->res->blocks_sent++;
	if (bt->sent)
		block_set_add(bt->sent, bs, bs + PT_BLOCK_SIZE);
	return !bt->s->err;
}

static int send_plan(int pidfd, const struct plan *p,
		     const struct reclaim_pid_opts *o,
		     struct reclaim_pid_result *res)
{
	struct sender s = { .pidfd = pidfd, .res = res };
	struct batch bt = { .s = &s,
			    .use_only = o->use_only,
			    .only = { o->only, 0 },
			    .sent = o->sent_now };

	plan_blocks(p, send_block, &bt);
	if (bt.end)
		send_range(&s, bt.start, bt.end);
	return s.err;
}

struct evidence {
	struct block_set *empty_now; /* or NULL */
	struct block_cursor only;
	uint64_t confirmed;
};

/* Collects the inner blocks that map nothing, counting those confirmed */
static bool keep_empty_block(void *ctx, uint64_t b, bool inner)
{
	struct evidence *ev = ctx;
	uint64_t bs = b << PT_BLOCK_SHIFT;

	if (!inner)
		return true;
	if (ev->empty_now)
		block_set_add(ev->empty_now, bs, bs + PT_BLOCK_SIZE);
	ev->confirmed += block_cursor_has(&ev->only, bs);
	return true;
}

/* The policy's evidence from this census: what maps nothing now, what of
 * it mapped nothing before, and how many of the blocks sent last time map
 * something again. */
static void plan_evidence(const struct plan *p,
			  const struct reclaim_pid_opts *o,
			  struct reclaim_pid_result *res)
{
	struct block_cursor c = { o->sent_before, 0 };
	struct evidence ev = { o->empty_now, { o->only, 0 }, 0 };

	if (o->empty_now || o->use_only) {
		plan_blocks(p, keep_empty_block, &ev);
		res->blocks_confirmed = ev.confirmed;
	}
	for (size_t u = 0; o->sent_before && u < p->used.n; u++)
		res->refilled_blocks += block_cursor_overlap(
			&c, p->used.v[u].start << PT_BLOCK_SHIFT,
			p->used.v[u].end << PT_BLOCK_SHIFT);
}

/* Counts the edge blocks that map nothing, each once */
static bool count_hole_block(void *ctx, uint64_t b, bool inner)
{
	uint64_t *last = ctx; /* [0]: count, [1]: last block counted + 1 */

	if (!inner && last[1] != b + 1) {
		last[0]++;
		last[1] = b + 1;
	}
	return true;
}

static uint64_t plan_hole_blocks(const struct plan *p)
{
	uint64_t c[2] = { 0, 0 };

	plan_blocks(p, count_hole_block, c);
	return c[0];
}

static int read_vm_pte(const char *proc_root, pid_t pid, uint64_t *out)
{
	char path[64];
	int dirfd, err;

	snprintf(path, sizeof(path), "%s/%d", proc_root, pid);
	dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	err = procfs_vm_pte(dirfd, out);
	close(dirfd);
	return err;
}

/* The census with a plan; a process that changed its tables meanwhile is
 * counted again, a few times at most. */
static int census_with_plan(const char *proc_root, pid_t pid,
			    bool force_pagemap, bool moving_ok, struct plan *p,
			    struct pte_census *c)
{
	const struct census_visitor v = { saw_vma, saw_used, p };
	int err = -EAGAIN;

	for (int i = 0; i < CENSUS_TRIES && err == -EAGAIN; i++) {
		if (p)
			plan_reset(p);
		err = census_take_visit(proc_root, pid, force_pagemap,
					p ? &v : NULL, c);
		/* the last walk, whole though VmPTE moved: used if allowed */
		if (err == -EAGAIN && moving_ok && i == CENSUS_TRIES - 1)
			err = 0;
		if (!err && p)
			err = p->runs.err ? p->runs.err : p->used.err;
	}
	return err;
}

static void count_freed(const char *proc_root, struct reclaim_pid_result *r,
			const struct reclaim_pid_opts *o)
{
	struct pte_census c;

	if (read_vm_pte(proc_root, r->pid, &r->vm_pte_after))
		r->vm_pte_after = r->vm_pte_before;
	if (r->vm_pte_before > r->vm_pte_after) {
		r->bytes_freed = r->vm_pte_before - r->vm_pte_after;
		r->tables_freed = r->bytes_freed / PAGE_SIZE_4K;
	}
	r->after_known = !o->no_after &&
			 census_with_plan(proc_root, r->pid, o->force_pagemap,
					  false, NULL, &c) == 0;
	if (r->after_known)
		r->empty_after = c.empty_pte_tables;
}

int reclaim_pid(const char *proc_root, pid_t pid,
		const struct reclaim_pid_opts *o,
		struct reclaim_pid_result *res)
{
	uint64_t t0 = now_ns();
	struct plan p = { 0 };
	struct pte_census c;
	/* a dry run only takes the census: any kernel can */
	int pidfd, err = o->dry_run ? 0 : reclaim_pid_supported();

	memset(res, 0, sizeof(*res));
	res->pid = pid;
	if (err)
		return err;
	/* The pidfd first: the census then cannot describe another process
	 * that took the pid over. */
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -errno;
	err = census_with_plan(proc_root, pid, o->force_pagemap, o->moving_ok,
			       &p, &c);
	if (!err) {
		res->method = c.method;
		res->empty_before = c.empty_pte_tables;
		res->hole_blocks = plan_hole_blocks(&p);
		plan_evidence(&p, o, res);
		err = read_vm_pte(proc_root, pid, &res->vm_pte_before);
	}
	if (!err && (o->dry_run || res->empty_before < o->min_empty)) {
		res->vm_pte_after = res->vm_pte_before;
		res->empty_after = res->empty_before;
		res->after_known = true;
	} else if (!err) {
		err = send_plan(pidfd, &p, o, res);
		if (!err)
			count_freed(proc_root, res, o);
	}
	close(pidfd);
	plan_free(&p);
	res->elapsed_ns = now_ns() - t0;
	return err;
}

/* The sweep's walk: whole blocks from `from`, at most `left` of them */
struct sweep {
	struct batch bt;
	uint64_t from, left, next; /* next: where to go on, 0 at the end */
};

static bool sweep_block(void *ctx, uint64_t b, bool inner)
{
	struct sweep *sw = ctx;
	uint64_t bs = b << PT_BLOCK_SHIFT;

	if (bs < sw->from || !inner)
		return true;
	if (!sw->left) {
		sw->next = bs;
		return false;
	}
	sw->left--;
	return send_block(&sw->bt, b, true);
}

/* The plan of a census-free sweep: the mappings from /proc/PID/maps */
static int plan_from_maps(const char *proc_root, pid_t pid, struct plan *p)
{
	char path[64], line[4096];
	struct census_vma v;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/maps", proc_root, pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), f))
		if (census_parse_maps_line(line, &v) && v.start < (1ULL << 47))
			saw_vma(p, v.start, v.end, v.access);
	fclose(f);
	return p->runs.err;
}

int reclaim_pid_sweep(const char *proc_root, pid_t pid, uint64_t *cursor,
		      uint64_t max_blocks, struct reclaim_pid_result *res)
{
	uint64_t t0 = now_ns();
	struct plan p = { 0 };
	struct sender s = { .res = res };
	struct sweep sw = { .bt = { .s = &s },
			    .from = *cursor,
			    .left = max_blocks ? max_blocks : UINT64_MAX };
	int err = reclaim_pid_supported();

	memset(res, 0, sizeof(*res));
	res->pid = pid;
	res->method = "none";
	if (err)
		return err;
	s.pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (s.pidfd < 0)
		return -errno;
	err = plan_from_maps(proc_root, pid, &p);
	if (!err)
		err = read_vm_pte(proc_root, pid, &res->vm_pte_before);
	if (!err) {
		plan_blocks(&p, sweep_block, &sw);
		if (sw.bt.end)
			send_range(&s, sw.bt.start, sw.bt.end);
		err = s.err;
	}
	if (!err) {
		struct reclaim_pid_opts o = { .no_after = true };

		count_freed(proc_root, res, &o);
		*cursor = sw.next;
	}
	close(s.pidfd);
	plan_free(&p);
	res->elapsed_ns = now_ns() - t0;
	return err;
}
