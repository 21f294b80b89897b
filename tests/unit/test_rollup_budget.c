// SPDX-License-Identifier: GPL-2.0
/* The smaps_rollup budget (issue 16, defect 8): a sample's rollups walk at
 * most the budget whatever the process sizes; a process too large for any
 * sample is read from status only, consistently; one that fits waits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon/rollup_budget.h"
#include "snapshot.h"

#define MIB (1ULL << 20)

static void small_processes_cost_nothing(void **state)
{
	struct d_rollup_budget b;

	(void)state;
	d_rollup_begin(&b, 0);
	assert_int_equal(b.per_sample, D_ROLLUP_BUDGET);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(d_rollup_decide(&b, PTW_ROLLUP_MIN_PTE - 1),
				 D_ROLLUP_NONE);
	assert_int_equal(b.left, D_ROLLUP_BUDGET);
}

/* The process: 743 MiB of page tables, 162 ms of smaps_rollup. */
static void a_huge_process_is_read_from_status(void **state)
{
	struct d_rollup_budget b;

	(void)state;
	for (int sample = 0; sample < 3; sample++) {
		d_rollup_begin(&b, 64 * MIB);
		assert_int_equal(d_rollup_decide(&b, 743 * MIB),
				 D_ROLLUP_STATUS_ONLY);
		assert_int_equal(d_rollup_decide(&b, 8 * MIB), D_ROLLUP_READ);
		assert_int_equal(b.walked, 8 * MIB);
		assert_int_equal(b.status_only, 1);
	}
}

static void what_does_not_fit_waits(void **state)
{
	struct d_rollup_budget b;
	uint64_t walked = 0;
	int reads = 0;

	(void)state;
	/* 20 processes of 10 MiB with a 64 MiB budget: 6 per sample */
	for (int sample = 0; reads < 20; sample++) {
		assert_true(sample < 4);
		d_rollup_begin(&b, 64 * MIB);
		while (reads < 20 &&
		       d_rollup_decide(&b, 10 * MIB) == D_ROLLUP_READ)
			reads++;
		assert_true(b.walked <= 64 * MIB);
		assert_true(reads == 20 || b.deferred == 1);
		walked += b.walked;
	}
	assert_int_equal(walked, 200 * MIB);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(small_processes_cost_nothing),
		cmocka_unit_test(a_huge_process_is_read_from_status),
		cmocka_unit_test(what_does_not_fit_waits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
