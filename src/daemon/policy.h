/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tuning policy for one 0/1 knob, as a pure state machine: it is fed one
 * observation per sample (the metric and the knob's current value) and says
 * what to do. It does no I/O, so tests drive it with made-up clocks.
 *
 * - Hysteresis: the metric must stay at/above on_threshold (or at/below
 *   off_threshold) for `samples` consecutive samples before a switch.
 * - Rate limit: at most one change per min_interval seconds.
 * - Dry run: the decision is reported as D_ACT_WOULD_SET and nothing is
 *   written; it is reported again only when the wish changes or once per
 *   min_interval (at least D_POLICY_DRY_REPEAT s), so a dry run does not
 *   flood the log.
 * - Back-off: if the knob no longer holds the value this policy last wrote,
 *   an administrator changed it; the policy leaves it alone for `backoff`
 *   seconds (0: until d_policy_reset(), i.e. restart, reload or a manual
 *   command).
 * - Modes ON/OFF hold a value regardless of the metric; REPORT never acts.
 */
#ifndef PTWATCH_D_POLICY_H
#define PTWATCH_D_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

#define D_POLICY_DRY_REPEAT 600

enum d_action {
	D_ACT_NONE,
	D_ACT_SET,	 /* write `value` to the knob */
	D_ACT_WOULD_SET, /* dry run: log that it would write `value` */
	D_ACT_BACKOFF,	 /* an admin changed the knob: stop tuning it */
};

enum d_policy_state {
	D_POL_IDLE,    /* watching */
	D_POL_BACKOFF, /* leaving the knob to an administrator */
};

struct d_policy {
	struct d_policy_cfg cfg;
	enum d_policy_state state;
	unsigned int above, below; /* consecutive samples past a threshold */
	int written;		   /* value we last wrote, -1: none */
	int64_t last_change;	   /* seconds; INT64_MIN: never */
	int wished;		   /* dry run: last value reported, -1 none */
	int64_t last_wish;	   /* dry run: when it was reported */
	int64_t backoff_until;	   /* INT64_MAX: until reset */
	unsigned long changes;	   /* writes decided, for metrics */
	unsigned long would_changes;
};

struct d_decision {
	enum d_action action;
	int value;	  /* for SET / WOULD_SET */
	char reason[160]; /* why, for the log's PTWATCH_REASON */
};

void d_policy_init(struct d_policy *p, const struct d_policy_cfg *cfg);

/* A new config (reload): keeps `written` and the time of the last change so
 * that back-off detection and the rate limit survive, restarts the
 * counters, and ends a back-off. */
void d_policy_reconfigure(struct d_policy *p, const struct d_policy_cfg *cfg);

/* Forget a back-off and what we wrote (after a manual command). */
void d_policy_reset(struct d_policy *p);

/*
 * One sample: `metric` in the policy's unit, `current` the knob's value now
 * (-1 if it could not be read: then nothing is decided). `now` in seconds
 * of a monotonic clock. `what` and `unit` name the metric in the reason:
 * "page-table waste 1.2% >= 1% for 6 samples".
 */
void d_policy_step(struct d_policy *p, double metric, int current, int64_t now,
		   const char *what, const char *unit, struct d_decision *out);

/* The caller wrote the value SET asked for (or failed to: pass ok=false). */
void d_policy_written(struct d_policy *p, int value, bool ok, int64_t now);

const char *d_policy_state_name(const struct d_policy *p);

#endif
