/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The census for people: the occupancy histogram as one short line, and
 * the one line of advice `ptwatch show --exact` gives when a process's
 * excess page tables are sparse rather than empty.
 */
#ifndef PTWATCH_CLI_CENSUS_VIEW_H
#define PTWATCH_CLI_CENSUS_VIEW_H

#include <stdio.h>

#include "census.h"
#include "snapshot.h"

#define CENSUS_BAR_LEN 160

/* "0:512 1:3 2-15:0 16-127:6 128-511:2 512:5  █▁ ▁▁▁" into buf (in
 * ASCII, "#. ...", unless the locale's codeset is UTF-8)
 * (CENSUS_BAR_LEN bytes): the counts, then one bar per bucket scaled to
 * the largest (a blank for none, the smallest bar for any). */
const char *census_bar(const uint64_t *occupancy, char *buf);

/* Sparse excess worth a word: at least this much, and more than what is
 * empty (the kernel's part). */
#define CENSUS_ADVICE_MIN_BYTES (1ULL << 20)

/* Prints "advice: ..." when the excess is sparse, nothing otherwise. */
void census_advice(FILE *out, const struct pte_census *c);

/*
 * Censuses the first `n` processes of a sorted snapshot that the caller
 * may read (others are left without figures), then sums the figures into
 * the host and cgroups (census_sum_snapshot). Returns how many it
 * censused.
 */
size_t census_top(struct snapshot *s, size_t n);

#endif
