// SPDX-License-Identifier: GPL-2.0
/* ptwatchd's epoll loop (loop.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "attribution.h"
#include "http.h"
#include "loop.h"
#include "metrics.h"
#include "ptwatch.h"
#include "server.h"
#include "state.h"
#include "textfile.h"

struct d_loop {
	struct d_state st;
	struct d_options opts;
	struct d_server srv;
	struct d_http *http;
	struct d_ev timer, sig;
	int epfd;
	uint64_t watchdog_usec; /* 0: no watchdog */
	int64_t next_watchdog_ms;
	bool quit;
	bool reloaded; /* the epoll set changed: drop the rest of a batch */
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double clock_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void d_options_apply(const struct d_options *o, struct d_config *cfg)
{
	if (o->socket)
		snprintf(cfg->socket, sizeof(cfg->socket), "%s", o->socket);
}

static void update_status(struct d_state *st)
{
	const struct host_sample *h = &st->scan.snap.host;
	const struct d_knob *k = &st->knob[D_KNOB_RECLAIM];

	snprintf(st->status_line, sizeof(st->status_line),
		 "%zu processes, page tables %.1f MiB, waste %.1f MiB (%.2f%% "
		 "of memory); vm.pt_reclaim %s, policy %s",
		 st->scan.snap.nr_procs, h->page_tables / 1048576.0,
		 h->waste_bytes / 1048576.0, d_state_metric(st, D_KNOB_RECLAIM),
		 k->value < 0 ? pt_reclaim_mode_name(st->kf.pt_reclaim) :
		 k->value     ? "on" :
				"off",
		 k->value < 0 ? "unavailable" :
				d_policy_state_name(&st->pol[D_KNOB_RECLAIM]));
	sd_notifyf(0, "STATUS=%s", st->status_line);
}

static void write_metrics(struct d_state *st)
{
	char *text;
	size_t len;
	int rc;

	if (!st->cfg.textfile_dir[0])
		return;
	rc = d_metrics_render(st, &text, &len);
	if (rc) {
		d_log(LOG_ERR, "metrics: cannot render: %s", strerror(-rc));
		return;
	}
	d_textfile_update(&st->textfile, st->cfg.textfile_dir, text, len);
	free(text);
}

/* One sample: processes (incrementally, scan.h), HugeTLB, BPF, the
 * policies, the metrics file, the status line. */
static void sample(struct d_state *st)
{
	struct d_scan_opts so = { .proc_root = st->cfg.proc_root,
				  .cgroup_root = st->cfg.cgroup_root,
				  .budget = st->cfg.reads_per_sample,
				  .no_iter = !st->cfg.bpf_iter };
	double t0 = clock_s(CLOCK_MONOTONIC);
	double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	int rc;

	rc = d_scan_sample(&st->scan, &so);
	st->have_snap = rc == 0;
	if (st->have_snap)
		d_census_step(&st->census, &st->scan, &st->cfg.census,
			      st->cfg.proc_root,
			      clock_s(CLOCK_THREAD_CPUTIME_ID) - c0);
	if (rc) {
		st->stats.sample_errors++;
		d_fault_fail(&st->snap_fault, "sample failed: %s",
			     strerror(-rc));
	} else {
		d_fault_ok(&st->snap_fault);
		d_history_push(&st->hist, &st->scan.snap.host);
	}
	rc = d_hugetlb_read(st->cfg.sysfs_root, &st->huge);
	if (rc && rc != -ENOENT)
		d_fault_fail(&st->hugetlb_fault, "hugetlb: %s", strerror(-rc));
	d_bpf_sample(st->bpf);
	d_state_tune(st);
	write_metrics(st);
	update_status(st);
	/* the cost of a sample includes writing its metrics, so the file
	 * counts the samples before this one, consistently */
	st->stats.samples++;
	st->stats.last_sample_s = clock_s(CLOCK_MONOTONIC) - t0;
	st->stats.last_sample_cpu_s = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	if (st->stats.last_start_s) { /* the first reads everything once */
		if (st->stats.last_sample_s > st->stats.max_sample_s)
			st->stats.max_sample_s = st->stats.last_sample_s;
		st->stats.last_gap_s = t0 - st->stats.last_start_s;
		if (st->stats.last_gap_s > st->stats.max_gap_s)
			st->stats.max_gap_s = st->stats.last_gap_s;
	}
	st->stats.last_start_s = t0;
	st->stats.sample_cpu_total_s += st->stats.last_sample_cpu_s;
}

