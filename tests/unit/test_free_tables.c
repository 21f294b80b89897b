// SPDX-License-Identifier: GPL-2.0
/* The [free_tables] policy's choice (d_free_pick): ranking by confirmed
 * empty tables before the estimate, the threshold, the per-sample limit,
 * the exclude lists and the per-process interval. */
#include <stdint.h>
#include <string.h>

#include "daemon/free_tables.h"
#include "fixture.h"

#define KIB 1024ULL

static struct proc_sample procs[6];

static void proc(int i, pid_t pid, const char *comm, const char *cg,
		 uint64_t waste, int64_t census_bytes)
{
	struct proc_sample *p = &procs[i];

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	strcpy(p->comm, comm);
	strcpy(p->cgroup, cg);
	p->waste_bytes = waste;
	if (census_bytes >= 0) {
		p->census.valid = true;
		p->census.reclaimable_bytes = census_bytes;
	}
}

static struct snapshot world(void)
{
	/* pid 10: estimate says 50 MiB, the census found 2 MiB empty;
	 * pid 11: not censused, 8 MiB estimate; pid 12: 4 MiB confirmed;
	 * pid 13: 512 KiB confirmed (below 1 MiB); pid 14: excluded by comm;
	 * pid 15: excluded by cgroup prefix */
	proc(0, 10, "java", "/app.slice/a", 50 << 20, 2 << 20);
	proc(1, 11, "jemalloc", "/app.slice/b", 8 << 20, -1);
	proc(2, 12, "tcmalloc", "/app.slice/c", 9 << 20, 4 << 20);
	proc(3, 13, "small", "/app.slice/d", 9 << 20, 512 * KIB);
	proc(4, 14, "latency", "/app.slice/e", 90 << 20, 90 << 20);
	proc(5, 15, "db", "/system.slice/db.service/x", 80 << 20, 80 << 20);
	return (struct snapshot){ .procs = procs, .nr_procs = 6 };
}

static struct d_free_cfg cfg(void)
{
	struct d_free_cfg c = { .mode = D_MODE_AUTO,
				.min_kib = 1024,
				.max_processes = 4,
				.cpu_budget_ms = 20,
				.process_interval = 600 };

	strcpy(c.exclude_comm, "latency  other");
	strcpy(c.exclude_cgroup, "/system.slice/db.service");
	return c;
}

static void ranks_confirmed_figures_and_skips_excluded(void **state)
{
	struct snapshot s = world();
	struct d_free_cfg c = cfg();
	struct d_free f;
	struct d_free_pick out[8];
	size_t n;

	(void)state;
	d_free_init(&f);
	n = d_free_pick(&f, &c, &s, 1000, out, 8);
	assert_int_equal(n, 3);
	assert_int_equal(procs[out[0].proc].pid, 11); /* 8 MiB estimate */
	assert_false(out[0].confirmed);
	assert_int_equal(procs[out[1].proc].pid, 12); /* 4 MiB confirmed */
	assert_true(out[1].confirmed);
	assert_int_equal(procs[out[2].proc].pid, 10); /* 2 MiB, not 50 */
	assert_int_equal(out[2].bytes, 2 << 20);
}

static void limit_interval_and_reset(void **state)
{
	struct snapshot s = world();
	struct d_free_cfg c = cfg();
	struct d_free f;
	struct d_free_pick out[8];

	(void)state;
	d_free_init(&f);
	c.max_processes = 1;
	assert_int_equal(d_free_pick(&f, &c, &s, 1000, out, 8), 1);
	assert_int_equal(procs[out[0].proc].pid, 11);
	d_free_mark(&f, &procs[1], 1000, true);
	/* within the interval 11 waits; after it, it is first again */
	assert_int_equal(d_free_pick(&f, &c, &s, 1599, out, 8), 1);
	assert_int_equal(procs[out[0].proc].pid, 12);
	assert_int_equal(d_free_pick(&f, &c, &s, 1600, out, 8), 1);
	assert_int_equal(procs[out[0].proc].pid, 11);
}

/* A census that found too little: looked at again when the process gives
 * memory back or a newer census confirms enough, else after the interval. */
