// SPDX-License-Identifier: GPL-2.0
/* Answers to the query socket's requests (docs/protocol.md). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ptwatch.h"
#include "attribution.h"
#include "state.h"

static json_object *answer_ok(void)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "source", json_object_new_string("daemon"));
	return o;
}

static json_object *answer_err(int err, const char *msg)
{
	json_object *o = json_object_new_object();
	const char *name = strerrorname_np(err);

	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	json_object_object_add(o, "errno",
			       json_object_new_string(name ? name : "EIO"));
	return o;
}

static void add_double(json_object *o, const char *k, double v)
{
	json_object_object_add(o, k, json_object_new_double(v));
}

static json_object *knob_json(const struct d_state *st, enum d_knob_id id)
{
	const struct d_knob *k = &st->knob[id];
	const struct d_policy *p = &st->pol[id];
	json_object *o = json_object_new_object();

	json_object_object_add(o, "knob", json_object_new_string(k->name));
	json_object_object_add(o, "available",
			       json_object_new_boolean(k->value >= 0));
	json_object_object_add(o, "value", json_object_new_int(k->value));
	json_object_object_add(
		o, "mode",
		json_object_new_string(d_knob_mode_name(p->cfg.mode)));
	json_object_object_add(o, "manual",
			       json_object_new_boolean(st->manual[id]));
	json_object_object_add(o, "dry_run",
			       json_object_new_boolean(p->cfg.dry_run));
	/* without the knob the policy has nothing to act on */
	json_object_object_add(
		o, "state",
		json_object_new_string(k->value < 0 ? "unavailable" :
						      d_policy_state_name(p)));
	add_double(o, "metric", d_state_metric(st, id));
	json_object_object_add(o, "metric_name",
			       json_object_new_string(d_state_metric_name(id)));
	json_object_object_add(
		o, "metric_unit",
		json_object_new_string(id == D_KNOB_VMEMMAP ? "MiB" : "%"));
	add_double(o, "on_threshold", p->cfg.on_threshold);
	add_double(o, "off_threshold", p->cfg.off_threshold);
	json_object_object_add(o, "samples",
			       json_object_new_int(p->cfg.samples));
	json_object_object_add(o, "changes",
			       json_object_new_uint64(k->changes));
	json_object_object_add(o, "original", json_object_new_int(k->original));
	return o;
}

static json_object *hugetlb_json(const struct d_hugetlb *h)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();

	for (unsigned int i = 0; i < h->nr_pools; i++) {
		json_object *p = json_object_new_object();

		json_object_object_add(
			p, "page_bytes",
			json_object_new_uint64(h->pools[i].page_bytes));
		json_object_object_add(
			p, "pages",
			json_object_new_uint64(h->pools[i].nr_pages));
		json_object_object_add(
			p, "vmemmap_saving_bytes",
			json_object_new_uint64(h->pools[i].saving_bytes));
		json_object_array_add(a, p);
	}
	json_object_object_add(o, "pools", a);
	json_object_object_add(o, "vmemmap_saving_bytes",
			       json_object_new_uint64(h->saving_bytes));
	return o;
}

static json_object *status(const struct d_state *st)
{
	json_object *o = answer_ok(), *knobs = json_object_new_array();
	const struct d_stats *s = &st->stats;

	json_object_object_add(o, "version",
			       json_object_new_string(PTW_VERSION));
	json_object_object_add(o, "pid", json_object_new_int(getpid()));
	add_double(o, "uptime_s", d_state_uptime(st));
	json_object_object_add(
		o, "config",
		json_object_new_string(st->config_path ? st->config_path : ""));
	add_double(o, "interval_s", st->cfg.interval_ms / 1000.0);
	json_object_object_add(o, "samples",
			       json_object_new_uint64(s->samples));
	add_double(o, "last_sample_s", s->last_sample_s);
	add_double(o, "last_sample_cpu_s", s->last_sample_cpu_s);
	add_double(o, "last_sample_gap_s", s->last_gap_s);
	add_double(o, "max_sample_s", s->max_sample_s);
	add_double(o, "max_sample_gap_s", s->max_gap_s);
	json_object_object_add(o, "census_in_progress",
			       json_object_new_boolean(st->census.cur.active));
	json_object_object_add(o, "kernel",
			       json_object_new_string(st->kf.release));
	json_object_object_add(o, "pt_reclaim",
			       json_object_new_string(pt_reclaim_mode_name(
				       st->kf.pt_reclaim)));
	for (int id = 0; id < D_NR_KNOBS; id++)
		json_object_array_add(knobs, knob_json(st, id));
	json_object_object_add(o, "knobs", knobs);
	json_object_object_add(o, "hugetlb", hugetlb_json(&st->huge));
	json_object_object_add(o, "bpf", d_bpf_to_json(st->bpf, NULL, 0));
	json_object_object_add(o, "reads_per_sample",
			       json_object_new_int(st->cfg.reads_per_sample));
	json_object_object_add(o, "status",
			       json_object_new_string(st->status_line));
	return o;
}

