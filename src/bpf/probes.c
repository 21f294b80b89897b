// SPDX-License-Identifier: GPL-2.0
/*
 * Loads the one BPF object with the programs select.c chose and
 * attaches them. libbpf loads an object all or nothing, so a program that
 * fails to load or attach is marked failed, its probe falls to its next
 * candidate, and the object is opened again; the loop ends because every
 * round marks one more candidate failed.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "probes_priv.h"
#include "ptwatch.skel.h"

/* libbpf's warnings of the current load, to find the failing program. */
static char load_log[4096];

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	size_t len = strlen(load_log);
	va_list copy;

	if (level == LIBBPF_DEBUG && !getenv("PTWATCH_BPF_DEBUG"))
		return 0;
	if (getenv("PTWATCH_BPF_DEBUG")) {
		va_copy(copy, ap);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	if (level == LIBBPF_WARN && len < sizeof(load_log) - 1)
		vsnprintf(load_log + len, sizeof(load_log) - len, fmt, ap);
	return 0;
}

/* The probe whose program libbpf named first in its warnings, or -1. */
static int failing_probe(const struct ptw_selection *sel)
{
	const char *s = strstr(load_log, "prog '");
	char name[64];
	int n;

	if (!s || sscanf(s, "prog '%63[^']'", name) != 1)
		return -1;
	for (int p = 0; p < PTW_PROBE_NR; p++) {
		const struct ptw_cand *c = ptw_cands(p, &n);
		int i = sel->idx[p];

		if (i >= 0 && (!strcmp(c[i].prog, name) ||
			       (c[i].prog2 && !strcmp(c[i].prog2, name))))
			return p;
	}
	return -1;
}

/* Switches on exactly the chosen programs, aimed at their targets. */
static int enable_chosen(struct ptwatch_bpf *skel,
			 const struct ptw_selection *sel)
{
	struct bpf_program *prog;
	int n;

	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	for (int p = 0; p < PTW_PROBE_NR; p++) {
		const struct ptw_cand *c = ptw_cands(p, &n);
		const char *names[2];

		if (sel->idx[p] < 0)
			continue;
		c += sel->idx[p];
		names[0] = c->prog;
		names[1] = c->prog2;
		for (int k = 0; k < 2 && names[k]; k++) {
			prog = bpf_object__find_program_by_name(skel->obj,
								names[k]);
			if (!prog)
				return -ENOENT;
			bpf_program__set_autoload(prog, true);
			/* One fentry program serves several functions with
			 * the same argument layout. */
			if (c->kind == PTW_ATTACH_FENTRY &&
			    bpf_program__set_attach_target(prog, 0, c->target))
				return -EINVAL;
		}
	}
	return 0;
}

static struct bpf_link *attach_prog(struct bpf_program *prog,
				    const struct ptw_cand *c, bool exit_half)
{
	char sys[64], *ev;

	if (c->kind == PTW_ATTACH_FENTRY)
		return bpf_program__attach_trace(prog);
	if (c->kind == PTW_ATTACH_KPROBE)
		return bpf_program__attach_kprobe(prog, exit_half, c->target);
	if (c->via == PTW_VIA_RAW_TP)
		return bpf_program__attach_raw_tracepoint(prog, c->target);
	snprintf(sys, sizeof(sys), "%s", c->target);
	ev = strchr(sys, '/');
	if (!ev) {
		errno = EINVAL;
		return NULL;
	}
	*ev++ = '\0';
	return bpf_program__attach_tracepoint(prog, sys, ev);
}

/* Attaches probe p's programs. Returns 0 or -errno. */
static int attach_probe(struct bpf_probes *bp, const struct ptw_selection *sel,
			enum ptw_probe p)
{
	const struct ptw_cand *c;
	int n, first = bp->nlinks;

	if (sel->idx[p] < 0)
		return 0;
	c = ptw_cands(p, &n) + sel->idx[p];
	for (int k = 0; k < 2; k++) {
		const char *name = k ? c->prog2 : c->prog;
		struct bpf_program *prog;
		struct bpf_link *link;

		if (!name)
			break;
		prog = bpf_object__find_program_by_name(bp->skel->obj, name);
		link = prog ? attach_prog(prog, c, k == 1) : NULL;
		if (!link || bp->nlinks >= PTW_MAX_LINKS) {
			int err = -(errno ? errno : EINVAL);

			bpf_link__destroy(link);
			while (bp->nlinks > first)
				bpf_link__destroy(bp->links[--bp->nlinks]);
			return err;
		}
		bp->links[bp->nlinks++] = link;
	}
	return 0;
}

