// SPDX-License-Identifier: GPL-2.0
/* BPF attribution for the daemon (attribution.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_json.h"
#include "bpf_probes.h"
#include "attribution.h"
#include "log.h"

struct d_bpf {
	struct bpf_probes *bp; /* NULL: nothing attached */
	char reason[256];      /* why, when bp is NULL */
	struct ptw_totals totals;
	bool have_totals;
	struct ptw_proc *live; /* alive at the last read, sorted by pid */
	size_t nr_live, cap_live;
	struct ptw_proc *next; /* being filled by a read */
	size_t nr_next, cap_next;
	struct d_fault read_fault;
};

struct d_bpf *d_bpf_open(void)
{
	struct d_bpf *b = calloc(1, sizeof(*b));
	int rc;

	if (!b)
		return NULL;
	b->read_fault.what = "bpf-read";
	rc = bpf_probes_open(&b->bp, NULL);
	if (rc) {
		b->bp = NULL;
		snprintf(b->reason, sizeof(b->reason),
			 "BPF probes not loaded: %s%s", strerror(-rc),
			 rc == -EPERM ?
				 " (needs root, or CAP_BPF and CAP_PERFMON)" :
				 "");
		d_log(LOG_WARNING, "%s; reporting from procfs only", b->reason);
		return b;
	}
	for (int i = 0; i < PTW_PROBE_NR; i++) {
		const struct ptw_probe_status *s = &bpf_probes_status(b->bp)[i];

		d_log(LOG_INFO, "probe %s: %s%s%s", s->name,
		      ptw_attach_name(s->attach), s->target[0] ? " " : "",
		      s->target[0] ? s->target : "");
	}
	return b;
}

void d_bpf_close(struct d_bpf *b)
{
	if (!b)
		return;
	if (b->bp)
		bpf_probes_close(b->bp);
	free(b->live);
	free(b->next);
	free(b);
}

/* Keeps live processes only; ended ones are in the totals. */
static void collect(const struct ptw_proc *p, bool exited, void *arg)
{
	struct d_bpf *b = arg;

	if (exited)
		return;
	if (b->nr_next == b->cap_next) {
		size_t cap = b->cap_next ? b->cap_next * 2 : 256;
		void *n = realloc(b->next, cap * sizeof(*b->next));

		if (!n)
			return;
		b->next = n;
		b->cap_next = cap;
	}
	b->next[b->nr_next++] = *p;
}