/* Rates of the processes in the answer whose page tables changed between
 * their last two reads (most do not: listing them all would bloat it). */
static json_object *rates_json(const struct d_state *st, size_t n)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();

	add_double(o, "page_tables_bytes_per_second",
		   d_history_page_table_rate(&st->hist));
	for (size_t i = 0; i < n; i++) {
		size_t idx = d_scan_nth_index(&st->scan, i);
		double r = d_scan_rate(&st->scan, idx);
		json_object *p;

		if (isnan(r) || r == 0)
			continue;
		p = json_object_new_object();
		json_object_object_add(
			p, "pid",
			json_object_new_int(st->scan.snap.procs[idx].pid));
		add_double(p, "page_tables_bytes_per_second", r);
		json_object_array_add(a, p);
	}
	json_object_object_add(o, "processes", a);
	return o;
}

static json_object *bpf_json(const struct d_state *st, size_t n)
{
	pid_t *pids = malloc((n + 1) * sizeof(*pids));
	json_object *o;

	for (size_t i = 0; pids && i < n; i++)
		pids[i] = d_scan_nth(&st->scan, i)->pid;
	o = d_bpf_to_json(st->bpf, pids, pids ? n : 0);
	free(pids);
	return o;
}

static json_object *daemon_extras(const struct d_state *st, size_t n,
				  size_t history)
{
	json_object *d = json_object_new_object();

	add_double(d, "uptime_s", d_state_uptime(st));
	add_double(d, "interval_s", st->cfg.interval_ms / 1000.0);
	json_object_object_add(d, "samples",
			       json_object_new_uint64(st->stats.samples));
	json_object_object_add(d, "reads_per_sample",
			       json_object_new_int(st->cfg.reads_per_sample));
	/* how the processes are read: "bpf-iter" (all, every sample) or
	 * "procfs" (new ones and reads_per_sample known ones) */
	json_object_object_add(
		d, "source",
		json_object_new_string(st->scan.snap.source ?
					       st->scan.snap.source :
					       PTW_SOURCE_PROCFS));
	json_object_object_add(d, "rates", rates_json(st, n));
	json_object_object_add(d, "bpf", bpf_json(st, n));
	if (history)
		json_object_object_add(d, "history",
				       d_history_to_json(&st->hist, history));
	return d;
}

/* Serializes o (consumed) as one line. */
static char *finish(json_object *o, size_t *len)
{
	const char *t =
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	char *out;

	*len = strlen(t) + 1;
	out = malloc(*len + 1);
	if (out) {
		memcpy(out, t, *len - 1);
		out[*len - 1] = '\n';
		out[*len] = 0;
	}
	json_object_put(o);
	return out;
}

/*
 * The same schema as `ptwatch snapshot --json`, plus "ok" and "daemon".
 * The process list is written one process at a time into the text: as
 * json-c objects, 10,000 processes would take some 40 MiB at once.
 */
