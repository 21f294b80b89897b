// SPDX-License-Identifier: GPL-2.0
/*
 * The kallsyms scanner's counts of text symbols by name, and the BPF
 * loader's choice when a name is listed more than once: fentry on
 * mainline's free_pte, which x86's ident_map.c has too, crashed a kernel,
 * so such a name must be passed over, with the reason, for the next
 * candidate. The choice runs on a fixture kallsyms without kernel BTF
 * (fentry and raw tracepoints then cannot be offered; kprobes can).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fixture.h"
#include "bpf_json.h"
#include "kallsyms.h"
#include "bpf/detect.h"
#include "bpf/probes_priv.h"

static char dir[128], path[256];

/* Writes the fixture kallsyms; returns its path. */
static const char *kallsyms_file(const char *text)
{
	fixture_write(dir, "kallsyms", text);
	snprintf(path, sizeof(path), "%s/kallsyms", dir);
	return path;
}

static int setup(void **state)
{
	(void)state;
	fixture_tmpdir(dir, sizeof(dir), "ptw-kallsyms");
	unsetenv("PTWATCH_BPF_DENY");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return fixture_rmtree(dir);
}

/* Mainline 6.14+ on x86: free_pte twice (mm/pt_reclaim.c's global one,
 * arch/x86/mm/ident_map.c's static one), as /proc/kallsyms lists them
 * without root (addresses zeroed). */
static const char mainline_x86[] = "0000000000000000 T pmd_install\n"
				   "0000000000000000 t free_pte\n"
				   "0000000000000000 T free_pte\n"
				   "0000000000000000 T try_to_free_pte\n"
				   "0000000000000000 t free_pte.cold\n"
				   "0000000000000000 d free_pgtables\n"
				   "0000000000000000 T free_pgtables\n"
				   "0000000000000000 D only_data\n"
				   "0000000000000000 t helper\t[kvm]\n"
				   "0000000000000000 t helper\t[xfs]\n";

static void counts_text_symbols_by_name(void **state)
{
	const char *names[] = { "free_pte",  "try_to_free_pte", "free_pgtables",
				"only_data", "helper",		"not_there" };
	unsigned int counts[6];

	(void)state;
	assert_int_equal(kallsyms_count_text(kallsyms_file(mainline_x86), names,
					     6, counts),
			 0);
	assert_int_equal(counts[0], 2); /* t and T; not free_pte.cold */
	assert_int_equal(counts[1], 1);
	assert_int_equal(counts[2], 1); /* the data symbol does not count */
	assert_int_equal(counts[3], 0); /* data only */
	assert_int_equal(counts[4], 2); /* modules' count too */
	assert_int_equal(counts[5], 0);
}

static void unreadable_file_counts_nothing(void **state)
{
	const char *name = "free_pte";
	unsigned int count = 7;
	char missing[300];

	(void)state;
	snprintf(missing, sizeof(missing), "%s/none", dir);
	assert_int_equal(kallsyms_count_text(missing, &name, 1, &count),
			 -ENOENT);
	assert_int_equal(count, 0);
}

/* The plan on the fixture: what `ptwatch status` would show. */
static void plan(const char *text, struct ptw_probe_status st[PTW_PROBE_NR])
{
	struct ptw_selection sel = { 0 };
	struct bpf_detect d = { 0 };

	d.kallsyms = kallsyms_file(text);
	d.kprobes = true; /* no BTF, no loads: kprobes are what is left */
	ptw_select_prefetch(&d);
	ptw_select(&d, &sel, st);
}

/* Probe p of the plan on kallsyms text attaches by kprobe to target. */
static const struct ptw_probe_status *
expect_kprobe(const char *text, enum ptw_probe p, const char *target,
	      struct ptw_probe_status st[PTW_PROBE_NR])
{
	plan(text, st);
	assert_int_equal(st[p].attach, PTW_ATTACH_KPROBE);
	assert_string_equal(st[p].target, target);
	return &st[p];
}

