// SPDX-License-Identifier: GPL-2.0
/* Knob persistence: a crashed run is rolled back, and the time of the last
 * change (a write or that rollback) survives restarts, so that min_interval
 * holds in a crash loop (issue 16, defect 4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "daemon/knob.h"
#include "fixture.h"

static char dir[64], run[128], knob_path[160];

static int setup(void **state)
{
	(void)state;
	fixture_tmpdir(dir, sizeof(dir), "ptw-knob");
	fixture_mkdirs(dir, "vm");
	fixture_mkdirs(dir, "run");
	fixture_write(dir, "vm/pt_reclaim", "0\n");
	snprintf(run, sizeof(run), "%s/run", dir);
	snprintf(knob_path, sizeof(knob_path), "%s/vm/pt_reclaim", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return fixture_rmtree(dir);
}

/* A fresh run's view of the knob, as loop.c sets it up at start. */
static int start(struct d_knob *k, int *rolled_back)
{
	d_knob_init(k, "vm.pt_reclaim", dir);
	*rolled_back = d_knob_rollback_saved(run);
	d_knob_load_saved(k, run);
	return d_knob_read(k);
}

static void a_crash_is_rolled_back_and_the_time_kept(void **state)
{
	struct d_knob k;
	int64_t t0 = d_knob_now();
	int n;

	(void)state;
	assert_int_equal(start(&k, &n), 0);
	assert_int_equal(n, 0);
	assert_true(k.changed_at == INT64_MIN);
	assert_int_equal(d_knob_write(&k, 1, run, D_ACTOR_POLICY, "test"), 0);
	assert_int_equal(fixture_read_int(knob_path), 1);
	assert_true(k.changed_at >= t0);
	/* kill -9: no d_knob_exit(); the next run rolls back, and the
	 * rollback is the last change */
	assert_int_equal(start(&k, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(fixture_read_int(knob_path), 0);
	assert_true(k.changed_at >= t0 && k.changed_at <= d_knob_now());
	/* and again: nothing to roll back, the time is still known */
	assert_int_equal(start(&k, &n), 0);
	assert_int_equal(n, 0);
	assert_true(k.changed_at >= t0 && k.changed_at <= d_knob_now());
}

static void a_clean_exit_keeps_the_value_and_the_time(void **state)
{
	struct d_knob k;
	int64_t t0 = d_knob_now();
	int n;

	(void)state;
	fixture_write(dir, "vm/pt_reclaim", "0\n");
	start(&k, &n);
	assert_int_equal(d_knob_write(&k, 1, run, D_ACTOR_POLICY, "test"), 0);
	d_knob_exit(&k, run, false);
	assert_int_equal(start(&k, &n), 1);
	assert_int_equal(n, 0); /* a deliberate value is not rolled back */
	assert_true(k.changed_at >= t0);
	/* rollback_on_exit: this run found 1, wrote 0; the rollback at exit
	 * puts 1 back and is the last change */
	assert_int_equal(d_knob_write(&k, 0, run, D_ACTOR_POLICY, "test"), 0);
	d_knob_exit(&k, run, true);
	assert_int_equal(fixture_read_int(knob_path), 1);
	assert_int_equal(start(&k, &n), 1);
	assert_int_equal(n, 0);
	assert_true(k.changed_at >= t0);
}

static void an_admins_change_is_left_alone(void **state)
{
	struct d_knob k;
	int n;

	(void)state;
	fixture_write(dir, "vm/pt_reclaim", "0\n");
	start(&k, &n);
	assert_int_equal(d_knob_write(&k, 1, run, D_ACTOR_POLICY, "test"), 0);
	fixture_write(dir, "vm/pt_reclaim", "0\n"); /* the administrator */
	/* crash: the knob is 0 but we wrote 1: not ours to change */
	assert_int_equal(start(&k, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(start(&k, &n), 0);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_crash_is_rolled_back_and_the_time_kept),
		cmocka_unit_test(a_clean_exit_keeps_the_value_and_the_time),
		cmocka_unit_test(an_admins_change_is_left_alone),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