static char *snapshot(const struct d_state *st, const struct d_request *r,
		      size_t *len)
{
	const struct snapshot *s = &st->scan.snap;
	size_t n = r->max_procs && r->max_procs < s->nr_procs ? r->max_procs :
								s->nr_procs;
	json_object *o = snapshot_to_json(s, 0);
	static const char hole[] = "\"processes\":[]";
	const char *text, *at;
	char *out = NULL;
	FILE *f;

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "source", json_object_new_string("daemon"));
	json_object_object_add(o, "daemon", daemon_extras(st, n, r->history));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	/* keys and strings are escaped: the first unescaped match is the
	 * top-level member */
	at = strstr(text, hole);
	f = open_memstream(&out, len);
	if (!at || !f) {
		if (f)
			fclose(f);
		free(out);
		json_object_put(o);
		return finish(answer_err(ENOMEM, "cannot build the answer"),
			      len);
	}
	fwrite(text, 1, at - text + sizeof(hole) - 2, f);
	for (size_t i = 0; i < n; i++) {
		json_object *p = proc_sample_to_json(d_scan_nth(&st->scan, i));

		if (i)
			fputc(',', f);
		fputs(json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN),
		      f);
		json_object_put(p);
	}
	fputs(at + sizeof(hole) - 2, f);
	fputc('\n', f);
	json_object_put(o);
	if (fclose(f)) {
		free(out);
		return NULL;
	}
	return out;
}

static json_object *process(const struct d_state *st, pid_t pid)
{
	long i = d_scan_find(&st->scan, pid);
	const struct proc_sample *p;
	json_object *o;
	double r, age;

	if (i < 0)
		return answer_err(ESRCH, "no such process in the last sample");
	p = &st->scan.snap.procs[i];
	o = answer_ok();
	json_object_object_add(o, "process", proc_sample_to_json(p));
	r = d_scan_rate(&st->scan, i);
	if (!isnan(r))
		add_double(o, "page_tables_bytes_per_second", r);
	/* read during the last sample (after its host timestamp): age 0 */
	age = (double)st->scan.snap.host.timestamp_ns -
	      (double)st->scan.meta[i].read_ns;
	add_double(o, "age_s", age > 0 ? age / 1e9 : 0);
	json_object_object_add(o, "host",
			       host_sample_to_json(&st->scan.snap.host));
	json_object_object_add(o, "bpf", d_bpf_to_json(st->bpf, &p->pid, 1));
	return o;
}

static json_object *history(const struct d_state *st, size_t n)
{
	json_object *o = answer_ok();

	json_object_object_add(o, "history", d_history_to_json(&st->hist, n));
	return o;
}

static json_object *knob(struct d_state *st, const struct d_request *r,
			 const struct ucred *peer)
{
	struct d_actor who = { peer->uid, peer->pid };
	char msg[256];
	json_object *o;
	int rc;

	if (peer->uid != 0) {
		static struct d_fault denied = { .what = "knob-denied" };

		st->stats.denied++;
		d_fault_fail(&denied,
			     "refused %s mode %s from uid=%u pid=%d: only root "
			     "may change a knob",
			     d_knob_id_name(r->knob), d_knob_mode_name(r->mode),
			     (unsigned int)peer->uid, (int)peer->pid);
		snprintf(msg, sizeof(msg), "only root may change %s",
			 d_knob_id_name(r->knob));
		return answer_err(EPERM, msg);
	}
	rc = d_state_set_mode(st, r->knob, r->mode, who, msg, sizeof(msg));
	if (rc)
		return answer_err(-rc, msg);
	o = answer_ok();
	json_object_object_add(o, "message", json_object_new_string(msg));
	json_object_object_add(o, "knob", knob_json(st, r->knob));
	return o;
}

char *d_handle(struct d_state *st, const struct d_request *req,
	       const struct ucred *peer, size_t *len)
{
	json_object *o;

	if (req->cmd != D_CMD_STATUS && req->cmd != D_CMD_KNOB &&
	    !st->have_snap)
		return finish(answer_err(EAGAIN, "no sample taken yet"), len);
	switch (req->cmd) {
	case D_CMD_SNAPSHOT:
		return snapshot(st, req, len);
	case D_CMD_STATUS:
		o = status(st);
		break;
	case D_CMD_PROCESS:
		o = process(st, req->pid);
		break;
	case D_CMD_HISTORY:
		o = history(st, req->history);
		break;
	case D_CMD_KNOB:
		o = knob(st, req, peer);
		break;
	default:
		o = answer_err(EINVAL, "unknown command");
	}
	return finish(o, len);
}
