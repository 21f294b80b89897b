/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's census step: exact figures (census.h) for the processes
 * with the largest estimated waste, a few per sample, within a CPU budget
 * that is a share of the sampler's own cost, each kept with its age.
 *
 * The budget is a token bucket: every sample grants cpu_percent of what
 * that sample's scan cost; a census runs while the balance is positive
 * and its cost is taken off afterwards, so one large process may overdraw
 * it and then waits, and over time the census costs at most cpu_percent
 * of the sampling. The balance is capped at ten samples' grant so that a
 * quiet hour does not buy a burst. Never-censused processes go first, in
 * order of estimated waste, and may overdraw the balance down to minus the
 * cap (so that a new offender is censused when it is first seen), then
 * figures older than max_age or stale (the process's VmPTE changed since)
 * while the balance is positive. Processes
 * estimated below min_waste_kib are left alone: their figures are layout
 * noise.
 *
 * No census stalls a sample (issue 24): the censuses of one sample walk
 * for at most slice_ms of wall time together. A census that is not done
 * by then is kept, with its place and partial counts (census_walk), and
 * goes on first in the next sample, a slice a sample, until it is done:
 * the census of a million tables (about 1.5 s here) spreads over some 75
 * samples. A census once begun runs to its end whatever the balance, as
 * it did when it ran in one piece. Its first slice is charged to the
 * bucket like any census; the slices after it are its process's own
 * debt, earned back at one grant a sample (as if the process had a bucket
 * of its own) before that process is censused again, even when its
 * figures go stale: so a million tables (a second of CPU, thousands of
 * grants) hold back their own next census, not every other process's,
 * and each large process adds at most cpu_percent of the sampling on
 * average. Consistency: a census
 * spread over samples is good only if the process did not change from its
 * first slice to its last by the rule that makes figures stale (VmPTE the
 * same, checked as each slice goes on and at the end; resident memory
 * within 1 MiB or an eighth); otherwise it begins again, up to three
 * times, then counts as failed and is tried again after max_age.
 */
#ifndef PTWATCH_D_CENSUS_SCHED_H
#define PTWATCH_D_CENSUS_SCHED_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "census.h"
#include "config.h"
#include "scan.h"

struct d_census_entry {
	pid_t pid;
	uint64_t start_ticks;	     /* /proc/PID/stat start time: with the
				      * pid, which process this is */
	char comm[PTW_COMM_LEN + 1]; /* for the log */
	uint64_t taken_ns;	     /* CLOCK_MONOTONIC of the last try */
	struct census_figures fig;   /* !valid: the last try failed */
	uint64_t rss_at;	     /* resident bytes when it was taken */
	/* CPU of its last census's slices after the first, still to be
	 * earned back at one grant a sample before it is censused again */
	double debt_s;
};

/* The census that goes on across samples (at most one at a time). */
struct d_census_walk {
	bool active;
	pid_t pid;
	uint64_t rss_at;     /* resident bytes of its sample when it began */
	unsigned int tries;  /* begun this many times (VmPTE moved) */
	unsigned int slices; /* samples it has walked in */
	double cpu_s;	     /* CPU it has cost, all tries, to the slice */
	double slice_cpu0;   /* thread CPU when this slice began */
	struct census_walk w;
};

struct d_census {
	struct d_census_entry *e; /* sorted by pid */
	size_t n, cap;
	double tokens_s; /* CPU seconds the census may still spend */
	unsigned long runs, failures;
	double cpu_total_s;
	unsigned int last_runs; /* censuses in the last step */
	struct d_census_walk cur;
	unsigned long spread;	/* censuses done over more than one sample */
	unsigned long restarts; /* walks begun again: the process changed */
	unsigned long slices;	/* slices of spread censuses */
	double last_wall_s;	/* wall time of the last step's censuses */
};

/*
 * One step after a sample: censuses candidates while the budget lasts,
 * drops the results of processes that are gone, copies every kept result
 * into sc->snap's processes and sums them into the host and cgroups.
 * scan_cpu_s: the CPU the sample's scan cost (what the budget shares).
 */
void d_census_step(struct d_census *c, struct d_scan *sc,
		   const struct d_census_cfg *cfg, const char *proc_root,
		   double scan_cpu_s);

/* The kept result for pid, or NULL. */
const struct d_census_entry *d_census_find(const struct d_census *c, pid_t pid);

void d_census_free(struct d_census *c);

#endif