static int cmp_pid(const void *a, const void *b)
{
	const struct ptw_proc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

void d_bpf_sample(struct d_bpf *b)
{
	struct ptw_proc *tp;
	size_t tc;
	int rc;

	if (!b || !b->bp)
		return;
	bpf_probes_poll(b->bp, 0);
	b->nr_next = 0;
	rc = bpf_probes_read(b->bp, collect, b);
	if (rc < 0) {
		d_fault_fail(&b->read_fault, "reading BPF counters: %s",
			     strerror(-rc));
		return;
	}
	d_fault_ok(&b->read_fault);
	if (b->nr_next) /* qsort(NULL, 0) is undefined */
		qsort(b->next, b->nr_next, sizeof(*b->next), cmp_pid);
	/* swap: the filled buffer becomes the live one */
	tp = b->live, b->live = b->next, b->next = tp;
	tc = b->cap_live, b->cap_live = b->cap_next, b->cap_next = tc;
	b->nr_live = b->nr_next;
	b->have_totals = bpf_probes_totals(b->bp, &b->totals) == 0;
}

static const struct ptw_proc *find(const struct d_bpf *b, pid_t pid)
{
	struct ptw_proc key = { .pid = (__u32)pid };

	if (!b->nr_live)
		return NULL;
	return bsearch(&key, b->live, b->nr_live, sizeof(*b->live), cmp_pid);
}

json_object *d_bpf_to_json(const struct d_bpf *b, const pid_t *pids, size_t n)
{
	json_object *o = json_object_new_object(), *procs;
	const struct ptw_probe_status *st;

	json_object_object_add(o, "available",
			       json_object_new_boolean(b && b->bp));
	if (!b || !b->bp) {
		json_object_object_add(
			o, "reason",
			json_object_new_string(
				b ? b->reason :
				    "disabled in the config (bpf = no)"));
		return o;
	}
	st = bpf_probes_status(b->bp);
	json_object_object_add(o, "probes", ptw_probes_json(st));
	if (b->have_totals)
		json_object_object_add(o, "totals",
				       ptw_totals_json(&b->totals, st));
	procs = json_object_new_array();
	for (size_t i = 0; pids && i < n; i++) {
		const struct ptw_proc *p = find(b, pids[i]);

		if (p)
			json_object_array_add(procs, ptw_proc_json(p, st));
	}
	json_object_object_add(o, "processes", procs);
	return o;
}

/* A counter of bytes ("madvise_dontneed_bytes"): its name less "_bytes",
 * else NULL. Events and bytes are separate metrics: summing or rating a
 * metric across its label values must add like to like. */
static const char *bytes_counter(int c, char *buf, size_t len)
{
	const char *name = ptw_counter_name(c);
	size_t n = strlen(name);

	if (n < 6 || strcmp(name + n - 6, "_bytes"))
		return NULL;
	snprintf(buf, len, "%.*s", (int)(n - 6), name);
	return buf;
}

static void counters(const struct d_bpf *b, const struct ptw_probe_status *st,
		     FILE *out, bool bytes)
{
	const char *name = bytes ? "ptwatch_bpf_bytes_total" :
				   "ptwatch_bpf_events_total";
	char buf[64];

	fprintf(out,
		"# HELP %s %s counted by the probes since ptwatchd started "
		"(only counters the attached probes measure).\n"
		"# TYPE %s counter\n",
		name,
		bytes ? "Bytes of address space zapped or advised" :
			"Page-table events and calls",
		name);
	for (int c = 0; c < PTW_C_NR; c++) {
		const char *label = bytes_counter(c, buf, sizeof(buf));

		if (!ptw_counter_known(st, c) || !label != !bytes)
			continue;
		fprintf(out, "%s{counter=\"%s\"} %llu\n", name,
			bytes ? label : ptw_counter_name(c),
			(unsigned long long)b->totals.c[c]);
	}
}

void d_bpf_metrics(const struct d_bpf *b, FILE *out)
{
	const struct ptw_probe_status *st;

	fprintf(out,
		"# HELP ptwatch_bpf_available Whether BPF attribution runs (1) "
		"or not (0).\n"
		"# TYPE ptwatch_bpf_available gauge\n"
		"ptwatch_bpf_available %d\n",
		b && b->bp);
	if (!b || !b->bp)
		return;
	st = bpf_probes_status(b->bp);
	fputs("# HELP ptwatch_probe_attached Whether a probe attached (1), and "
	      "how: fentry, kprobe, tracepoint, or none (0: it could not "
	      "attach on this kernel).\n"
	      "# TYPE ptwatch_probe_attached gauge\n",
	      out);
	for (int i = 0; i < PTW_PROBE_NR; i++)
		fprintf(out,
			"ptwatch_probe_attached{probe=\"%s\",attach=\"%s\"} %d\n",
			st[i].name, ptw_attach_name(st[i].attach),
			st[i].attach != PTW_ATTACH_NONE);
	if (!b->have_totals)
		return;
	counters(b, st, out, false);
	counters(b, st, out, true);
	fprintf(out,
		"# HELP ptwatch_bpf_dropped_events_total Events the probes "
		"could not attribute (process map or ring buffer full).\n"
		"# TYPE ptwatch_bpf_dropped_events_total counter\n"
		"ptwatch_bpf_dropped_events_total %llu\n",
		(unsigned long long)b->totals.drops);
}
