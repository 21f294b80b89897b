/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tables for people: the host line, the process table and the cgroup table
 * that `ptwatch snapshot`, `top` and `show` print.
 */
#ifndef PTWATCH_REPORT_H
#define PTWATCH_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "snapshot.h"

/* Rates of change between two samples, per second; `valid` once the
 * process was in the previous sample too. */
struct proc_rate {
	double pte_per_s, waste_per_s;
	bool valid;
};

/* "1.5 MiB"; buf must hold 16 bytes. */
const char *fmt_bytes(uint64_t bytes, char *buf);

/* The process changed (VmPTE) since its census: its figures are stale. */
bool report_census_stale(const struct proc_sample *p);

/* Below this, a figure is not worth acting on. */
#define REPORT_ACT_MIN_BYTES (64ULL << 10)

/*
 * The headline: the host's page tables, "act first:" (the largest exact
 * reclaimable figure with the command that frees it, or the largest
 * estimate with the command that makes it exact), the census figures with
 * their age and coverage, the estimate. can_reclaim: what
 * reclaim_pid_supported() says (0, -EOPNOTSUPP, or another -errno for a
 * kernel that cannot).
 */
void report_host(FILE *out, const struct snapshot *s, const char *source,
		 int can_reclaim);
/* How wide a table may be: width 0 for no limit (table.h); wide: every
 * column and whole paths whatever the width (--wide). */
struct report_fit {
	int width;
	bool wide;
};

/* rates may be NULL (no rate columns). */
void report_procs(FILE *out, const struct proc_sample *p, size_t n,
		  const struct proc_rate *rates, const struct report_fit *fit);
/* The line under the process table that says which figure is exact. */
void report_procs_note(FILE *out);
void report_cgroups(FILE *out, const struct cgroup_sample *c, size_t n,
		    const struct report_fit *fit);

#endif
