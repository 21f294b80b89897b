// SPDX-License-Identifier: GPL-2.0
#include "cli.h"

int cmd_top(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	return cli_error(PTW_UNSUPPORTED, "'top' is not built yet");
}
