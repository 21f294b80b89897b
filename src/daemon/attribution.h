/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's view of the BPF probes (bpf_probes.h): open and attach at
 * start, read the counters each sample, report them. A probe that cannot
 * attach degrades the report, never the daemon: every function here works
 * (and says what is missing) when nothing attached, and with b == NULL
 * (BPF disabled in the config).
 *
 * Memory stays bounded: only the processes alive at the last read are
 * kept; processes that ended are in the system-wide totals only.
 */
#ifndef PTWATCH_D_BPF_H
#define PTWATCH_D_BPF_H

#include <json-c/json.h>
#include <stdio.h>

#include <sys/types.h>

struct d_bpf;

/* NULL only when out of memory; a d_bpf with nothing attached says why. */
struct d_bpf *d_bpf_open(void);
void d_bpf_close(struct d_bpf *b);

/* Reads the counters (each sample). */
void d_bpf_sample(struct d_bpf *b);

/*
 * {"available":bool,"reason"?,"probes":[...],"totals":{...},
 *  "processes":[...]} in the schema of bpf_json.h. "processes" holds the
 * counters of those of the n pids (the processes in the answer) that the
 * probes have seen; pids may be NULL.
 */
json_object *d_bpf_to_json(const struct d_bpf *b, const pid_t *pids, size_t n);

/* Prometheus lines: ptwatch_bpf_available, ptwatch_probe_attached{probe,
 * attach}, ptwatch_bpf_events_total{counter} (events, calls) and
 * ptwatch_bpf_bytes_total{counter} (bytes) for the counters measured. */
void d_bpf_metrics(const struct d_bpf *b, FILE *out);

#endif
