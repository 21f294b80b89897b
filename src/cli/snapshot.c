// SPDX-License-Identifier: GPL-2.0
/* ptwatch snapshot: every process, every memory cgroup and the host. */
#include <stdlib.h>

#include "term.h"
#include "view.h"

int cmd_snapshot(struct cli_ctx *ctx, int argc, char **argv)
{
	struct view_opts v;
	struct view_sample vs;
	struct proc_rate *rates;
	struct view_layout l;
	char *text;
	int rc = view_parse(argc, argv, false, &v);

	if (rc)
		return rc < 0 ? PTW_OK : rc;
	v.json |= ctx->json;
	rc = view_take(ctx, &vs, &v);
	if (rc)
		return rc;
	rates = view_daemon_rates(&vs); /* the daemon adds rates */
	if (v.json)
		view_print_json(&vs, &v);
	else {
		l = (struct view_layout){ v.limit, v.cgroup_limit, true,
					  v.wide ? 0 : term_width() };
		text = view_render_table(&vs, &v, rates, &l);
		if (text)
			term_write_lines(stdout, text, l.width, 0, false);
		else
			rc = cli_error(PTW_ERR, "out of memory");
		free(text);
	}
	free(rates);
	view_free(&vs);
	return rc;
}
