/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the two programs promise alike: the version, the exit codes (one
 * table for `ptwatch` and `ptwatchd`, documented in docs/cli.md) and where
 * the daemon's query socket is by default.
 */
#ifndef PTWATCH_H
#define PTWATCH_H

#define PTW_VERSION "0.1.0"
#define PTW_SOCKET_PATH "/run/ptwatch/ptwatch.sock"

/* Exit codes; `ptwatch --help` lists them and docs/cli.md documents them. */
enum ptw_exit {
	PTW_OK = 0,	     /* success */
	PTW_ERR = 1,	     /* runtime failure (I/O, kernel refused, ...) */
	PTW_USAGE = 2,	     /* bad command line */
	PTW_NOPROC = 3,	     /* no such process, or it exited while read */
	PTW_PERM = 4,	     /* permission denied (needs root or ptrace) */
	PTW_UNSUPPORTED = 5, /* the kernel or host lacks the feature */
	PTW_NODAEMON = 6,    /* the daemon was required but not reachable */
	PTW_RUNNING = 7, /* ptwatchd: another daemon answers on its socket */
};

#endif
