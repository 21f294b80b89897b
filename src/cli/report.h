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

void report_host(FILE *out, const struct host_sample *h, size_t nr_procs,
		 const char *source);
/* rates may be NULL (no rate columns). */
void report_procs(FILE *out, const struct proc_sample *p, size_t n,
		  const struct proc_rate *rates);
void report_cgroups(FILE *out, const struct cgroup_sample *c, size_t n);

#endif
