// SPDX-License-Identifier: GPL-2.0
/*
 * BPF attribution for the daemon. Until the probe library (bpf_probes.h)
 * is part of the build, this reports that attribution is unavailable.
 */
#include <stdlib.h>

#include "d_bpf.h"

struct d_bpf {
	const char *reason;
};

struct d_bpf *d_bpf_open(void)
{
	struct d_bpf *b = calloc(1, sizeof(*b));

	if (b)
		b->reason = "BPF probes are not built into this ptwatchd";
	return b;
}

void d_bpf_close(struct d_bpf *b)
{
	free(b);
}

void d_bpf_sample(struct d_bpf *b)
{
	(void)b;
}

json_object *d_bpf_to_json(const struct d_bpf *b)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "available", json_object_new_boolean(0));
	json_object_object_add(o, "reason",
			       json_object_new_string(b ? b->reason : "disabled"));
	json_object_object_add(o, "probes", json_object_new_array());
	return o;
}

void d_bpf_metrics(const struct d_bpf *b, FILE *out)
{
	(void)b;
	fputs("# HELP ptwatch_bpf_available Whether BPF attribution runs (1) or not (0).\n"
	      "# TYPE ptwatch_bpf_available gauge\n"
	      "ptwatch_bpf_available 0\n", out);
}
