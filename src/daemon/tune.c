// SPDX-License-Identifier: GPL-2.0
/* Runs the knob policies on each sample and for manual commands. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "state.h"

static int64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

double d_state_uptime(const struct d_state *st)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec * 1e9 + ts.tv_nsec - st->stats.start_ns) /
	       1e9;
}

struct d_policy_cfg d_state_policy_cfg(const struct d_state *st,
				       enum d_knob_id id)
{
	struct d_policy_cfg c = id == D_KNOB_RECLAIM ? st->cfg.reclaim :
						       st->cfg.vmemmap;

	if (st->manual[id]) {
		c.mode = st->manual_mode[id];
		/* a person chose on/off: that is not a dry run */
		if (c.mode == D_MODE_ON || c.mode == D_MODE_OFF)
			c.dry_run = false;
	}
	return c;
}

double d_state_metric(const struct d_state *st, enum d_knob_id id)
{
	if (id == D_KNOB_VMEMMAP)
		return (double)st->huge.saving_bytes / (1024.0 * 1024.0);
	const struct host_sample *h = &st->scan.snap.host;

	if (!st->have_snap || !h->mem_total)
		return 0;
	return 100.0 * (double)h->waste_bytes / (double)h->mem_total;
}

const char *d_state_metric_unit(enum d_knob_id id)
{
	return id == D_KNOB_VMEMMAP ? " MiB" : "%";
}

const char *d_state_metric_name(enum d_knob_id id)
{
	return id == D_KNOB_VMEMMAP ? "HugeTLB vmemmap saving" :
				      "page-table waste (of MemTotal)";
}

static void act(struct d_state *st, enum d_knob_id id,
		const struct d_decision *d)
{
	struct d_knob *k = &st->knob[id];
	int rc;

	switch (d->action) {
	case D_ACT_NONE:
		break;
	case D_ACT_WOULD_SET:
		d_knob_log_would(k, d->value, d->reason);
		break;
	case D_ACT_BACKOFF:
		d_knob_log_backoff(k, d->reason);
		break;
	case D_ACT_SET:
		rc = d_knob_write(k, d->value, st->cfg.state_dir,
				  D_ACTOR_POLICY, d->reason);
		d_policy_written(&st->pol[id], d->value, rc == 0, now_s());
		break;
	}
}

void d_state_tune(struct d_state *st)
{
	for (int id = 0; id < D_NR_KNOBS; id++) {
		struct d_decision d;
		int cur = d_knob_read(&st->knob[id]);

		d_policy_step(&st->pol[id], d_state_metric(st, id),
			      cur < 0 ? -1 : cur, now_s(),
			      d_state_metric_name(id), d_state_metric_unit(id),
			      &d);
		act(st, id, &d);
	}
	/* after the knobs: a switch to 1 this sample frees what was left */
	if (st->have_snap)
		d_free_run(&st->free, &st->cfg.free, st->cfg.proc_root,
			   &st->scan.snap,
			   d_knob_read(&st->knob[D_KNOB_RECLAIM]));
}

int d_state_set_mode(struct d_state *st, enum d_knob_id id,
		     enum d_knob_mode mode, struct d_actor who, char *msg,
		     size_t len)
{
	struct d_knob *k = &st->knob[id];
	struct d_policy_cfg cfg;
	char reason[128];
	int want, rc;

	if (d_knob_read(k) < 0) {
		snprintf(msg, len, "%s is not available on this kernel (%s)",
			 k->name,
			 id == D_KNOB_RECLAIM ?
				 pt_reclaim_mode_name(st->kf.pt_reclaim) :
				 "no sysctl");
		return -EOPNOTSUPP;
	}
	st->manual[id] = mode != D_MODE_AUTO;
	st->manual_mode[id] = mode;
	cfg = d_state_policy_cfg(st, id);
	/* "auto" returns to the config file's mode (auto or report) */
	d_policy_reset(&st->pol[id]);
	d_policy_reconfigure(&st->pol[id], &cfg);
	if (mode != D_MODE_ON && mode != D_MODE_OFF) {
		snprintf(msg, len, "%s: policy mode %s%s (knob is %d)", k->name,
			 d_knob_mode_name(cfg.mode),
			 cfg.dry_run && cfg.mode == D_MODE_AUTO ? ", dry run" :
								  "",
			 k->value);
		d_log(LOG_NOTICE, "%s: mode set to %s by uid=%u pid=%d",
		      k->name, d_knob_mode_name(mode), (unsigned int)who.uid,
		      (int)who.pid);
		return 0;
	}
	want = mode == D_MODE_ON;
	if (k->value == want) {
		st->pol[id].written = want; /* for back-off detection */
		snprintf(msg, len, "%s is already %d; holding it", k->name,
			 want);
		return 0;
	}
	snprintf(reason, sizeof(reason), "mode %s requested on the socket",
		 d_knob_mode_name(mode));
	rc = d_knob_write(k, want, st->cfg.state_dir, who, reason);
	d_policy_written(&st->pol[id], want, rc == 0, now_s());
	if (rc)
		snprintf(msg, len, "writing %s failed: %s", k->name,
			 strerror(-rc));
	else
		snprintf(msg, len, "%s set to %d (sysctl -w %s=%d)", k->name,
			 want, k->name, want);
	return rc;
}
