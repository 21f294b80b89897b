/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-process totals over a recording (src/bpf/tally.c): adds up
 * what bpf_probes_read() delivers, so that processes that ended during the
 * recording keep their counts. Used by `ptwatch record` and ptwatchd.
 */
#ifndef PTWATCH_BPF_TALLY_H
#define PTWATCH_BPF_TALLY_H

#include <stdbool.h>
#include <stddef.h>

#include "bpf_probes.h"

struct ptw_tally_entry {
	struct ptw_proc done; /* sum of its exit records */
	struct ptw_proc live; /* the last read while it ran */
	bool has_live;	      /* seen alive in the last read */
	bool ended;	      /* an exit record arrived */
};

struct ptw_tally {
	struct ptw_tally_entry *e;
	size_t n, cap;
	size_t sorted; /* e[0..sorted) is sorted by pid */
};

void ptw_tally_init(struct ptw_tally *t);
void ptw_tally_free(struct ptw_tally *t);

/* One bpf_probes_read() into the tally. Returns its result. */
int ptw_tally_update(struct ptw_tally *t, struct bpf_probes *bp);

/* Entry i's counters over the whole recording (ended + live). */
void ptw_tally_sum(const struct ptw_tally_entry *e, struct ptw_proc *out);

#endif
