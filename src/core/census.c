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
#include <unistd.h>

#include "census.h"
#include "pagemap_scan.h"
#include "procfs.h"

#define PAGE_SHIFT 12
#define PMD_SHIFT 21
#define PUD_SHIFT 30
#define P4D_SHIFT 39
#define USER_TOP (1ULL << 47) /* above it: [vsyscall], no tables of ours */
#define PM_PRESENT (1ULL << 63)
#define PM_SWAP (1ULL << 62)
/* pagemap reads 8 bytes per page: refuse walks beyond this much memory */
#define PAGEMAP_MAX_SCAN (256ULL << 30)

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
	struct block_count used, pmd, pud;
	uint64_t huge_blocks, scanned;
	const struct census_visitor *visit; /* NULL: counts only */
};

static void saw_used(struct walk *w, uint64_t start, uint64_t end)
{
	if (w->visit && w->visit->used)
		w->visit->used(w->visit->ctx, start, end);
}

static int scan_vma_ioctl(struct walk *w, uint64_t start, uint64_t end)
{
	struct page_region vec[256];
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.start = start,
		.end = end,
		.vec = (uintptr_t)vec,
		.vec_len = 256,
		.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
		.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_HUGE,
	};

	while (arg.start < end) {
		int n = ioctl(w->pagemap_fd, PAGEMAP_SCAN, &arg);

		if (n < 0)
			return -errno;
		for (int i = 0; i < n; i++) {
			saw_used(w, vec[i].start, vec[i].end);
			if (vec[i].categories & PAGE_IS_HUGE)
				w->huge_blocks += (vec[i].end - vec[i].start) >>
						  PMD_SHIFT;
			else
				count_range(&w->used, vec[i].start, vec[i].end);
		}
		if (arg.walk_end <= arg.start)
			break;
		arg.start = arg.walk_end;
	}
	return 0;
}

static int scan_vma_pagemap(struct walk *w, uint64_t start, uint64_t end)
{
	uint64_t buf[512];

	if (w->scanned > PAGEMAP_MAX_SCAN)
		return -E2BIG;
	for (uint64_t a = start; a < end;) {
		uint64_t block_end = ((a >> PMD_SHIFT) + 1) << PMD_SHIFT;
		uint64_t stop = block_end < end ? block_end : end;
		size_t n = (stop - a) >> PAGE_SHIFT;
		ssize_t got =
			pread(w->pagemap_fd, buf, n * 8, (a >> PAGE_SHIFT) * 8);

		if (got < 0)
			return -errno;
		for (size_t i = 0; i < (size_t)got / 8; i++) {
			if (buf[i] & (PM_PRESENT | PM_SWAP)) {
				count_range(&w->used, a, stop);
				saw_used(w, a, stop);
				break;
			}
		}
		a = stop;
	}
	return 0;
}

/* "start-end perms ...": returns 1 for a mapping, 0 at the end. */
static int next_vma(FILE *maps, uint64_t *start, uint64_t *end, bool *access)
{
	char perms[8], line[4096];

	while (fgets(line, sizeof(line), maps)) {
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s", start, end,
			   perms) != 3)
			continue;
		*access = strncmp(perms, "---", 3) != 0;
		return 1;
	}
	return 0;
}

static int walk_maps(struct walk *w, FILE *maps, bool use_ioctl)
{
	uint64_t start, end;
	bool access;

	while (next_vma(maps, &start, &end, &access) == 1) {
		int err;

		if (start >= USER_TOP)
			continue;
		if (w->visit && w->visit->vma)
			w->visit->vma(w->visit->ctx, start, end, access);
		if (access) {
			count_range(&w->pmd, start, end);
			count_range(&w->pud, start, end);
		}
		err = use_ioctl ? scan_vma_ioctl(w, start, end) :
				  scan_vma_pagemap(w, start, end);
		if (err)
			return err;
		w->scanned += end - start;
	}
	return 0;
}

/* PAGEMAP_SCAN is there when an empty scan is accepted. */
static bool has_pagemap_scan(int fd)
{
	struct pm_scan_arg arg = { .size = sizeof(arg) };

	return ioctl(fd, PAGEMAP_SCAN, &arg) >= 0 || errno != ENOTTY;
}

static int read_vm_pte(int dirfd, uint64_t *vm_pte)
{
	struct proc_status st;
	char buf[8192];
	ssize_t n = procfs_read(dirfd, "status", buf, sizeof(buf));

	if (n < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	if (procfs_parse_status(buf, &st) < 0 || !st.has_mm)
		return -ESRCH;
	*vm_pte = st.vm_pte;
	return 0;
}

static int census_walk(int dirfd, bool force_pagemap, struct walk *w,
		       const char **method)
{
	bool use_ioctl = !force_pagemap && has_pagemap_scan(w->pagemap_fd);
	int fd = openat(dirfd, "maps", O_RDONLY | O_CLOEXEC);
	FILE *maps;
	int err;

	if (fd < 0)
		return -errno;
	maps = fdopen(fd, "r");
	if (!maps) {
		close(fd);
		return -ENOMEM;
	}
	*method = use_ioctl ? "pagemap_scan" : "pagemap";
	err = walk_maps(w, maps, use_ioctl);
	fclose(maps);
	return err;
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
	struct walk w = { .used.shift = PMD_SHIFT,
			  .pmd.shift = PUD_SHIFT,
			  .pud.shift = P4D_SHIFT,
			  .visit = visit };
	char path[64];
	uint64_t before, after, pages;
	int dirfd, err;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%s/%d", proc_root, pid);
	dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	w.pagemap_fd = openat(dirfd, "pagemap", O_RDONLY | O_CLOEXEC);
	err = w.pagemap_fd < 0 ? -errno : read_vm_pte(dirfd, &before);
	if (!err)
		err = census_walk(dirfd, force_pagemap, &w, &out->method);
	/* A table installed or freed during the walk makes the count stale:
	 * say so rather than print a wrong figure. */
	if (!err && read_vm_pte(dirfd, &after) == 0 && after != before)
		err = -EAGAIN;
	if (w.pagemap_fd >= 0)
		close(w.pagemap_fd);
	close(dirfd);
	if (err)
		return err;
	pages = before >> PAGE_SHIFT;
	out->page_table_bytes = before;
	out->pmd_tables = w.pmd.count;
	out->pud_tables = w.pud.count;
	out->pte_tables = pages > w.pmd.count + w.pud.count ?
				  pages - w.pmd.count - w.pud.count :
				  0;
	out->used_pte_tables = w.used.count;
	out->empty_pte_tables = out->pte_tables > w.used.count ?
					out->pte_tables - w.used.count :
					0;
	out->huge_blocks = w.huge_blocks;
	out->scanned_bytes = w.scanned;
	return 0;
}
