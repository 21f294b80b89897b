// SPDX-License-Identifier: GPL-2.0
/* The probe library's results as JSON (schema in docs/bpf.md). */
#include <string.h>

#include "bpf_json.h"

static json_object *probe_json(const struct ptw_probe_status *s)
{
	json_object *o = json_object_new_object();
	bool attached = s->attach != PTW_ATTACH_NONE;

	json_object_object_add(o, "name", json_object_new_string(s->name));
	json_object_object_add(
		o, "attach",
		json_object_new_string(ptw_attach_name(s->attach)));
	json_object_object_add(o, "target",
			       attached ? json_object_new_string(s->target) :
					  NULL);
	json_object_object_add(o, "fallback",
			       json_object_new_boolean(s->fallback));
	json_object_object_add(o, "verified",
			       json_object_new_boolean(s->verified));
	/* Not attached: why. Attached: what the better ways lacked, if any. */
	if (!attached)
		json_object_object_add(
			o, "reason",
			json_object_new_string(s->reason[0] ? s->reason :
							      "unknown"));
	else if (s->reason[0])
		json_object_object_add(o, "note",
				       json_object_new_string(s->reason));
	return o;
}

json_object *ptw_probes_json(const struct ptw_probe_status st[PTW_PROBE_NR])
{
	json_object *a = json_object_new_array();

	for (int p = 0; p < PTW_PROBE_NR; p++)
		json_object_array_add(a, probe_json(&st[p]));
	return a;
}

static void add_counters(json_object *o, const __u64 *c, const __u64 *hist,
			 const struct ptw_probe_status st[PTW_PROBE_NR])
{
	json_object *h = NULL;

	for (int i = 0; i < PTW_C_NR; i++)
		json_object_object_add(
			o, ptw_counter_name(i),
			ptw_counter_known(st, i) ?
				json_object_new_int64((int64_t)c[i]) :
				NULL);
	if (ptw_counter_known(st, PTW_C_PTES_ZAPPED)) {
		h = json_object_new_object();
		for (unsigned int s = 0; s < PTW_HIST_SLOTS; s++)
			json_object_object_add(
				h, ptw_hist_slot_name(s),
				json_object_new_int64((int64_t)hist[s]));
	}
	json_object_object_add(o, "zap_batch_histogram", h);
}

json_object *ptw_proc_json(const struct ptw_proc *p,
			   const struct ptw_probe_status st[PTW_PROBE_NR])
{
	json_object *o = json_object_new_object();
	char comm[PTW_COMM_BYTES + 1] = { 0 };

	memcpy(comm, p->comm, PTW_COMM_BYTES);
	json_object_object_add(o, "pid", json_object_new_int64(p->pid));
	json_object_object_add(o, "comm", json_object_new_string(comm));
	json_object_object_add(o, "cgroup_id",
			       json_object_new_int64((int64_t)p->cgroup_id));
	add_counters(o, p->c, p->hist, st);
	return o;
}

json_object *ptw_totals_json(const struct ptw_totals *t,
			     const struct ptw_probe_status st[PTW_PROBE_NR])
{
	json_object *o = json_object_new_object();

	add_counters(o, t->c, t->hist, st);
	json_object_object_add(o, "dropped_events",
			       json_object_new_int64((int64_t)t->drops));
	return o;
}
