/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to the loader in src/bpf: the probe set's state, shared between
 * the choice (select.c), the loader (probes.c) and the map reader
 * (read.c). Users of the probes include bpf_probes.h only.
 */
#ifndef PTWATCH_BPF_PRIV_H
#define PTWATCH_BPF_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "bpf_probes.h"

struct ptwatch_bpf;
struct bpf_link;
struct ring_buffer;

#define PTW_MAX_LINKS 16

struct bpf_probes {
	struct ptwatch_bpf *skel;
	struct bpf_link *links[PTW_MAX_LINKS];
	int nlinks;
	struct ptw_probe_status st[PTW_PROBE_NR];
	int procs_fd, totals_fd;
	struct ring_buffer *rb;	  /* `exits`: one record per ended process */
	struct ptw_proc *pending; /* exit records not yet read */
	size_t npending, cap;
};

/* --- candidates and the choice among them (select.c) --- */

struct bpf_detect;

enum ptw_via {
	PTW_VIA_FUNC,	/* fentry or kprobe on a kernel function */
	PTW_VIA_RAW_TP, /* raw tracepoint, by name, no tracefs needed */
	PTW_VIA_TP,	/* classic tracepoint "system/event", needs tracefs */
};

/* One way in for a probe; a probe's candidates are tried in order. */
struct ptw_cand {
	enum ptw_attach kind;
	enum ptw_via via;
	const char *target; /* function, raw tracepoint, or "system/event" */
	const char *shown; /* the target as reported: "pagetable:zap_pte_table" */
	const char *prog;  /* program in the object */
	const char *prog2; /* its exit half (fexit/kretprobe), or NULL */
	bool fallback;	   /* a caller of the real target: coarser view */
	uint32_t counters; /* what it measures, bits of enum ptw_counter */
	/* A text symbol that must be in kallsyms too, or NULL: where the
	 * target's name alone is not enough to know it is the function
	 * meant (mainline's free_pte vs x86 ident_map.c's). */
	const char *requires_sym;
};

#define PTW_MAX_CANDS 10

struct ptw_selection {
	int idx[PTW_PROBE_NR]; /* chosen candidate, -1 for none */
	/* candidates that failed to load or attach, with why */
	bool failed[PTW_PROBE_NR][PTW_MAX_CANDS];
	char failed_why[PTW_PROBE_NR][256];
};

const struct ptw_cand *ptw_cands(enum ptw_probe p, int *n);
const char *ptw_probe_name(enum ptw_probe p);

/*
 * Chooses each probe's candidate: the first that is not marked failed and
 * that the kernel offers (fentry verified by a trial load when d allows
 * loads). Fills st[] with the choice and the reasons for what was passed
 * over. sel->failed must be set up by the caller (zero at first).
 */
void ptw_select(const struct bpf_detect *d, struct ptw_selection *sel,
		struct ptw_probe_status st[PTW_PROBE_NR]);

/* Reads kallsyms once for every function any candidate names. */
void ptw_select_prefetch(struct bpf_detect *d);

/* Marks the chosen candidate of probe p as failed, with why. */
void ptw_select_fail(struct ptw_selection *sel, enum ptw_probe p,
		     const char *why);

/* Sets up the ring buffer reader once the object is loaded (read.c). */
int bpf_read_init(struct bpf_probes *bp, int exits_fd);
void bpf_read_free(struct bpf_probes *bp);

#endif
