/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A 0/1 sysctl the daemon may change (vm.pt_reclaim,
 * vm.hugetlb_optimize_vmemmap). Every change is logged with its reason, who
 * asked, and a `sysctl -w` line a person can paste. Before the first change
 * the original value is saved in STATE_DIR/knobs.json (under /run), so that
 * a daemon that crashed can roll the knob back when it starts again.
 */
#ifndef PTWATCH_D_KNOB_H
#define PTWATCH_D_KNOB_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "log.h"

#define D_KNOB_STATE_FILE "knobs.json"

struct d_knob {
	const char *name;      /* "vm.pt_reclaim" */
	char path[PATH_MAX];   /* SYSCTL_ROOT/vm/pt_reclaim */
	int value;	       /* last value read, -1 unknown or absent */
	int original;	       /* value before our first write, -1: none */
	int written;	       /* value we last wrote, -1: none */
	int64_t changed_at;    /* d_knob_now() of our last change, also by
				* an earlier run; INT64_MIN: none known */
	unsigned long changes; /* successful writes */
	struct d_fault read_fault, write_fault;
};

/* Who asked for a change: the policy (uid -1) or a client. */
struct d_actor {
	uid_t uid;
	pid_t pid;
};
#define D_ACTOR_POLICY ((struct d_actor){ (uid_t)-1, 0 })

void d_knob_init(struct d_knob *k, const char *name, const char *sysctl_root);

/* Reads the knob into k->value: 0/1 on success, -errno (-ENOENT: absent).
 * Failures other than ENOENT are logged once (d_fault). */
int d_knob_read(struct d_knob *k);

/*
 * Writes `value` (saving the original first), logs the change with
 * `reason` and the actor. 0 or -errno (logged, counted).
 */
int d_knob_write(struct d_knob *k, int value, const char *state_dir,
		 struct d_actor who, const char *reason);

/* Logs what a dry run would write, with the same fields as a change. */
void d_knob_log_would(const struct d_knob *k, int value, const char *reason);

/* Logs that an administrator changed the knob and we back off. */
void d_knob_log_backoff(const struct d_knob *k, const char *reason);

/* Seconds of CLOCK_MONOTONIC: the clock of changed_at and the policies,
 * shared by every process since boot. */
int64_t d_knob_now(void);

/*
 * At start: the state file of a previous run that did not exit cleanly.
 * For each knob still at the value that run wrote, restores the original;
 * a knob someone else changed since is left alone. The file then keeps,
 * per knob, only the time of the last change (a rollback counts).
 * Returns the number of knobs rolled back.
 */
int d_knob_rollback_saved(const char *state_dir);

/* After d_knob_rollback_saved(): k->changed_at from the state file, so
 * that min_interval holds across a crash or restart. */
void d_knob_load_saved(struct d_knob *k, const char *state_dir);

/*
 * At a clean exit: with `rollback`, restores k's original if the knob still
 * holds what we wrote. Either way forgets the saved original, so the next
 * start rolls nothing back, and keeps the time of the last change.
 */
void d_knob_exit(struct d_knob *k, const char *state_dir, bool rollback);

#endif
