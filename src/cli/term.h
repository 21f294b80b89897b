/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The terminal the tables go to: its size, and the raw mode `ptwatch top`
 * reads keys in (restored on every exit path).
 */
#ifndef PTWATCH_CLI_TERM_H
#define PTWATCH_CLI_TERM_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Columns a table line may use: COLUMNS when set to a number, else the
 * terminal's width when stdout is one, else 0: no limit, as ps(1) and
 * systemctl(1) do when their output is piped (docs/cli.md).
 */
int term_width(void);

/* Lines likewise: LINES, else the terminal's height, else 0 (no limit). */
int term_height(void);

/* Whether stdout is a terminal that takes escape codes (not TERM=dumb). */
bool term_is_screen(void);

/*
 * Full-screen mode for `top`: the alternate screen, no cursor, and stdin
 * (when a terminal) without echo or line buffering, signals kept.
 * term_screen_leave() undoes exactly that and is safe to call again, from
 * atexit() or a signal handler.
 */
void term_screen_enter(void);
void term_screen_leave(void);

/*
 * Writes "INDENT spaces, label, text" folded to width (0: one line): the
 * text breaks after "; " (or else at a space) and goes on under its own
 * first character. A word longer than the line is left whole.
 */
void term_fold(FILE *out, int indent, const char *label, const char *text,
	       int width);

/*
 * Writes text's lines to out, each cut to width characters (0: whole) and
 * at most max_lines of them (0: all). On a screen (top's frame) each line
 * also clears the rest of its row, and the rows below are cleared after
 * the last. Returns the lines written.
 */
int term_write_lines(FILE *out, const char *text, int width, int max_lines,
		     bool screen);

#endif