static int arm_timer(int fd, unsigned int ms)
{
	struct itimerspec its = {
		.it_interval = { ms / 1000, (ms % 1000) * 1000000L },
		.it_value = { ms / 1000, (ms % 1000) * 1000000L },
	};

	return timerfd_settime(fd, 0, &its, NULL) ? -errno : 0;
}

static void policies_configure(struct d_state *st, bool init)
{
	for (int id = 0; id < D_NR_KNOBS; id++) {
		struct d_policy_cfg c = d_state_policy_cfg(st, id);

		if (init)
			d_policy_init(&st->pol[id], &c);
		else
			d_policy_reconfigure(&st->pol[id], &c);
	}
}

static void http_restart(struct d_loop *l)
{
	d_http_stop(l->http);
	l->http = NULL;
	if (!l->st.cfg.listen[0])
		return;
	l->http = d_http_start(l->st.cfg.listen, &l->st, l->epfd);
	if (!l->http)
		d_log(LOG_ERR, "metrics: cannot listen on %s: %m",
		      l->st.cfg.listen);
}

static void reload(struct d_loop *l)
{
	struct d_config next;
	char err[512];
	bool http_changed;

	sd_notify(0, "RELOADING=1");
	d_config_defaults(&next);
	if (l->opts.config_path &&
	    d_config_load(l->opts.config_path, &next, err, sizeof(err))) {
		l->st.stats.reload_errors++;
		d_log(LOG_ERR, "reload failed, keeping the running config: %s",
		      err);
		sd_notify(0, "READY=1");
		return;
	}
	d_options_apply(&l->opts, &next);
	if (strcmp(next.socket, l->st.cfg.socket) ||
	    strcmp(next.sysctl_root, l->st.cfg.sysctl_root) ||
	    strcmp(next.state_dir, l->st.cfg.state_dir) ||
	    next.bpf != l->st.cfg.bpf || next.bpf_iter != l->st.cfg.bpf_iter)
		d_log(LOG_WARNING, "reload: [daemon] socket, sysctl_root, "
				   "state_dir, bpf and bpf_iter change only on "
				   "restart");
	/* the BPF probes and the task iterator are loaded once, at start */
	next.bpf = l->st.cfg.bpf;
	next.bpf_iter = l->st.cfg.bpf_iter;
	strcpy(next.socket, l->st.cfg.socket);
	strcpy(next.sysctl_root, l->st.cfg.sysctl_root);
	strcpy(next.state_dir, l->st.cfg.state_dir);
	http_changed = strcmp(next.listen, l->st.cfg.listen) != 0;
	l->st.cfg = next;
	d_log_init(next.log);
	d_history_resize(&l->st.hist, next.history);
	policies_configure(&l->st, false);
	arm_timer(l->timer.fd, next.interval_ms);
	if (http_changed)
		http_restart(l);
	l->reloaded = true;
	l->st.stats.reloads++;
	d_log(LOG_NOTICE, "reloaded %s",
	      l->opts.config_path ? l->opts.config_path :
				    "(built-in defaults)");
	sd_notify(0, "READY=1");
}

static void on_signal(struct d_loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->sig.fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload(l);
		else
			l->quit = true;
	}
}

static void on_timer(struct d_loop *l)
{
	uint64_t expirations;

	if (read(l->timer.fd, &expirations, sizeof(expirations)) > 0)
		sample(&l->st);
}

