/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tables that fit a width: columns of one line each, separated by a
 * space; the lowest-priority columns go first when the line would be too
 * wide, and a last "path" column (a cgroup) takes what is left, shortened
 * in the middle with its leaf kept. A row never wraps.
 */
#ifndef PTWATCH_CLI_TABLE_H
#define PTWATCH_CLI_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define TABLE_MAX_COLS 16
/* narrower than this, the path column goes too */
#define TABLE_PATH_MIN 12

struct table_col {
	const char *head; /* NULL: a column this table does not have */
	int width;	  /* at least the head's length */
	bool left;	  /* text: left-aligned; numbers right-aligned */
	int drop;	  /* 0: always shown; the highest goes first */
	bool path;	  /* the last column: what is left, shortened */
};

struct table {
	const struct table_col *col;
	int nr;
	bool shown[TABLE_MAX_COLS];
	int path_width; /* 0: the path column is not shown */
};

/*
 * Chooses the columns for lines of at most `width` characters (0: no
 * limit, every column, paths whole); path_len is the longest path. With
 * `wide`, every column and whole paths whatever the width.
 */
void table_fit(struct table *t, const struct table_col *col, int nr, int width,
	       int path_len, bool wide);

void table_head(FILE *out, const struct table *t);
/* cell[i] for col[i]; cells of hidden columns are ignored. */
void table_row(FILE *out, const struct table *t, const char *const *cell);

/*
 * path in at most width characters: "/a/b/c/leaf" -> "/a/...c/leaf", the
 * leaf kept whole when it fits, else its tail after "...". buf: len >=
 * width + 1.
 */
const char *table_shorten(const char *path, int width, char *buf, size_t len);

#endif
