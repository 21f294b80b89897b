/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prometheus text exposition of the daemon's state (docs/metrics.md):
 * host totals, per-cgroup series and the top-N processes only, so label
 * cardinality stays bounded; knob values, changes and probe status.
 */
#ifndef PTWATCH_D_METRICS_H
#define PTWATCH_D_METRICS_H

#include <stddef.h>
#include <stdio.h>

#include "state.h"

#define D_METRICS_FILE "ptwatch.prom"

/* Renders the exposition into a malloc'd buffer. 0 or -errno. */
int d_metrics_render(const struct d_state *st, char **text, size_t *len);

/* Writes DIR/ptwatch.prom atomically (temporary file + rename), so
 * node_exporter never reads half a file. 0 or -errno. */
int d_metrics_write_textfile(const char *dir, const char *text, size_t len);

/* A family's "# HELP" and "# TYPE" lines. */
void d_metrics_head(FILE *o, const char *name, const char *type,
		    const char *help);

/* A family of one series without labels: its head and its value. */
void d_metrics_value(FILE *o, const char *name, const char *type,
		     const char *help, double v);

/* Writes `s` as a label value: backslash, quote and newline escaped. */
void d_metrics_label(FILE *out, const char *s);

#endif
