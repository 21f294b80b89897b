/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rate of change of each process's page tables between two samples
 * (struct d_rates in d_state.h). Keeps only pid and VmPTE of the previous
 * sample, so memory stays small at 10,000 processes.
 */
#ifndef PTWATCH_D_RATES_H
#define PTWATCH_D_RATES_H

#include "d_state.h"

/* After a new snapshot: fills r->rate parallel to s->procs and remembers
 * s for the next call. 0 or -ENOMEM (rates are then all NAN). */
int d_rates_update(struct d_rates *r, const struct snapshot *s);

/* bytes/s of the process at index i of the snapshot, NAN if unknown */
double d_rates_get(const struct d_rates *r, size_t i);

void d_rates_free(struct d_rates *r);

#endif
