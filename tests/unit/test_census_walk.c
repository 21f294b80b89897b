// SPDX-License-Identifier: GPL-2.0
/*
 * The census walked in steps (census_walk.c) on a real child process: a
 * walk cut at every piece gives the same figures as one walk in one go,
 * through PAGEMAP_SCAN and through pagemap, and a walk whose process
 * installs a table between two steps says so (-EAGAIN) instead of
 * counting on. The walk on several threads (census_par.c) gives the same
 * figures too.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "census.h"
#include "tables_child.h"

#define BLOCKS 64
#define STRIDE 64 /* 128 MiB apart: 8 GiB, at least 8 pieces of 1 GiB */

static void same_figures(const struct pte_census *a, const struct pte_census *b)
{
	assert_int_equal(a->page_table_bytes, b->page_table_bytes);
	assert_int_equal(a->pte_tables, b->pte_tables);
	assert_int_equal(a->used_pte_tables, b->used_pte_tables);
	assert_int_equal(a->used_entries, b->used_entries);
	assert_int_equal(a->empty_pte_tables, b->empty_pte_tables);
	assert_int_equal(a->pmd_tables, b->pmd_tables);
	assert_int_equal(a->pud_tables, b->pud_tables);
	assert_int_equal(a->scanned_bytes, b->scanned_bytes);
	assert_memory_equal(a->fig.occupancy, b->fig.occupancy,
			    sizeof(a->fig.occupancy));
	assert_string_equal(a->method, b->method);
}

static void steps_give_the_figures_of_one_walk(void **state)
{
	struct tables_child t = { 0 };

	(void)state;
	assert_true(tc_start(&t, BLOCKS, STRIDE));
	for (int pagemap = 0; pagemap < 2; pagemap++) {
		struct pte_census one, stepped;
		struct census_walk w;
		unsigned int steps = 0;
		int rc;

		assert_int_equal(census_take("/proc", t.pid, pagemap, &one), 0);
		assert_int_equal(census_walk_begin(&w, "/proc", t.pid, pagemap,
						   NULL),
				 0);
		/* a deadline long past: one piece a step */
		while ((rc = census_walk_step(&w, 1)) == 1)
			steps++;
		assert_int_equal(rc, 0);
		census_walk_result(&w, &stepped);
		census_walk_end(&w);
		assert_true(steps >= 8);
		assert_int_equal(w.steps, steps + 1);
		same_figures(&one, &stepped);
		/* the child's own: half its blocks empty, half with one page */
		assert_true(stepped.empty_pte_tables >= BLOCKS / 2);
		assert_true(stepped.fig.occupancy[CENSUS_B1] >= BLOCKS / 2);
	}
	tc_stop(&t);
}

static void a_table_made_between_steps_is_caught(void **state)
{
	struct tables_child t = { 0 };
	struct census_walk w;

	(void)state;
	assert_true(tc_start(&t, BLOCKS, STRIDE));
	assert_int_equal(census_walk_begin(&w, "/proc", t.pid, false, NULL), 0);
	assert_int_equal(census_walk_step(&w, 1), 1);
	assert_true(tc_grow(&t)); /* a new table: VmPTE moves */
	assert_int_equal(census_walk_step(&w, 1), -EAGAIN);
	census_walk_end(&w);
	tc_stop(&t);
}

static void a_process_gone_between_steps_is_esrch(void **state)
{
	struct tables_child t = { 0 };
	struct census_walk w;
	int rc;

	(void)state;
	assert_true(tc_start(&t, BLOCKS, STRIDE));
	assert_int_equal(census_walk_begin(&w, "/proc", t.pid, false, NULL), 0);
	assert_int_equal(census_walk_step(&w, 1), 1);
	tc_stop(&t);
	while ((rc = census_walk_step(&w, 1)) == 1)
		;
	assert_int_equal(rc, -ESRCH);
	census_walk_end(&w);
}

/* Above 64 MiB of VmPTE the threads walk it: the same figures. */
static void threads_give_the_figures_of_one_walk(void **state)
{
	struct tables_child t = { 0 };
	struct pte_census one, par;

	(void)state;
	assert_true(tc_start(&t, 20000, 1)); /* 78 MiB of tables */
	assert_int_equal(census_take("/proc", t.pid, false, &one), 0);
	assert_true(one.page_table_bytes >= 64 << 20);
	for (unsigned int threads = 2; threads <= 3; threads++) {
		assert_int_equal(census_take_threads("/proc", t.pid, false,
						     threads, &par),
				 0);
		same_figures(&one, &par);
	}
	tc_stop(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(steps_give_the_figures_of_one_walk),
		cmocka_unit_test(a_table_made_between_steps_is_caught),
		cmocka_unit_test(a_process_gone_between_steps_is_esrch),
		cmocka_unit_test(threads_give_the_figures_of_one_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
