// SPDX-License-Identifier: GPL-2.0
/* Sysctl knobs: read, write with a log line, saved originals, rollback. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "knob.h"

int64_t d_knob_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

void d_knob_init(struct d_knob *k, const char *name, const char *sysctl_root)
{
	char rel[128];

	memset(k, 0, sizeof(*k));
	k->name = name;
	k->value = k->original = k->written = -1;
	k->changed_at = INT64_MIN;
	k->read_fault.what = "knob-read";
	k->write_fault.what = "knob-write";
	snprintf(rel, sizeof(rel), "%s", name);
	for (char *c = rel; *c; c++)
		if (*c == '.')
			*c = '/';
	snprintf(k->path, sizeof(k->path), "%s/%s", sysctl_root, rel);
}

static int read_int(const char *path, int *out)
{
	char buf[32];
	ssize_t n;
	char *end;
	long v;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	v = strtol(buf, &end, 10);
	if (end == buf || (*end && *end != '\n'))
		return -EINVAL;
	*out = (int)v;
	return 0;
}

static int write_int(const char *path, int value)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d\n", value);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, buf, len) != len)
		rc = errno ? -errno : -EIO;
	if (close(fd) && !rc)
		rc = -errno;
	return rc;
}

int d_knob_read(struct d_knob *k)
{
	int v, rc = read_int(k->path, &v);

	if (rc) {
		k->value = -1;
		if (rc != -ENOENT)
			d_fault_fail(&k->read_fault, "%s: cannot read %s: %s",
				     k->name, k->path, strerror(-rc));
		return rc;
	}
	d_fault_ok(&k->read_fault);
	k->value = v;
	return v;
}

/*
 * ---- the state file:
 * {"vm.pt_reclaim":{"path":..,"original":0,"written":1,"changed_at":812}}
 * changed_at: CLOCK_MONOTONIC seconds of our last change (a write or a
 * rollback). That clock counts from boot, for every process alike, and the
 * file is under /run, cleared at boot: so a restarted daemon can honour
 * min_interval against the change its crashed predecessor made.
 */

static void state_path(const char *state_dir, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", state_dir, D_KNOB_STATE_FILE);
}

static json_object *state_load(const char *state_dir)
{
	char path[PATH_MAX + 16];
	json_object *o;

	state_path(state_dir, path, sizeof(path));
	o = json_object_from_file(path);
	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o ? o : json_object_new_object();
}

/* Atomically: a crash mid-write must not lose the original value. */
static int state_store(const char *state_dir, json_object *o)
{
	char path[PATH_MAX + 16], tmp[PATH_MAX + 32];
	const char *text;
	size_t len;
	int fd, rc = 0;

	state_path(state_dir, path, sizeof(path));
	if (json_object_object_length(o) == 0)
		return unlink(path) && errno != ENOENT ? -errno : 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len || fsync(fd))
		rc = errno ? -errno : -EIO;
	close(fd);
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

static int state_record(const struct d_knob *k, const char *state_dir)
{
	json_object *o = state_load(state_dir), *e = json_object_new_object();
	int rc;

	json_object_object_add(e, "path", json_object_new_string(k->path));
	json_object_object_add(e, "original", json_object_new_int(k->original));
	json_object_object_add(e, "written", json_object_new_int(k->written));
	if (k->changed_at != INT64_MIN)
		json_object_object_add(e, "changed_at",
				       json_object_new_int64(k->changed_at));
	json_object_object_add(o, k->name, e);
	rc = state_store(state_dir, o);
	json_object_put(o);
	return rc;
}

static void state_forget(const char *name, const char *state_dir)
{
	json_object *o = state_load(state_dir);

	json_object_object_del(o, name);
	state_store(state_dir, o);
	json_object_put(o);
}

/* ---- logging a change */

static void log_change(const char *name, int prio, int old, int new,
		       const char *reason, const char *actor, bool dry,
		       const char *what)
{
	char o[16], n[16], cmd[128];
	struct d_log_field f[] = {
		{ "PTWATCH_KNOB", name },
		{ "PTWATCH_OLD", o },
		{ "PTWATCH_NEW", n },
		{ "PTWATCH_REASON", reason },
		{ "PTWATCH_ACTOR", actor },
		{ "PTWATCH_DRY_RUN", dry ? "1" : "0" },
		{ "PTWATCH_SYSCTL", cmd },
	};

	snprintf(o, sizeof(o), "%d", old);
	snprintf(n, sizeof(n), "%d", new);
	snprintf(cmd, sizeof(cmd), "sysctl -w %s=%d", name, new);
	d_log_fields(prio, f, sizeof(f) / sizeof(f[0]),
		     "%s %s %d -> %d: %s (%s)", what, name, old, new, reason,
		     cmd);
}

static void actor_name(struct d_actor who, char *buf, size_t len)
{
	if (who.uid == (uid_t)-1)
		snprintf(buf, len, "policy");
	else
		snprintf(buf, len, "uid=%u pid=%d", (unsigned int)who.uid,
			 (int)who.pid);
}

int d_knob_write(struct d_knob *k, int value, const char *state_dir,
		 struct d_actor who, const char *reason)
{
	int old = k->value, rc;
	char actor[64];

