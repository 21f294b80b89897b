/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ptwatch command line: global options, exit codes and the commands.
 * Every command lives in src/daemon/cmd_NAME.c and has this signature;
 * argv[0] is the command name, options follow (getopt_long, optind reset).
 */
#ifndef PTWATCH_CLI_H
#define PTWATCH_CLI_H

#include <stdbool.h>

/* Exit codes; `ptwatch --help` lists them and docs/cli.md documents them. */
enum ptw_exit {
	PTW_OK = 0,          /* success */
	PTW_ERR = 1,         /* runtime failure (I/O, kernel refused, ...) */
	PTW_USAGE = 2,       /* bad command line */
	PTW_NOPROC = 3,      /* no such process, or it exited while read */
	PTW_PERM = 4,        /* permission denied (needs root or ptrace) */
	PTW_UNSUPPORTED = 5, /* the kernel or host lacks the feature */
	PTW_NODAEMON = 6,    /* the daemon was required but not reachable */
};

struct cli_ctx {
	const char *prog;        /* "ptwatch" */
	const char *socket_path; /* daemon socket; default PTW_SOCKET_PATH */
	bool no_daemon;          /* --no-daemon: never ask the daemon */
};

#define PTW_SOCKET_PATH "/run/ptwatch/ptwatch.sock"
#define PTW_VERSION "0.1.0"

typedef int (*cli_cmd_fn)(struct cli_ctx *ctx, int argc, char **argv);

int cmd_snapshot(struct cli_ctx *ctx, int argc, char **argv);
int cmd_top(struct cli_ctx *ctx, int argc, char **argv);
int cmd_show(struct cli_ctx *ctx, int argc, char **argv);
int cmd_status(struct cli_ctx *ctx, int argc, char **argv);
int cmd_record(struct cli_ctx *ctx, int argc, char **argv);
int cmd_reclaim(struct cli_ctx *ctx, int argc, char **argv);

/* One line on stderr: "ptwatch: <message>". Returns code, for chaining. */
int cli_error(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Maps an errno from reading /proc/PID to an exit code. */
int cli_exit_for_errno(int err);

#endif
