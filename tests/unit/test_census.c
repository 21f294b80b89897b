// SPDX-License-Identifier: GPL-2.0
/*
 * The census's counting on captured data: tests/fixtures/census-*.txt hold
 * what a 6.18 kernel's PAGEMAP_SCAN and /proc/self/pagemap reported for
 * anonymous THP, the huge zero page, shmem THP (tmpfs huge=always) and
 * hugetlb (tests/workloads/census-capture.c made them). Both paths must
 * give the same figures, and the right ones: one deposited table per
 * anonymous PMD mapping, none for shmem or hugetlb.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "census.h"
#include "fixture.h"

#define BLOCK (2ULL << 20)
#define PAGE 4096ULL

/* Feeds a fixture to the counting, through PAGEMAP_SCAN's regions or
 * through pagemap's entries. */
static void feed(const char *name, bool scan, struct census_acc *a)
{
	char *text = strdup(fixture(name)), *save = NULL;
	struct census_vma vmas[8];
	int nv = 0;

	memset(a, 0, sizeof(*a));
	for (char *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
		if (!strncmp(l, "maps ", 5) && nv < 8)
			assert_true(census_parse_maps_line(l + 5, &vmas[nv++]));
	free(text);
	for (int v = 0; v < nv; v++) {
		char *t = strdup(fixture(name));

		census_acc_vma_begin(a, &vmas[v]);
		for (char *l = strtok_r(t, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save)) {
			struct page_region r;
			uint64_t addr, n, first, step, pm[512];

			if (scan &&
			    sscanf(l, "scan %" SCNx64 " %" SCNx64 " %" SCNx64,
				   &addr, &n, &first) == 3 &&
			    addr >= vmas[v].start && n <= vmas[v].end) {
				r = (struct page_region){ addr, n, first };
				census_feed_regions(a, &vmas[v], &r, 1);
			}
			if (scan || sscanf(l,
					   "pm %" SCNx64 " %" SCNx64 " %" SCNx64
					   " %" SCNx64,
					   &addr, &n, &first, &step) != 4)
				continue;
			/* a run may span blocks: feed it a block at a time,
			 * as the census reads it */
			for (uint64_t i = 0; i < n;) {
				uint64_t at = addr + i * PAGE;
				uint64_t left = (BLOCK - at % BLOCK) / PAGE;
				uint64_t k = n - i < left ? n - i : left;

				if (at < vmas[v].start || at >= vmas[v].end) {
					i += k;
					continue;
				}
				for (uint64_t j = 0; j < k; j++)
					pm[j] = first + (i + j) * step;
				census_feed_pagemap(a, &vmas[v], at, pm, k);
				i += k;
			}
		}
		free(t);
		census_acc_vma_end(a);
	}
	census_acc_finish(a);
}

struct want {
	uint64_t huge, deposited, used_tables, used_entries;
	enum census_bucket bucket; /* of the used tables, if any */
};

static void check_fixture(const char *name, const struct want *w)
{
	for (int scan = 0; scan < 2; scan++) {
		struct census_acc a;

		feed(name, scan, &a);
		print_message("# %s via %s: huge %" PRIu64 " deposited %" PRIu64
			      " used %" PRIu64 "/%" PRIu64 "\n",
			      name, scan ? "PAGEMAP_SCAN" : "pagemap",
			      a.huge_blocks, a.deposited, a.used_tables,
			      a.used_entries);
		assert_int_equal(a.huge_blocks, w->huge);
		assert_int_equal(a.deposited, w->deposited);
		assert_int_equal(a.used_tables, w->used_tables);
		assert_int_equal(a.used_entries, w->used_entries);
		if (w->used_tables)
			assert_int_equal(a.occupancy[w->bucket],
					 w->used_tables);
	}
}

static void anon_thp_deposits_one_table_each(void **state)
{
	/* 4 THP and a 4 KiB-mapped block holding 3 pages */
	const struct want w = { 4, 4, 1, 3, CENSUS_B2_15 };

	(void)state;
	check_fixture("census-thp-anon.txt", &w);
}

static void huge_zero_page_deposits_too(void **state)
{
	const struct want w = { 4, 4, 0, 0, CENSUS_B0 };

	(void)state;
	check_fixture("census-zero.txt", &w);
}

static void shmem_thp_deposits_nothing(void **state)
{
	const struct want w = { 4, 0, 0, 0, CENSUS_B0 };

	(void)state;
	check_fixture("census-shmem-thp.txt", &w);
}

static void hugetlb_has_no_pte_table(void **state)
{
	/* PAGEMAP_SCAN calls private hugetlb pages anonymous: the mapping's
	 * name (/anon_hugepage) is what says there is no deposit */
	const struct want w = { 2, 0, 0, 0, CENSUS_B0 };

	(void)state;
	check_fixture("census-hugetlb.txt", &w);
}

static void buckets_have_the_documented_edges(void **state)
{
	static const struct {
		unsigned int entries;
		enum census_bucket b;
	} t[] = {
		{ 0, CENSUS_B0 },	  { 1, CENSUS_B1 },
		{ 2, CENSUS_B2_15 },	  { 15, CENSUS_B2_15 },
		{ 16, CENSUS_B16_127 },	  { 127, CENSUS_B16_127 },
		{ 128, CENSUS_B128_511 }, { 511, CENSUS_B128_511 },
		{ 512, CENSUS_B512 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(census_bucket_of(t[i].entries), t[i].b);
	assert_string_equal(census_bucket_names[CENSUS_B16_127], "16-127");
}

static void maps_lines_say_what_is_anonymous(void **state)
{
	static const struct {
		const char *line;
		bool anon, access;
	} t[] = {
		{ "7f00-7f10 rw-p 00000000 00:00 0 \n", true, true },
		{ "5600-5610 rw-p 00000000 00:00 0  [heap]\n", true, true },
		{ "7ff0-7ff8 rw-p 00000000 00:00 0  [stack]\n", true, true },
		{ "7f00-7f10 rw-p 00000000 00:00 0  [anon:jemalloc]\n", true,
		  true },
		{ "7f00-7f10 ---p 00000000 00:00 0 \n", true, false },
		{ "7f00-7f10 rw-s 00000000 00:01 5  /dev/zero (deleted)\n",
		  false, true },
		{ "7f00-7f10 rw-p 00000000 00:11 7  /anon_hugepage (deleted)\n",
		  false, true },
		{ "7f00-7f10 r--p 00000000 08:01 9  /usr/lib/libc.so.6\n",
		  false, true },
	};
	struct census_vma v;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_true(census_parse_maps_line(t[i].line, &v));
		assert_int_equal(v.anon, t[i].anon);
		assert_int_equal(v.access, t[i].access);
	}
	assert_false(census_parse_maps_line("garbage\n", &v));
}

/* Two mappings in one 2 MiB block share its table: their entries add. */
static void mappings_sharing_a_block_share_its_table(void **state)
{
	struct census_vma a = { 0x200000, 0x280000, true, true };
	struct census_vma b = { 0x280000, 0x400000, true, true };
	struct census_acc acc = { 0 };

	(void)state;
	census_acc_vma_begin(&acc, &a);
	census_acc_pages(&acc, 0x200000, 0x200000 + 100 * PAGE);
	census_acc_vma_end(&acc);
	census_acc_vma_begin(&acc, &b);
	census_acc_pages(&acc, 0x280000, 0x280000 + 50 * PAGE);
	census_acc_vma_end(&acc);
	census_acc_finish(&acc);
	assert_int_equal(acc.used_tables, 1);
	assert_int_equal(acc.used_entries, 150);
	assert_int_equal(acc.occupancy[CENSUS_B128_511], 1);
}

/* 600 tables of one entry each: 600 entries fit in 2, 598 are excess. */
static void sparse_excess_is_tables_beyond_packed(void **state)
{
	struct census_vma v = { 0, 600 * BLOCK, true, true };
	struct census_acc acc = { 0 };
	struct census_figures f;

	(void)state;
	census_acc_vma_begin(&acc, &v);
	for (uint64_t i = 0; i < 600; i++)
		census_acc_pages(&acc, i * BLOCK, i * BLOCK + PAGE);
	census_acc_vma_end(&acc);
	census_acc_finish(&acc);
	/* VmPTE says 610 PTE tables: 10 are empty */
	census_figures_fill(&acc, 610, &f);
	assert_true(f.valid);
	assert_int_equal(f.empty_pte_tables, 10);
	assert_int_equal(f.occupancy[CENSUS_B0], 10);
	assert_int_equal(f.occupancy[CENSUS_B1], 600);
	assert_int_equal(f.reclaimable_bytes, 10 * PAGE);
	assert_int_equal(f.sparse_excess_bytes, 598 * PAGE);
}

/* Deposits are needed tables: never counted as empty. */
static void deposits_are_not_empty_tables(void **state)
{
	struct census_acc acc = { 0 };
	struct census_figures f;

	(void)state;
	census_acc_huge(&acc, 0, 32 * BLOCK, true);
	census_acc_finish(&acc);
	census_figures_fill(&acc, 32, &f);
	assert_int_equal(f.empty_pte_tables, 0);
	assert_int_equal(f.thp_deposited_tables, 32);
	assert_int_equal(f.sparse_excess_bytes, 0);
}

/* The empty blocks: whole blocks inside each mapping with nothing in use,
 * merged where mappings adjoin, never across a hole. */
static void empty_blocks_are_whole_blocks_between_used_ones(void **state)
{
	/* blocks 0-3 (block 1 used), then blocks 4-5 adjoining, then a hole,
	 * then a mapping from the middle of block 8 to block 10 */
	struct census_vma a = { 0, 4 * BLOCK, true, true };
	struct census_vma b = { 4 * BLOCK, 6 * BLOCK, true, true };
	struct census_vma c = { 8 * BLOCK + PAGE, 10 * BLOCK, true, true };
	struct census_acc acc = { .collect = true };

	(void)state;
	census_acc_vma_begin(&acc, &a);
	census_acc_pages(&acc, BLOCK + 8 * PAGE, BLOCK + 9 * PAGE);
	census_acc_vma_end(&acc);
	census_acc_vma_begin(&acc, &b);
	census_acc_vma_end(&acc);
	census_acc_vma_begin(&acc, &c);
	census_acc_vma_end(&acc);
	census_acc_finish(&acc);
	assert_int_equal(acc.err, 0);
	assert_int_equal(acc.nr_ranges, 3);
	assert_int_equal(acc.ranges[0].start, 0);
	assert_int_equal(acc.ranges[0].end, BLOCK);
	assert_int_equal(acc.ranges[1].start, 2 * BLOCK);
	assert_int_equal(acc.ranges[1].end, 6 * BLOCK);
	assert_int_equal(acc.ranges[2].start, 9 * BLOCK);
	assert_int_equal(acc.ranges[2].end, 10 * BLOCK);
	free(acc.ranges);
}

static void json_is_null_without_a_census(void **state)
{
	struct census_figures f = { 0 }, back;
	json_object *o = json_object_new_object(), *v;

	(void)state;
	census_figures_to_json(o, &f);
	assert_true(json_object_object_get_ex(o, "reclaimable_bytes", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(o, "census_age_s", &v));
	assert_null(v);
	census_figures_from_json(o, &back);
	assert_false(back.valid);
	json_object_put(o);
}

static void json_round_trips_the_figures(void **state)
{
	struct census_figures f = { .valid = true,
				    .empty_pte_tables = 3,
				    .thp_deposited_tables = 7,
				    .occupancy = { 3, 1, 2, 3, 4, 5 },
				    .reclaimable_bytes = 3 * PAGE,
				    .sparse_excess_bytes = 8 * PAGE },
			      back;
	json_object *o = json_object_new_object(), *occ;
	struct timespec ts;

	(void)state;
	clock_gettime(CLOCK_REALTIME, &ts);
	f.realtime_ns = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	census_figures_to_json(o, &f);
	assert_true(json_object_object_get_ex(o, "occupancy", &occ));
	assert_int_equal(json_object_object_length(occ), CENSUS_BUCKETS);
	census_figures_from_json(o, &back);
	assert_true(back.valid);
	assert_int_equal(back.sparse_excess_bytes, 8 * PAGE);
	assert_int_equal(back.thp_deposited_tables, 7);
	assert_memory_equal(back.occupancy, f.occupancy, sizeof(f.occupancy));
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(anon_thp_deposits_one_table_each),
		cmocka_unit_test(huge_zero_page_deposits_too),
		cmocka_unit_test(shmem_thp_deposits_nothing),
		cmocka_unit_test(hugetlb_has_no_pte_table),
		cmocka_unit_test(buckets_have_the_documented_edges),
		cmocka_unit_test(maps_lines_say_what_is_anonymous),
		cmocka_unit_test(mappings_sharing_a_block_share_its_table),
		cmocka_unit_test(sparse_excess_is_tables_beyond_packed),
		cmocka_unit_test(deposits_are_not_empty_tables),
		cmocka_unit_test(
			empty_blocks_are_whole_blocks_between_used_ones),
		cmocka_unit_test(json_is_null_without_a_census),
		cmocka_unit_test(json_round_trips_the_figures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
