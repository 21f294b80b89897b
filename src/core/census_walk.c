// SPDX-License-Identifier: GPL-2.0
/*
 * The census walk in steps (census.h): /proc/PID/maps line by line, each
 * mapping through PAGEMAP_SCAN or /proc/PID/pagemap in pieces, the counts
 * in a census_acc (census_count.c). A piece is the unit of work between
 * two looks at the clock: at most 1 GiB of one mapping, i.e. 512 PTE
 * tables, whose PTEs the kernel reads in about a millisecond here, so a
 * deadline is kept to that. The walk keeps maps open between steps: its
 * seq_file goes on after the last mapping it gave, however the process
 * changed in between.
 */
#include <errno.h>
#include <fcntl.h>
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
#define PIECE (1ULL << 30)

static uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void count_range(struct census_block_count *bc, uint64_t start,
			uint64_t end)
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

/* [w->next, at most a piece further) of the current mapping. */
static int scan_piece_ioctl(struct census_walk *w)
{
	const struct census_vma *v = &w->vma;
	struct page_region vec[SCAN_VEC];
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.start = w->next,
		.end = v->end - w->next > PIECE ? w->next + PIECE : v->end,
		.vec = (uintptr_t)vec,
		.vec_len = SCAN_VEC,
		.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
		.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_HUGE,
	};
	int n = ioctl(w->pagemap_fd, PAGEMAP_SCAN, &arg);

	if (n < 0)
		return -errno;
	census_feed_regions(&w->acc, v, vec, n);
	/* walk_end is where the kernel stopped (a full vec stops it early) */
	w->next = arg.walk_end > w->next ? arg.walk_end : v->end;
	return 0;
}

/* One 2 MiB block (or what of it the mapping covers) of pagemap entries. */
static int scan_piece_pagemap(struct census_walk *w)
{
	const struct census_vma *v = &w->vma;
	uint64_t buf[512], a = w->next;
	uint64_t block_end = ((a >> PMD_SHIFT) + 1) << PMD_SHIFT;
	uint64_t stop = block_end < v->end ? block_end : v->end;
	ssize_t got;

	/* the bound holds inside one mapping too: a single sparse mapping of
	 * 2 TiB is 4 GiB of entries */
	if (w->scanned + (a - v->start) > PAGEMAP_MAX_SCAN)
		return -E2BIG;
	got = pread(w->pagemap_fd, buf, ((stop - a) >> PAGE_SHIFT) * 8,
		    (a >> PAGE_SHIFT) * 8);
	if (got < 0)
		return -errno;
	census_feed_pagemap(&w->acc, v, a, buf, (size_t)got / 8);
	w->next = stop;
	return 0;
}

int census_walk_next_vma(struct census_walk *w)
{
	char line[4096];
	struct census_vma *v = &w->vma;

	while (fgets(line, sizeof(line), w->maps)) {
		if (!census_parse_maps_line(line, v) || v->start >= USER_TOP)
			continue;
		if (!w->use_ioctl && w->scanned > PAGEMAP_MAX_SCAN)
			return -E2BIG;
		if (w->visit && w->visit->vma)
			w->visit->vma(w->visit->ctx, v->start, v->end,
				      v->access);
		if (v->access) {
			count_range(&w->pmd, v->start, v->end);
			count_range(&w->pud, v->start, v->end);
		}
		census_acc_vma_begin(&w->acc, v);
		w->next = v->start;
		w->in_vma = true;
		return 1;
	}
	/* A read error here is a process exiting under the walk (its maps
	 * read fails once its mm is gone): the end of the walk, as before
	 * the walk in steps; what follows finds the process gone (ESRCH),
	 * rather than an I/O error the user cannot act on (exit 1: issue
	 * 24's t-reclaim-pid, 40 targets that exit while being freed). */
	return 0;
}

/* PAGEMAP_SCAN is there when an empty scan is accepted. */
static bool has_pagemap_scan(int fd)
{
	struct pm_scan_arg arg = { .size = sizeof(arg) };

	return ioctl(fd, PAGEMAP_SCAN, &arg) >= 0 || errno != ENOTTY;
}

