// SPDX-License-Identifier: GPL-2.0
/* The knob policy state machine: hysteresis, rate limit, dry run, back-off,
 * and the knob's saved original and rollback after a crash. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/knob.h"
#include "daemon/policy.h"
#include "fixture.h"

static const struct d_policy_cfg base = {
	.mode = D_MODE_AUTO,
	.dry_run = false,
	.on_threshold = 1.0,
	.off_threshold = 0.25,
	.samples = 3,
	.min_interval = 600,
	.backoff = 0,
};

/* Feeds one sample; returns the action. */
static enum d_action step(struct d_policy *p, double m, int cur, int64_t now,
			  struct d_decision *d)
{
	d_policy_step(p, m, cur, now, "waste", "%", d);
	return d->action;
}

static void switches_on_only_after_n_samples(void **state)
{
	struct d_policy p;
	struct d_decision d;

	(void)state;
	d_policy_init(&p, &base);
	assert_int_equal(step(&p, 2.0, 0, 0, &d), D_ACT_NONE);
	assert_int_equal(step(&p, 2.0, 0, 10, &d), D_ACT_NONE);
	assert_int_equal(step(&p, 2.0, 0, 20, &d), D_ACT_SET);
	assert_int_equal(d.value, 1);
	assert_non_null(strstr(d.reason, "waste 2% >= 1% for 3 samples"));
}

static void a_dip_restarts_the_count(void **state)
{
	struct d_policy p;
	struct d_decision d;

	(void)state;
	d_policy_init(&p, &base);
	step(&p, 2.0, 0, 0, &d);
	step(&p, 2.0, 0, 10, &d);
	assert_int_equal(step(&p, 0.5, 0, 20, &d), D_ACT_NONE); /* between */
	assert_int_equal(step(&p, 2.0, 0, 30, &d), D_ACT_NONE);
	assert_int_equal(step(&p, 2.0, 0, 40, &d), D_ACT_NONE);
	assert_int_equal(step(&p, 2.0, 0, 50, &d), D_ACT_SET);
}

static void between_thresholds_nothing_changes(void **state)
{
	struct d_policy p;
	struct d_decision d;

	(void)state;
	d_policy_init(&p, &base);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(step(&p, 0.5, 1, i * 10, &d), D_ACT_NONE);
		assert_int_equal(step(&p, 0.5, 0, i * 10 + 5, &d), D_ACT_NONE);
	}
}

static void switches_off_below_off_threshold(void **state)
{
	struct d_policy p;
	struct d_decision d;

	(void)state;
	d_policy_init(&p, &base);
	step(&p, 0.1, 1, 0, &d);
	step(&p, 0.1, 1, 10, &d);
	assert_int_equal(step(&p, 0.1, 1, 20, &d), D_ACT_SET);
	assert_int_equal(d.value, 0);
}

static void min_interval_limits_changes(void **state)
{
	struct d_policy p;
	struct d_decision d;
	int64_t t = 0;

	(void)state;
	d_policy_init(&p, &base);
	for (int i = 0; i < 3; i++)
		step(&p, 2.0, 0, t += 10, &d);
	assert_int_equal(d.action, D_ACT_SET);
	d_policy_written(&p, 1, true, t);
	/* waste drops at once: off is due after 3 samples, but not before
	 * min_interval (600 s) has passed since the last change */
	for (int i = 0; i < 10; i++)
		assert_int_equal(step(&p, 0.0, 1, t + 10 * (i + 1), &d),
				 D_ACT_NONE);
	assert_int_equal(step(&p, 0.0, 1, t + 600, &d), D_ACT_SET);
	assert_int_equal(d.value, 0);
}

static void dry_run_reports_once_and_writes_nothing(void **state)
{
	struct d_policy_cfg c = base;
	struct d_policy p;
	struct d_decision d;
	int would = 0;

	(void)state;
	c.dry_run = true;
	d_policy_init(&p, &c);
	/* 50 samples over 500 s with high waste: one report, not 48 */
	for (int i = 0; i < 50; i++) {
		step(&p, 5.0, 0, i * 10, &d);
		assert_int_not_equal(d.action, D_ACT_SET);
		would += d.action == D_ACT_WOULD_SET;
	}
	assert_int_equal(would, 1);
	assert_int_equal(p.would_changes, 1);
	/* after min_interval it says so again */
	assert_int_equal(step(&p, 5.0, 0, 700, &d), D_ACT_WOULD_SET);
	assert_int_equal(d.value, 1);
	assert_int_equal(p.changes, 0);
}

