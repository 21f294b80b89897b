// SPDX-License-Identifier: GPL-2.0
/*
 * snapshot_take over a /proc and a v1 memory cgroup tree built in a temp
 * directory from captured fixtures; and the JSON round trip.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

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
	fixture_mkdirs(cg,
		       "memory/process_api/ebf4c1b4204f541d06d5f6c60de7fe2b");
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
	for (const char *p = "/process_api/ebf4c1b4204f541d06d5f6c60de7fe2b";
	     ;) {
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
	struct snapshot_opts o = { .proc_root = proc,
				   .cgroup_root = cg,
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

/* No member of o is 0, "" or null (objects: none of theirs): every field
 * was filled. */
static void assert_all_set(json_object *o, const char *where)
{
	json_object_object_foreach(o, key, v) {
		bool zero;

		if (json_object_is_type(v, json_type_object)) {
			assert_all_set(v, key);
			continue;
		}
		zero = !v ? true :
		       json_object_is_type(v, json_type_string) ?
			    !*json_object_get_string(v) :
		       json_object_is_type(v, json_type_double) ?
			    json_object_get_double(v) == 0 :
			    json_object_get_uint64(v) == 0;

		if (zero) {
			print_error("%s.%s is empty\n", where, key);
			fail();
		}
	}
}

/*
 * Every field, set to a distinct value, survives writer -> reader ->
 * writer: a field the writer knows and the reader drops comes back 0.
 */
static void json_reader_reads_every_field_the_writer_writes(void **state)
{
	struct proc_sample p = {
		.pid = 4242,
		.comm = "java",
		.cgroup = "/a.slice",
		.rss_anon = 1,
		.rss_file = 2,
		.rss_shmem = 3,
		.swap = 4,
		.thp_bytes = 5,
		.page_table_bytes = 6,
		.needed_bytes = 7,
		.waste_bytes = 8,
		.census = { .valid = true,
			    .empty_pte_tables = 18,
			    .thp_deposited_tables = 19,
			    .occupancy = { 18, 20, 21, 22, 23, 24 },
			    .reclaimable_bytes = 25,
			    .sparse_excess_bytes = 26,
			    .page_table_bytes = 39 },
	};
	struct cgroup_sample c = {
		.path = "/a.slice",
		.page_table_bytes = 9,
		.waste_bytes = 10,
		.nr_procs = 11,
		.source = "memory.stat",
		.census = { 27, 28, 29, 30, 31, 32 },
	};
	struct snapshot s = {
		.host = { .kernel = "6.12.0",
			  .realtime_ns = 12,
			  .mem_total = 13,
			  .page_tables = 14,
			  .sec_page_tables = 15,
			  .waste_bytes = 16,
			  .cgroup_version = 2,
			  .unreadable = 17,
			  .census = { 33, 34, 35, 36, 37, 38 } },
		.procs = &p,
		.nr_procs = 1,
		.cgroups = &c,
		.nr_cgroups = 1,
	};
	struct snapshot back;
	struct timespec now;
	json_object *j, *j2;

	(void)state;
	/* census figures 5 s old: their age survives to a tenth of a second */
	clock_gettime(CLOCK_REALTIME, &now);
	p.census.realtime_ns =
		(uint64_t)(now.tv_sec - 5) * 1000000000ULL + now.tv_nsec;
	j = snapshot_to_json(&s, 1);
	assert_all_set(json_object_object_get(j, "host"), "host");
	assert_all_set(json_object_array_get_idx(
			       json_object_object_get(j, "processes"), 0),
		       "processes[0]");
	assert_all_set(json_object_array_get_idx(
			       json_object_object_get(j, "cgroups"), 0),
		       "cgroups[0]");
	assert_int_equal(snapshot_from_json(j, &back), 0);
	j2 = snapshot_to_json(&back, 1);
	if (!json_object_equal(j, j2)) {
		print_error("wrote %s\nread back %s\n",
			    json_object_to_json_string(j),
			    json_object_to_json_string(j2));
		fail();
	}
	assert_true(back.procs[0].census.realtime_ns + 100000000ULL >=
			    p.census.realtime_ns &&
		    back.procs[0].census.realtime_ns <=
			    p.census.realtime_ns + 100000000ULL);
	back.procs[0].census.realtime_ns = p.census.realtime_ns;
	assert_memory_equal(&back.procs[0], &p, sizeof(p));
	assert_string_equal(back.cgroups[0].source, "memory.stat");
	json_object_put(j);
	json_object_put(j2);
	snapshot_free(&back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(takes_user_processes_and_skips_kernel_threads),
		cmocka_unit_test(v1_cgroups_sum_their_processes_hierarchically),
		cmocka_unit_test(only_pid_reports_a_missing_process),
		cmocka_unit_test(no_memory_cgroup_is_version_0),
		cmocka_unit_test(json_round_trip_keeps_every_figure),
		cmocka_unit_test(
			json_reader_reads_every_field_the_writer_writes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
