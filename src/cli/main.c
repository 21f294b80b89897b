// SPDX-License-Identifier: GPL-2.0
/* ptwatch: the command line. Parses global options, then hands over to the
 * command (the table of commands and options is spec.c). */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "spec.h"

int main(int argc, char **argv)
{
	struct option longs[CLI_MAX_OPTS + 1];
	char shorts[3 * CLI_MAX_OPTS + 2];
	struct cli_ctx ctx = { .prog = "ptwatch",
			       .socket_path = PTW_SOCKET_PATH };
	const struct cli_cmd *cmd;
	int c;

	/* the character set only (the census bar): numbers stay C's */
	setlocale(LC_CTYPE, "");
	/* '+': stop at the first non-option, the command name. */
	cli_getopt_tables(cli_global_opts, "+", longs, shorts);
	opterr = 0;
	while ((c = cli_getopt(argc, argv, shorts, longs, cli_global_opts)) !=
	       -1) {
		switch (c) {
		case 's':
			ctx.socket_path = optarg;
			ctx.socket_given = true;
			break;
		case 'N':
			ctx.no_daemon = true;
			break;
		case 'j':
			ctx.json = true;
			break;
		case 'h':
			cli_usage(stdout);
			return PTW_OK;
		case 'V':
			printf("ptwatch %s\n", PTW_VERSION);
			return PTW_OK;
		default:
			return cli_error(PTW_USAGE,
					 "unknown or incomplete "
					 "option '%s' (try ptwatch help)",
					 argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_error(PTW_USAGE,
				 "no command given (try ptwatch help)");
	cmd = cli_cmd_find(argv[optind]);
	if (cmd && cmd->fn) {
		int sub_argc = argc - optind;
		char **sub_argv = argv + optind;
		char name[32];

		/* getopt names argv[0] in its messages */
		snprintf(name, sizeof(name), "ptwatch %s", cmd->name);
		sub_argv[0] = name;
		optind = 0; /* full getopt reset for the command */
		opterr = 1;
		return cmd->fn(&ctx, sub_argc, sub_argv);
	}
	return cli_error(PTW_USAGE, "unknown command '%s' (try ptwatch help)",
			 argv[optind]);
}
