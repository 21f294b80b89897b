// SPDX-License-Identifier: GPL-2.0
/* Parsers against procfs and cgroupfs text captured from real hosts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixture.h"

#define KB 1024ULL

static void status_of_a_user_process(void **state)
{
	struct proc_status st;

	(void)state;
	assert_int_equal(procfs_parse_status(fixture("status-cat.txt"), &st),
			 0);
	assert_string_equal(st.comm, "cat");
	assert_true(st.has_mm);
	assert_int_equal(st.vm_pte, 44 * KB);
	assert_int_equal(st.vm_rss, 1720 * KB);
	assert_int_equal(st.rss_anon, 112 * KB);
	assert_int_equal(st.rss_file, 1608 * KB);
	assert_int_equal(st.rss_shmem, 0);
	assert_int_equal(st.vm_swap, 0);
}

static void status_of_a_kernel_thread_has_no_mm(void **state)
{
	struct proc_status st;

	(void)state;
	assert_int_equal(
		procfs_parse_status(fixture("status-kthread.txt"), &st), 0);
	assert_string_equal(st.comm, "kthreadd");
	assert_false(st.has_mm);
	assert_int_equal(st.vm_pte, 0);
}

static void status_comm_keeps_spaces(void **state)
{
	struct proc_status st;

	(void)state;
	assert_int_equal(procfs_parse_status("Name:\tWeb Content\nTgid:\t7\n"
					     "VmPTE:\t  12 kB\n",
					     &st),
			 0);
	assert_string_equal(st.comm, "Web Content");
	assert_int_equal(st.tgid, 7);
	assert_int_equal(st.vm_pte, 12 * KB);
}

/* The kernel escapes '\n' and '\\' in Name: (proc_task_name()); we keep
 * the real bytes, and the 15-byte comm is cut after unescaping. */
static void status_comm_is_unescaped(void **state)
{
	struct proc_status st;

	(void)state;
	assert_int_equal(procfs_parse_status("Name:\twe\"ird\\na\nTgid:\t7\n"
					     "VmPTE:\t  12 kB\n",
					     &st),
			 0);
	assert_string_equal(st.comm, "we\"ird\na");
	assert_int_equal(procfs_parse_status("Name:\t\\\\\\\\\\n\\n\\n\\n"
					     "\\n\\n\\n\\n\\n\\n\\n\\n\\n\n"
					     "Tgid:\t7\n",
					     &st),
			 0);
	/* 15 bytes: all kept, though escaped they take 28 */
	assert_string_equal(st.comm, "\\\\\n\n\n\n\n\n\n\n\n\n\n\n\n");
	assert_int_equal(
		procfs_parse_status("Name:\ta\\011b\\\nTgid:\t7\n", &st), 0);
	assert_string_equal(st.comm, "a\tb\\");
}

static void status_rejects_other_text(void **state)
{
	struct proc_status st;

	(void)state;
	assert_int_equal(procfs_parse_status("", &st), -EINVAL);
	assert_int_equal(procfs_parse_status("garbage\n", &st), -EINVAL);
	assert_int_equal(procfs_parse_status(fixture("meminfo-6.18.txt"), &st),
			 -EINVAL);
}

static void smaps_rollup_of_cat(void **state)
{
	struct smaps_rollup r;

	(void)state;
	assert_int_equal(
		procfs_parse_smaps_rollup(fixture("smaps_rollup-cat.txt"), &r),
		0);
	assert_int_equal(r.rss, 1744 * KB);
	assert_int_equal(r.anon_huge, 0);
	assert_int_equal(r.swap, 0);
	assert_int_equal(procfs_parse_smaps_rollup("Pss: 1 kB\n", &r), -EINVAL);
}

static void meminfo_page_tables(void **state)
{
	struct meminfo mi;

	(void)state;
	assert_int_equal(procfs_parse_meminfo(fixture("meminfo-6.18.txt"), &mi),
			 0);
	assert_int_equal(mi.mem_total, 24683656ULL * KB);
	assert_int_equal(mi.page_tables, 3788 * KB);
	assert_int_equal(mi.sec_page_tables, 0);
	assert_int_equal(procfs_parse_meminfo("MemTotal: 1 kB\n", &mi),
			 -EINVAL);
}

