// SPDX-License-Identifier: GPL-2.0
#include "cli.h"

int cmd_snapshot(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	return cli_error(PTW_UNSUPPORTED, "'snapshot' is not built yet");
}
