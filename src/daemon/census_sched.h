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
};

struct d_census {
	struct d_census_entry *e; /* sorted by pid */
	size_t n, cap;
	double tokens_s; /* CPU seconds the census may still spend */
	unsigned long runs, failures;
	double cpu_total_s;
	unsigned int last_runs; /* censuses in the last step */
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
