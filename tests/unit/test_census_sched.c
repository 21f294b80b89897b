// SPDX-License-Identifier: GPL-2.0
/* The daemon keeps a process's census figures only while it is the same
 * process: same pid and same start time (/proc/PID/stat), never by comm.
 * A reused PID with the same comm loses them. */
#include <stdlib.h>
#include <string.h>

#include "daemon/census_sched.h"
#include "fixture.h"

/* /proc/4242/stat of a process that started at `start` ticks */
static void stat_file(const char *root, unsigned long long start)
{
	char text[256];

	snprintf(text, sizeof(text),
		 "4242 (worker) S 1 4242 4242 0 -1 4194560 10 0 0 0 1 1 0 0 "
		 "20 0 1 0 %llu 1000 10\n",
		 start);
	fixture_write(root, "4242/stat", text);
}

static void kept_by_pid_and_start_time_not_comm(void **state)
{
	struct proc_sample p = { .pid = 4242, .comm = "worker" };
	struct d_census_cfg cfg = { .enabled = false };
	struct d_scan sc = { 0 };
	struct d_census c = { 0 };
	char root[64];

	(void)state;
	fixture_tmpdir(root, sizeof(root), "census-sched");
	fixture_mkdirs(root, "4242");
	stat_file(root, 1000);
	sc.snap.procs = &p;
	sc.snap.nr_procs = 1;
	c.e = calloc(1, sizeof(*c.e));
	c.n = c.cap = 1;
	c.e[0] = (struct d_census_entry){
		.pid = 4242,
		.start_ticks = 1000,
		.comm = "worker",
		.fig = { .valid = true, .reclaimable_bytes = 4096 },
	};
	d_census_step(&c, &sc, &cfg, root, 0);
	assert_int_equal(c.n, 1);
	assert_true(p.census.valid);
	assert_int_equal(p.census.reclaimable_bytes, 4096);

	/* the pid reused by a process of the same name, started later */
	stat_file(root, 2000);
	d_census_step(&c, &sc, &cfg, root, 0);
	assert_int_equal(c.n, 0);
	assert_false(p.census.valid);

	/* and a process that is gone takes its figures with it */
	c.e[0] = (struct d_census_entry){ .pid = 4242, .start_ticks = 2000 };
	c.n = 1;
	fixture_rmtree(root);
	d_census_step(&c, &sc, &cfg, root, 0);
	assert_int_equal(c.n, 0);
	d_census_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kept_by_pid_and_start_time_not_comm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
