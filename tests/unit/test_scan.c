// SPDX-License-Identifier: GPL-2.0
/* The daemon's incremental sampler on a fake /proc: new processes at once,
 * exited ones dropped, a bounded round-robin of re-reads, PID order kept
 * when a PID below the others appears (PID wrap), rates, waste order. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "daemon/scan.h"
#include "fixture.h"

static char root[64];

/* A process named name with VmPTE kB of page tables and rss kB resident. */
static void proc_named(int pid, const char *name, unsigned int pte_kb,
		       unsigned int rss_kb)
{
	char d[128], text[512];

	snprintf(d, sizeof(d), "%d", pid);
	fixture_mkdirs(root, d);
	snprintf(
		text, sizeof(text),
		"Name:\t%s\nTgid:\t%d\nVmRSS:\t%u kB\nRssAnon:\t%u kB\n"
		"RssFile:\t0 kB\nRssShmem:\t0 kB\nVmSwap:\t0 kB\nVmPTE:\t%u kB\n",
		name, pid, rss_kb, rss_kb, pte_kb);
	snprintf(d, sizeof(d), "%d/status", pid);
	fixture_write(root, d, text);
	snprintf(d, sizeof(d), "%d/cgroup", pid);
	fixture_write(root, d, "0::/\n");
}

static void proc(int pid, unsigned int pte_kb, unsigned int rss_kb)
{
	char name[32];

	snprintf(name, sizeof(name), "p%d", pid);
	proc_named(pid, name, pte_kb, rss_kb);
}

static void gone(int pid)
{
	char d[128];

	snprintf(d, sizeof(d), "%s/%d", root, pid);
	assert_int_equal(fixture_rmtree(d), 0);
}

