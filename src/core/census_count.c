// SPDX-License-Identifier: GPL-2.0
/*
 * The census's counting (census.h), apart from the walk so that captured
 * PAGEMAP_SCAN and pagemap data can be fed to it in tests. A PTE table
 * covers one aligned 2 MiB block of address space, whatever mappings share
 * it, so entries are summed per block across mappings; mappings arrive in
 * address order, and so do the blocks.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "census.h"

#define PAGE_SHIFT 12
#define PMD_SHIFT 21
#define BLOCK (1ULL << PMD_SHIFT)
#define PER_TABLE 512
#define PM_PRESENT (1ULL << 63)
#define PM_SWAP (1ULL << 62)
#define PM_PFN_MASK ((1ULL << 55) - 1)

const char *const census_bucket_names[CENSUS_BUCKETS] = {
	"0", "1", "2-15", "16-127", "128-511", "512",
};

enum census_bucket census_bucket_of(unsigned int entries)
{
	if (entries == 0)
		return CENSUS_B0;
	if (entries == 1)
		return CENSUS_B1;
	if (entries < 16)
		return CENSUS_B2_15;
	if (entries < 128)
		return CENSUS_B16_127;
	if (entries < PER_TABLE)
		return CENSUS_B128_511;
	return CENSUS_B512;
}

bool census_parse_maps_line(const char *line, struct census_vma *v)
{
	char perms[8];
	int path_at = 0;
	const char *path;

	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %*s%n", &v->start,
		   &v->end, perms, &path_at) != 3 ||
	    !path_at)
		return false;
	path = line + path_at;
	path += strspn(path, " \t");
	v->access = strncmp(perms, "---", 3) != 0;
	/* shared anonymous memory is shmem ("/dev/zero (deleted)",
	 * [anon_shmem:...]); hugetlb always names a file */
	v->anon = perms[3] == 'p' &&
		  (*path == '\n' || *path == '\0' ||
		   !strncmp(path, "[heap]", 6) ||
		   !strncmp(path, "[stack]", 7) || !strncmp(path, "[anon:", 6));
	return true;
}

static void close_block(struct census_acc *a)
{
	if (!a->block)
		return;
	if (a->entries) {
		a->occupancy[census_bucket_of(a->entries)]++;
		a->used_tables++;
		a->used_entries += a->entries;
	}
	a->block = 0;
	a->entries = 0;
}

static void add_range(struct census_acc *a, uint64_t start, uint64_t end)
{
	struct census_range *r = a->nr_ranges ? &a->ranges[a->nr_ranges - 1] :
						NULL;

	if (end <= start)
		return;
	if (r && r->end == start) {
		r->end = end; /* adjoining mappings, no hole between */
		return;
	}
	if (a->nr_ranges == a->cap_ranges) {
		size_t cap = a->cap_ranges ? a->cap_ranges * 2 : 64;
		void *p = realloc(a->ranges, cap * sizeof(*a->ranges));

		if (!p) {
			a->err = -ENOMEM;
			return;
		}
		a->ranges = p;
		a->cap_ranges = cap;
	}
	a->ranges[a->nr_ranges++] = (struct census_range){ start, end };
}

/* Blocks in use from `start` to `end`: the whole blocks before them since
 * the last use are empty candidates. */
static void mark_used(struct census_acc *a, uint64_t start, uint64_t end)
{
	uint64_t first = start & ~(BLOCK - 1);
	uint64_t after = (end + BLOCK - 1) & ~(BLOCK - 1);

	if (a->visit && a->visit->used)
		a->visit->used(a->visit->ctx, start, end);
	if (!a->collect)
		return;
	if (first > a->gap)
		add_range(a, a->gap, first < a->vma_end ? first : a->vma_end);
	if (after > a->gap)
		a->gap = after;
}

void census_acc_vma_begin(struct census_acc *a, const struct census_vma *v)
{
	a->gap = (v->start + BLOCK - 1) & ~(BLOCK - 1);
	a->vma_end = v->end & ~(BLOCK - 1);
	if (a->collect && !v->access)
		a->gap = a->vma_end; /* no tables to speak of */
}

void census_acc_vma_end(struct census_acc *a)
{
	if (!a->collect)
		return;
	if (a->vma_end > a->gap)
		add_range(a, a->gap, a->vma_end);
	a->gap = a->vma_end;
}

void census_acc_pages(struct census_acc *a, uint64_t start, uint64_t end)
{
	mark_used(a, start, end);
	while (start < end) {
		uint64_t b = (start >> PMD_SHIFT) + 1;
		uint64_t stop = b << PMD_SHIFT;

		if (stop > end)
			stop = end;
		if (a->block != b) {
			close_block(a);
			a->block = b;
		}
		a->entries += (stop - start) >> PAGE_SHIFT;
		start = stop;
	}
}

void census_acc_huge(struct census_acc *a, uint64_t start, uint64_t end,
		     bool deposit)
{
	uint64_t n = (end - start) >> PMD_SHIFT;

	mark_used(a, start, end);
	close_block(a);
	a->huge_blocks += n;
	if (deposit)
		a->deposited += n;
}

void census_acc_finish(struct census_acc *a)
{
	close_block(a);
}

void census_feed_regions(struct census_acc *a, const struct census_vma *v,
			 const struct page_region *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (r[i].categories & PAGE_IS_HUGE)
			census_acc_huge(a, r[i].start, r[i].end, v->anon);
		else
			census_acc_pages(a, r[i].start, r[i].end);
	}
}

/* 512 present entries whose frames run on from an aligned one: a PMD
 * mapping (THP, huge zero page, hugetlb) seen through pagemap. */
static bool pmd_mapped(const uint64_t *pm)
{
	uint64_t pfn = pm[0] & PM_PFN_MASK;

	if (!(pm[0] & PM_PRESENT) || !pfn || (pfn & (PER_TABLE - 1)))
		return false;
	for (unsigned int i = 1; i < PER_TABLE; i++)
		if (!(pm[i] & PM_PRESENT) || (pm[i] & PM_PFN_MASK) != pfn + i)
			return false;
	return true;
}

void census_feed_pagemap(struct census_acc *a, const struct census_vma *v,
			 uint64_t addr, const uint64_t *pm, size_t n)
{
	size_t i = 0;

	if (n == PER_TABLE && !(addr & (BLOCK - 1)) && pmd_mapped(pm)) {
		census_acc_huge(a, addr, addr + BLOCK, v->anon);
		return;
	}
	while (i < n) {
		size_t j;

		if (!(pm[i] & (PM_PRESENT | PM_SWAP))) {
			i++;
			continue;
		}
		for (j = i + 1; j < n && (pm[j] & (PM_PRESENT | PM_SWAP)); j++)
			;
		census_acc_pages(a, addr + (i << PAGE_SHIFT),
				 addr + (j << PAGE_SHIFT));
		i = j;
	}
}

void census_figures_fill(const struct census_acc *a, uint64_t pte_tables,
			 struct census_figures *f)
{
	uint64_t held = a->used_tables + a->deposited;
	uint64_t packed = (a->used_entries + PER_TABLE - 1) / PER_TABLE;

	f->valid = true;
	memcpy(f->occupancy, a->occupancy, sizeof(f->occupancy));
	f->empty_pte_tables = pte_tables > held ? pte_tables - held : 0;
	f->occupancy[CENSUS_B0] = f->empty_pte_tables;
	f->thp_deposited_tables = a->deposited;
	f->reclaimable_bytes = f->empty_pte_tables << PAGE_SHIFT;
	f->sparse_excess_bytes = (a->used_tables - packed) << PAGE_SHIFT;
}