static void backs_off_when_an_admin_changes_the_knob(void **state)
{
	struct d_policy p;
	struct d_decision d;

	(void)state;
	d_policy_init(&p, &base);
	for (int i = 0; i < 3; i++)
		step(&p, 2.0, 0, i, &d);
	d_policy_written(&p, 1, true, 2);
	/* someone wrote 0 behind our back */
	assert_int_equal(step(&p, 2.0, 0, 1000, &d), D_ACT_BACKOFF);
	assert_non_null(strstr(d.reason, "someone else"));
	assert_string_equal(d_policy_state_name(&p), "backoff");
	/* and we do not fight: no SET however long waste stays high */
	for (int i = 0; i < 1000; i++)
		assert_int_equal(step(&p, 50.0, 0, 2000 + i * 10, &d),
				 D_ACT_NONE);
	/* a reload (or a manual command: d_policy_reset) ends it */
	d_policy_reconfigure(&p, &base);
	assert_string_equal(d_policy_state_name(&p), "active");
	for (int i = 0; i < 3; i++)
		step(&p, 2.0, 0, 20000 + i, &d);
	assert_int_equal(d.action, D_ACT_SET);
}

static void timed_backoff_expires(void **state)
{
	struct d_policy_cfg c = base;
	struct d_policy p;
	struct d_decision d;

	(void)state;
	c.backoff = 3600;
	d_policy_init(&p, &c);
	for (int i = 0; i < 3; i++)
		step(&p, 2.0, 0, i, &d);
	d_policy_written(&p, 1, true, 2);
	assert_int_equal(step(&p, 2.0, 0, 100, &d), D_ACT_BACKOFF);
	assert_int_equal(step(&p, 2.0, 0, 3000, &d), D_ACT_NONE);
	/* after the hour it counts afresh from the admin's value */
	step(&p, 2.0, 0, 3700, &d);
	step(&p, 2.0, 0, 3710, &d);
	assert_int_equal(step(&p, 2.0, 0, 3720, &d), D_ACT_SET);
}

static void report_mode_never_acts(void **state)
{
	struct d_policy_cfg c = base;
	struct d_policy p;
	struct d_decision d;

	(void)state;
	c.mode = D_MODE_REPORT;
	d_policy_init(&p, &c);
	for (int i = 0; i < 100; i++)
		assert_int_equal(step(&p, 99.0, 0, i * 1000, &d), D_ACT_NONE);
}

static void on_mode_holds_the_value(void **state)
{
	struct d_policy_cfg c = base;
	struct d_policy p;
	struct d_decision d;

	(void)state;
	c.mode = D_MODE_ON;
	d_policy_init(&p, &c);
	assert_int_equal(step(&p, 0.0, 0, 0, &d), D_ACT_SET);
	assert_int_equal(d.value, 1);
	d_policy_written(&p, 1, true, 0);
	assert_int_equal(step(&p, 0.0, 1, 10, &d), D_ACT_NONE);
}

static void unreadable_knob_decides_nothing(void **state)
{
	struct d_policy p;
	struct d_decision d;

	(void)state;
	d_policy_init(&p, &base);
	for (int i = 0; i < 10; i++)
		assert_int_equal(step(&p, 9.0, -1, i, &d), D_ACT_NONE);
}

/* ---- the knob on disk: original saved before the first write, rollback */

static char dir[64];

static int setup_dir(void **state)
{
	(void)state;
	fixture_tmpdir(dir, sizeof(dir), "ptw-knob");
	fixture_mkdirs(dir, "vm");
	fixture_write(dir, "vm/pt_reclaim", "0\n");
	return 0;
}

