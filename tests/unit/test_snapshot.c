// SPDX-License-Identifier: GPL-2.0
/*
 * snapshot_take over a /proc and a v1 memory cgroup tree built in a temp
 * directory from captured fixtures; and the JSON round trip.
 */
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "snapshot.h"

static char root[64], proc[256], cg[256];

static int setup(void **state)
{
	char dir[512];

	(void)state;
	fixture_tmpdir(root, sizeof(root), "ptwatch-unit");
	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(cg, sizeof(cg), "%s/cgroup", root);
	fixture_mkdirs(proc, "100");
	fixture_mkdirs(proc, "2");
	fixture_mkdirs(proc, "self"); /* not a PID: ignored */
	fixture_mkdirs(cg, "memory/process_api/ebf4c1b4204f541d06d5f6c60de7fe2b");
	fixture_mkdirs(cg, "memory/other");
	fixture_write(proc, "meminfo", fixture("meminfo-6.18.txt"));
	snprintf(dir, sizeof(dir), "%s/100", proc);
	fixture_write(dir, "status", fixture("status-cat.txt"));
	fixture_write(dir, "smaps_rollup", fixture("smaps_rollup-cat.txt"));
	fixture_write(dir, "cgroup", fixture("cgroup-hybrid-v1.txt"));
	snprintf(dir, sizeof(dir), "%s/2", proc);
	fixture_write(dir, "status", fixture("status-kthread.txt"));
	snprintf(dir, sizeof(dir), "%s/memory", cg);
	fixture_write(dir, "memory.stat", fixture("memory.stat-v1.txt"));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return fixture_rmtree(root);
}

static const struct cgroup_sample *find(const struct snapshot *s,
					const char *path)
{
	for (size_t i = 0; i < s->nr_cgroups; i++)
		if (strcmp(s->cgroups[i].path, path) == 0)
			return &s->cgroups[i];
	return NULL;
}

static void takes_user_processes_and_skips_kernel_threads(void **state)
{
	struct snapshot_opts o = { .proc_root = proc, .cgroup_root = cg };
	struct snapshot s;

	(void)state;
	assert_int_equal(snapshot_take(&s, &o), 0);
	assert_int_equal(s.nr_procs, 1);
	assert_int_equal(s.procs[0].pid, 100);
	assert_string_equal(s.procs[0].comm, "cat");
	assert_int_equal(s.procs[0].page_table_bytes, 44 * 1024);
	assert_string_equal(s.procs[0].cgroup,
			    "/process_api/ebf4c1b4204f541d06d5f6c60de7fe2b");
	assert_int_equal(s.host.page_tables, 3788 * 1024);
	assert_int_equal(s.host.cgroup_version, 1);
	assert_int_equal(s.host.waste_bytes, s.procs[0].waste_bytes);
	snapshot_free(&s);
}

static void v1_cgroups_sum_their_processes_hierarchically(void **state)
{
	struct snapshot_opts o = { .proc_root = proc, .cgroup_root = cg };
	const struct cgroup_sample *c;
	struct snapshot s;

	(void)state;
	assert_int_equal(snapshot_take(&s, &o), 0);
	assert_int_equal(s.nr_cgroups, 4);
	for (const char *p = "/process_api/ebf4c1b4204f541d06d5f6c60de7fe2b";;) {
		c = find(&s, p);
		assert_non_null(c);
		assert_int_equal(c->nr_procs, 1);
		assert_int_equal(c->page_table_bytes, 44 * 1024);
		assert_string_equal(c->source, "processes");
		if (strcmp(p, "/") == 0)
			break;
		p = strcmp(p, "/process_api") == 0 ? "/" : "/process_api";
	}
	c = find(&s, "/other");
	assert_non_null(c);
	assert_int_equal(c->nr_procs, 0);
	assert_int_equal(c->page_table_bytes, 0);
	snapshot_free(&s);
}

static void only_pid_reports_a_missing_process(void **state)
{
	struct snapshot_opts o = { .proc_root = proc, .cgroup_root = cg,
				   .only_pid = 4242 };
	struct snapshot s;

	(void)state;
	assert_int_equal(snapshot_take(&s, &o), -ESRCH);
}

static void no_memory_cgroup_is_version_0(void **state)
{
	struct snapshot_opts o = { .proc_root = proc, .cgroup_root = root };
	struct snapshot s;

	(void)state;
	assert_int_equal(snapshot_take(&s, &o), 0);
	assert_int_equal(s.host.cgroup_version, 0);
	assert_int_equal(s.nr_cgroups, 0);
	assert_int_equal(s.nr_procs, 1);
	snapshot_free(&s);
}

static void json_round_trip_keeps_every_figure(void **state)
{
	struct snapshot_opts o = { .proc_root = proc, .cgroup_root = cg };
	struct snapshot s, back;
	json_object *j;

	(void)state;
	assert_int_equal(snapshot_take(&s, &o), 0);
	snapshot_sort(&s, SORT_WASTE);
	j = snapshot_to_json(&s, s.nr_procs);
	assert_int_equal(snapshot_from_json(j, &back), 0);
	assert_int_equal(back.nr_procs, s.nr_procs);
	assert_int_equal(back.nr_cgroups, s.nr_cgroups);
	assert_memory_equal(&back.procs[0], &s.procs[0], sizeof(s.procs[0]));
	assert_int_equal(back.host.page_tables, s.host.page_tables);
	assert_int_equal(back.host.waste_bytes, s.host.waste_bytes);
	assert_string_equal(back.cgroups[0].path, s.cgroups[0].path);
	assert_int_equal(back.cgroups[0].waste_bytes, s.cgroups[0].waste_bytes);
	json_object_put(j);
	snapshot_free(&back);
	snapshot_free(&s);
	j = json_tokener_parse("{\"host\":{},\"processes\":3}");
	assert_int_equal(snapshot_from_json(j, &back), -EPROTO);
	json_object_put(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(takes_user_processes_and_skips_kernel_threads),
		cmocka_unit_test(v1_cgroups_sum_their_processes_hierarchically),
		cmocka_unit_test(only_pid_reports_a_missing_process),
		cmocka_unit_test(no_memory_cgroup_is_version_0),
		cmocka_unit_test(json_round_trip_keeps_every_figure),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