static void count_of(const char *hay, const char *needle, int want)
{
	int n = 0;

	for (const char *s = hay; (s = strstr(s, needle)); s++)
		n++;
	if (n != want)
		fail_msg("'%s' %d times in '%s', not %d", needle, n, hay, want);
}

static void duplicate_name_is_refused_with_the_reason(void **state)
{
	struct ptw_probe_status st[PTW_PROBE_NR];
	const struct ptw_probe_status *r = &st[PTW_PROBE_RECLAIM];
	json_object *a, *reason;

	(void)state;
	expect_kprobe(mainline_x86, PTW_PROBE_PMD_INSTALL, "pmd_install", st);
	assert_int_equal(r->attach, PTW_ATTACH_NONE);
	/* said once for both fentry and kprobe */
	count_of(r->reason,
		 "free_pte: 2 text symbols of that name in kallsyms "
		 "(fentry and kprobes by name cannot tell them apart)",
		 1);
	count_of(r->reason, "kprobe free_pte", 0);
	/* what `ptwatch status --json` says: the reason of an unattached probe */
	a = ptw_probes_json(st);
	assert_true(json_object_object_get_ex(
		json_object_array_get_idx(a, PTW_PROBE_RECLAIM), "reason",
		&reason));
	count_of(json_object_get_string(reason),
		 "free_pte: 2 text symbols of that name in kallsyms", 1);
	json_object_put(a);
	/* the unique names next to it attach (pmd_install, above) */
	assert_int_equal(st[PTW_PROBE_FREE_PGTABLES].attach, PTW_ATTACH_KPROBE);
}

static void unique_mainline_free_pte_is_taken(void **state)
{
	struct ptw_probe_status st[PTW_PROBE_NR];

	(void)state;
	assert_false(expect_kprobe("0 T free_pte\n0 T try_to_free_pte\n",
				   PTW_PROBE_RECLAIM, "free_pte", st)
			     ->fallback);
}

static void free_pte_without_pt_reclaim_is_not_taken(void **state)
{
	struct ptw_probe_status st[PTW_PROBE_NR];
	const struct ptw_probe_status *r = &st[PTW_PROBE_RECLAIM];

	(void)state;
	/* ident_map.c's alone: the kernel has no PT_RECLAIM */
	plan("0 t free_pte\n", st);
	assert_int_equal(r->attach, PTW_ATTACH_NONE);
	count_of(r->reason,
		 "free_pte: no try_to_free_pte in kallsyms, so not the "
		 "function meant",
		 1);
}

static void our_series_takes_pt_reclaim_free_pte(void **state)
{
	struct ptw_probe_status st[PTW_PROBE_NR];

	(void)state;
	expect_kprobe("0 t free_pte\n0 T pt_reclaim_free_pte\n"
		      "0 T try_to_free_pte\n",
		      PTW_PROBE_RECLAIM, "pt_reclaim_free_pte", st);
}

static void duplicate_falls_to_the_next_candidate(void **state)
{
	struct ptw_probe_status st[PTW_PROBE_NR];
	const struct ptw_probe_status *z;

	(void)state;
	z = expect_kprobe("0 t zap_pte_range\n0 t zap_pte_range\n"
			  "0 T zap_pmd_range\n",
			  PTW_PROBE_ZAP, "zap_pmd_range", st);
	assert_true(z->fallback);
	count_of(z->reason, "zap_pte_range: 2 text symbols of that name", 1);
	/* pt_reclaim_free_pte's reason must not pass for free_pte's */
	plan("0 T try_to_free_pte\n", st);
	count_of(st[PTW_PROBE_RECLAIM].reason, "; free_pte: not in kallsyms",
		 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_text_symbols_by_name),
		cmocka_unit_test(unreadable_file_counts_nothing),
		cmocka_unit_test(duplicate_name_is_refused_with_the_reason),
		cmocka_unit_test(unique_mainline_free_pte_is_taken),
		cmocka_unit_test(free_pte_without_pt_reclaim_is_not_taken),
		cmocka_unit_test(our_series_takes_pt_reclaim_free_pte),
		cmocka_unit_test(duplicate_falls_to_the_next_candidate),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
