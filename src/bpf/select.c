// SPDX-License-Identifier: GPL-2.0
/*
 * Which program each probe uses on this kernel. The candidates are listed
 * best first; the first the kernel offers wins. The order is fentry, kprobe,
 * tracepoint, then callers; the zap probe is the exception: the tracepoint
 * of our 6.12 series comes first, because it is the only source that says
 * how many PTEs were zapped and in which batches, while zap_pte_range and
 * its callers can only show the address range they were asked to zap.
 *
 * A function listed more than once in kallsyms is never attached to by
 * name: fentry takes the one BTF FUNC of that name, whose prototype may be
 * the other function's (fentry on mainline's free_pte got x86 ident_map.c's
 * two-argument one and crashed a kernel), and a kprobe takes whichever
 * kallsyms gives first. Such candidates are passed over, before any trial
 * load, with the reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "probes_priv.h"

#define BIT(c) (1u << (c))
#define MADV_BITS                                                          \
	(BIT(PTW_C_MADV_DONTNEED_CALLS) | BIT(PTW_C_MADV_DONTNEED_BYTES) | \
	 BIT(PTW_C_MADV_FREE_CALLS) | BIT(PTW_C_MADV_FREE_BYTES))
#define ZAP_RANGE_BITS (BIT(PTW_C_ZAP_CALLS) | BIT(PTW_C_ZAP_BYTES))
#define ZAP_TABLE_BITS                                        \
	(BIT(PTW_C_PTES_ZAPPED) | BIT(PTW_C_ZAP_PTE_TABLES) | \
	 BIT(PTW_C_PTE_RECLAIM_BUSY))

/* The candidate tables read best one candidate per line: */
/* clang-format off */
#define FUNC(kind, fn, p, p2, fb, bits) \
	{ PTW_ATTACH_##kind, PTW_VIA_FUNC, fn, fn, p, p2, fb, bits, NULL }
#define FUNC_IF(kind, fn, p, req, bits) \
	{ PTW_ATTACH_##kind, PTW_VIA_FUNC, fn, fn, p, NULL, false, bits, req }
#define RAWTP(name, shown, p, bits) \
	{ PTW_ATTACH_TRACEPOINT, PTW_VIA_RAW_TP, name, shown, p, NULL, false, bits, NULL }

static const struct ptw_cand pmd_install[] = {
	FUNC(FENTRY, "pmd_install", "fentry_pmd_install", NULL, false, BIT(PTW_C_PTE_INSTALLED)),
	FUNC(KPROBE, "pmd_install", "kprobe_pmd_install", NULL, false, BIT(PTW_C_PTE_INSTALLED)),
	RAWTP("pte_table_install", "pagetable:pte_table_install",
	      "raw_pte_table_install", BIT(PTW_C_PTE_INSTALLED)),
};

static const struct ptw_cand free_pgtables[] = {
	FUNC(FENTRY, "free_pgtables", "fentry_free_pgtables", "fexit_free_pgtables",
	     false, BIT(PTW_C_PTE_FREED)),
	FUNC(KPROBE, "free_pgtables", "kprobe_free_pgtables", "kretprobe_free_pgtables",
	     false, BIT(PTW_C_PTE_FREED)),
	RAWTP("pte_table_free", "pagetable:pte_table_free",
	      "raw_pte_table_free_unmap", BIT(PTW_C_PTE_FREED)),
};

static const struct ptw_cand zap[] = {
	RAWTP("zap_pte_table", "pagetable:zap_pte_table", "raw_zap_pte_table",
	      ZAP_TABLE_BITS),
	FUNC(FENTRY, "zap_pte_range", "fentry_zap_a34", NULL, false, ZAP_RANGE_BITS),
	FUNC(KPROBE, "zap_pte_range", "kprobe_zap_a34", NULL, false, ZAP_RANGE_BITS),
	FUNC(FENTRY, "zap_pmd_range", "fentry_zap_a34", NULL, true, ZAP_RANGE_BITS),
	FUNC(KPROBE, "zap_pmd_range", "kprobe_zap_a34", NULL, true, ZAP_RANGE_BITS),
	FUNC(FENTRY, "unmap_page_range", "fentry_zap_a23", NULL, true, ZAP_RANGE_BITS),
	FUNC(KPROBE, "unmap_page_range", "kprobe_zap_a23", NULL, true, ZAP_RANGE_BITS),
	FUNC(FENTRY, "zap_page_range_single", "fentry_zap_a12", NULL, true, ZAP_RANGE_BITS),
	FUNC(KPROBE, "zap_page_range_single", "kprobe_zap_a12", NULL, true, ZAP_RANGE_BITS),
};

/*
 * Our series' function and tracepoint first, then mainline's free_pte:
 * where our series is, a free_pte is x86 ident_map.c's, never the reclaim
 * one; and where mainline's is, the tracepoint is not. Mainline's free_pte
 * counts only beside its try_to_free_pte (CONFIG_PT_RECLAIM), so that
 * ident_map.c's alone (PT_RECLAIM off) is not taken for it.
 */
static const struct ptw_cand reclaim[] = {
	FUNC(FENTRY, "pt_reclaim_free_pte", "fentry_pte_reclaim", NULL, false, BIT(PTW_C_PTE_RECLAIMED)),
	FUNC(KPROBE, "pt_reclaim_free_pte", "kprobe_pte_reclaim", NULL, false, BIT(PTW_C_PTE_RECLAIMED)),
	RAWTP("pte_table_free", "pagetable:pte_table_free",
	      "raw_pte_table_free_reclaim", BIT(PTW_C_PTE_RECLAIMED)),
	FUNC_IF(FENTRY, "free_pte", "fentry_pte_reclaim", "try_to_free_pte", BIT(PTW_C_PTE_RECLAIMED)),
	FUNC_IF(KPROBE, "free_pte", "kprobe_pte_reclaim", "try_to_free_pte", BIT(PTW_C_PTE_RECLAIMED)),
};

/* do_madvise first: the syscall tracepoints tax every syscall (above) */
static const struct ptw_cand madvise[] = {
	FUNC(FENTRY, "do_madvise", "fentry_madvise", NULL, false, MADV_BITS),
	FUNC(KPROBE, "do_madvise", "kprobe_madvise", NULL, false, MADV_BITS),
	{ PTW_ATTACH_TRACEPOINT, PTW_VIA_TP, "syscalls/sys_enter_madvise",
	  "syscalls:sys_enter_madvise", "tp_sys_enter_madvise", NULL, false,
	  MADV_BITS, NULL },
	RAWTP("sys_enter", "raw_syscalls:sys_enter", "raw_sys_enter", MADV_BITS),
};

static const struct ptw_cand proc_exit[] = {
	RAWTP("sched_process_exit", "sched:sched_process_exit",
	      "raw_sched_process_exit", 0),
};
/* clang-format on */

static const struct {
	const char *name;
	const struct ptw_cand *cands;
	int n;
} probes[PTW_PROBE_NR] = {
#define P(id, nm, arr) [id] = { nm, arr, sizeof(arr) / sizeof(arr[0]) }
	P(PTW_PROBE_PMD_INSTALL, "pmd_install", pmd_install),
	P(PTW_PROBE_FREE_PGTABLES, "free_pgtables", free_pgtables),
	P(PTW_PROBE_ZAP, "zap_pte_range", zap),
	P(PTW_PROBE_RECLAIM, "pte_reclaim", reclaim),
	P(PTW_PROBE_MADVISE, "madvise", madvise),
	P(PTW_PROBE_EXIT, "sched_process_exit", proc_exit),
#undef P
};

const struct ptw_cand *ptw_cands(enum ptw_probe p, int *n)
{
	*n = probes[p].n;
	return probes[p].cands;
}

const char *ptw_probe_name(enum ptw_probe p)
{
	return probes[p].name;
}

/* Appends "; text" to a reason. */
static void why_add(char *buf, size_t size, const char *fmt, const char *a,
		    const char *b)
{
	size_t len = strlen(buf);

	if (len + 3 >= size)
		return;
	if (len) {
		strcpy(buf + len, "; ");
		len += 2;
	}
	snprintf(buf + len, size - len, fmt, a, b);
}

/* Whether the reason already has an item "name: ..." (of any kind). */
static bool why_has(const char *why, const char *name)
{
	size_t len = strlen(name);

	for (const char *s = why; (s = strstr(s, name)); s += len) {
		if ((s == why || (s - why >= 2 && !strncmp(s - 2, "; ", 2))) &&
		    s[len] == ':')
			return true;
	}
	return false;
}

/*
 * Whether the target's name fails to tell which function it is: more than
 * one text symbol of that name, or its companion symbol missing. Says why
 * once per name, not once per attach kind.
 */
static bool func_ambiguous(const struct bpf_detect *d, const struct ptw_cand *c,
			   unsigned int nsyms, char *why, size_t size)
{
	char n[16];

	if (nsyms > 1) {
		snprintf(n, sizeof(n), "%u", nsyms);
		if (!why_has(why, c->target))
			why_add(why, size,
				"%s: %s text symbols of that name in kallsyms "
				"(fentry and kprobes by name cannot tell them apart)",
				c->target, n);
		return true;
	}
	if (c->requires_sym && !bpf_detect_kallsyms(d, c->requires_sym)) {
		if (!why_has(why, c->target))
			why_add(why, size,
				"%s: no %s in kallsyms, so not the function meant "
				"(another of that name)",
				c->target, c->requires_sym);
		return true;
	}
	return false;
}

/*
 * Does the kernel offer function candidate c? Says why not in `why`. A
 * function found neither in kallsyms nor in BTF is reported once, not once
 * per attach kind.
 */
static bool func_offered(const struct bpf_detect *d, const struct ptw_cand *c,
			 char *why, size_t size, bool *verified)
{
	unsigned int nsyms = bpf_detect_kallsyms_count(d, c->target);
	bool in_btf = bpf_detect_btf_func(d, c->target);
	bool in_syms = nsyms > 0;
	int err;

	*verified = false;
	if (!in_btf && !in_syms) {
		if (!why_has(why, c->target))
			why_add(why, size,
				"%s: not in kallsyms or BTF (inlined or absent)%s",
				c->target, "");
		return false;
	}
	/* Before the trial load below: that alone attaches a trampoline. */
	if (func_ambiguous(d, c, nsyms, why, size))
		return false;
	if (c->kind == PTW_ATTACH_KPROBE) {
		if (!d->kprobes) {
			why_add(why, size,
				"kprobe %s: kernel has no kprobes (CONFIG_KPROBES off)%s",
				c->target, "");
			return false;
		}
		if (!in_syms || bpf_detect_kprobe_blacklisted(c->target)) {
			why_add(why, size, "kprobe %s: %s", c->target,
				in_syms ? "blacklisted" : "not in kallsyms");
			return false;
		}
		*verified = d->can_load;
		return true;
	}
	if (!in_btf) {
		why_add(why, size, "fentry %s: %s", c->target, "not in BTF");
		return false;
	}
	if (!d->can_load)
		return true; /* a plan: cannot be tried without privileges */
	err = bpf_detect_fentry(d, c->target);
	if (err) {
		why_add(why, size, "fentry %s: refused by the kernel (%s)",
			c->target, strerror(-err));
		return false;
	}
	*verified = true;
	return true;
}

static bool cand_offered(const struct bpf_detect *d, const struct ptw_cand *c,
			 char *why, size_t size, bool *verified)
{
	*verified = d->can_load;
	switch (c->via) {
	case PTW_VIA_FUNC:
		return func_offered(d, c, why, size, verified);
	case PTW_VIA_RAW_TP:
		if (bpf_detect_raw_tp(d, c->target))
			return true;
		why_add(why, size, "tracepoint %s: %s", c->shown,
			d->vmlinux ? "not in this kernel" :
				     "no kernel BTF to find it");
		return false;
	case PTW_VIA_TP: {
		char sys[64], *ev;

		snprintf(sys, sizeof(sys), "%s", c->target);
		ev = strchr(sys, '/');
		if (ev)
			*ev++ = '\0';
		if (ev && bpf_detect_tracepoint(sys, ev))
			return true;
		why_add(why, size, "tracepoint %s: %s", c->shown,
			"no tracefs mounted, or no such event");
		return false;
	}
	}
	return false;
}

/*
 * PTWATCH_BPF_DENY="fentry,kprobe" passes over those attach kinds, so that
 * the tests can drive every fallback on one kernel. Not for production.
 */
static bool denied(enum ptw_attach kind)
{
	const char *deny = getenv("PTWATCH_BPF_DENY");

	return deny && strstr(deny, ptw_attach_name(kind));
}

static void select_one(const struct bpf_detect *d, struct ptw_selection *sel,
		       enum ptw_probe p, struct ptw_probe_status *st)
{
	const struct ptw_cand *c = probes[p].cands;
	bool verified;

	memset(st, 0, sizeof(*st));
	st->name = probes[p].name;
	snprintf(st->reason, sizeof(st->reason), "%s", sel->failed_why[p]);
	sel->idx[p] = -1;
	for (int i = 0; i < probes[p].n; i++) {
		if (sel->failed[p][i])
			continue;
		if (denied(c[i].kind)) {
			why_add(st->reason, sizeof(st->reason),
				"%s %s: denied by PTWATCH_BPF_DENY",
				ptw_attach_name(c[i].kind), c[i].shown);
			continue;
		}
		if (!cand_offered(d, &c[i], st->reason, sizeof(st->reason),
				  &verified))
			continue;
		sel->idx[p] = i;
		st->attach = c[i].kind;
		snprintf(st->target, sizeof(st->target), "%s", c[i].shown);
		st->fallback = c[i].fallback;
		st->verified = verified;
		st->counters = c[i].counters;
		if (p == PTW_PROBE_ZAP &&
		    !(c[i].counters & (1u << PTW_C_PTES_ZAPPED)))
			why_add(st->reason, sizeof(st->reason), "%s%s",
				"coarser view: counts zap calls and the bytes they cover, "
				"not PTEs zapped nor batch sizes",
				"");
		return;
	}
}

void ptw_select_prefetch(struct bpf_detect *d)
{
	const char *names[32];
	int n = 0;

	for (int p = 0; p < PTW_PROBE_NR; p++) {
		for (int i = 0; i < probes[p].n; i++) {
			const struct ptw_cand *c = &probes[p].cands[i];

			if (c->via == PTW_VIA_FUNC && n < 32)
				names[n++] = c->target;
			if (c->requires_sym && n < 32)
				names[n++] = c->requires_sym;
		}
	}
	bpf_detect_kallsyms_prefetch(d, names, n);
}

void ptw_select(const struct bpf_detect *d, struct ptw_selection *sel,
		struct ptw_probe_status st[PTW_PROBE_NR])
{
	for (int p = 0; p < PTW_PROBE_NR; p++)
		select_one(d, sel, p, &st[p]);
}

void ptw_select_fail(struct ptw_selection *sel, enum ptw_probe p,
		     const char *why)
{
	int i = sel->idx[p];
	const struct ptw_cand *c;

	if (i < 0)
		return;
	c = &probes[p].cands[i];
	sel->failed[p][i] = true;
	why_add(sel->failed_why[p], sizeof(sel->failed_why[p]),
		"%s %s: ", ptw_attach_name(c->kind), c->shown);
	strncat(sel->failed_why[p], why,
		sizeof(sel->failed_why[p]) - strlen(sel->failed_why[p]) - 1);
}
