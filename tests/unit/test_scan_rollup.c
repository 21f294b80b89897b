// SPDX-License-Identifier: GPL-2.0
/* The procfs sampler within its smaps_rollup budget (issue 16, defect 8),
 * on a fake /proc: a process with more page tables than a whole sample's
 * budget is read from status only, every time; what fits is read; the
 * rollups of one sample walk at most the budget. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "daemon/scan.h"
#include "fixture.h"

#define MIB (1ULL << 20)

static char root[64];

/* A process with VmPTE MiB of page tables; its smaps_rollup says thp MiB
 * of AnonHugePages. */
static void proc(int pid, unsigned int pte_mib, unsigned int thp_mib)
{
	char d[128], text[512];

	snprintf(d, sizeof(d), "%d", pid);
	fixture_mkdirs(root, d);
	snprintf(text, sizeof(text),
		 "Name:\tp%d\nTgid:\t%d\nVmRSS:\t%u kB\nRssAnon:\t%u kB\n"
		 "RssFile:\t0 kB\nRssShmem:\t0 kB\nVmSwap:\t0 kB\n"
		 "VmPTE:\t%u kB\n",
		 pid, pid, thp_mib * 1024 + 4, thp_mib * 1024 + 4,
		 pte_mib * 1024);
	snprintf(d, sizeof(d), "%d/status", pid);
	fixture_write(root, d, text);
	snprintf(text, sizeof(text),
		 "Rss:\t%u kB\nSwap:\t0 kB\nAnonHugePages:\t%u kB\n",
		 thp_mib * 1024 + 4, thp_mib * 1024);
	snprintf(d, sizeof(d), "%d/smaps_rollup", pid);
	fixture_write(root, d, text);
	snprintf(d, sizeof(d), "%d/cgroup", pid);
	fixture_write(root, d, "0::/\n");
}

static int setup(void **state)
{
	(void)state;
	fixture_tmpdir(root, sizeof(root), "ptw-rollup");
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

static const struct proc_sample *find(const struct d_scan *sc, int pid)
{
	long i = d_scan_find(sc, pid);

	assert_true(i >= 0);
	return &sc->snap.procs[i];
}

static void huge_process_from_status_small_from_rollup(void **state)
{
	struct d_scan sc = { 0 };
	struct d_scan_opts o = { .proc_root = root,
				 .cgroup_root = "/nonexistent",
				 .no_iter = true };

	(void)state;
	proc(100, 743, 600); /* the process: 162 ms of rollup */
	proc(200, 8, 6);
	for (int sample = 0; sample < 3; sample++) {
		assert_int_equal(d_scan_sample(&sc, &o), 0);
		/* 743 MiB > 64 MiB: never rolled up, THP unknown */
		assert_int_equal(find(&sc, 100)->thp_bytes, 0);
		assert_int_equal(find(&sc, 200)->thp_bytes, 6 * MIB);
		assert_int_equal(sc.rollup.status_only, 1);
		assert_true(sc.rollup.walked <= D_ROLLUP_BUDGET);
		assert_int_equal(sc.rollup.walked, 8 * MIB);
	}
	d_scan_free(&sc);
}

static void what_does_not_fit_waits_for_the_next_sample(void **state)
{
	struct d_scan sc = { 0 };
	struct d_scan_opts o = { .proc_root = root,
				 .cgroup_root = "/nonexistent",
				 .no_iter = true };

	(void)state;
	for (int pid = 100; pid < 106; pid++)
		proc(pid, 10, 4);
	assert_int_equal(d_scan_sample(&sc, &o), 0); /* all new, 60 MiB */
	sc.rollup_budget = 25 * MIB;		     /* two per sample */
	for (int sample = 0; sample < 3; sample++) {
		assert_int_equal(d_scan_sample(&sc, &o), 0);
		assert_int_equal(sc.rollup.read, 2);
		assert_int_equal(sc.rollup.walked, 20 * MIB);
		assert_int_equal(sc.last_refreshed, 2);
		assert_int_equal(sc.rollup.deferred, 4);
	}
	/* the round-robin went all the way round: every process has THP */
	for (int pid = 100; pid < 106; pid++)
		assert_int_equal(find(&sc, pid)->thp_bytes, 4 * MIB);
	d_scan_free(&sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			huge_process_from_status_small_from_rollup, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			what_does_not_fit_waits_for_the_next_sample, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
