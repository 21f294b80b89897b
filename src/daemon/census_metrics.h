/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The census's Prometheus series (docs/metrics.md): exact reclaimable and
 * sparse-excess bytes for the host, the cgroups with censused processes
 * (at most top_cgroups) and the censused top processes (at most
 * top_processes), and what the census step itself costs.
 */
#ifndef PTWATCH_D_CENSUS_METRICS_H
#define PTWATCH_D_CENSUS_METRICS_H

#include <stdio.h>

#include "state.h"

void d_census_metrics(FILE *o, const struct d_state *st);

#endif
