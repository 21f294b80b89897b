// SPDX-License-Identifier: GPL-2.0
/* The daemon keeps a process's census figures only while it is the same
 * process: same pid and same start time (/proc/PID/stat), never by comm.
 * A reused PID with the same comm loses them. A census longer than the
 * slice goes on in the next samples, and is begun again when the process
 * changes under it (issue 24: a real child process with 8192 tables). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/census_sched.h"
#include "fixture.h"
#include "tables_child.h"

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

/* A scan of one process, the child: candidate with any budget. */
struct one_proc {
	struct proc_sample p;
	struct d_scan sc;
	uint32_t order[1];
	struct d_census_cfg cfg;
};

static void one_proc(struct one_proc *o, pid_t pid, unsigned int slice_ms)
{
	struct pte_census pc;

	assert_int_equal(census_take("/proc", pid, false, &pc), 0);
	*o = (struct one_proc){
		.p = { .pid = pid,
		       .comm = "child",
		       .page_table_bytes = pc.page_table_bytes,
		       .rss_anon = 64 << 20,
		       .waste_bytes = 1ULL << 30 },
		.cfg = { .enabled = true,
			 .top = 1,
			 .per_sample = 4,
			 .cpu_percent = 100,
			 .max_age_s = 300,
			 .slice_ms = slice_ms },
	};
	o->sc.snap.procs = &o->p;
	o->sc.snap.nr_procs = 1;
	o->sc.order = o->order;
}

/* Samples (each scan costing scan_cpu_s) until the census is done; how
 * many it took. */
static unsigned int until_done(struct d_census *c, struct one_proc *o,
			       double scan_cpu_s)
{
	unsigned int n = 0;

	do {
		d_census_step(c, &o->sc, &o->cfg, "/proc", scan_cpu_s);
		n++;
	} while (c->cur.active && n < 100000);
	return n;
}

static void same_as_one_walk(const struct census_figures *f, pid_t pid)
{
	struct pte_census pc;

	assert_int_equal(census_take("/proc", pid, false, &pc), 0);
	assert_true(f->valid);
	assert_int_equal(f->empty_pte_tables, pc.fig.empty_pte_tables);
	assert_int_equal(f->page_table_bytes, pc.fig.page_table_bytes);
	assert_memory_equal(f->occupancy, pc.fig.occupancy,
			    sizeof(f->occupancy));
}

static void a_large_census_goes_on_across_samples(void **state)
{
	struct tables_child t = { 0 };
	struct d_census c = { 0 };
	struct one_proc o;
	unsigned int n;

	(void)state;
	assert_true(tc_start(&t, 8192, 2)); /* ~10 ms of walk, 32 GiB */
	one_proc(&o, t.pid, 1);
	d_census_step(&c, &o.sc, &o.cfg, "/proc", 1.0);
	/* not done in 1 ms: kept, no figures yet (null, not a partial) */
	assert_true(c.cur.active);
	assert_false(o.p.census.valid);
	n = 1 + until_done(&c, &o, 1.0);
	assert_false(c.cur.active);
	assert_true(n > 1);
	assert_int_equal(c.spread, 1);
	assert_int_equal(c.slices, n - 1);
	assert_int_equal(c.runs, 1);
	assert_int_equal(c.restarts, 0);
	same_as_one_walk(&o.p.census, t.pid);
	assert_true(o.p.census.empty_pte_tables >= 4096);
	d_census_free(&c);
	tc_stop(&t);
}