static int teardown_dir(void **state)
{
	(void)state;
	return fixture_rmtree(dir);
}

static void crash_then_start_rolls_back(void **state)
{
	struct d_knob k;
	char knob[128], saved[128];

	(void)state;
	snprintf(knob, sizeof(knob), "%s/vm/pt_reclaim", dir);
	snprintf(saved, sizeof(saved), "%s/knobs.json", dir);
	d_knob_init(&k, "vm.pt_reclaim", dir);
	assert_int_equal(d_knob_read(&k), 0);
	assert_int_equal(d_knob_write(&k, 1, dir, D_ACTOR_POLICY, "test"), 0);
	assert_int_equal(fixture_read_int(knob), 1);
	assert_int_equal(access(saved, F_OK), 0);
	/* the process "crashes" here: no d_knob_exit. The next start: */
	assert_int_equal(d_knob_rollback_saved(dir), 1);
	assert_int_equal(fixture_read_int(knob), 0);
	/* knobs.json stays, with nothing left to roll back but the time of
	 * the rollback (a change too: min_interval holds across restarts) */
	assert_int_equal(access(saved, F_OK), 0);
	assert_int_equal(d_knob_rollback_saved(dir), 0);
	assert_int_equal(fixture_read_int(knob), 0);
	d_knob_init(&k, "vm.pt_reclaim", dir);
	d_knob_load_saved(&k, dir);
	assert_true(k.changed_at != INT64_MIN);
}

static void rollback_leaves_an_admins_value(void **state)
{
	struct d_knob k;
	char knob[128];

	(void)state;
	snprintf(knob, sizeof(knob), "%s/vm/pt_reclaim", dir);
	fixture_write(NULL, knob, "0\n");
	d_knob_init(&k, "vm.pt_reclaim", dir);
	d_knob_read(&k);
	assert_int_equal(d_knob_write(&k, 1, dir, D_ACTOR_POLICY, "test"), 0);
	fixture_write(NULL, knob, "2\n"); /* an admin's own value after ours */
	assert_int_equal(d_knob_rollback_saved(dir), 0);
	assert_int_equal(fixture_read_int(knob), 2);
}

static void clean_exit_rolls_back_only_if_asked(void **state)
{
	struct d_knob k;
	char knob[128];

	(void)state;
	snprintf(knob, sizeof(knob), "%s/vm/pt_reclaim", dir);
	fixture_write(NULL, knob, "0\n");
	d_knob_init(&k, "vm.pt_reclaim", dir);
	d_knob_read(&k);
	d_knob_write(&k, 1, dir, D_ACTOR_POLICY, "test");
	d_knob_exit(&k, dir, false);
	assert_int_equal(fixture_read_int(knob), 1);
	/* nothing left to roll back at the next start */
	assert_int_equal(d_knob_rollback_saved(dir), 0);
	assert_int_equal(fixture_read_int(knob), 1);

	d_knob_init(&k, "vm.pt_reclaim", dir);
	d_knob_read(&k);
	d_knob_write(&k, 0, dir, D_ACTOR_POLICY, "test");
	d_knob_exit(&k, dir, true);
	assert_int_equal(fixture_read_int(knob), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(switches_on_only_after_n_samples),
		cmocka_unit_test(a_dip_restarts_the_count),
		cmocka_unit_test(between_thresholds_nothing_changes),
		cmocka_unit_test(switches_off_below_off_threshold),
		cmocka_unit_test(min_interval_limits_changes),
		cmocka_unit_test(dry_run_reports_once_and_writes_nothing),
		cmocka_unit_test(backs_off_when_an_admin_changes_the_knob),
		cmocka_unit_test(timed_backoff_expires),
		cmocka_unit_test(report_mode_never_acts),
		cmocka_unit_test(on_mode_holds_the_value),
		cmocka_unit_test(unreadable_knob_decides_nothing),
		cmocka_unit_test_setup_teardown(crash_then_start_rolls_back,
						setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(rollback_leaves_an_admins_value,
						setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(
			clean_exit_rolls_back_only_if_asked, setup_dir,
			teardown_dir),
	};

	d_log_init(D_LOG_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
