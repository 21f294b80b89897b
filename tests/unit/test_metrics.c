// SPDX-License-Identifier: GPL-2.0
/* The metrics writer: names, bounded cardinality, label escaping, and the
 * atomic textfile. (tests/daemon checks the output with promtool.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/metrics.h"
#include "fixture.h"

static struct d_state st;

static size_t count_lines(const char *text, const char *prefix)
{
	size_t n = 0, len = strlen(prefix);

	for (const char *l = text; l && *l;
	     l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		n += strncmp(l, prefix, len) == 0;
	return n;
}

static int setup(void **state)
{
	(void)state;
	memset(&st, 0, sizeof(st));
	d_config_defaults(&st.cfg);
	st.cfg.top_processes = 3;
	st.cfg.top_cgroups = 2;
	st.have_snap = true;
	st.scan.snap.host.mem_total = 1 << 30;
	st.scan.snap.host.page_tables = 50 << 20;
	st.scan.snap.host.waste_bytes = 40 << 20;
	st.scan.snap.nr_procs = 5;
	st.scan.snap.procs = calloc(5, sizeof(*st.scan.snap.procs));
	/* kept by PID; the writer must follow `order` (most waste first) */
	st.scan.order = calloc(5, sizeof(*st.scan.order));
	for (int i = 0; i < 5; i++) {
		st.scan.order[i] = 4 - i;
		st.scan.snap.procs[i].pid = 100 + i;
		st.scan.snap.procs[i].waste_bytes = (i + 1) << 20;
		snprintf(st.scan.snap.procs[i].comm,
			 sizeof(st.scan.snap.procs[i].comm), "p%d", i);
	}
	strcpy(st.scan.snap.procs[4].comm, "a\"b\\c\nd");
	strcpy(st.scan.snap.procs[4].cgroup, "/system.slice/x.service");
	st.scan.snap.nr_cgroups = 4;
	st.scan.snap.cgroups = calloc(4, sizeof(*st.scan.snap.cgroups));
	for (int i = 0; i < 4; i++) {
		snprintf(st.scan.snap.cgroups[i].path,
			 sizeof(st.scan.snap.cgroups[i].path), "/cg%d", i);
		st.scan.snap.cgroups[i].waste_bytes = (uint64_t)i << 20;
	}
	d_knob_init(&st.knob[D_KNOB_RECLAIM], "vm.pt_reclaim", "/nonexistent");
	d_knob_init(&st.knob[D_KNOB_VMEMMAP], "vm.hugetlb_optimize_vmemmap",
		    "/nonexistent");
	st.knob[D_KNOB_RECLAIM].value = 1;
	st.knob[D_KNOB_RECLAIM].changes = 2;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	snapshot_free(&st.scan.snap);
	free(st.scan.order);
	return 0;
}

static void host_and_knob_series_are_there(void **state)
{
	char *text;
	size_t len;

	(void)state;
	assert_int_equal(d_metrics_render(&st, &text, &len), 0);
	assert_non_null(strstr(text, "\nptwatch_page_tables_bytes 52428800\n"));
	assert_non_null(
		strstr(text, "\nptwatch_page_table_waste_bytes 41943040\n"));
	assert_non_null(
		strstr(text, "\nptwatch_memory_total_bytes 1073741824\n"));
	assert_non_null(
		strstr(text, "ptwatch_knob_value{knob=\"vm.pt_reclaim\"} 1\n"));
	assert_non_null(strstr(
		text,
		"ptwatch_knob_changes_total{knob=\"vm.pt_reclaim\"} 2\n"));
	/* an absent knob has no value series, but says it is absent */
	assert_null(strstr(
		text,
		"ptwatch_knob_value{knob=\"vm.hugetlb_optimize_vmemmap\"}"));
	assert_non_null(strstr(text, "ptwatch_knob_available{knob=\"vm.hugetlb_"
				     "optimize_vmemmap\"} 0\n"));
	assert_non_null(strstr(text, "# TYPE ptwatch_samples_total counter\n"));
	free(text);
}

static void only_top_n_processes_and_cgroups(void **state)
{
	char *text;
	size_t len;

	(void)state;
	assert_int_equal(d_metrics_render(&st, &text, &len), 0);
	assert_int_equal(count_lines(text,
				     "ptwatch_process_page_table_waste_bytes{"),
			 3);
	assert_int_equal(
		count_lines(text, "ptwatch_cgroup_page_table_waste_bytes{"), 2);
	/* the two cgroups with the most waste */
	assert_non_null(strstr(text, "ptwatch_cgroup_page_table_waste_bytes{"
				     "cgroup=\"/cg3\"} 3145728\n"));
	assert_non_null(strstr(text, "ptwatch_cgroup_page_table_waste_bytes{"
				     "cgroup=\"/cg2\"} 2097152\n"));
	assert_null(strstr(text, "{cgroup=\"/cg0\"}"));
	/* the three with the most waste, not the first three by PID */
	assert_non_null(strstr(text, "pid=\"102\""));
	assert_null(strstr(text, "pid=\"101\""));
	assert_null(strstr(text, "pid=\"100\""));
	free(text);
}

/* Below the floor a process has no series, whatever its rank: short-lived
 * processes with a few tables of noise would churn through pids. */
