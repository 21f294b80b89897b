/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command line's one source of truth: every command, its arguments,
 * its options and their help. `ptwatch help [CMD]`, `--help`, and the
 * getopt tables each command parses with are made from it; the man page,
 * docs/cli.md and the bash completion are checked against `ptwatch help`
 * in make test (tests/host/t-cli-docs.sh).
 */
#ifndef PTWATCH_CLI_SPEC_H
#define PTWATCH_CLI_SPEC_H

#include <getopt.h>
#include <stdio.h>

#include "cli.h"

#define CLI_MAX_OPTS 12

struct cli_opt {
	const char *name; /* --name */
	char shrt;	  /* -x, 0 for none */
	int val;	  /* what getopt_long returns for it */
	const char *arg;  /* the argument's name; NULL: a flag */
	const char *help;
};

struct cli_cmd {
	const char *name; /* "reclaim pid": a command under a command */
	cli_cmd_fn fn;	  /* NULL for one reached through its parent */
	const char *args; /* positional arguments, "" for none */
	const char *summary;
	const struct cli_opt *opts; /* ends with { 0 } */
	const char *more;	    /* after the options in --help, or NULL */
};

extern const struct cli_cmd cli_cmds[];
extern const struct cli_opt cli_global_opts[];

/* The command called name, or NULL. */
const struct cli_cmd *cli_cmd_find(const char *name);

/* getopt_long's long options (CLI_MAX_OPTS + 1, zero-terminated) and
 * short option string (at least 3 * CLI_MAX_OPTS + 2) for these options;
 * `prefix` ("+" or "") starts the short string. */
void cli_getopt_tables(const struct cli_opt *o, const char *prefix,
		       struct option *longs, char *shorts);

/* getopt_long() over those tables, returning each option's val also for
 * its short form (-n may stand for --iterations). */
int cli_getopt(int argc, char **argv, const char *shorts,
	       const struct option *longs, const struct cli_opt *o);

/* `ptwatch help CMD`: usage, options, more. */
void cli_cmd_usage(FILE *out, const struct cli_cmd *c);
/* `ptwatch help`: usage, commands, global options, exit codes. */
void cli_usage(FILE *out);

int cmd_help(struct cli_ctx *ctx, int argc, char **argv);

#endif
