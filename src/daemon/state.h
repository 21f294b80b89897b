/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What ptwatchd knows between samples: the config, the newest snapshot, the
 * history ring, the knobs and their policies, counters about itself. The
 * main loop (loop.c) owns it; the socket handlers (handlers.c), the policy
 * runner (tune.c) and the metrics writer (metrics.c) read it.
 */
#ifndef PTWATCH_D_STATE_H
#define PTWATCH_D_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "census_sched.h"
#include "config.h"
#include "free_tables.h"
#include "history.h"
#include "hugetlb.h"
#include "knob.h"
#include "log.h"
#include "policy.h"
#include "proto.h"
#include "scan.h"
#include "kfeatures.h"
#include "snapshot.h"
#include "textfile.h"

struct d_bpf;

struct d_stats {
	uint64_t start_ns; /* CLOCK_MONOTONIC */
	unsigned long samples, sample_errors;
	double last_sample_s;	  /* wall time of the last sample */
	double last_sample_cpu_s; /* CPU time of the last sample */
	/* after the first sample: the longest sample, and the longest time
	 * from one sample's start to the next one's (the interval when
	 * every sample is on time) */
	double max_sample_s, max_gap_s;
	double last_gap_s;   /* from the start of the sample before */
	double last_start_s; /* CLOCK_MONOTONIC start of the last sample */
	double sample_cpu_total_s;
	unsigned long requests; /* answered */
	unsigned long refused;	/* garbage, oversized, slow, busy */
	unsigned long denied;	/* knob changes by non-root peers */
	unsigned long reloads, reload_errors;
};

struct d_state {
	struct d_config cfg;
	const char *config_path;
	struct d_scan scan;	/* scan.snap: the newest sample */
	struct d_census census; /* exact figures of the top processes */
	bool have_snap;
	struct d_history hist;
	struct kfeatures kf;
	struct d_hugetlb huge;
	struct d_knob knob[D_NR_KNOBS];
	struct d_policy pol[D_NR_KNOBS];
	/* a mode set with `ptwatch reclaim on|off|auto` overrides the config
	 * until restart; D_MODE_REPORT + !manual means "use the config" */
	bool manual[D_NR_KNOBS];
	enum d_knob_mode manual_mode[D_NR_KNOBS];
	struct d_stats stats;
	struct d_fault snap_fault, hugetlb_fault;
	struct d_textfile textfile; /* node_exporter's textfile, its errors */
	struct d_bpf *bpf;
	struct d_free free;    /* the [free_tables] policy */
	char status_line[256]; /* sd_notify STATUS= */
};

/* seconds since the daemon started (monotonic) */
double d_state_uptime(const struct d_state *st);

/* The policy config a knob runs with: the file's, or the manual mode. */
struct d_policy_cfg d_state_policy_cfg(const struct d_state *st,
				       enum d_knob_id id);

/* The metric each policy watches: waste in % of MemTotal, MiB of vmemmap
 * that HVO saves for the current HugeTLB pool. */
double d_state_metric(const struct d_state *st, enum d_knob_id id);
const char *d_state_metric_unit(enum d_knob_id id);
const char *d_state_metric_name(enum d_knob_id id);

/*
 * A root client's `ptwatch reclaim on|off|auto|report`: sets the manual
 * mode and, for on/off, writes the knob now (even in dry-run: a person
 * asked). 0 or -errno; *msg says what happened.
 */
int d_state_set_mode(struct d_state *st, enum d_knob_id id,
		     enum d_knob_mode mode, struct d_actor who, char *msg,
		     size_t len);

/* One policy step for every knob, acting on the decision. */
void d_state_tune(struct d_state *st);

/* Answers one request from `peer`: the JSON text, newline terminated,
 * malloc'd (*len bytes); NULL only when out of memory. */
char *d_handle(struct d_state *st, const struct d_request *req,
	       const struct ucred *peer, size_t *len);

#endif
