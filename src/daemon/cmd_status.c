// SPDX-License-Identifier: GPL-2.0
/* Placeholder until its issue lands: says so and exits 5. */
#include "cli.h"

int cmd_status(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	return cli_error(PTW_UNSUPPORTED, "'status' is not built yet");
}
