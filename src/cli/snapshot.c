// SPDX-License-Identifier: GPL-2.0
/* ptwatch snapshot: every process, every memory cgroup and the host. */
#include <stdlib.h>

#include "view.h"

int cmd_snapshot(struct cli_ctx *ctx, int argc, char **argv)
{
	struct view_opts v;
	struct view_sample vs;
	struct proc_rate *rates;
	int rc = view_parse(argc, argv, false, &v);

	if (rc)
		return rc < 0 ? PTW_OK : rc;
	rc = view_take(ctx, &vs, &v);
	if (rc)
		return rc;
	rates = view_daemon_rates(&vs); /* the daemon adds rates */
	if (v.json)
		view_print_json(&vs, &v);
	else
		view_print_table(&vs, &v, rates);
	free(rates);
	view_free(&vs);
	return PTW_OK;
}
