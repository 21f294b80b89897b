/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's view of the BPF probes: open and attach at start, read the
 * counters each sample, report them. A probe that cannot attach degrades
 * the report, never the daemon: every function here works (and says what
 * is missing) when nothing attached.
 */
#ifndef PTWATCH_D_BPF_H
#define PTWATCH_D_BPF_H

#include <json-c/json.h>
#include <stdio.h>

struct d_bpf;

/* Never NULL unless out of memory; a d_bpf with nothing attached reports
 * why in its status. */
struct d_bpf *d_bpf_open(void);
void d_bpf_close(struct d_bpf *b);

/* Reads the counters (each sample). */
void d_bpf_sample(struct d_bpf *b);

/* {"available":bool,"reason":..,"probes":[{"name","method","attached"}],
 *  "processes":{...}} for the socket's answers. */
json_object *d_bpf_to_json(const struct d_bpf *b);

/* Prometheus lines: ptwatch_probe_attached{probe,method} and counters. */
void d_bpf_metrics(const struct d_bpf *b, FILE *out);

#endif
