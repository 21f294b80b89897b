/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The [free_tables] policy: each sample, free the empty PTE tables of the
 * processes that have the most of them, with MADV_PT_RECLAIM (reclaim_pid.h).
 *
 * - Who: processes ranked by their confirmed empty tables (the census the
 *   daemon keeps per process) or, not censused yet, by the estimate's
 *   waste (an upper bound: the census run before any free confirms it).
 *   At least min_kib of empty tables, not excluded by comm or cgroup
 *   prefix, and not censused by the policy in the last process_interval
 *   seconds, with two exceptions after confirm_after seconds: a census
 *   that left min_kib of empty tables unconfirmed is followed up, and a
 *   process whose census found too little is looked at again as soon as
 *   there is news: its RSS dropped by min_kib (it gave memory back), or a
 *   newer census (the daemon's) confirms enough.
 * - Evidence: a block is sent only when it mapped nothing at this census
 *   and at the policy's previous census of the process, at least
 *   confirm_after seconds before (0: this census alone). An allocator's
 *   churning working set empties and refills its blocks within seconds:
 *   those transient empties are left alone, and the tables left behind in
 *   ranges nothing returns to are freed. Blocks sent that map something
 *   at the next census are counted as refilled (an upper bound: some had
 *   no table to free). A process that refilled half of what was sent is
 *   churning: it gets no follow-up, only the process_interval cadence.
 * - Too large to census (more than sweep_above PTE tables): swept, a
 *   slice of SWEEP_SLICE blocks at a time while the sample's budget lasts,
 *   on from where the last sample stopped, without a census: every whole
 *   block of its mappings is sent, and the kernel's lockless look skips
 *   the tables in use. A finished sweep waits process_interval; a dry run
 *   only logs that it would sweep.
 * - How much: at most max_processes a sample and cpu_budget_ms of CPU
 *   (the census and the kernel's work both count: process_madvise runs
 *   in our context).
 * - Dry run first: the census says what would be freed, nothing is.
 * - vm.pt_reclaim=0 stops it (the kernel refuses too); when it goes from 0
 *   to 1 (the [reclaim] policy or a person), every process becomes
 *   eligible again at once: what was left while it was off gets freed.
 * - One journal line per process acted on, with the tables and bytes.
 * The choice (d_free_pick) is pure, for unit tests; d_free_run does I/O.
 */
#ifndef PTWATCH_D_FREE_TABLES_H
#define PTWATCH_D_FREE_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>

#include "block_set.h"
#include "config.h"
#include "snapshot.h"

/* Processes remembered (for process_interval): a hash by pid with linear
 * probing, at most half full; when full, the older half is forgotten. */
#define D_FREE_SEEN 2048
#define D_FREE_SEEN_MAX (D_FREE_SEEN / 2)

/* Blocks a sweep sends per call (16 GiB of mappings) */
#define SWEEP_SLICE 8192

/* A process the policy censused: when, and what it found. */
struct d_free_seen {
	pid_t pid;
	int64_t when;	    /* monotonic seconds */
	bool acted;	    /* freed (or would have): wait process_interval */
	bool follow_up;	    /* min_kib left unconfirmed: look again soon */
	uint64_t rss;	    /* its RSS then, or its peak since (not acted) */
	uint64_t census_ns; /* realtime of the census then */
	struct block_set empty; /* blocks that mapped nothing then */
	struct block_set sent;	/* blocks sent then */
	bool sweeping;		/* a sweep goes on at the next sample */
	uint64_t cursor;	/* where it goes on */
	uint64_t swept_tables;	/* freed by the sweep so far */
};

struct d_free_stats {
	unsigned long freed;	   /* processes whose tables were freed */
	unsigned long would;	   /* dry-run decisions */
	unsigned long skipped;	   /* census found less than min_kib */
	unsigned long confirming;  /* enough, but not empty at two censuses */
	unsigned long errors;	   /* reclaim_pid failed (not ESRCH) */
	uint64_t blocks_sent;	   /* confirmed blocks sent (or would be) */
	uint64_t blocks_refilled;  /* of those, mapping again a census later */
	uint64_t tables, bytes;	   /* freed in all */
	uint64_t would_bytes;	   /* dry run: what would have been */
	double cpu_s;		   /* CPU spent in all */
	unsigned long over_budget; /* samples that hit cpu_budget_ms */
};

enum d_free_state {
	D_FREE_REPORT,	    /* mode report: never acts */
	D_FREE_UNSUPPORTED, /* the kernel has no MADV_PT_RECLAIM */
	D_FREE_OFF,	    /* vm.pt_reclaim is 0 */
	D_FREE_DRY_RUN,	    /* census and log only */
	D_FREE_ACTIVE,	    /* freeing */
};

const char *d_free_state_name(enum d_free_state s);

struct d_free {
	struct d_free_seen seen[D_FREE_SEEN];
	size_t nr_seen; /* used slots (pid != 0) */
	int last_knob;	/* vm.pt_reclaim at the last sample, -1 unknown */
	int support;	/* reclaim_pid_supported() at start */
	struct d_free_stats stats;
	enum d_free_state state;
};

void d_free_init(struct d_free *f);

/* A candidate: index into the snapshot's procs and its rank. */
struct d_free_pick {
	size_t proc;
	uint64_t bytes; /* confirmed empty-table bytes, or the estimate */
	bool confirmed;
};

/*
 * Chooses up to cfg->max_processes candidates from `s` into out[] (room
 * for max entries), best first. Pure: `now` in monotonic seconds.
 */
size_t d_free_pick(const struct d_free *f, const struct d_free_cfg *cfg,
		   const struct snapshot *s, int64_t now,
		   struct d_free_pick *out, size_t max);

/* Whether comm or cgroup is in the exclude lists. */
bool d_free_excluded(const struct d_free_cfg *cfg, const char *comm,
		     const char *cgroup);

/* Remembers that p was censused at now; acted: freed or would have.
 * Returns its entry, whose evidence sets the caller fills. */
struct d_free_seen *d_free_mark(struct d_free *f, const struct proc_sample *p,
				int64_t now, bool acted);

/* Forgets every process (and frees their evidence). */
void d_free_forget(struct d_free *f);

/*
 * One sample: knob is vm.pt_reclaim's value now (-1 unreadable or absent).
 * Runs the census or the free on the picked processes within the budget.
 */
void d_free_run(struct d_free *f, const struct d_free_cfg *cfg,
		const char *proc_root, const struct snapshot *s, int knob);

/* Its Prometheus series (docs/metrics.md), in the exposition's format. */
void d_free_metrics(const struct d_free *f, FILE *o);

#endif
