// SPDX-License-Identifier: GPL-2.0
/* The [free_tables] policy (free_tables.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "free_tables.h"
#include "log.h"
#include "metrics.h"
#include "reclaim_pid.h"

void d_free_init(struct d_free *f)
{
	memset(f, 0, sizeof(*f));
	f->last_knob = -1;
	f->support = reclaim_pid_supported();
	f->state = D_FREE_REPORT;
}

const char *d_free_state_name(enum d_free_state s)
{
	static const char *const names[] = { "report", "unsupported", "off",
					     "dry_run", "active" };

	return (unsigned int)s < 5 ? names[s] : "?";
}

/* `word` is one of the space-separated words of `list` (prefix: a prefix
 * of word). */
static bool in_list(const char *list, const char *word, bool prefix)
{
	const char *p = list;

	while (*p) {
		size_t n;

		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if (n && (prefix ? !strncmp(word, p, n) &&
					   (word[n] == '\0' || word[n] == '/' ||
					    p[n - 1] == '/') :
				   strlen(word) == n && !strncmp(word, p, n)))
			return true;
		p += n;
	}
	return false;
}

bool d_free_excluded(const struct d_free_cfg *cfg, const char *comm,
		     const char *cgroup)
{
	return in_list(cfg->exclude_comm, comm, false) ||
	       in_list(cfg->exclude_cgroup, cgroup, true);
}

static uint64_t rss_of(const struct proc_sample *p)
{
	return p->rss_anon + p->rss_file + p->rss_shmem;
}

static size_t slot_of(pid_t pid)
{
	return ((uint32_t)pid * 2654435761u) % D_FREE_SEEN;
}

/* The entry of pid, or the empty slot where it would go. */
static struct d_free_seen *probe(const struct d_free *f, pid_t pid)
{
	size_t i = slot_of(pid);

	while (f->seen[i].pid && f->seen[i].pid != pid)
		i = (i + 1) % D_FREE_SEEN;
	return (struct d_free_seen *)&f->seen[i];
}

static struct d_free_seen *find_seen(const struct d_free *f, pid_t pid)
{
	struct d_free_seen *s = probe(f, pid);

	return s->pid ? s : NULL;
}

static int by_when_desc(const void *a, const void *b)
{
	const struct d_free_seen *x = a, *y = b;

	return (x->when < y->when) - (x->when > y->when);
}

static void seen_free(struct d_free_seen *e)
{
	block_set_free(&e->empty);
	block_set_free(&e->sent);
	memset(e, 0, sizeof(*e));
}

/* Full: keep the newer half (rehashed), forget the rest. */
static void forget_older_half(struct d_free *f)
{
	static struct d_free_seen keep[D_FREE_SEEN];
	size_t n = 0;

	for (size_t i = 0; i < D_FREE_SEEN; i++)
		if (f->seen[i].pid)
			keep[n++] = f->seen[i];
	qsort(keep, n, sizeof(keep[0]), by_when_desc);
	memset(f->seen, 0, sizeof(f->seen));
	f->nr_seen = 0;
	for (size_t i = 0; i < n; i++) {
		if (i >= n / 2) {
			seen_free(&keep[i]);
			continue;
		}
		*probe(f, keep[i].pid) = keep[i];
		f->nr_seen++;
	}
}

void d_free_forget(struct d_free *f)
{
	for (size_t i = 0; i < D_FREE_SEEN; i++)
		if (f->seen[i].pid)
			seen_free(&f->seen[i]);
	f->nr_seen = 0;
}

/* Whether p may be censused again now (free_tables.h, "Who"). */
static bool eligible(const struct d_free *f, const struct d_free_cfg *cfg,
		     const struct proc_sample *p, int64_t now)
{
	const struct d_free_seen *s = find_seen(f, p->pid);
	uint64_t min = (uint64_t)cfg->min_kib * 1024;
	int64_t age = s ? now - s->when : 0;

	if (!s || s->sweeping || age >= (int64_t)cfg->process_interval)
		return true;
	if (age < (int64_t)cfg->confirm_after)
		return false;
	if (s->follow_up)
		return true;
	if (s->acted)
		return false;
	return s->rss >= rss_of(p) + min ||
	       (p->census.valid && p->census.realtime_ns > s->census_ns &&
		p->census.reclaimable_bytes >= min);
}

