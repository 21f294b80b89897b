// SPDX-License-Identifier: GPL-2.0
/*
 * ptwatch top: the snapshot, refreshed every -d seconds, with each
 * process's rate of change of page-table bytes and waste once it has been
 * seen in two samples. On a terminal it owns the screen (top_keys.c reads
 * the keys) and fits it: the headline and headings always, as many rows as
 * there is room for, redrawn when the window changes. Anywhere else, and
 * with --once or --json, it writes frames one after another with no escape
 * codes. q, Ctrl-C, SIGTERM and SIGHUP all end it with the terminal as it
 * was.
 */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "term.h"
#include "top_keys.h"
#include "view.h"

static volatile sig_atomic_t stop, resized, suspend;

static void on_signal(int sig)
{
	if (sig == SIGWINCH)
		resized = 1;
	else if (sig == SIGTSTP)
		suspend = 1;
	else
		stop = 1;
}

/* Ctrl-Z: the terminal as it was while stopped, the screen again after */
static void suspend_now(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL },
			 ours = { .sa_handler = on_signal };

	suspend = 0;
	fflush(stdout);
	term_screen_leave();
	sigaction(SIGTSTP, &dfl, NULL);
	raise(SIGTSTP); /* stops here until SIGCONT */
	sigaction(SIGTSTP, &ours, NULL);
	term_screen_enter();
	resized = 1; /* redraw, and the size may have changed */
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

static const char *const sort_names[] = { "waste", "pte", "rss" };

/* Lines in text. */
static int count_lines(const char *text)
{
	int n = 0;

	for (; text && *text; text++)
		n += *text == '\n';
	return n;
}

/*
 * How many rows fit under the headline in `height` lines (0: no limit),
 * keeping one line for the keys: processes first, cgroups (at most a
 * quarter) when there is room.
 */
static void fit_height(struct view_layout *l, const struct view_sample *vs,
		       const struct view_opts *v, int height)
{
	struct view_layout head = { 0, 0, false, l->width };
	char *text = view_render_table(vs, v, NULL, &head);
	int avail = height - count_lines(text) - 1, procs, cg = 0;

	free(text);
	if (height <= 0)
		return;
	if (vs->s.nr_cgroups && avail >= 16)
		cg = avail / 4;
	if ((size_t)cg > vs->s.nr_cgroups)
		cg = (int)vs->s.nr_cgroups;
	procs = avail - 2 - (cg ? cg + 2 : 0);
	if (procs < 0)
		procs = 0;
	if (l->procs > (size_t)procs)
		l->procs = procs;
	/* room the processes do not use goes to the cgroups */
	if (cg && vs->s.nr_procs < l->procs)
		cg += (int)(l->procs - vs->s.nr_procs);
	if (l->cgroups > (size_t)cg)
		l->cgroups = cg;
}

static void draw(const struct view_sample *vs, const struct view_opts *v,
		 const struct proc_rate *rates, bool screen, bool help)
{
	struct view_layout l = { v->limit, v->cgroup_limit, !screen,
				 v->wide ? 0 : term_width() };
	int height = screen ? term_height() : 0;
	static int last_width = -1, last_height = -1;
	char *text;

	if (v->json) {
		print_json_frame(vs, v, rates);
		fflush(stdout);
		return;
	}
	if (screen && !v->rows_given)
		l.procs = l.cgroups = SIZE_MAX;
	if (screen)
		fit_height(&l, vs, v, height);
	text = help ? top_keys_help() : view_render_table(vs, v, rates, &l);
	/* a new size: the terminal has reflowed the old frame; start clean */
	if (screen && (l.width != last_width || height != last_height))
		fputs("\033[2J", stdout);
	last_width = l.width;
	last_height = height;
	if (screen)
		fputs("\033[H", stdout);
	if (text)
		term_write_lines(stdout, text, l.width,
				 height > 1 ? height - 1 : 0, screen);
	free(text);
	if (screen)
		printf("sort: %s  keys: w p r sort  ? help  q quit",
		       sort_names[v->sort]);
	else
		putchar('\n');
	fflush(stdout);
}

static void sleep_interval(double seconds)
{
	struct timespec ts = { .tv_sec = (time_t)seconds,
			       .tv_nsec = (long)((seconds - (time_t)seconds) *
						 1e9) };

	nanosleep(&ts, NULL); /* a signal cuts it short, as it should */
}

static void handle_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART */

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGTSTP, &sa, NULL);
}

/* rates for cur against prev (none on the first frame); caller frees */
static struct proc_rate *rates_for(const struct snapshot *prev,
				   const struct snapshot *cur, long frame)
{
	struct proc_rate *rates;

	if (frame == 0)
		return NULL;
	rates = calloc(cur->nr_procs + 1, sizeof(*rates));
	if (rates)
		compute_rates(prev, cur, rates);
	return rates;
}

/* Waits out the interval on the screen: keys and resizes redraw at once. */
static void wait_screen(struct view_sample *cur, const struct snapshot *prev,
			struct view_opts *v, long frame,
			struct proc_rate **rates, bool *help)
{
	double end = top_keys_now() + v->interval;

	while (!stop) {
		double left = end - top_keys_now();
		enum top_key k;

		if (left <= 0)
			return;
		k = top_keys_wait(left);
		if (suspend)
			suspend_now();
		if (k == TOP_KEY_QUIT) {
			stop = 1;
			return;
		}
		if (k >= TOP_KEY_SORT_WASTE && k <= TOP_KEY_SORT_RSS) {
			v->sort = (enum snapshot_sort)(k - TOP_KEY_SORT_WASTE);
			snapshot_sort(&cur->s, v->sort);
			free(*rates); /* parallel to the processes */
			*rates = rates_for(prev, &cur->s, frame);
			*help = false;
		} else if (k == TOP_KEY_HELP) {
			*help = !*help;
		} else if (k == TOP_KEY_OTHER && *help) {
			*help = false;
		} else if (!resized) {
			continue;
		}
		resized = 0;
		draw(cur, v, *rates, true, *help);
	}
}

int cmd_top(struct cli_ctx *ctx, int argc, char **argv)
{
	struct snapshot prev = { 0 };
	struct view_sample cur;
	struct view_opts v;
	bool screen, help = false;
	int rc = view_parse(argc, argv, true, &v);

	if (rc)
		return rc < 0 ? PTW_OK : rc;
	v.json |= ctx->json;
	if (v.once)
		v.iterations = 1;
	screen = !v.json && v.iterations != 1 && term_is_screen();
	handle_signals();
	for (long frame = 0; !stop; frame++) {
		struct proc_rate *rates;

		rc = view_take(ctx, &cur, &v);
		if (rc)
			break;
		if (frame == 0 && screen) {
			/* after the first sample: its errors stay visible */
			atexit(term_screen_leave);
			term_screen_enter();
		}
		rates = rates_for(&prev, &cur.s, frame);
		draw(&cur, &v, rates, screen, help);
		if (!(v.iterations && frame + 1 >= v.iterations)) {
			if (screen)
				wait_screen(&cur, &prev, &v, frame, &rates,
					    &help);
			else
				sleep_interval(v.interval);
		} else {
			stop = 1;
		}
		free(rates);
		snapshot_free(&prev);
		prev = cur.s; /* keeps the processes for the next rates */
		json_object_put(cur.daemon);
		qsort(prev.procs, prev.nr_procs, sizeof(*prev.procs), by_pid);
	}
	fflush(stdout);
	term_screen_leave();
	snapshot_free(&prev);
	return rc;
}
