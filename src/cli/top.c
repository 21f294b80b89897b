// SPDX-License-Identifier: GPL-2.0
/*
 * ptwatch top: the snapshot, refreshed every -d seconds, with each
 * process's rate of change of page-table bytes and waste once it has been
 * seen in two samples. Ctrl-C ends it cleanly.
 */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "view.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int by_pid(const void *a, const void *b)
{
	return ((const struct proc_sample *)a)->pid -
	       ((const struct proc_sample *)b)->pid;
}

/* prev is sorted by PID; fills rates[] parallel to cur->procs. */
static void compute_rates(const struct snapshot *prev,
			  const struct snapshot *cur, struct proc_rate *rates)
{
	/* realtime: a daemon's samples carry no monotonic clock of ours */
	double dt = ((double)cur->host.realtime_ns -
		     (double)prev->host.realtime_ns) /
		    1e9;

	for (size_t i = 0; i < cur->nr_procs; i++) {
		const struct proc_sample *p = &cur->procs[i];
		const struct proc_sample *q = bsearch(
			p, prev->procs, prev->nr_procs, sizeof(*p), by_pid);

		rates[i].valid = q && dt > 0 && strcmp(q->comm, p->comm) == 0;
		if (!rates[i].valid)
			continue;
		rates[i].pte_per_s = ((double)p->page_table_bytes -
				      (double)q->page_table_bytes) /
				     dt;
		rates[i].waste_per_s =
			((double)p->waste_bytes - (double)q->waste_bytes) / dt;
	}
}

static void print_json_frame(const struct view_sample *vs,
			     const struct view_opts *v,
			     const struct proc_rate *rates)
{
	json_object *o = snapshot_to_json(&vs->s, v->limit);
	json_object *procs = json_object_object_get(o, "processes");

	for (size_t i = 0; rates && i < json_object_array_length(procs); i++) {
		json_object *p = json_object_array_get_idx(procs, i);

		if (!rates[i].valid)
			continue;
		json_object_object_add(
			p, "page_table_bytes_per_second",
			json_object_new_double(round(rates[i].pte_per_s)));
		json_object_object_add(
			p, "waste_bytes_per_second",
			json_object_new_double(round(rates[i].waste_per_s)));
	}
	if (vs->daemon)
		json_object_object_add(o, "source",
				       json_object_new_string("daemon"));
	/* One compact object per line: a stream scripts can read. */
	puts(json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void print_frame(const struct view_sample *s, const struct view_opts *v,
			const struct proc_rate *rates, bool tty)
{
	if (v->json) {
		print_json_frame(s, v, rates);
	} else {
		if (tty)
			fputs("\033[H\033[2J", stdout);
		view_print_table(s, v, rates);
		if (!tty)
			putchar('\n');
	}
	fflush(stdout);
}

static void sleep_interval(double seconds)
{
	struct timespec ts = { .tv_sec = (time_t)seconds,
			       .tv_nsec = (long)((seconds - (time_t)seconds) *
						 1e9) };

	nanosleep(&ts, NULL); /* a signal cuts it short, as it should */
}

int cmd_top(struct cli_ctx *ctx, int argc, char **argv)
{
	struct snapshot prev = { 0 };
	struct view_sample cur;
	struct sigaction sa = { .sa_handler = on_signal };
	struct view_opts v;
	bool tty = isatty(STDOUT_FILENO);
	int rc = view_parse(argc, argv, true, &v);

	if (rc)
		return rc < 0 ? PTW_OK : rc;
	if (v.once)
		v.iterations = 1;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (long frame = 0; !stop; frame++) {
		struct proc_rate *rates = NULL;

		rc = view_take(ctx, &cur, &v);
		if (rc)
			break;
		if (frame > 0) {
			rates = calloc(cur.s.nr_procs + 1, sizeof(*rates));
			if (rates)
				compute_rates(&prev, &cur.s, rates);
		}
		print_frame(&cur, &v, rates, tty);
		free(rates);
		snapshot_free(&prev);
		prev = cur.s; /* keeps the processes for the next rates */
		json_object_put(cur.daemon);
		qsort(prev.procs, prev.nr_procs, sizeof(*prev.procs), by_pid);
		if (v.iterations && frame + 1 >= v.iterations)
			break;
		sleep_interval(v.interval);
	}
	snapshot_free(&prev);
	return rc;
}