static void memstat_by_key(void **state)
{
	const char *v1 = fixture("memory.stat-v1.txt");
	uint64_t v;

	(void)state;
	assert_int_equal(procfs_memstat_value(v1, "pagetables", &v), -ENOENT);
	assert_int_equal(procfs_memstat_value(v1, "swap", &v), 0);
	/* a prefix of a longer key is not the key */
	assert_int_equal(procfs_memstat_value("pagetables_x 5\npagetables 7\n",
					      "pagetables", &v),
			 0);
	assert_int_equal(v, 7);
}

static void memstat_v2_pagetables(void **state)
{
	const char *v2 = fixture("memory.stat-v2-6.12.txt");
	uint64_t v;

	(void)state;
	assert_int_equal(procfs_memstat_value(v2, "pagetables", &v), 0);
	assert_int_equal(v, 36864);
	assert_int_equal(procfs_memstat_value(v2, "sec_pagetables", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(procfs_memstat_value(v2, "anon", &v), 0);
	assert_int_equal(v, 69632);
}

static void cgroup_v1_and_v2_lines(void **state)
{
	const char *hybrid = fixture("cgroup-hybrid-v1.txt");
	char path[128];

	(void)state;
	assert_int_equal(procfs_parse_cgroup(hybrid, false, path, sizeof(path)),
			 0);
	assert_string_equal(path,
			    "/process_api/ebf4c1b4204f541d06d5f6c60de7fe2b");
	assert_int_equal(procfs_parse_cgroup(hybrid, true, path, sizeof(path)),
			 0);
	assert_string_equal(path, "/");
	assert_int_equal(procfs_parse_cgroup(fixture("cgroup-v2.txt"), true,
					     path, sizeof(path)),
			 0);
	assert_string_equal(path, "/app.slice");
	assert_int_equal(procfs_parse_cgroup("0::/a/b.slice\n", true, path,
					     sizeof(path)),
			 0);
	assert_string_equal(path, "/a/b.slice");
	assert_int_equal(procfs_parse_cgroup("3:cpu,memory:/x\n", false, path,
					     sizeof(path)),
			 0);
	assert_string_equal(path, "/x");
	assert_int_equal(procfs_parse_cgroup("3:cpu:/x\n", false, path,
					     sizeof(path)),
			 -ENOENT);
	assert_int_equal(procfs_parse_cgroup("0::/long\n", true, path, 4),
			 -ENAMETOOLONG);
}

/* /proc/PID/stat: field 22 after a comm that holds ") " and spaces */
static void start_time_after_any_comm(void **state)
{
	uint64_t t = 0;

	(void)state;
	assert_int_equal(procfs_parse_start_time(
				 "1234 (a) b (c) S 1 1234 1234 0 -1 4194560 "
				 "100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10",
				 &t),
			 0);
	assert_int_equal(t, 987654);
	/* utime and stime, fields 14 and 15, by the same walk */
	assert_int_equal(procfs_parse_stat_field(
				 "1234 (a) b (c) S 1 1234 1234 0 -1 4194560 "
				 "100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10",
				 15, &t),
			 0);
	assert_int_equal(t, 2);
	assert_int_equal(procfs_parse_stat_field("1234 (x) S 1 2", 2, &t),
			 -EINVAL);
	assert_int_equal(procfs_parse_start_time("1234 (x) S 1 2", &t),
			 -EINVAL);
	assert_int_equal(procfs_parse_start_time("no parenthesis", &t),
			 -EINVAL);
	/* this process: a real file parses, and PID 1 started before us */
	{
		uint64_t self = 0, init = 0;

		assert_int_equal(procfs_start_time("/proc", getpid(), &self),
				 0);
		assert_int_equal(procfs_start_time("/proc", 1, &init), 0);
		assert_true(init <= self);
		assert_int_equal(procfs_start_time("/proc", -2, &self), -ESRCH);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(status_of_a_user_process),
		cmocka_unit_test(status_of_a_kernel_thread_has_no_mm),
		cmocka_unit_test(status_comm_keeps_spaces),
		cmocka_unit_test(status_comm_is_unescaped),
		cmocka_unit_test(status_rejects_other_text),
		cmocka_unit_test(smaps_rollup_of_cat),
		cmocka_unit_test(meminfo_page_tables),
		cmocka_unit_test(memstat_by_key),
		cmocka_unit_test(memstat_v2_pagetables),
		cmocka_unit_test(cgroup_v1_and_v2_lines),
		cmocka_unit_test(start_time_after_any_comm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
