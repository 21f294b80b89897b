/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The node_exporter textfile (`[metrics] textfile_dir`): written after every
 * sample, with logging that fits a fleet where node_exporter may be absent.
 *
 * - A missing directory means node_exporter (its textfile collector) is not
 *   installed: logged once, at info, not counted as a failure.
 * - Any other failure is logged when it first appears and again whenever
 *   it changes (a different errno), counted in `errors`; a recovery is
 *   logged once.
 * - EROFS gets a hint: the unit's ReadWritePaths= is resolved at start, so
 *   a directory created later stays read-only until a restart.
 */
#ifndef PTWATCH_D_TEXTFILE_H
#define PTWATCH_D_TEXTFILE_H

#include <stdbool.h>
#include <stddef.h>

struct d_textfile {
	int state; /* 0 ok or not tried, -errno of the last failure */
	unsigned long writes;  /* files written */
	unsigned long errors;  /* failed writes, a missing directory aside */
	unsigned long repeats; /* failures not logged since the last log */
};

/* Writes `text` to DIR/ptwatch.prom (atomically, metrics.h). Returns 0 or
 * -errno (-ENOENT: the directory is missing). */
int d_textfile_update(struct d_textfile *tf, const char *dir, const char *text,
		      size_t len);

#endif