static void processes_below_the_floor_are_left_out(void **state)
{
	char *text;
	size_t len;

	(void)state;
	st.cfg.process_min_waste_kib = 4096; /* 4 MiB: pids 103, 104 */
	assert_int_equal(d_metrics_render(&st, &text, &len), 0);
	st.cfg.process_min_waste_kib = 1024;
	assert_int_equal(count_lines(text,
				     "ptwatch_process_page_table_waste_bytes{"),
			 2);
	assert_int_equal(
		count_lines(text, "ptwatch_process_page_tables_bytes{"), 2);
	assert_non_null(strstr(text, "pid=\"103\""));
	assert_null(strstr(text, "pid=\"102\""));
	/* the family is still declared when nothing reaches the floor */
	free(text);
	st.cfg.process_min_waste_kib = 1u << 30;
	assert_int_equal(d_metrics_render(&st, &text, &len), 0);
	st.cfg.process_min_waste_kib = 1024;
	assert_int_equal(count_lines(text, "ptwatch_process_"), 0);
	assert_non_null(strstr(
		text, "# TYPE ptwatch_process_page_table_waste_bytes gauge\n"));
	free(text);
}

/* /init.scope on cgroup v2: memory.stat charges PID 1's tables to the
 * root, where they were allocated; waste sums the processes now in it.
 * The exposition has the figure with the waste's attribution beside it,
 * and the help says which is which (issue 16, defect 6). */
static void cgroup_figures_say_their_attribution(void **state)
{
	struct cgroup_sample cg[2] = {
		{ .path = "/",
		  .page_table_bytes = 61440,
		  .waste_bytes = 53248,
		  .nr_procs = 1,
		  .source = "processes" },
		{ .path = "/init.scope",
		  .page_table_bytes = 4096,
		  .waste_bytes = 53248,
		  .nr_procs = 1,
		  .source = "memory.stat" },
	};
	struct proc_sample pid1 = { .pid = 1,
				    .page_table_bytes = 57344,
				    .waste_bytes = 53248,
				    .cgroup = "/init.scope" };
	struct proc_sample *procs = st.scan.snap.procs;
	struct cgroup_sample *cgs = st.scan.snap.cgroups;
	size_t np = st.scan.snap.nr_procs, nc = st.scan.snap.nr_cgroups;
	char *text;
	size_t len;
	int rc;

	(void)state;
	st.scan.snap.procs = &pid1;
	st.scan.snap.nr_procs = 1;
	st.scan.snap.cgroups = cg;
	st.scan.snap.nr_cgroups = 2;
	st.scan.order[0] = 0;
	rc = d_metrics_render(&st, &text, &len);
	st.scan.snap.procs = procs;
	st.scan.snap.nr_procs = np;
	st.scan.snap.cgroups = cgs;
	st.scan.snap.nr_cgroups = nc;
	st.scan.order[0] = 4;
	assert_int_equal(rc, 0);
	assert_non_null(strstr(text, "ptwatch_cgroup_page_tables_bytes{cgroup="
				     "\"/init.scope\"} 4096\n"));
	assert_non_null(strstr(text, "ptwatch_cgroup_process_page_tables_bytes{"
				     "cgroup=\"/init.scope\"} 57344\n"));
	assert_non_null(strstr(text, "ptwatch_cgroup_process_page_tables_bytes{"
				     "cgroup=\"/\"} 57344\n"));
	assert_non_null(strstr(text, "ptwatch_cgroup_page_table_waste_bytes{"
				     "cgroup=\"/init.scope\"} 53248\n"));
	/* the help says where each figure comes from, v1 included */
	assert_non_null(strstr(text, "# HELP ptwatch_cgroup_page_tables_bytes "
				     "Page tables charged to a memory cgroup"));
	assert_non_null(strstr(text, "VmPTE on cgroup v1"));
	assert_non_null(strstr(text, "the attribution of the waste series"));
	free(text);
}

static void labels_are_escaped(void **state)
{
	char *text;
	size_t len;

	(void)state;
	assert_int_equal(d_metrics_render(&st, &text, &len), 0);
	assert_non_null(strstr(
		text, "ptwatch_process_page_table_waste_bytes{pid=\"104\","
		      "comm=\"a\\\"b\\\\c\\nd\",cgroup=\"/system.slice/"
		      "x.service\"} 5242880\n"));
	free(text);
}

static void textfile_is_replaced_whole(void **state)
{
	char dir[64], path[128], buf[64];
	struct dirent *de;
	int files = 0;
	FILE *f;
	DIR *d;

	(void)state;
	fixture_tmpdir(dir, sizeof(dir), "ptw-prom");
	assert_int_equal(d_metrics_write_textfile(dir, "a 1\n", 4), 0);
	assert_int_equal(d_metrics_write_textfile(dir, "b 2\n", 4), 0);
	snprintf(path, sizeof(path), "%s/ptwatch.prom", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_string_equal(buf, "b 2\n");
	fclose(f);
	/* no temporary file left behind */
	d = opendir(dir);
	while ((de = readdir(d)))
		files += de->d_name[0] != '.';
	closedir(d);
	assert_int_equal(files, 1);
	assert_int_equal(fixture_rmtree(dir), 0);
	/* a directory that is not there is an error, not a crash */
	assert_int_not_equal(
		d_metrics_write_textfile("/nonexistent/dir", "x", 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(host_and_knob_series_are_there),
		cmocka_unit_test(only_top_n_processes_and_cgroups),
		cmocka_unit_test(processes_below_the_floor_are_left_out),
		cmocka_unit_test(cgroup_figures_say_their_attribution),
		cmocka_unit_test(labels_are_escaped),
		cmocka_unit_test(textfile_is_replaced_whole),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
