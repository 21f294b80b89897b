/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ptwatch command line: global options and the commands. Every command
 * lives in src/cli/NAME.c and has this signature; argv[0] is the command
 * name, options follow (getopt_long, optind reset). Exit codes: ptwatch.h.
 */
#ifndef PTWATCH_CLI_H
#define PTWATCH_CLI_H

#include <stdbool.h>
#include <sys/types.h>

#include "ptwatch.h"

struct cli_ctx {
	const char *prog;	 /* "ptwatch" */
	const char *socket_path; /* daemon socket; default PTW_SOCKET_PATH */
	bool socket_given;	 /* --socket: it must answer, no fallback */
	bool no_daemon;		 /* --no-daemon: never ask the daemon */
	bool json;		 /* -j/--json before the command */
};

typedef int (*cli_cmd_fn)(struct cli_ctx *ctx, int argc, char **argv);

int cmd_snapshot(struct cli_ctx *ctx, int argc, char **argv);
int cmd_top(struct cli_ctx *ctx, int argc, char **argv);
int cmd_show(struct cli_ctx *ctx, int argc, char **argv);
int cmd_status(struct cli_ctx *ctx, int argc, char **argv);
int cmd_record(struct cli_ctx *ctx, int argc, char **argv);
int cmd_reclaim(struct cli_ctx *ctx, int argc, char **argv);
/* `reclaim pid PID...`, reached through cmd_reclaim (argv[0] is "pid") */
int cmd_reclaim_pid(struct cli_ctx *ctx, int argc, char **argv);

/* One line on stderr: "ptwatch: <message>". Returns code, for chaining. */
int cli_error(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* 0 when pid (under proc_root) is a process with memory of its own;
 * else says so in one line, "CMD: ...", and returns the exit code: 3 for
 * one that is not there or is a kernel thread. */
int cli_check_pid(const char *proc_root, pid_t pid, const char *cmd);

/* A duration in seconds, min..max; else one line (the same for every
 * command) and PTW_USAGE. */
int cli_parse_seconds(const char *opt, const char *s, double min, double max,
		      double *out);

/* Maps an errno from reading /proc/PID to an exit code. */
int cli_exit_for_errno(int err);

#endif