struct d_free_seen *d_free_mark(struct d_free *f, const struct proc_sample *p,
				int64_t now, bool acted)
{
	struct d_free_seen *s = find_seen(f, p->pid);
	struct timespec ts;

	if (!s && f->nr_seen >= D_FREE_SEEN_MAX)
		forget_older_half(f);
	if (!s) {
		s = probe(f, p->pid);
		memset(s, 0, sizeof(*s));
		s->pid = p->pid;
		f->nr_seen++;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	s->when = now;
	s->acted = acted;
	s->follow_up = false;
	s->sweeping = false;
	s->rss = rss_of(p);
	s->census_ns = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	return s;
}

/*
 * A process found with too little is looked at again once it gives memory
 * back: its RSS is compared with its peak since that census, so one that
 * was censused while it still grew counts its later purge as news.
 */
static void track_peaks(struct d_free *f, const struct snapshot *s)
{
	if (!f->nr_seen)
		return;
	for (size_t i = 0; i < s->nr_procs; i++) {
		struct d_free_seen *e = find_seen(f, s->procs[i].pid);

		if (e && !e->acted && rss_of(&s->procs[i]) > e->rss)
			e->rss = rss_of(&s->procs[i]);
	}
}

/* Confirmed empty-table bytes where a census ran, else the estimate. */
static struct d_free_pick rank(const struct proc_sample *p, size_t i)
{
	if (p->census.valid)
		return (struct d_free_pick){ i, p->census.reclaimable_bytes,
					     true };
	return (struct d_free_pick){ i, p->waste_bytes, false };
}

/* Best first: more bytes, and at equal bytes the confirmed figure. */
static bool better(const struct d_free_pick *a, const struct d_free_pick *b)
{
	return a->bytes > b->bytes ||
	       (a->bytes == b->bytes && a->confirmed && !b->confirmed);
}

size_t d_free_pick(const struct d_free *f, const struct d_free_cfg *cfg,
		   const struct snapshot *s, int64_t now,
		   struct d_free_pick *out, size_t max)
{
	uint64_t min = (uint64_t)cfg->min_kib * 1024;
	size_t n = 0;

	if (max > cfg->max_processes)
		max = cfg->max_processes;
	for (size_t i = 0; i < s->nr_procs && max; i++) {
		const struct proc_sample *p = &s->procs[i];
		struct d_free_pick c = rank(p, i);
		size_t j;

		const struct d_free_seen *e = find_seen(f, p->pid);

		/* a sweep under way goes on to its end, whatever a census
		 * taken after its first slices says is left */
		if ((c.bytes < min && !(e && e->sweeping)) ||
		    d_free_excluded(cfg, p->comm, p->cgroup) ||
		    !eligible(f, cfg, p, now))
			continue;
		/* insertion into the top `max`, kept sorted */
		if (n == max && !better(&c, &out[n - 1]))
			continue;
		j = n < max ? n++ : n - 1;
		while (j > 0 && better(&c, &out[j - 1])) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = c;
	}
	return n;
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int64_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * With THP "always" a fault in a block whose table was freed may map a
 * 2 MiB THP where it would have mapped 4 KiB (the target's RSS can grow):
 * the kernel frees such tables as mainline's whole-block MADV_DONTNEED
 * does (docs/contracts.md, "THP"), and the journal says so.
 */
static bool thp_always(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "re");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	return strstr(buf, "[always]") != NULL;
}

/* What a dry run would have freed: the confirmed blocks, at most one
 * table each, and never more than the census's empty tables */
static uint64_t would_free(const struct reclaim_pid_result *r)
{
	return r->blocks_confirmed < r->empty_before ? r->blocks_confirmed :
						       r->empty_before;
}

/*
 * One journal line per process the policy acted on (or would have), with
 * the same fields for both ways (census and sweep): msg is the text.
 */
static void log_free(const struct proc_sample *p, bool dry, uint64_t t,
		     uint64_t b, const char *reason, const char *msg)
{
	char pid[16], tables[24], bytes[24];
	const struct d_log_field fields[] = {
		{ "PTWATCH_ACTION", dry ? "would_free_tables" : "free_tables" },
		{ "PTWATCH_ACTOR", "policy" },
		{ "PTWATCH_PID", pid },
		{ "PTWATCH_COMM", p->comm },
		{ "PTWATCH_TABLES_FREED", tables },
		{ "PTWATCH_BYTES_FREED", bytes },
		{ "PTWATCH_REASON", reason },
	};

	snprintf(pid, sizeof(pid), "%d", (int)p->pid);
	snprintf(tables, sizeof(tables), "%llu", (unsigned long long)t);
	snprintf(bytes, sizeof(bytes), "%llu", (unsigned long long)b);
	d_log_fields(LOG_NOTICE, fields, 7, "%s", msg);
}

static void log_action(const struct proc_sample *p,
		       const struct reclaim_pid_result *r, bool dry,
		       uint64_t min)
{
	char reason[320], msg[448];
	uint64_t t = dry ? would_free(r) : r->tables_freed;
	uint64_t b = dry ? would_free(r) * 4096 : r->bytes_freed;

	snprintf(reason, sizeof(reason),
		 "%llu empty PTE tables by census (%s) >= min_kib %llu; "
		 "%llu blocks mapped nothing at two censuses; %llu of the "
		 "blocks sent last time were refilled%s",
		 (unsigned long long)r->empty_before, r->method,
		 (unsigned long long)min / 1024,
		 (unsigned long long)r->blocks_confirmed,
		 (unsigned long long)r->refilled_blocks,
		 thp_always() ? "; THP is always: a fault in a freed block "
				"may map a 2 MiB THP" :
				"");
	snprintf(msg, sizeof(msg),
		 "%s%llu empty PTE tables (%llu KiB) of pid %d (%s): %s",
		 dry ? "dry run: would free " : "freed ", (unsigned long long)t,
		 (unsigned long long)b / 1024, (int)p->pid, p->comm, reason);
	log_free(p, dry, t, b, reason, msg);
}

/*
 * The evidence kept from the census just taken (free_tables.h,
 * "Evidence"): what mapped nothing and what was sent, and whether to look
 * again after confirm_after rather than process_interval.
 */
static void keep_evidence(struct d_free_seen *e, const struct d_free_cfg *cfg,
			  const struct reclaim_pid_result *r,
			  struct block_set *empty, struct block_set *sent)
{
	uint64_t min = (uint64_t)cfg->min_kib * 1024;
	uint64_t done = cfg->dry_run ? would_free(r) : r->tables_freed;
	/* tables at a hole's edge are never sent: not left to confirm */
	uint64_t gone = done + r->hole_blocks;
	uint64_t left = r->empty_before > gone ? r->empty_before - gone : 0;
	uint64_t sent_before = block_set_blocks(&e->sent);
	bool churning = sent_before && r->refilled_blocks * 2 >= sent_before;

	e->follow_up = cfg->confirm_after && left * 4096 >= min && !churning;
	block_set_move(&e->empty, empty);
	block_set_move(&e->sent, sent);
}

/* Census, then free (or only the census in a dry run) one process. */
static void act_on(struct d_free *f, const struct d_free_cfg *cfg,
		   const char *proc_root, const struct proc_sample *p)
{
	uint64_t min = (uint64_t)cfg->min_kib * 1024;
	struct d_free_seen *e = find_seen(f, p->pid);
	struct block_set empty = { 0 }, sent = { 0 };
	/* no census after: the log needs only VmPTE's drop */
	struct reclaim_pid_opts o = {
		.dry_run = cfg->dry_run,
		.min_empty = (min + 4095) / 4096,
		.no_after = true,
		.use_only = cfg->confirm_after > 0,
		.only = e ? &e->empty : NULL,
		.sent_before = e ? &e->sent : NULL,
		.empty_now = &empty,
		.sent_now = &sent,
	};
	struct reclaim_pid_result r;
	int err = reclaim_pid(proc_root, p->pid, &o, &r);
	bool acted = !err && r.empty_before >= o.min_empty &&
		     (r.blocks_sent || (cfg->dry_run && r.blocks_confirmed));

	if (!o.use_only)
		r.blocks_confirmed = r.blocks_sent;
	e = d_free_mark(f, p, mono_s(), acted);
	if (!err)
		keep_evidence(e, cfg, &r, &empty, &sent);
	block_set_free(&empty);
	block_set_free(&sent);
	if (err) {
		if (err != -ESRCH && err != -EAGAIN) {
			f->stats.errors++;
			d_log(LOG_WARNING, "free_tables: pid %d (%s): %s",
			      (int)p->pid, p->comm, strerror(-err));
		}
		return;
	}
	f->stats.blocks_refilled += r.refilled_blocks;
	if (!acted) {
		if (r.empty_before >= o.min_empty)
			f->stats.confirming++;
		else
			f->stats.skipped++;
		return;
	}
	log_action(p, &r, cfg->dry_run, min);
	if (cfg->dry_run) {
		f->stats.would++;
		f->stats.would_bytes += would_free(&r) * 4096;
		f->stats.blocks_sent += r.blocks_confirmed;
		return;
	}
	f->stats.freed++;
	f->stats.tables += r.tables_freed;
	f->stats.bytes += r.bytes_freed;
	f->stats.blocks_sent += r.blocks_sent;
}

static void log_sweep(const struct proc_sample *p, uint64_t tables, bool dry)
{
	char reason[160], msg[320];
	unsigned long long kib = p->page_table_bytes / 1024;

	if (dry) {
		snprintf(reason, sizeof(reason),
			 "%llu KiB of page tables, too many to census "
			 "(sweep_above)",
			 kib);
		snprintf(msg, sizeof(msg),
			 "dry run: would sweep pid %d (%s): %s", (int)p->pid,
			 p->comm, reason);
	} else {
		snprintf(reason, sizeof(reason),
			 "swept without a census (%llu KiB of page tables > "
			 "sweep_above)",
			 kib);
		snprintf(
			msg, sizeof(msg),
			"freed %llu empty PTE tables (%llu KiB) of pid %d (%s): "
			"%s",
			(unsigned long long)tables,
			(unsigned long long)tables * 4, (int)p->pid, p->comm,
			reason);
	}
	log_free(p, dry, tables, tables * 4096, reason, msg);
}

/*
 * A slice of a sweep per call while the sample's budget lasts (start: the
 * sample's CPU clock then). The sweep goes on at the next sample until it
 * reaches the end of the address space.
 */
static void sweep_on(struct d_free *f, const struct d_free_cfg *cfg,
		     const char *proc_root, const struct proc_sample *p,
		     double start)
{
	const struct d_free_seen *old = find_seen(f, p->pid);
	uint64_t cursor = old && old->sweeping ? old->cursor : 0;
	uint64_t swept = old && old->sweeping ? old->swept_tables : 0;
	struct reclaim_pid_result r;
	struct d_free_seen *e;
	int err = 0;

	if (cfg->dry_run) {
		d_free_mark(f, p, mono_s(), true);
		log_sweep(p, 0, true);
		f->stats.would++;
		return;
	}
	do {
		err = reclaim_pid_sweep(proc_root, p->pid, &cursor, SWEEP_SLICE,
					&r);
		swept += r.tables_freed;
		f->stats.tables += r.tables_freed;
		f->stats.bytes += r.bytes_freed;
		f->stats.blocks_sent += r.blocks_sent;
	} while (!err && cursor &&
		 cpu_now() - start < cfg->cpu_budget_ms / 1000.0);
	e = d_free_mark(f, p, mono_s(), !err && !cursor);
	if (!err && cursor) {
		e->sweeping = true;
		e->cursor = cursor;
		e->swept_tables = swept;
		f->stats.over_budget++;
		return;
	}
	if (err) {
		if (err != -ESRCH) {
			f->stats.errors++;
			d_log(LOG_WARNING,
			      "free_tables: sweep of pid %d (%s): %s",
			      (int)p->pid, p->comm, strerror(-err));
		}
		return;
	}
	f->stats.freed++;
	log_sweep(p, swept, false);
}

/* Whether the policy may act this sample, and its state. */
static bool may_act(struct d_free *f, const struct d_free_cfg *cfg, int knob)
{
	if (cfg->mode != D_MODE_AUTO)
		f->state = D_FREE_REPORT;
	else if (f->support == -EINVAL)
		f->state = D_FREE_UNSUPPORTED;
	else if (knob == 0)
		f->state = D_FREE_OFF;
	else
		f->state = cfg->dry_run ? D_FREE_DRY_RUN : D_FREE_ACTIVE;
	return f->state >= D_FREE_DRY_RUN;
}

void d_free_run(struct d_free *f, const struct d_free_cfg *cfg,
		const char *proc_root, const struct snapshot *s, int knob)
{
	struct d_free_pick pick[64];
	const struct proc_sample *p;
	double start = cpu_now(), budget = cfg->cpu_budget_ms / 1000.0;
	size_t n;

	/* switched on: what was left while off is everyone's again */
	if (f->last_knob == 0 && knob == 1) {
		d_free_forget(f);
		d_log(LOG_INFO, "free_tables: vm.pt_reclaim went 0 -> 1: "
				"every process is eligible again");
	}
	f->last_knob = knob;
	if (!may_act(f, cfg, knob))
		return;
	track_peaks(f, s);
	n = d_free_pick(f, cfg, s, mono_s(), pick, 64);
	for (size_t i = 0; i < n; i++) {
		/* at least one a sample, or a small budget would starve */
		if (i && cpu_now() - start >= budget) {
			f->stats.over_budget++;
			break;
		}
		p = &s->procs[pick[i].proc];
		if (p->page_table_bytes / 4096 > cfg->sweep_above)
			sweep_on(f, cfg, proc_root, p, start);
		else
			act_on(f, cfg, proc_root, p);
	}
	f->stats.cpu_s += cpu_now() - start;
}

void d_free_metrics(const struct d_free *f, FILE *o)
{
	const struct d_free_stats *st = &f->stats;

	d_metrics_head(o, "ptwatch_free_tables_state", "gauge",
		       "State of the [free_tables] policy (MADV_PT_RECLAIM of "
		       "processes' empty PTE tables).");
	for (int s = D_FREE_REPORT; s <= D_FREE_ACTIVE; s++)
		fprintf(o, "ptwatch_free_tables_state{state=\"%s\"} %d\n",
			d_free_state_name(s), f->state == (enum d_free_state)s);
	d_metrics_head(o, "ptwatch_free_tables_processes_total", "counter",
		       "Processes the [free_tables] policy censused, by "
		       "outcome.");
	fprintf(o,
		"ptwatch_free_tables_processes_total{result=\"freed\"} %lu\n"
		"ptwatch_free_tables_processes_total{result=\"would_free\"} "
		"%lu\n"
		"ptwatch_free_tables_processes_total{result=\"below_min\"} "
		"%lu\n"
		"ptwatch_free_tables_processes_total{result=\"confirming\"} "
		"%lu\n"
		"ptwatch_free_tables_processes_total{result=\"error\"} %lu\n",
		st->freed, st->would, st->skipped, st->confirming, st->errors);
	d_metrics_value(o, "ptwatch_free_tables_freed_total", "counter",
			"Empty PTE tables the [free_tables] policy freed.",
			(double)st->tables);
	d_metrics_value(o, "ptwatch_free_tables_freed_bytes_total", "counter",
			"Bytes of page tables the [free_tables] policy freed.",
			(double)st->bytes);
	d_metrics_value(o, "ptwatch_free_tables_would_free_bytes_total",
			"counter",
			"Dry run: bytes of empty PTE tables the policy would "
			"have freed.",
			(double)st->would_bytes);
	d_metrics_value(o, "ptwatch_free_tables_sent_blocks_total", "counter",
			"2 MiB blocks the policy sent (or would in a dry run): "
			"empty at two censuses.",
			(double)st->blocks_sent);
	d_metrics_value(o, "ptwatch_free_tables_refilled_blocks_total",
			"counter",
			"Blocks sent that mapped something again at the "
			"policy's next census of the process.",
			(double)st->blocks_refilled);
	d_metrics_value(o, "ptwatch_free_tables_cpu_seconds_total", "counter",
			"CPU time of the [free_tables] policy (census and the "
			"kernel's frees).",
			st->cpu_s);
	d_metrics_value(o, "ptwatch_free_tables_budget_exhausted_total",
			"counter",
			"Samples in which the policy stopped at cpu_budget_ms.",
			(double)st->over_budget);
}