static void watchdog(struct d_loop *l)
{
	if (!l->watchdog_usec || mono_ms() < l->next_watchdog_ms)
		return;
	sd_notify(0, "WATCHDOG=1");
	/* twice per period, as sd_watchdog_enabled(3) advises */
	l->next_watchdog_ms = mono_ms() + (int64_t)(l->watchdog_usec / 2000);
}

static int loop_timeout(struct d_loop *l)
{
	int t = d_server_expire(&l->srv, &l->st);
	int h = d_http_timeout(l->http);

	if (h >= 0 && (t < 0 || h < t))
		t = h;
	if (l->watchdog_usec) {
		int w = (int)(l->next_watchdog_ms - mono_ms());

		if (w < 0)
			w = 0;
		if (t < 0 || w < t)
			t = w;
	}
	return t;
}

static void dispatch(struct d_loop *l, struct epoll_event *e)
{
	struct d_ev *ev = e->data.ptr;

	switch (ev->kind) {
	case D_EV_TIMER:
		on_timer(l);
		break;
	case D_EV_SIGNAL:
		on_signal(l);
		break;
	case D_EV_HTTP:
		d_http_run(l->http);
		break;
	case D_EV_LISTEN:
	case D_EV_CLIENT:
		d_server_event(&l->srv, &l->st, ev, e->events);
		break;
	}
}

static int add_fd(struct d_loop *l, struct d_ev *ev)
{
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = ev };

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, ev->fd, &e) ? -errno : 0;
}

static int setup_fds(struct d_loop *l)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN); /* a client that hangs up mid-answer */
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->sig = (struct d_ev){
		D_EV_SIGNAL, signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)
	};
	l->timer = (struct d_ev){ D_EV_TIMER,
				  timerfd_create(CLOCK_MONOTONIC,
						 TFD_NONBLOCK | TFD_CLOEXEC) };
	if (l->epfd < 0 || l->sig.fd < 0 || l->timer.fd < 0)
		return -errno;
	if (add_fd(l, &l->sig) || add_fd(l, &l->timer))
		return -errno;
	return arm_timer(l->timer.fd, l->st.cfg.interval_ms);
}

static void init_state(struct d_loop *l, const struct d_config *cfg)
{
	struct d_state *st = &l->st;
	int n;

	st->cfg = *cfg;
	st->config_path = l->opts.config_path;
	st->stats.start_ns = (uint64_t)(clock_s(CLOCK_MONOTONIC) * 1e9);
	st->snap_fault.what = "sample";
	st->hugetlb_fault.what = "hugetlb";
	d_free_init(&st->free);
	kfeatures_probe(&st->kf, cfg->sysctl_root);
	d_knob_init(&st->knob[D_KNOB_RECLAIM], "vm.pt_reclaim",
		    cfg->sysctl_root);
	d_knob_init(&st->knob[D_KNOB_VMEMMAP], "vm.hugetlb_optimize_vmemmap",
		    cfg->sysctl_root);
	if (mkdir(cfg->state_dir, 0755) && errno != EEXIST)
		d_log(LOG_WARNING, "cannot create %s: %m", cfg->state_dir);
	/* a previous run that died must not leave its changes behind */
	n = d_knob_rollback_saved(cfg->state_dir);
	if (n)
		d_log(LOG_NOTICE,
		      "rolled back %d knob(s) changed by a previous run that "
		      "did not exit cleanly",
		      n);
	for (int id = 0; id < D_NR_KNOBS; id++) {
		d_knob_read(&st->knob[id]);
		d_knob_load_saved(&st->knob[id], cfg->state_dir);
	}
	policies_configure(st, true);
	/* min_interval counts from the last change, also one made (or rolled
	 * back) by a run that crashed: a crash loop must not flip the knob on
	 * every restart */
	for (int id = 0; id < D_NR_KNOBS; id++)
		st->pol[id].last_change = st->knob[id].changed_at;
	d_history_resize(&st->hist, cfg->history);
	if (cfg->bpf)
		st->bpf = d_bpf_open();
}