static void a_census_begins_again_when_the_process_moves(void **state)
{
	struct tables_child t = { 0 };
	struct d_census c = { 0 };
	struct one_proc o;

	(void)state;
	assert_true(tc_start(&t, 8192, 2));
	one_proc(&o, t.pid, 1);
	d_census_step(&c, &o.sc, &o.cfg, "/proc", 1.0);
	assert_true(c.cur.active);
	/* resident memory moves by 1/4 between two slices: begun again */
	o.p.rss_anon += 16 << 20;
	d_census_step(&c, &o.sc, &o.cfg, "/proc", 1.0);
	assert_int_equal(c.restarts, 1);
	/* a new table (VmPTE) between two slices: begun again too */
	if (c.cur.active) {
		struct pte_census pc;

		assert_true(tc_grow(&t));
		/* what the sampler reads in the same sample */
		assert_int_equal(census_take("/proc", t.pid, false, &pc), 0);
		o.p.page_table_bytes = pc.page_table_bytes;
		d_census_step(&c, &o.sc, &o.cfg, "/proc", 1.0);
		assert_int_equal(c.restarts, 2);
	}
	until_done(&c, &o, 1.0);
	assert_int_equal(c.failures, 0);
	assert_int_equal(c.runs, 1);
	same_as_one_walk(&o.p.census, t.pid);
	/* moving at every slice: three tries, then no figures */
	o.p.census.valid = false;
	d_census_free(&c);
	for (int i = 0; i < 3; i++) {
		d_census_step(&c, &o.sc, &o.cfg, "/proc", 1.0);
		assert_true(c.cur.active);
		o.p.rss_anon += 64 << 20;
	}
	d_census_step(&c, &o.sc, &o.cfg, "/proc", 1.0);
	assert_false(c.cur.active);
	assert_int_equal(c.failures, 1);
	assert_false(o.p.census.valid);
	d_census_free(&c);
	tc_stop(&t);
}

/* A spread census's slices after the first are its process's debt, not
 * the bucket's: the bucket stays for the others, and the process waits,
 * even with stale figures, until its grants have paid it back. */
static void a_spread_census_is_its_own_debt(void **state)
{
	struct tables_child t = { 0 };
	struct d_census c = { 0 };
	struct one_proc o;
	double grant = 1e-4; /* 0.1 ms a sample: cap 1 ms */
	unsigned int n = 0;
	double debt;

	(void)state;
	assert_true(tc_start(&t, 8192, 2));
	one_proc(&o, t.pid, 1);
	until_done(&c, &o, grant);
	assert_true(o.p.census.valid);
	assert_int_equal(c.spread, 1);
	assert_int_equal(c.n, 1);
	/* the bucket paid the first slice (1 ms and a piece), no more */
	assert_true(c.tokens_s > -5e-3);
	assert_true(c.e[0].debt_s > 0);
	/* stale now, but indebted: not censused again until paid back */
	o.p.rss_anon += 64 << 20;
	debt = c.e[0].debt_s;
	n = 0;
	do
		d_census_step(&c, &o.sc, &o.cfg, "/proc", grant);
	while (!c.cur.active && c.runs == 1 && ++n < 1000000);
	/* begun in the sample whose grant paid the last of it (give or
	 * take one: the debt is paid back by repeated subtraction) */
	assert_true(fabs(n + 1 - ceil(debt / grant)) <= 1);
	assert_true(n >= 5);
	d_census_free(&c);
	tc_stop(&t);
}

static void a_small_census_is_done_in_its_sample(void **state)
{
	struct tables_child t = { 0 };
	struct d_census c = { 0 };
	struct one_proc o;

	(void)state;
	assert_true(tc_start(&t, 64, 1));
	one_proc(&o, t.pid, 20);
	d_census_step(&c, &o.sc, &o.cfg, "/proc", 1.0);
	assert_false(c.cur.active);
	assert_int_equal(c.spread, 0);
	same_as_one_walk(&o.p.census, t.pid);
	d_census_free(&c);
	tc_stop(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kept_by_pid_and_start_time_not_comm),
		cmocka_unit_test(a_large_census_goes_on_across_samples),
		cmocka_unit_test(a_census_begins_again_when_the_process_moves),
		cmocka_unit_test(a_spread_census_is_its_own_debt),
		cmocka_unit_test(a_small_census_is_done_in_its_sample),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
