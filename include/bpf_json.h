/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The probes in JSON (src/bpf/json.c), shared by `ptwatch status`,
 * `ptwatch record` and ptwatchd so that all speak one schema (docs/bpf.md).
 * Counters the attached probes cannot give are null, never 0.
 */
#ifndef PTWATCH_BPF_JSON_H
#define PTWATCH_BPF_JSON_H

#include <json-c/json.h>

#include "bpf_probes.h"

/* [{"name","attach","target","fallback","verified","reason"|"note"}] */
json_object *ptw_probes_json(const struct ptw_probe_status st[PTW_PROBE_NR]);

/* {"pid","comm","cgroup_id", every counter, "zap_batch_histogram"} */
json_object *ptw_proc_json(const struct ptw_proc *p,
			   const struct ptw_probe_status st[PTW_PROBE_NR]);

/* The same counters for the whole system, plus "dropped_events". */
json_object *ptw_totals_json(const struct ptw_totals *t,
			     const struct ptw_probe_status st[PTW_PROBE_NR]);

#endif
