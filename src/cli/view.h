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
	long iterations; /* top: frames (>= 1), 0 = until q */
	bool wide;	 /* -w: every column, whole paths */
	bool rows_given; /* --rows (or snapshot's -n) was given */
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
	bool fell_back;	     /* the default socket did not answer */
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
/* What a table view prints: how many process and cgroup rows, whether
 * the note under the processes, in how many columns (0: no limit). */
struct view_layout {
	size_t procs, cgroups;
	bool note;
	int width;
};

/* The table view as text (the caller writes it with term_write_lines()
 * and frees it); NULL when out of memory. */
char *view_render_table(const struct view_sample *vs, const struct view_opts *v,
			const struct proc_rate *rates,
			const struct view_layout *l);

/* Prints a json-c object to stdout, pretty, with a trailing newline. */
void print_json(json_object *o);

#endif