static void below_min_comes_back_on_news(void **state)
{
	struct snapshot s = world();
	struct d_free_cfg c = cfg();
	struct d_free f;
	struct d_free_pick out[8];

	(void)state;
	d_free_init(&f);
	c.max_processes = 1;
	procs[1].rss_anon = 100 << 20;
	d_free_mark(&f, &procs[1], 1000, false);
	assert_int_equal(d_free_pick(&f, &c, &s, 1001, out, 8), 1);
	assert_int_equal(procs[out[0].proc].pid, 12); /* 11 waits */
	procs[1].rss_anon = 99 << 20; /* gave back 1 MiB: news */
	assert_int_equal(d_free_pick(&f, &c, &s, 1001, out, 8), 1);
	assert_int_equal(procs[out[0].proc].pid, 11);
	procs[1].rss_anon = 100 << 20;
	procs[1].census.valid = true; /* a newer census: 3 MiB empty */
	procs[1].census.realtime_ns = UINT64_MAX;
	procs[1].census.reclaimable_bytes = 3 << 20;
	assert_int_equal(d_free_pick(&f, &c, &s, 1001, out, 8), 1);
	assert_int_equal(procs[out[0].proc].pid, 12); /* 4 MiB beats 3 */
	c.max_processes = 2;
	assert_int_equal(d_free_pick(&f, &c, &s, 1001, out, 8), 2);
	assert_int_equal(procs[out[1].proc].pid, 11);
}

/* With confirm_after: nothing comes back before it; a census that left
 * enough unconfirmed is followed up after it, one that acted is not. */
static void follow_up_after_confirm(void **state)
{
	struct snapshot s = world();
	struct d_free_cfg c = cfg();
	struct d_free f;
	struct d_free_pick out[8];
	struct d_free_seen *e;

	(void)state;
	d_free_init(&f);
	c.max_processes = 1;
	c.confirm_after = 20;
	e = d_free_mark(&f, &procs[1], 1000, false);
	e->follow_up = true;
	assert_int_equal(d_free_pick(&f, &c, &s, 1019, out, 8), 1);
	assert_int_equal(procs[out[0].proc].pid, 12); /* 11 waits */
	assert_int_equal(d_free_pick(&f, &c, &s, 1020, out, 8), 1);
	assert_int_equal(procs[out[0].proc].pid, 11);
	/* acted, nothing left to confirm: the interval */
	d_free_mark(&f, &procs[1], 1020, true);
	assert_int_equal(d_free_pick(&f, &c, &s, 1040, out, 8), 1);
	assert_int_equal(procs[out[0].proc].pid, 12);
	assert_int_equal(d_free_pick(&f, &c, &s, 1620, out, 8), 1);
	assert_int_equal(procs[out[0].proc].pid, 11);
	/* news waits for confirm_after too */
	procs[1].rss_anon = 100 << 20;
	d_free_mark(&f, &procs[1], 2000, false);
	procs[1].rss_anon = 90 << 20;
	assert_int_equal(d_free_pick(&f, &c, &s, 2010, out, 8), 1);
	assert_int_equal(procs[out[0].proc].pid, 12);
	assert_int_equal(d_free_pick(&f, &c, &s, 2020, out, 8), 1);
	assert_int_equal(procs[out[0].proc].pid, 11);
	d_free_forget(&f);
	assert_int_equal(f.nr_seen, 0);
}

/* A sweep under way is picked until its end, even when a census after its
 * first slice finds nothing left above min_kib. */
static void sweep_goes_on(void **state)
{
	struct snapshot s = world();
	struct d_free_cfg c = cfg();
	struct d_free f;
	struct d_free_pick out[8];
	struct d_free_seen *e;

	(void)state;
	d_free_init(&f);
	procs[2].census.reclaimable_bytes = 0; /* pid 12 after a slice */
	assert_int_equal(d_free_pick(&f, &c, &s, 1000, out, 8), 2);
	e = d_free_mark(&f, &procs[2], 1000, false);
	e->sweeping = true;
	assert_int_equal(d_free_pick(&f, &c, &s, 1001, out, 8), 3);
	assert_int_equal(procs[out[2].proc].pid, 12);
	d_free_forget(&f);
}

static void exclude_lists(void **state)
{
	struct d_free_cfg c = cfg();

	(void)state;
	assert_true(d_free_excluded(&c, "latency", "/"));
	assert_true(d_free_excluded(&c, "other", "/"));
	assert_false(d_free_excluded(&c, "late", "/"));
	assert_false(d_free_excluded(&c, "latency2", "/"));
	assert_true(d_free_excluded(&c, "x", "/system.slice/db.service"));
	assert_true(d_free_excluded(&c, "x", "/system.slice/db.service/a"));
	assert_false(d_free_excluded(&c, "x", "/system.slice/db.service2"));
	strcpy(c.exclude_cgroup, "");
	strcpy(c.exclude_comm, "");
	assert_false(d_free_excluded(&c, "latency", "/system.slice"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ranks_confirmed_figures_and_skips_excluded),
		cmocka_unit_test(limit_interval_and_reset),
		cmocka_unit_test(below_min_comes_back_on_news),
		cmocka_unit_test(follow_up_after_confirm),
		cmocka_unit_test(sweep_goes_on),
		cmocka_unit_test(exclude_lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
