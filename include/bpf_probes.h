/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The BPF probes as a library: plan, open (load + attach), read counters,
 * close. Used by `ptwatch status`, `ptwatch record` and ptwatchd.
 *
 * Each probe picks, at run time and never from the kernel version, the
 * first way in that works: fentry, then kprobe, then a tracepoint (raw
 * tracepoints of our 6.12 series, syscall tracepoints) or, for the zap
 * probe, a caller of the inlined zap_pte_range (a coarser view). A probe
 * that cannot attach is reported with its reason and its counters are
 * unknown (ptw_counter_known() says so); the others run.
 *
 * Typical use:
 *	struct bpf_probes *bp;
 *	if (bpf_probes_open(&bp, NULL) == 0) {
 *		... every second: bpf_probes_poll(bp, 1000);
 *		    bpf_probes_read(bp, my_fn, my_arg);
 *		bpf_probes_close(bp);
 *	}
 * (bpf_tally.h accumulates what read() delivers, per process.)
 */
#ifndef PTWATCH_BPF_PROBES_H
#define PTWATCH_BPF_PROBES_H

#include <stdbool.h>
#include <stdint.h>

#include "ptwatch_bpf.h"

enum ptw_probe {
	PTW_PROBE_PMD_INSTALL,	 /* "pmd_install": PTE tables installed */
	PTW_PROBE_FREE_PGTABLES, /* "free_pgtables": tables freed, unmap/exit */
	PTW_PROBE_ZAP,		 /* "zap_pte_range": PTEs zapped, batches */
	PTW_PROBE_RECLAIM,	 /* "pte_reclaim": empty tables reclaimed */
	PTW_PROBE_MADVISE,	 /* "madvise": DONTNEED/FREE calls, bytes */
	PTW_PROBE_EXIT,		 /* "sched_process_exit": forget processes */
	PTW_PROBE_NR,
};

enum ptw_attach {
	PTW_ATTACH_NONE,
	PTW_ATTACH_FENTRY,     /* fentry (with fexit where it needs both) */
	PTW_ATTACH_KPROBE,     /* kprobe (with kretprobe where needed) */
	PTW_ATTACH_TRACEPOINT, /* tracepoint or raw tracepoint */
};

struct ptw_probe_status {
	const char *name; /* stable probe name, see enum ptw_probe */
	enum ptw_attach attach;
	char target[64];   /* "pmd_install", "syscalls:sys_enter_madvise";
				 * "" when not attached */
	bool fallback;	   /* attached to a caller: a coarser view */
	bool verified;	   /* really loaded and attached (not a plan) */
	uint32_t counters; /* bit (1 << enum ptw_counter) for each
				 * counter this probe measures as attached */
	char reason[512];  /* not attached: why; fallback: what is lost
				 * and why the better ways were not taken */
};

struct bpf_probes_opts {
	uint32_t pid;	    /* count only this process; 0: every process */
	uint32_t max_procs; /* size of the process map; 0: PTW_MAX_PROCS */
};

struct bpf_probes;

/*
 * Loads the object and attaches every probe it can. Returns 0 when at least
 * one probe attached (the rest say why in the status), -EPERM without the
 * privileges to load BPF, another -errno when nothing could be attached.
 * opts may be NULL.
 */
int bpf_probes_open(struct bpf_probes **out,
		    const struct bpf_probes_opts *opts);
void bpf_probes_close(struct bpf_probes *bp);

/* What open() would choose, without loading anything and without root
 * (fentry cannot be verified then: `verified` is false). */
void bpf_probes_plan(struct ptw_probe_status st[PTW_PROBE_NR]);

/* The attach status of each probe, indexed by enum ptw_probe. */
const struct ptw_probe_status *bpf_probes_status(const struct bpf_probes *bp);

/* Whether counter c is measured by what attached; a counter that is not is
 * "unknown" (JSON null), never 0. The histogram goes with PTES_ZAPPED. */
bool ptw_counter_known(const struct ptw_probe_status st[PTW_PROBE_NR],
		       enum ptw_counter c);

/*
 * Waits up to timeout_ms for processes' exit records (and keeps them for
 * the next read). Returns 0, or -errno.
 */
int bpf_probes_poll(struct bpf_probes *bp, int timeout_ms);

/*
 * Hands every process's counters to fn: first the processes that ended
 * since the last read (exited = true; their counters since their previous
 * exit record; such a record is delivered once), then the live ones
 * (exited = false; counters since the process was first seen, delivered
 * on every read). Returns the number of records, or -errno.
 */
typedef void (*ptw_proc_fn)(const struct ptw_proc *p, bool exited, void *arg);
int bpf_probes_read(struct bpf_probes *bp, ptw_proc_fn fn, void *arg);

/* System-wide counters since open, summed over CPUs. */
int bpf_probes_totals(struct bpf_probes *bp, struct ptw_totals *out);

const char *ptw_attach_name(enum ptw_attach a);	  /* "fentry", ... "none" */
const char *ptw_counter_name(enum ptw_counter c); /* JSON key */
/* "1", "2-3", ... "256-511", "512": the histogram slot's batch sizes. */
const char *ptw_hist_slot_name(unsigned int slot);

#endif
