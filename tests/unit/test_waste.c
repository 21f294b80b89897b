// SPDX-License-Identifier: GPL-2.0
/* The waste model: needed tables for known memory shapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "waste.h"

#define KB 1024ULL
#define MB (1024 * KB)
#define GB (1024 * MB)
#define PT 4096ULL

static struct waste_estimate est(uint64_t pte, uint64_t pmd, uint64_t swap,
				 uint64_t vm_pte)
{
	struct waste_input in = { pte, pmd, swap, vm_pte, 0 };
	struct waste_estimate e;

	waste_estimate(&in, &e);
	return e;
}

static void nothing_resident_needs_nothing(void **state)
{
	struct waste_estimate e = est(0, 0, 0, 0);

	(void)state;
	assert_int_equal(e.needed_bytes, 0);
	assert_int_equal(e.waste_bytes, 0);
}

static void one_page_needs_one_table_per_level(void **state)
{
	struct waste_estimate e = est(4 * KB, 0, 0, 3 * PT);

	(void)state;
	assert_int_equal(e.needed_bytes, 3 * PT);
	assert_int_equal(e.waste_bytes, 0);
}

/* The seed's shape: 50 GiB touched then MADV_DONTNEED'd, nothing resident,
 * 102640 kB of VmPTE: all of it is waste. */
static void seed_test_is_all_waste(void **state)
{
	struct waste_estimate e = est(0, 0, 0, 102640 * KB);

	(void)state;
	assert_int_equal(e.needed_bytes, 0);
	assert_int_equal(e.waste_bytes, 102640 * KB);
}

static void one_gib_dense_needs_512_tables(void **state)
{
	struct waste_estimate e = est(1 * GB, 0, 0, (512 + 1 + 1) * PT);

	(void)state;
	assert_int_equal(e.needed_bytes, (512 + 1 + 1) * PT);
	assert_int_equal(e.waste_bytes, 0);
}

static void swap_entries_need_tables_too(void **state)
{
	struct waste_estimate e = est(0, 0, 4 * MB, 4 * PT);

	(void)state;
	assert_int_equal(e.needed_bytes, (2 + 1 + 1) * PT);
	assert_int_equal(e.waste_bytes, 0);
}

static void file_thp_needs_only_pmd_entries(void **state)
{
	/* 1 GiB of PMD-mapped shmem/file THP: one PMD table and one PUD
	 * table, no deposit. */
	struct waste_estimate e = est(0, 1 * GB, 0, 100 * PT);

	(void)state;
	assert_int_equal(e.needed_bytes, 2 * PT);
	assert_int_equal(e.waste_bytes, 98 * PT);
}

/* The issue 14 false alarm: 64 MiB of anonymous THP, nothing freed, held
 * 32 deposited PTE tables that the old model called waste. */
static void anon_thp_keeps_a_deposited_table_each(void **state)
{
	struct waste_input in = { .pmd_mapped_bytes = 64 * MB,
				  .anon_pmd_bytes = 64 * MB,
				  .page_table_bytes = (32 + 1 + 1) * PT };
	struct waste_estimate e;

	(void)state;
	waste_estimate(&in, &e);
	assert_int_equal(e.needed_bytes, (32 + 1 + 1) * PT);
	assert_int_equal(e.waste_bytes, 0);
}

/* A deposit is not a PMD entry of its own: 1 GiB of anonymous THP fills
 * one PMD table exactly, beside its 512 deposits. */
static void deposits_take_no_pmd_entries(void **state)
{
	struct waste_input in = { .pmd_mapped_bytes = 1 * GB,
				  .anon_pmd_bytes = 1 * GB,
				  .page_table_bytes = (512 + 1 + 1) * PT };
	struct waste_estimate e;

	(void)state;
	waste_estimate(&in, &e);
	assert_int_equal(e.needed_bytes, (512 + 1 + 1) * PT);
}

static void waste_is_never_negative(void **state)
{
	struct waste_estimate e = est(1 * GB, 0, 0, 1 * PT);

	(void)state;
	assert_true(e.needed_bytes > PT);
	assert_int_equal(e.waste_bytes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nothing_resident_needs_nothing),
		cmocka_unit_test(one_page_needs_one_table_per_level),
		cmocka_unit_test(seed_test_is_all_waste),
		cmocka_unit_test(one_gib_dense_needs_512_tables),
		cmocka_unit_test(swap_entries_need_tables_too),
		cmocka_unit_test(file_thp_needs_only_pmd_entries),
		cmocka_unit_test(anon_thp_keeps_a_deposited_table_each),
		cmocka_unit_test(deposits_take_no_pmd_entries),
		cmocka_unit_test(waste_is_never_negative),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
