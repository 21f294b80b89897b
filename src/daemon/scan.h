/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's sampler: a snapshot kept up to date between samples with a
 * bounded number of process reads per sample. Reading one process costs
 * 30-60 us of CPU (status, smaps_rollup, cgroup), so a full scan of 10,000
 * processes every sample would cost the host far more than the 50 ms a
 * sample may take. Each sample therefore:
 *   - lists /proc (cheap) and drops processes that are gone,
 *   - reads every new process at once,
 *   - re-reads up to `budget` known processes, round-robin by PID, so that
 *     every process is refreshed at least every ceil(N / budget) samples,
 *   - reads the host totals (/proc/meminfo) and the cgroup tree afresh.
 * budget 0 re-reads every process every sample (an exact snapshot).
 *
 * Where the BPF task iterator loads (bpf_iter.h; not with bpf_iter = no),
 * none of that: every process is read afresh in every sample, in one pass
 * over the kernel's task list (scan_iter.c), and the budget does not
 * apply. snap.source says which way ("bpf-iter" or "procfs").
 *
 * procs are kept sorted by PID (for merging); `order` lists them by waste.
 */
#ifndef PTWATCH_D_SCAN_H
#define PTWATCH_D_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "bpf_iter.h"
#include "cgroup_ids.h"
#include "cgroups.h"
#include "rollup_budget.h"
#include "snapshot.h"

struct d_proc_meta {
	uint64_t read_ns;   /* CLOCK_MONOTONIC of the last read */
	uint64_t prev_ns;   /* of the read before; 0 if none */
	uint64_t prev_pte;  /* VmPTE at the read before */
	uint64_t start_ns;  /* the process's start time (iterator only): a
			     * reused PID starts again, its rate too */
	uint64_t cgroup_id; /* its memory cgroup's id (iterator only) */
	bool partial;	    /* smaps_rollup was not readable */
	bool gone;	    /* exited while re-read: to be dropped */
	bool young;	    /* first read in the last sample: read again in
			     * this one (procfs), see reread_young() */
};

struct d_scan {
	struct snapshot snap;	  /* procs sorted by pid */
	struct d_proc_meta *meta; /* parallel to snap.procs */
	size_t cap;		  /* of procs and meta */
	uint32_t *order;	  /* indexes into procs, most waste first */
	pid_t cursor;		  /* the next PID to re-read */
	struct cgroup_layout layout;
	bool have_layout;
	unsigned int last_new, last_refreshed; /* reads in the last sample */
	bool started; /* a procfs sample was taken: new ones are young */
	/* smaps_rollup's page walks in the procfs sampler, bounded per sample
	 * (rollup_budget.h); rollup_budget 0: D_ROLLUP_BUDGET */
	struct d_rollup_budget rollup;
	uint64_t rollup_budget;
	struct ptw_iter *iter;	    /* the task iterator; NULL: procfs */
	bool iter_tried;	    /* loaded, or failed to, once */
	struct cgroup_ids iter_ids; /* the last pass's cgroup ids */
	char iter_why[256];	    /* why procfs is used, when it is */
};

struct d_scan_opts {
	const char *proc_root, *cgroup_root;
	unsigned int budget; /* re-reads of known processes per sample */
	bool no_iter;	     /* procfs only (the config's bpf_iter = no) */
};

/* One sample. 0 or -errno (the host totals could not be read; the table
 * is then unchanged). */
int d_scan_sample(struct d_scan *sc, const struct d_scan_opts *o);

/* The i-th process by waste, most first. */
const struct proc_sample *d_scan_nth(const struct d_scan *sc, size_t i);
/* Its index in snap.procs (for d_scan_rate). */
size_t d_scan_nth_index(const struct d_scan *sc, size_t i);

/* Page-table bytes per second of process idx between its last two reads;
 * NAN when read only once. */
double d_scan_rate(const struct d_scan *sc, size_t idx);

/* Index of pid in snap.procs, or -1. */
long d_scan_find(const struct d_scan *sc, pid_t pid);

void d_scan_free(struct d_scan *sc);

#endif