static int setup(void **state)
{
	(void)state;
	fixture_tmpdir(root, sizeof(root), "ptw-scan");
	fixture_write(root, "meminfo",
		      "MemTotal: 1048576 kB\nMemAvailable: 524288 kB\n"
		      "PageTables: 4096 kB\nSecPageTables: 0 kB\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return fixture_rmtree(root);
}

static void sample(struct d_scan *sc, unsigned int budget)
{
	struct d_scan_opts o = { .proc_root = root,
				 .cgroup_root = "/nonexistent",
				 .budget = budget };

	assert_int_equal(d_scan_sample(sc, &o), 0);
}

static void pids_in_order(const struct d_scan *sc, const int *want, size_t n)
{
	assert_int_equal(sc->snap.nr_procs, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sc->snap.procs[i].pid, want[i]);
}

static void new_and_gone_processes(void **state)
{
	struct d_scan sc = { 0 };

	(void)state;
	proc(100, 64, 1024);
	proc(200, 64, 1024);
	sample(&sc, 1);
	pids_in_order(&sc, (int[]){ 100, 200 }, 2);
	assert_int_equal(sc.last_new, 2);
	/* a new one is read at once, whatever the budget */
	proc(300, 64, 1024);
	gone(100);
	sample(&sc, 1);
	pids_in_order(&sc, (int[]){ 200, 300 }, 2);
	assert_int_equal(sc.last_new, 1);
	/* PID wrap: a new PID below the others keeps the table sorted */
	proc(50, 64, 1024);
	proc(250, 64, 1024);
	sample(&sc, 1);
	pids_in_order(&sc, (int[]){ 50, 200, 250, 300 }, 4);
	assert_int_equal(d_scan_find(&sc, 250), 2);
	assert_int_equal(d_scan_find(&sc, 100), -1);
	d_scan_free(&sc);
}

static void budget_refreshes_round_robin(void **state)
{
	struct d_scan sc = { 0 };
	int pids[] = { 10, 20, 30, 40, 50 };

	(void)state;
	for (int i = 0; i < 5; i++)
		proc(pids[i], 8, 64);
	sample(&sc, 2); /* the first sample's are not read again at once */
	/* every process grows its page tables; with 2 re-reads a sample,
	 * all five are seen again within three samples, none is skipped */
	for (int i = 0; i < 5; i++)
		proc(pids[i], 16, 64);
	sample(&sc, 2);
	assert_int_equal(sc.last_refreshed, 2);
	assert_int_equal(sc.snap.procs[0].page_table_bytes, 16384); /* 10 */
	assert_int_equal(sc.snap.procs[1].page_table_bytes, 16384); /* 20 */
	assert_int_equal(sc.snap.procs[2].page_table_bytes, 8192);  /* 30 */
	sample(&sc, 2);
	assert_int_equal(sc.snap.procs[3].page_table_bytes, 16384); /* 40 */
	assert_int_equal(sc.snap.procs[4].page_table_bytes, 8192);  /* 50 */
	sample(&sc, 2);
	for (int i = 0; i < 5; i++)
		assert_int_equal(sc.snap.procs[i].page_table_bytes, 16384);
	/* 50 grew between its last two reads (samples 1 and 4): a rate;
	 * 10 was read in samples 2 and 4 at the same size: rate 0 */
	assert_true(d_scan_rate(&sc, 4) > 0);
	assert_true(d_scan_rate(&sc, 0) == 0);
	assert_int_equal(sc.snap.host.page_tables, 4096 * 1024);
	/* budget 0 re-reads everything */
	for (int i = 0; i < 5; i++)
		proc(pids[i], 24, 64);
	sample(&sc, 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(sc.snap.procs[i].page_table_bytes, 24576);
	d_scan_free(&sc);
}

/* A fork read before it execs has its parent's name and page tables: the
 * next sample reads every new process again, outside the budget, as new
 * (no rate across the exec); then the round robin takes over. Not those
 * of the first sample: they were there before the daemon. */
static void new_ones_are_read_again(void **state)
{
	struct d_scan sc = { 0 };
	int pids[] = { 10, 20, 30 };

	(void)state;
	proc(5, 8, 64);
	sample(&sc, 1);
	for (int i = 0; i < 3; i++)
		proc_named(pids[i], "bash", 400, 4096);
	sample(&sc, 1);
	for (int i = 0; i < 3; i++)
		proc_named(pids[i], "sleep", 8, 64);
	sample(&sc, 1);
	for (int i = 1; i <= 3; i++) { /* procs[0] is pid 5 */
		assert_string_equal(sc.snap.procs[i].comm, "sleep");
		assert_int_equal(sc.snap.procs[i].page_table_bytes, 8192);
		assert_true(isnan(d_scan_rate(&sc, i)));
	}
	/* the round robin read one more (5), not counting the three */
	assert_int_equal(sc.last_refreshed, 1);
	/* grown: with a budget of 1, one of them is read in the next sample */
	for (int i = 0; i < 3; i++)
		proc_named(pids[i], "sleep", 16, 64);
	sample(&sc, 1);
	assert_int_equal(sc.last_refreshed, 1);
	assert_int_equal(sc.snap.procs[1].page_table_bytes, 16384);
	assert_int_equal(sc.snap.procs[2].page_table_bytes, 8192);
	assert_int_equal(sc.snap.procs[3].page_table_bytes, 8192);
	d_scan_free(&sc);
}

static void order_is_by_waste(void **state)
{
	struct d_scan sc = { 0 };
	uint64_t sum = 0;

	(void)state;
	proc(1, 16, 4096); /* dense: little waste */
	proc(2, 400, 64);  /* sparse: much waste */
	proc(3, 100, 64);
	sample(&sc, 0);
	assert_int_equal(d_scan_nth(&sc, 0)->pid, 2);
	assert_int_equal(d_scan_nth(&sc, 1)->pid, 3);
	assert_int_equal(d_scan_nth(&sc, 2)->pid, 1);
	for (size_t i = 0; i < sc.snap.nr_procs; i++)
		sum += sc.snap.procs[i].waste_bytes;
	assert_int_equal(sc.snap.host.waste_bytes, sum);
	d_scan_free(&sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(new_and_gone_processes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(budget_refreshes_round_robin,
						setup, teardown),
		cmocka_unit_test_setup_teardown(new_ones_are_read_again, setup,
						teardown),
		cmocka_unit_test_setup_teardown(order_is_by_waste, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
