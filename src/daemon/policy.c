// SPDX-License-Identifier: GPL-2.0
/* The knob policy state machine (see policy.h). */
#include <stdio.h>
#include <string.h>

#include "policy.h"

void d_policy_init(struct d_policy *p, const struct d_policy_cfg *cfg)
{
	memset(p, 0, sizeof(*p));
	p->cfg = *cfg;
	p->written = -1;
	p->wished = -1;
	p->last_change = INT64_MIN;
	p->last_wish = INT64_MIN;
}

void d_policy_reconfigure(struct d_policy *p, const struct d_policy_cfg *cfg)
{
	p->cfg = *cfg;
	p->above = p->below = 0;
	p->wished = -1;
	/* a reload is the administrator's way to say "tune it again": the
	 * knob's present value becomes the base */
	if (p->state == D_POL_BACKOFF) {
		p->state = D_POL_IDLE;
		p->written = -1;
	}
}

void d_policy_reset(struct d_policy *p)
{
	p->state = D_POL_IDLE;
	p->written = -1;
	p->above = p->below = 0;
	p->wished = -1;
}

const char *d_policy_state_name(const struct d_policy *p)
{
	if (p->state == D_POL_BACKOFF)
		return "backoff";
	if (p->cfg.mode == D_MODE_REPORT)
		return "report";
	return p->cfg.dry_run ? "dry-run" : "active";
}

static bool interval_passed(int64_t last, int64_t now, unsigned int interval)
{
	return last == INT64_MIN || now - last >= (int64_t)interval;
}

/* The value the thresholds ask for, or -1 for "no opinion yet". */
static int wish(struct d_policy *p, double metric, const char *what,
		const char *unit, char *reason, size_t len)
{
	const struct d_policy_cfg *c = &p->cfg;

	if (c->mode == D_MODE_ON || c->mode == D_MODE_OFF) {
		snprintf(reason, len, "mode is %s", d_knob_mode_name(c->mode));
		return c->mode == D_MODE_ON;
	}
	p->above = metric >= c->on_threshold ? p->above + 1 : 0;
	p->below = metric <= c->off_threshold ? p->below + 1 : 0;
	if (p->above >= c->samples) {
		snprintf(reason, len, "%s %.3g%s >= %.3g%s for %u samples",
			 what, metric, unit, c->on_threshold, unit, p->above);
		return 1;
	}
	if (p->below >= c->samples) {
		snprintf(reason, len, "%s %.3g%s <= %.3g%s for %u samples",
			 what, metric, unit, c->off_threshold, unit, p->below);
		return 0;
	}
	return -1;
}

static bool in_backoff(struct d_policy *p, int current, int64_t now,
		       struct d_decision *out)
{
	if (p->state == D_POL_BACKOFF) {
		if (now < p->backoff_until)
			return true;
		/* back-off over: the knob's present value is the new base */
		p->state = D_POL_IDLE;
		p->written = -1;
		p->above = p->below = 0;
		return false;
	}
	if (p->written < 0 || current == p->written)
		return false;
	p->state = D_POL_BACKOFF;
	p->backoff_until = p->cfg.backoff ? now + p->cfg.backoff : INT64_MAX;
	out->action = D_ACT_BACKOFF;
	out->value = current;
	if (p->cfg.backoff)
		snprintf(out->reason, sizeof(out->reason),
			 "knob changed to %d by someone else (we wrote %d): "
			 "not touching it for %us",
			 current, p->written, p->cfg.backoff);
	else
		snprintf(out->reason, sizeof(out->reason),
			 "knob changed to %d by someone else (we wrote %d): "
			 "not touching it until restart or reload",
			 current, p->written);
	return true;
}

void d_policy_step(struct d_policy *p, double metric, int current, int64_t now,
		   const char *what, const char *unit, struct d_decision *out)
{
	char reason[sizeof(out->reason)];
	int want;

	memset(out, 0, sizeof(*out));
	if (p->cfg.mode == D_MODE_REPORT || current < 0)
		return;
	if (in_backoff(p, current, now, out))
		return;
	want = wish(p, metric, what, unit, reason, sizeof(reason));
	if (want < 0 || want == current) {
		if (want == current)
			p->wished = -1;
		return;
	}
	if (p->cfg.dry_run) {
		/* repeated at most every 10 minutes even with
		 * min_interval 0: a dry run must not flood the journal */
		unsigned int repeat = p->cfg.min_interval >
						      D_POLICY_DRY_REPEAT ?
					      p->cfg.min_interval :
					      D_POLICY_DRY_REPEAT;

		if (want == p->wished &&
		    !interval_passed(p->last_wish, now, repeat))
			return;
		p->wished = want;
		p->last_wish = now;
		p->would_changes++;
		out->action = D_ACT_WOULD_SET;
	} else {
		if (!interval_passed(p->last_change, now, p->cfg.min_interval))
			return;
		out->action = D_ACT_SET;
	}
	out->value = want;
	strcpy(out->reason, reason);
}

void d_policy_written(struct d_policy *p, int value, bool ok, int64_t now)
{
	/* a failed write also counts for the rate limit: retrying every
	 * sample would only repeat the failure */
	p->last_change = now;
	if (!ok)
		return;
	p->written = value;
	p->changes++;
	p->above = p->below = 0;
}