static void log_start(const struct d_loop *l)
{
	const struct d_state *st = &l->st;
	const struct d_policy_cfg *r = &st->pol[D_KNOB_RECLAIM].cfg;

	d_log(LOG_INFO,
	      "started: config %s, socket %s, every %.1fs; kernel %s, "
	      "PTE-table reclaim %s (vm.pt_reclaim %s); reclaim policy %s%s",
	      l->opts.config_path ? l->opts.config_path : "(built-in defaults)",
	      st->cfg.socket, st->cfg.interval_ms / 1000.0, st->kf.release,
	      pt_reclaim_mode_name(st->kf.pt_reclaim),
	      st->knob[D_KNOB_RECLAIM].value < 0 ? "absent" : "present",
	      d_knob_mode_name(r->mode), r->dry_run ? " (dry run)" : "");
}

static void shutdown_all(struct d_loop *l)
{
	sd_notify(0, "STOPPING=1");
	for (int id = 0; id < D_NR_KNOBS; id++)
		d_knob_exit(&l->st.knob[id], l->st.cfg.state_dir,
			    l->st.cfg.rollback_on_exit);
	d_server_close(&l->srv);
	d_http_stop(l->http);
	d_bpf_close(l->st.bpf);
	d_scan_free(&l->st.scan);
	d_census_free(&l->st.census);
	d_history_free(&l->st.hist);
	d_log(LOG_INFO, "stopped");
}

/* One daemon per socket: PTW_RUNNING when a live one answers on path. */
static int socket_free(const char *path)
{
	pid_t owner;
	int rc = d_server_check(path, &owner);

	if (rc == -EADDRINUSE && owner > 0)
		d_log(LOG_ERR,
		      "another ptwatchd (pid %d) answers on %s; not starting",
		      (int)owner, path);
	else if (rc == -EADDRINUSE)
		d_log(LOG_ERR, "another ptwatchd answers on %s; not starting",
		      path);
	else if (rc == -ENOTSOCK)
		d_log(LOG_ERR, "%s exists and is not a socket; not starting",
		      path);
	else if (rc)
		d_log(LOG_ERR, "cannot check %s: %s", path, strerror(-rc));
	return rc == -EADDRINUSE ? PTW_RUNNING : rc ? PTW_ERR : 0;
}

int d_run(const struct d_options *o, const struct d_config *cfg)
{
	static struct d_loop l; /* large: keep it off the stack */
	struct epoll_event ev[16];
	int rc;

	l.opts = *o;
	d_log_init(cfg->log);
	/* before anything that touches a running daemon's state */
	if ((rc = socket_free(cfg->socket)))
		return rc;
	init_state(&l, cfg);
	if ((rc = setup_fds(&l))) {
		d_log(LOG_ERR, "cannot set up the event loop: %s",
		      strerror(-rc));
		return 1;
	}
	/* a port in use is fatal at start (a reload keeps the old one) */
	http_restart(&l);
	if (l.st.cfg.listen[0] && !l.http)
		return PTW_ERR;
	sample(&l.st);
	if ((rc = d_server_open(&l.srv, cfg->socket, l.epfd))) {
		d_log(LOG_ERR, "cannot listen on %s: %s", cfg->socket,
		      strerror(-rc));
		return rc == -EADDRINUSE ? PTW_RUNNING : PTW_ERR;
	}
	if (sd_watchdog_enabled(0, &l.watchdog_usec) <= 0)
		l.watchdog_usec = 0;
	log_start(&l);
	sd_notify(0, "READY=1");
	while (!l.quit) {
		int n = epoll_wait(l.epfd, ev, 16, loop_timeout(&l));

		l.reloaded = false;
		for (int i = 0; i < n && !l.reloaded; i++)
			dispatch(&l, &ev[i]);
		/* libmicrohttpd also needs calls for its own timeouts and
		 * for work it queued without making its epoll fd ready */
		if (l.http)
			d_http_run(l.http);
		watchdog(&l);
	}
	shutdown_all(&l);
	return 0;
}
