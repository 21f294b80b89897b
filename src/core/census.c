// SPDX-License-Identifier: GPL-2.0
/*
 * Exact census of a process's PTE tables. A PTE table covers one 2 MiB
 * block; it is "used" when any PTE in it is present or a swap entry. The
 * page walk tells which blocks are used, but not whether an all-none table
 * exists, so the total comes from VmPTE less the upper-level tables, which
 * are counted from the layout: one PMD table per 1 GiB region and one PUD
 * table per 512 GiB region that an accessible mapping touches.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "census.h"
#include "pagemap_scan.h"
#include "procfs.h"

#define PAGE_SHIFT 12
#define PMD_SHIFT 21
#define PUD_SHIFT 30
#define P4D_SHIFT 39
#define USER_TOP (1ULL << 47) /* above it: [vsyscall], no tables of ours */
/* pagemap reads 8 bytes per page: refuse walks beyond this much memory */
#define PAGEMAP_MAX_SCAN (256ULL << 30)
#define SCAN_VEC 512

/* Counts distinct aligned blocks among ranges that come in address order. */
struct block_count {
	unsigned int shift;
	uint64_t last; /* last block counted, +1 so that 0 means none */
	uint64_t count;
};

static void count_range(struct block_count *bc, uint64_t start, uint64_t end)
{
	uint64_t first = start >> bc->shift, last = (end - 1) >> bc->shift;

	if (end <= start)
		return;
	if (bc->last && first < bc->last)
		first = bc->last; /* bc->last - 1 was counted already */
	if (last + 1 > first) {
		bc->count += last + 1 - first;
		bc->last = last + 1;
	}
}

struct walk {
	int pagemap_fd;
	bool use_ioctl;
	const struct census_visitor *visit; /* NULL: counts only */
	struct block_count pmd, pud;
	struct census_acc acc;
	uint64_t scanned;
};

static int scan_vma_ioctl(struct walk *w, const struct census_vma *v)
{
	struct page_region vec[SCAN_VEC];
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.start = v->start,
		.end = v->end,
		.vec = (uintptr_t)vec,
		.vec_len = SCAN_VEC,
		.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
		.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_HUGE,
	};

	while (arg.start < v->end) {
		int n = ioctl(w->pagemap_fd, PAGEMAP_SCAN, &arg);

		if (n < 0)
			return -errno;
		census_feed_regions(&w->acc, v, vec, n);
		if (arg.walk_end <= arg.start)
			break;
		arg.start = arg.walk_end;
	}
	return 0;
}

static int scan_vma_pagemap(struct walk *w, const struct census_vma *v)
{
	uint64_t buf[512];

	if (w->scanned > PAGEMAP_MAX_SCAN)
		return -E2BIG;
	for (uint64_t a = v->start; a < v->end;) {
		uint64_t block_end = ((a >> PMD_SHIFT) + 1) << PMD_SHIFT;
		uint64_t stop = block_end < v->end ? block_end : v->end;
		size_t n = (stop - a) >> PAGE_SHIFT;
		ssize_t got =
			pread(w->pagemap_fd, buf, n * 8, (a >> PAGE_SHIFT) * 8);

		if (got < 0)
			return -errno;
		census_feed_pagemap(&w->acc, v, a, buf, (size_t)got / 8);
		a = stop;
	}
	return 0;
}

static int walk_maps(struct walk *w, FILE *maps)
{
	char line[4096];
	struct census_vma v;

	while (fgets(line, sizeof(line), maps)) {
		int err;

		if (!census_parse_maps_line(line, &v) || v.start >= USER_TOP)
			continue;
		if (w->visit && w->visit->vma)
			w->visit->vma(w->visit->ctx, v.start, v.end, v.access);
		if (v.access) {
			count_range(&w->pmd, v.start, v.end);
			count_range(&w->pud, v.start, v.end);
		}
		census_acc_vma_begin(&w->acc, &v);
		err = w->use_ioctl ? scan_vma_ioctl(w, &v) :
				     scan_vma_pagemap(w, &v);
		if (err)
			return err;
		census_acc_vma_end(&w->acc);
		w->scanned += v.end - v.start;
	}
	census_acc_finish(&w->acc);
	return w->acc.err;
}

/* PAGEMAP_SCAN is there when an empty scan is accepted. */
static bool has_pagemap_scan(int fd)
{
	struct pm_scan_arg arg = { .size = sizeof(arg) };

	return ioctl(fd, PAGEMAP_SCAN, &arg) >= 0 || errno != ENOTTY;
}

static uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int census_walk(int dirfd, bool force_pagemap, struct walk *w,
		       const char **method)
{
	int fd = openat(dirfd, "maps", O_RDONLY | O_CLOEXEC);
	FILE *maps;
	int err;

	w->use_ioctl = !force_pagemap && has_pagemap_scan(w->pagemap_fd);
	if (fd < 0)
		return -errno;
	maps = fdopen(fd, "r");
	if (!maps) {
		close(fd);
		return -ENOMEM;
	}
	*method = w->use_ioctl ? "pagemap_scan" : "pagemap";
	err = walk_maps(w, maps);
	fclose(maps);
	return err;
}

/* Walks pid once; VmPTE before and after must agree. */
static int walk_pid(const char *proc_root, pid_t pid, bool force_pagemap,
		    struct walk *w, const char **method, uint64_t *vm_pte)
{
	char path[64];
	uint64_t after;
	int dirfd, err;

	snprintf(path, sizeof(path), "%s/%d", proc_root, pid);
	dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	w->pagemap_fd = openat(dirfd, "pagemap", O_RDONLY | O_CLOEXEC);
	err = w->pagemap_fd < 0 ? -errno : procfs_vm_pte(dirfd, vm_pte);
	if (!err)
		err = census_walk(dirfd, force_pagemap, w, method);
	/* A table installed or freed during the walk makes the count stale:
	 * say so rather than print a wrong figure. */
	if (!err && procfs_vm_pte(dirfd, &after) == 0 && after != *vm_pte)
		err = -EAGAIN;
	if (w->pagemap_fd >= 0)
		close(w->pagemap_fd);
	close(dirfd);
	/* reading a process that exits reads as an empty file or ESRCH */
	return err == -ENOENT ? -ESRCH : err;
}

static void walk_init(struct walk *w, const struct census_visitor *visit)
{
	*w = (struct walk){ .pmd.shift = PUD_SHIFT,
			    .pud.shift = P4D_SHIFT,
			    .visit = visit };
	w->acc.visit = visit;
}

int census_take(const char *proc_root, pid_t pid, bool force_pagemap,
		struct pte_census *out)
{
	return census_take_visit(proc_root, pid, force_pagemap, NULL, out);
}

int census_take_visit(const char *proc_root, pid_t pid, bool force_pagemap,
		      const struct census_visitor *visit,
		      struct pte_census *out)
{
	struct walk w;
	uint64_t pages, upper, t0 = clock_ns(CLOCK_MONOTONIC);
	int err;

	memset(out, 0, sizeof(*out));
	walk_init(&w, visit);
	err = walk_pid(proc_root, pid, force_pagemap, &w, &out->method,
		       &out->page_table_bytes);
	free(w.acc.ranges);
	if (err)
		return err;
	pages = out->page_table_bytes >> PAGE_SHIFT;
	upper = w.pmd.count + w.pud.count;
	out->pmd_tables = w.pmd.count;
	out->pud_tables = w.pud.count;
	out->pte_tables = pages > upper ? pages - upper : 0;
	out->used_pte_tables = w.acc.used_tables;
	out->used_entries = w.acc.used_entries;
	out->thp_deposited_tables = w.acc.deposited;
	out->huge_blocks = w.acc.huge_blocks;
	out->scanned_bytes = w.scanned;
	census_figures_fill(&w.acc, out->pte_tables, &out->fig);
	out->fig.realtime_ns = clock_ns(CLOCK_REALTIME);
	out->fig.page_table_bytes = out->page_table_bytes;
	out->elapsed_ns = clock_ns(CLOCK_MONOTONIC) - t0;
	out->empty_pte_tables = out->fig.empty_pte_tables;
	return 0;
}

int census_take_retry(const char *proc_root, pid_t pid, bool force_pagemap,
		      int tries, struct pte_census *out)
{
	int err = -EAGAIN;

	/* a busy process may install tables while we walk */
	for (int i = 0; i < tries && err == -EAGAIN; i++)
		err = census_take(proc_root, pid, force_pagemap, out);
	return err;
}

int census_empty_blocks(const char *proc_root, pid_t pid, bool force_pagemap,
			struct census_range **ranges, size_t *nr)
{
	struct walk w;
	const char *method;
	uint64_t vm_pte;
	int err;

	walk_init(&w, NULL);
	w.acc.collect = true;
	err = walk_pid(proc_root, pid, force_pagemap, &w, &method, &vm_pte);
	/* VmPTE moving is no reason to refuse places: the kernel checks
	 * every table again under its lock */
	if (err == -EAGAIN)
		err = 0;
	if (err) {
		free(w.acc.ranges);
		w.acc.ranges = NULL;
		w.acc.nr_ranges = 0;
	}
	*ranges = w.acc.ranges;
	*nr = w.acc.nr_ranges;
	return err;
}