	actor_name(who, actor, sizeof(actor));
	if (old < 0)
		return -ENODATA; /* never write what we could not read first */
	if (k->original < 0) {
		/* remember the value from before our first change, on disk
		 * before touching the knob */
		k->original = old;
		k->written = old;
		rc = state_record(k, state_dir);
		if (rc) {
			k->original = -1;
			d_fault_fail(&k->write_fault,
				     "%s: not changing it: cannot save its "
				     "original value in %s: %s",
				     k->name, state_dir, strerror(-rc));
			return rc;
		}
	}
	rc = write_int(k->path, value);
	if (rc) {
		d_fault_fail(&k->write_fault, "%s: writing %d to %s failed: %s",
			     k->name, value, k->path, strerror(-rc));
		return rc;
	}
	d_fault_ok(&k->write_fault);
	k->written = value;
	k->value = value;
	k->changed_at = d_knob_now();
	k->changes++;
	state_record(k, state_dir);
	log_change(k->name, LOG_NOTICE, old, value, reason, actor, false,
		   "changed");
	return 0;
}

void d_knob_log_would(const struct d_knob *k, int value, const char *reason)
{
	log_change(k->name, LOG_INFO, k->value, value, reason, "policy", true,
		   "dry run: would change");
}

void d_knob_log_backoff(const struct d_knob *k, const char *reason)
{
	struct d_log_field f[] = { { "PTWATCH_KNOB", k->name },
				   { "PTWATCH_REASON", reason } };

	d_log_fields(LOG_NOTICE, f, 2, "%s: backing off: %s", k->name, reason);
}

/* An entry that rolls nothing back but keeps when we last changed the knob
 * (for min_interval after a restart). */
static void settle_entry(json_object *e, int value, int64_t changed_at)
{
	json_object_object_add(e, "original", json_object_new_int(value));
	json_object_object_add(e, "written", json_object_new_int(value));
	if (changed_at != INT64_MIN)
		json_object_object_add(e, "changed_at",
				       json_object_new_int64(changed_at));
}

static int64_t entry_changed_at(json_object *e)
{
	json_object *t;

	if (!json_object_object_get_ex(e, "changed_at", &t))
		return INT64_MIN;
	return json_object_get_int64(t);
}

/* Rolls one knob back if it still holds what the previous run wrote.
 * Returns 1 if it did, 0 if not, -1 if the entry is to be dropped. */
static int rollback_one(const char *name, json_object *e)
{
	json_object *p, *orig, *wr;
	int cur, rc, o, w;

	if (!json_object_object_get_ex(e, "path", &p) ||
	    !json_object_object_get_ex(e, "original", &orig) ||
	    !json_object_object_get_ex(e, "written", &wr))
		return -1;
	if (read_int(json_object_get_string(p), &cur))
		return -1;
	o = json_object_get_int(orig);
	w = json_object_get_int(wr);
	if (cur != w) {
		d_log(LOG_NOTICE,
		      "%s: left at %d: changed by someone else after the "
		      "previous run wrote %d",
		      name, cur, w);
		settle_entry(e, cur, entry_changed_at(e));
		return 0;
	}
	if (cur == o)
		return 0;
	rc = write_int(json_object_get_string(p), o);
	if (rc) {
		d_log(LOG_ERR, "%s: rollback to %d failed: %s", name, o,
		      strerror(-rc));
		return -1;
	}
	log_change(name, LOG_NOTICE, cur, o,
		   "rollback after an unclean exit of the previous run",
		   "startup", false, "rolled back");
	/* the rollback is a change too: a crash loop must not flip the knob
	 * more often than min_interval allows */
	settle_entry(e, o, d_knob_now());
	return 1;
}

int d_knob_rollback_saved(const char *state_dir)
{
	json_object *o = state_load(state_dir), *keep;
	int n = 0;

	keep = json_object_new_object();
	json_object_object_foreach(o, name, entry) {
		int r = rollback_one(name, entry);

		if (r < 0)
			continue;
		n += r;
		json_object_object_add(keep, name, json_object_get(entry));
	}
	json_object_put(o);
	state_store(state_dir, keep);
	json_object_put(keep);
	return n;
}

void d_knob_load_saved(struct d_knob *k, const char *state_dir)
{
	json_object *o = state_load(state_dir), *e;
	int64_t t;

	if (json_object_object_get_ex(o, k->name, &e)) {
		t = entry_changed_at(e);
		/* a time ahead of the clock is from an earlier boot */
		if (t != INT64_MIN && t <= d_knob_now())
			k->changed_at = t;
	}
	json_object_put(o);
}

void d_knob_exit(struct d_knob *k, const char *state_dir, bool rollback)
{
	if (k->original < 0)
		return;
	if (rollback && k->written >= 0 && k->written != k->original &&
	    d_knob_read(k) == k->written) {
		int rc = write_int(k->path, k->original);

		if (rc) {
			d_log(LOG_ERR, "%s: rollback to %d failed: %s", k->name,
			      k->original, strerror(-rc));
		} else {
			log_change(k->name, LOG_NOTICE, k->written, k->original,
				   "rollback_on_exit", "shutdown", false,
				   "rolled back");
			k->written = k->original;
			k->changed_at = d_knob_now();
		}
	}
	/* nothing to roll back at the next start, but it keeps the time of
	 * the last change for min_interval */
	if (d_knob_read(k) >= 0) {
		k->original = k->written = k->value;
		state_record(k, state_dir);
	} else {
		state_forget(k->name, state_dir);
	}
	k->original = -1;
}
