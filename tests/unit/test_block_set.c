// SPDX-License-Identifier: GPL-2.0
/* Sets of 2 MiB blocks (block_set.h): merging in address order, the bound
 * on ranges, and the cursors the [free_tables] evidence uses. */
#include <stdint.h>

#include "block_set.h"
#include "fixture.h"

#define B(n) ((uint64_t)(n) << PT_BLK_SHIFT)

static void adds_merge_and_count(void **state)
{
	struct block_set s = { 0 };

	(void)state;
	block_set_add(&s, B(1), B(2));
	block_set_add(&s, B(2), B(4)); /* touches: merged */
	block_set_add(&s, B(3), B(5)); /* overlaps: merged */
	block_set_add(&s, B(10), B(11));
	block_set_add(&s, B(12), B(12)); /* empty: ignored */
	assert_int_equal(s.n, 2);
	assert_int_equal(block_set_blocks(&s), 5);
	assert_false(s.truncated);
	block_set_free(&s);
	assert_int_equal(block_set_blocks(&s), 0);
}

static void bounded(void **state)
{
	struct block_set s = { .max = 3 };

	(void)state;
	for (int i = 0; i < 10; i++)
		block_set_add(&s, B(2 * i), B(2 * i + 1));
	assert_int_equal(s.n, 3);
	assert_true(s.truncated);
	/* merging into the last range needs no room */
	block_set_add(&s, B(4), B(6));
	assert_int_equal(block_set_blocks(&s), 4);
	block_set_free(&s);
	assert_int_equal(s.max, 3);
}

static void cursors(void **state)
{
	struct block_set s = { 0 };
	struct block_cursor c = { &s, 0 }, none = { NULL, 0 };

	(void)state;
	block_set_add(&s, B(4), B(8));
	block_set_add(&s, B(20), B(21));
	assert_false(block_cursor_has(&c, B(3)));
	assert_true(block_cursor_has(&c, B(4)));
	assert_true(block_cursor_has(&c, B(7)));
	assert_false(block_cursor_has(&c, B(8)));
	assert_true(block_cursor_has(&c, B(20)));
	assert_false(block_cursor_has(&c, B(21)));
	assert_false(block_cursor_has(&none, B(4)));

	c.i = 0;
	assert_int_equal(block_cursor_overlap(&c, B(0), B(5)), 1);
	assert_int_equal(block_cursor_overlap(&c, B(6), B(30)), 3);
	assert_int_equal(block_cursor_overlap(&c, B(30), B(40)), 0);
	assert_int_equal(block_cursor_overlap(&none, B(0), B(40)), 0);
	block_set_free(&s);
}

static void moves(void **state)
{
	struct block_set a = { 0 }, b = { 0 };

	(void)state;
	block_set_add(&a, B(1), B(3));
	block_set_add(&b, B(7), B(8));
	block_set_move(&a, &b);
	assert_int_equal(block_set_blocks(&a), 1);
	assert_int_equal(block_set_blocks(&b), 0);
	assert_null(b.r);
	block_set_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(adds_merge_and_count),
		cmocka_unit_test(bounded),
		cmocka_unit_test(cursors),
		cmocka_unit_test(moves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
