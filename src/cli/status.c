// SPDX-License-Identifier: GPL-2.0
/*
 * ptwatch status [--json]: what this kernel offers and how every BPF probe
 * attaches. As root the probes are really loaded and attached (then
 * removed); without root the plan is shown, from BTF and kallsyms.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bpf_json.h"
#include "bpf_probes.h"
#include "cli.h"
#include "spec.h"
#include "term.h"
#include "view.h"
#include "kfeatures.h"

struct status {
	struct kfeatures kf;
	struct ptw_probe_status st[PTW_PROBE_NR];
	bool loaded;
	char why_not_loaded[128];
};

static void probe_status(struct status *s)
{
	struct bpf_probes_opts o = { .max_procs = 64 };
	struct bpf_probes *bp;
	int err;

	err = bpf_probes_open(&bp, &o);
	if (err == -EPERM || err == -EACCES) {
		snprintf(
			s->why_not_loaded, sizeof(s->why_not_loaded),
			"not root: the plan from BTF and kallsyms, not verified");
		bpf_probes_plan(s->st);
		return;
	}
	if (err) {
		snprintf(s->why_not_loaded, sizeof(s->why_not_loaded),
			 "loading failed (%s): the plan from BTF and kallsyms",
			 strerror(-err));
		bpf_probes_plan(s->st);
		return;
	}
	memcpy(s->st, bpf_probes_status(bp), sizeof(s->st));
	s->loaded = true;
	bpf_probes_close(bp);
}

static json_object *kernel_json(const struct kfeatures *kf)
{
	json_object *k = json_object_new_object(), *r, *h;
	bool sysctl = kf->pt_reclaim == PT_RECLAIM_SYSCTL;

	json_object_object_add(k, "release",
			       json_object_new_string(kf->release));
	json_object_object_add(k, "btf", json_object_new_boolean(kf->btf));
	r = json_object_new_object();
	json_object_object_add(
		r, "mode",
		json_object_new_string(pt_reclaim_mode_name(kf->pt_reclaim)));
	json_object_object_add(
		r, "sysctl",
		sysctl ? json_object_new_string("vm.pt_reclaim") : NULL);
	json_object_object_add(
		r, "value",
		sysctl && kf->pt_reclaim_value >= 0 ?
			json_object_new_int(kf->pt_reclaim_value) :
			NULL);
	json_object_object_add(k, "pt_reclaim", r);
	h = json_object_new_object();
	json_object_object_add(
		h, "sysctl",
		kf->hugetlb_vmemmap_sysctl ?
			json_object_new_string("vm.hugetlb_optimize_vmemmap") :
			NULL);
	json_object_object_add(
		h, "value",
		kf->hugetlb_vmemmap_value >= 0 ?
			json_object_new_int(kf->hugetlb_vmemmap_value) :
			NULL);
	json_object_object_add(k, "hugetlb_vmemmap", h);
	json_object_object_add(k, "pagemap_scan",
			       json_object_new_boolean(kf->pagemap_scan));
	return k;
}

static void print_status_json(const struct status *s)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "kernel", kernel_json(&s->kf));
	json_object_object_add(o, "probes_loaded",
			       json_object_new_boolean(s->loaded));
	if (!s->loaded)
		json_object_object_add(
			o, "probes_note",
			json_object_new_string(s->why_not_loaded));
	json_object_object_add(o, "probes", ptw_probes_json(s->st));
	print_json(o);
	json_object_put(o);
}

static void print_kernel(const struct kfeatures *kf)
{
	printf("%-19s %s\n", "kernel", kf->release);
	printf("%-19s %s\n", "BTF", kf->btf ? "yes" : "no");
	printf("%-19s ", "PTE-table reclaim");
	if (kf->pt_reclaim == PT_RECLAIM_SYSCTL)
		printf("patched: vm.pt_reclaim = %d\n", kf->pt_reclaim_value);
	else if (kf->pt_reclaim == PT_RECLAIM_BUILTIN)
		printf("builtin (CONFIG_PT_RECLAIM, no runtime switch)\n");
	else
		printf("absent\n");
	printf("%-19s ", "HugeTLB vmemmap");
	if (kf->hugetlb_vmemmap_sysctl)
		printf("vm.hugetlb_optimize_vmemmap = %d\n",
		       kf->hugetlb_vmemmap_value);
	else
		printf("no sysctl\n");
	printf("%-19s %s\n", "PAGEMAP_SCAN", kf->pagemap_scan ? "yes" : "no");
}

static void print_status_text(const struct status *s)
{
	print_kernel(&s->kf);
	printf("%-19s %s\n\n", "probes",
	       s->loaded ? "loaded and attached, then removed" :
			   s->why_not_loaded);
	printf("%-19s %-10s %s\n", "PROBE", "ATTACH", "TARGET");
	for (int p = 0; p < PTW_PROBE_NR; p++) {
		const struct ptw_probe_status *st = &s->st[p];
		bool none = st->attach == PTW_ATTACH_NONE;

		printf("%-19s %-10s %s%s\n", st->name,
		       ptw_attach_name(st->attach), none ? "-" : st->target,
		       st->fallback ? " (fallback: a caller)" : "");
		if (st->reason[0])
			term_fold(stdout, 20,
				  none ? "why: " : "note: ", st->reason,
				  term_width());
	}
}

int cmd_status(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct cli_cmd *cmd = cli_cmd_find("status");
	struct option opts[CLI_MAX_OPTS + 1];
	char shorts[3 * CLI_MAX_OPTS + 2];
	struct status s = { 0 };
	bool json = ctx->json;
	int c;

	cli_getopt_tables(cmd->opts, "", opts, shorts);
	while ((c = cli_getopt(argc, argv, shorts, opts, cmd->opts)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			cli_cmd_usage(stdout, cmd);
			return PTW_OK;
		default:
			return PTW_USAGE; /* getopt said why, on one line */
		}
	}
	if (optind < argc)
		return cli_error(PTW_USAGE, "status: unexpected argument '%s'",
				 argv[optind]);
	kfeatures_probe(&s.kf, NULL);
	probe_status(&s);
	if (json)
		print_status_json(&s);
	else
		print_status_text(&s);
	return PTW_OK;
}