int census_walk_begin(struct census_walk *w, const char *proc_root, pid_t pid,
		      bool force_pagemap, const struct census_visitor *visit)
{
	char path[64];
	int fd;

	*w = (struct census_walk){ .dirfd = -1,
				   .pagemap_fd = -1,
				   .pmd.shift = PUD_SHIFT,
				   .pud.shift = P4D_SHIFT,
				   .visit = visit,
				   .begun_ns = clock_ns(CLOCK_REALTIME) };
	w->acc.visit = visit;
	snprintf(path, sizeof(path), "%s/%d", proc_root, pid);
	w->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->dirfd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	w->pagemap_fd = openat(w->dirfd, "pagemap", O_RDONLY | O_CLOEXEC);
	if (w->pagemap_fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	fd = openat(w->dirfd, "maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	w->maps = fdopen(fd, "r");
	if (!w->maps) {
		close(fd);
		return -ENOMEM;
	}
	w->use_ioctl = !force_pagemap && has_pagemap_scan(w->pagemap_fd);
	w->method = w->use_ioctl ? "pagemap_scan" : "pagemap";
	fd = procfs_vm_pte(w->dirfd, &w->vm_pte);
	return fd == -ENOENT ? -ESRCH : fd;
}

/* VmPTE must be what it was when the walk began: a table installed or
 * freed since makes the count stale, so say so rather than give a wrong
 * figure. A process that is gone at the end was walked whole; one gone
 * between two steps was not (`going_on`). */
static int still_same(const struct census_walk *w, bool going_on)
{
	uint64_t now;
	int err = procfs_vm_pte(w->dirfd, &now);

	if (err)
		return going_on ? err : 0;
	return now == w->vm_pte ? 0 : -EAGAIN;
}

static int step(struct census_walk *w, uint64_t deadline_ns)
{
	int err;

	if (w->steps++ && (err = still_same(w, true)))
		return err;
	for (;;) {
		if (!w->in_vma) {
			err = census_walk_next_vma(w);
			if (err < 0)
				return err;
			if (!err)
				break;
		}
		err = w->use_ioctl ? scan_piece_ioctl(w) :
				     scan_piece_pagemap(w);
		if (err)
			return err;
		if (w->next >= w->vma.end) {
			census_acc_vma_end(&w->acc);
			w->scanned += w->vma.end - w->vma.start;
			w->in_vma = false;
		}
		if (deadline_ns && clock_ns(CLOCK_MONOTONIC) >= deadline_ns)
			return 1;
	}
	census_acc_finish(&w->acc);
	if (w->acc.err)
		return w->acc.err;
	w->done = true;
	return still_same(w, false);
}

int census_walk_check(const struct census_walk *w)
{
	int err = still_same(w, false);

	return err == -ENOENT ? -ESRCH : err;
}

int census_walk_step(struct census_walk *w, uint64_t deadline_ns)
{
	uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
	int err = step(w, deadline_ns);

	w->busy_ns += clock_ns(CLOCK_MONOTONIC) - t0;
	/* reading a process that exits reads as an empty file or ESRCH */
	return err == -ENOENT ? -ESRCH : err;
}

void census_walk_result(const struct census_walk *w, struct pte_census *out)
{
	uint64_t pages = w->vm_pte >> PAGE_SHIFT;
	uint64_t upper = w->pmd.count + w->pud.count;

	memset(out, 0, sizeof(*out));
	out->method = w->method;
	out->page_table_bytes = w->vm_pte;
	out->pmd_tables = w->pmd.count;
	out->pud_tables = w->pud.count;
	out->pte_tables = pages > upper ? pages - upper : 0;
	out->used_pte_tables = w->acc.used_tables;
	out->used_entries = w->acc.used_entries;
	out->thp_deposited_tables = w->acc.deposited;
	out->huge_blocks = w->acc.huge_blocks;
	out->scanned_bytes = w->scanned;
	census_figures_fill(&w->acc, out->pte_tables, &out->fig);
	out->fig.realtime_ns = w->begun_ns;
	out->fig.page_table_bytes = w->vm_pte;
	out->elapsed_ns = w->busy_ns;
	out->empty_pte_tables = out->fig.empty_pte_tables;
}

void census_walk_end(struct census_walk *w)
{
	if (w->maps)
		fclose(w->maps);
	if (w->pagemap_fd >= 0)
		close(w->pagemap_fd);
	if (w->dirfd >= 0)
		close(w->dirfd);
	free(w->acc.ranges);
	w->maps = NULL;
	w->pagemap_fd = w->dirfd = -1;
	w->acc.ranges = NULL;
}
