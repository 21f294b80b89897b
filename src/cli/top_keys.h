/* SPDX-License-Identifier: GPL-2.0 */
/* The keys `ptwatch top` takes on a terminal, and its help screen. */
#ifndef PTWATCH_CLI_TOP_KEYS_H
#define PTWATCH_CLI_TOP_KEYS_H

enum top_key {
	TOP_KEY_NONE,	    /* the time ran out, or a signal came */
	TOP_KEY_QUIT,	    /* q, Q, Esc alone, Ctrl-D */
	TOP_KEY_HELP,	    /* ?, h */
	TOP_KEY_SORT_WASTE, /* w: in enum snapshot_sort order */
	TOP_KEY_SORT_PTE,   /* p */
	TOP_KEY_SORT_RSS,   /* r */
	TOP_KEY_OTHER,
};

/* CLOCK_MONOTONIC in seconds. */
double top_keys_now(void);

/* Waits up to `seconds` for a key on stdin (just waits when stdin is not
 * a terminal); a signal ends the wait early with TOP_KEY_NONE. */
enum top_key top_keys_wait(double seconds);

/* The help screen's text (malloc'd). */
char *top_keys_help(void);

#endif
