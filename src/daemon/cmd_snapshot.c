// SPDX-License-Identifier: GPL-2.0
/* ptwatch snapshot: every process, every memory cgroup and the host. */
#include "cli_view.h"

int cmd_snapshot(struct cli_ctx *ctx, int argc, char **argv)
{
	struct view_opts v;
	struct snapshot s;
	int rc = view_parse(argc, argv, false, &v);

	(void)ctx;
	if (rc)
		return rc < 0 ? PTW_OK : rc;
	rc = view_take(&s, &v);
	if (rc)
		return rc;
	if (v.json)
		view_print_json(&s, &v);
	else
		view_print_table(&s, &v, NULL);
	snapshot_free(&s);
	return PTW_OK;
}
