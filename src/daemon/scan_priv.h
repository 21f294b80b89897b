/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Between the sampler's two ways of reading processes: procfs with a
 * budget (scan.c) and the task iterator (scan_iter.c). Not for other
 * modules: scan.h is the sampler's interface.
 */
#ifndef PTWATCH_D_SCAN_PRIV_H
#define PTWATCH_D_SCAN_PRIV_H

#include "scan.h"

/* Room for `want` processes in snap.procs and meta. 0 or -ENOMEM. */
int d_scan_grow(struct d_scan *sc, size_t want);
/* Drops the entries marked gone, keeping the order. */
void d_scan_drop_gone(struct d_scan *sc);
/* Host sums, the order by waste and the cgroups. moved: the entries whose
 * figures changed since the last call, which added and dropped none (the
 * order is mended for them), or nr_moved -1: anything may have changed
 * (sorted again). 0 or -errno. */
int d_scan_finish(struct d_scan *sc, const uint32_t *moved, long nr_moved);

/* Whether this sample reads the task iterator: loads it on the first
 * call (unless o->no_iter) and says once, in the log, which way it is. */
bool d_scan_use_iter(struct d_scan *sc, const struct d_scan_opts *o);
/* A sample through the iterator; h: the host part, already read. On a
 * failed pass the iterator is dropped (logged) and the sample is taken
 * from procfs. 0 or -errno. */
int d_scan_iter_sample(struct d_scan *sc, const struct d_scan_opts *o,
		       const struct host_sample *h);

#endif
