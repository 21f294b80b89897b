/* SPDX-License-Identifier: GPL-2.0 */
/* Options and output shared by `ptwatch snapshot` and `ptwatch top`. */
#ifndef PTWATCH_CLI_VIEW_H
#define PTWATCH_CLI_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "report.h"
#include "snapshot.h"

struct view_opts {
	bool json;
	size_t limit;	     /* processes shown; SIZE_MAX for all */
	size_t cgroup_limit; /* cgroups shown in the table */
	enum snapshot_sort sort;
	double interval; /* top: seconds between frames */
	bool once;	 /* top: one frame */
	long iterations; /* top: frames, 0 = until interrupted */
};

/*
 * Parses `snapshot` or `top` options (top when is_top). Returns PTW_OK,
 * PTW_USAGE after printing the error, or -1 after printing --help.
 */
int view_parse(int argc, char **argv, bool is_top, struct view_opts *v);

/* A snapshot and where it came from. */
struct view_sample {
	struct snapshot s;
	json_object *daemon; /* the daemon's extras, NULL when from procfs */
};

/* Without a daemon, the processes with the largest estimated waste get a
 * census (as far as the caller may read them). */
#define VIEW_CENSUS_TOP 5

/*
 * Takes a sorted snapshot: from the daemon at ctx->socket_path when it
 * answers (unless --no-daemon), else from procfs. Prints the error and
 * returns an exit code on failure.
 */
int view_take(const struct cli_ctx *ctx, struct view_sample *vs,
	      const struct view_opts *v);
void view_free(struct view_sample *vs);

/* The daemon's per-process page-table rates as proc_rate (waste: NAN);
 * NULL when the sample is not the daemon's. Caller frees. */
struct proc_rate *view_daemon_rates(const struct view_sample *vs);

void view_print_json(const struct view_sample *vs, const struct view_opts *v);
void view_print_table(const struct view_sample *vs, const struct view_opts *v,
		      const struct proc_rate *rates);

/* Prints a json-c object to stdout, pretty, with a trailing newline. */
void print_json(json_object *o);

#endif
