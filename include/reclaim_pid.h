/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Freeing the empty PTE tables of another process now, with our kernel
 * series' MADV_PT_RECLAIM through process_madvise() (docs/contracts.md).
 * The census says which 2 MiB blocks map nothing; only those are sent, in
 * ranges of at most 1 GiB (one call each: the kernel holds the target's
 * mmap lock for read over one range at a time). Shared by `ptwatch reclaim
 * pid` and ptwatchd's table policy.
 */
#ifndef PTWATCH_RECLAIM_PID_H
#define PTWATCH_RECLAIM_PID_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "block_set.h"

/* Ours, not mainline's (docs/contracts.md): defined here until libc has it */
#ifndef MADV_PT_RECLAIM
#define MADV_PT_RECLAIM 20564
#endif

#define RECLAIM_MAX_RANGE (1ULL << 30) /* bytes per call */

/*
 * Whether this kernel frees tables on demand, asked of the kernel itself
 * (madvise(NULL, 0, MADV_PT_RECLAIM)), never from its version: 0 yes,
 * -EOPNOTSUPP it could but vm.pt_reclaim is 0, -EINVAL it cannot.
 */
int reclaim_pid_supported(void);

/* One line for the user about a negative reclaim_pid_supported() */
const char *reclaim_pid_why_not(int err);

struct reclaim_pid_result {
	pid_t pid;
	uint64_t empty_before; /* census: empty PTE tables before */
	/* blocks that map nothing but reach into a hole: not sent, since the
	 * kernel keeps their tables (free_pgtables() frees them with their
	 * neighbours); an upper bound on the empty tables that stay */
	uint64_t hole_blocks;
	uint64_t empty_after;	   /* census after; valid if after_known */
	bool after_known;	   /* false: the process was busy or gone */
	uint64_t vm_pte_before;	   /* VmPTE bytes right before the calls */
	uint64_t vm_pte_after;	   /* ... and right after them */
	uint64_t tables_freed;	   /* VmPTE's drop, in tables */
	uint64_t bytes_freed;	   /* ... in bytes */
	uint64_t ranges;	   /* ranges sent (calls made) */
	uint64_t bytes_advised;	   /* virtual memory they covered */
	uint64_t blocks_sent;	   /* 2 MiB blocks those ranges held */
	uint64_t blocks_confirmed; /* map nothing now and are in o->only */
	uint64_t refilled_blocks;  /* of o->sent_before, map something now */
	uint64_t longest_call_ns;
	uint64_t elapsed_ns; /* census, calls and census again */
	const char *method;  /* the census's: "pagemap_scan" or "pagemap" */
};

struct reclaim_pid_opts {
	bool force_pagemap; /* census through pagemap, not PAGEMAP_SCAN */
	bool dry_run;	    /* the census only: say what would be freed */
	uint64_t min_empty; /* send nothing below this many empty tables */
	bool no_after;	    /* skip the census after (empty_after unknown) */
	/*
	 * A process that installs or frees tables during every census tried
	 * (VmPTE moved) is -EAGAIN; with moving_ok the last census is used
	 * all the same, its counts approximate. Safe where the
	 * blocks sent are the evidence rule's (two censuses agree) and the
	 * kernel checks every table again under its lock before it frees.
	 */
	bool moving_ok;
	/*
	 * The [free_tables] policy's evidence (free_tables.h), each optional:
	 * with use_only, only blocks in `only` (that map nothing now) are
	 * sent; sent_before is what was sent last time, whose blocks that
	 * map something now are counted as refilled; empty_now and sent_now
	 * receive this census's blocks that map nothing (whole blocks inside
	 * the mappings) and the blocks sent.
	 */
	bool use_only;
	const struct block_set *only, *sent_before;
	struct block_set *empty_now, *sent_now;
};

/*
 * Frees the empty PTE tables of `pid` (whose /proc is proc_root). Needs
 * CAP_SYS_NICE and ptrace read access to the target (the kernel checks).
 * 0 with *res filled, or -errno: -ESRCH gone, -EPERM/-EACCES not allowed,
 * -EINVAL the kernel lacks MADV_PT_RECLAIM, -EOPNOTSUPP vm.pt_reclaim is 0,
 * -EAGAIN the process changed its tables during every census tried
 * (unless o->moving_ok).
 * With dry_run, or fewer than min_empty empty tables, nothing is sent:
 * ranges is 0 and the "after" figures are the "before" ones.
 */
int reclaim_pid(const char *proc_root, pid_t pid,
		const struct reclaim_pid_opts *o,
		struct reclaim_pid_result *res);

/*
 * The same advice without a census, for a process too large to census
 * within a budget (the [free_tables] policy's sweep, `ptwatch reclaim pid
 * --no-census`): every whole 2 MiB block of its mappings from *cursor on
 * is sent, at most max_blocks of them (0: no limit), and the kernel's
 * lockless look skips each table in use. *cursor is then where the next
 * sweep goes on, 0 once the walk reached the end. Fills ranges,
 * bytes_advised, blocks_sent, the VmPTE figures and elapsed_ns of *res.
 * Errors as reclaim_pid().
 */
int reclaim_pid_sweep(const char *proc_root, pid_t pid, uint64_t *cursor,
		      uint64_t max_blocks, struct reclaim_pid_result *res);

#endif