static void unload(struct bpf_probes *bp)
{
	bpf_read_free(bp);
	while (bp->nlinks > 0)
		bpf_link__destroy(bp->links[--bp->nlinks]);
	ptwatch_bpf__destroy(bp->skel);
	bp->skel = NULL;
}

/* One round: open, load, attach what sel chose. Returns 0; or the probe
 * that failed (>= 1000 + p) after marking it; or -errno for a failure of
 * the whole object. */
static int try_load(struct bpf_probes *bp, struct ptw_selection *sel,
		    const struct bpf_probes_opts *o)
{
	char why[160];
	int err, p;

	bp->skel = ptwatch_bpf__open();
	if (!bp->skel)
		return -errno;
	bp->skel->rodata->filter_tgid = o->pid;
	bpf_map__set_max_entries(bp->skel->maps.procs,
				 o->max_procs ? o->max_procs : PTW_MAX_PROCS);
	err = enable_chosen(bp->skel, sel);
	if (err)
		return err;
	load_log[0] = '\0';
	err = ptwatch_bpf__load(bp->skel);
	if (err) {
		p = failing_probe(sel);
		if (p < 0)
			return err;
		snprintf(why, sizeof(why), "failed to load (%s)",
			 strerror(-err));
		ptw_select_fail(sel, p, why);
		return 1000 + p;
	}
	for (p = 0; p < PTW_PROBE_NR; p++) {
		err = attach_probe(bp, sel, p);
		if (err) {
			snprintf(why, sizeof(why), "failed to attach (%s)",
				 strerror(-err));
			ptw_select_fail(sel, p, why);
			return 1000 + p;
		}
	}
	bp->procs_fd = bpf_map__fd(bp->skel->maps.procs);
	bp->totals_fd = bpf_map__fd(bp->skel->maps.totals);
	return bpf_read_init(bp, bpf_map__fd(bp->skel->maps.exits));
}

static bool any_attached(const struct ptw_probe_status *st)
{
	for (int p = 0; p < PTW_PROBE_NR; p++) {
		if (p != PTW_PROBE_EXIT && st[p].attach != PTW_ATTACH_NONE)
			return true;
	}
	return false;
}

int bpf_probes_open(struct bpf_probes **out, const struct bpf_probes_opts *opts)
{
	static const struct bpf_probes_opts defaults;
	libbpf_print_fn_t old = libbpf_set_print(libbpf_print);
	struct ptw_selection sel = { 0 };
	struct bpf_detect d;
	struct bpf_probes *bp = calloc(1, sizeof(*bp));
	int err = -ENOMEM;

	*out = NULL;
	if (!bp)
		goto done;
	bpf_detect_init(&d);
	ptw_select_prefetch(&d);
	do {
		unload(bp);
		ptw_select(&d, &sel, bp->st);
		err = try_load(bp, &sel, opts ? opts : &defaults);
	} while (err >= 1000);
	bpf_detect_free(&d);
	if (!err && !any_attached(bp->st))
		err = -ENOENT;
	if (err) {
		unload(bp);
		free(bp);
		goto done;
	}
	for (int p = 0; p < PTW_PROBE_NR; p++)
		bp->st[p].verified = bp->st[p].attach != PTW_ATTACH_NONE;
	*out = bp;
done:
	libbpf_set_print(old);
	return err;
}

void bpf_probes_close(struct bpf_probes *bp)
{
	if (!bp)
		return;
	unload(bp);
	free(bp);
}

void bpf_probes_plan(struct ptw_probe_status st[PTW_PROBE_NR])
{
	struct ptw_selection sel = { 0 };
	struct bpf_detect d;

	bpf_detect_init(&d);
	ptw_select_prefetch(&d);
	ptw_select(&d, &sel, st);
	bpf_detect_free(&d);
}

const struct ptw_probe_status *bpf_probes_status(const struct bpf_probes *bp)
{
	return bp->st;
}
