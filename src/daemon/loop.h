/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptwatchd's main loop: one epoll set with a timerfd (sampling), a
 * signalfd (TERM/INT: clean exit, HUP: reload), the query socket and the
 * optional HTTP listener; sd_notify READY=1 after the first sample,
 * WATCHDOG=1 from the loop, STATUS= with a one-line summary.
 */
#ifndef PTWATCH_D_LOOP_H
#define PTWATCH_D_LOOP_H

#include "config.h"

struct d_options {
	const char *config_path; /* NULL: built-in defaults */
	const char *socket;	 /* --socket, overrides the config */
};

/* Applies the command line over a loaded config. */
void d_options_apply(const struct d_options *o, struct d_config *cfg);

/* Runs until SIGTERM/SIGINT; returns the process exit code. */
int d_run(const struct d_options *o, const struct d_config *cfg);

#endif
