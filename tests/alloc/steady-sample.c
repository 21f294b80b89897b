// SPDX-License-Identifier: GPL-2.0
/*
 * steady-sample: the steady-state benchmark's observer (guest-steady.sh).
 * One process for a whole mode, so that what the harness costs stays out
 * of what it measures: under -icount every exec of a dynamically linked
 * program costs the one vCPU about a second, and a round of `ptwatch
 * reclaim pid --dry-run | jq | awk` every few seconds took more of the
 * CPU than ptwatchd and starved it at its Nice=10.
 *
 *   steady-sample MODE SAMPLE_S SECONDS DAEMON_PID|0 OUTDIR PID:NAME...
 *
 * Every SAMPLE_S seconds until SECONDS have passed (or every process is
 * gone) it prints, per live process,
 *   csv,MODE,T,NAME,PID,VMPTE_KB,RSS_KB,EMPTY,OPS,CPU_MS,TICKS,DTICKS
 * EMPTY: the process's empty PTE tables, by the census ptwatch's
 * `reclaim pid --dry-run` takes (the core's reclaim_pid(), nothing
 * freed; a busy process's census is used even when its tables moved
 * during it: a benchmark's count, not a decision). OPS and CPU_MS: the
 * last "t=S ops=N cpu_ms=C" line of OUTDIR/NAME.out (alloc-steady's
 * output). TICKS: its utime + stime; DTICKS: the daemon's (empty with 0).
 * A process whose census or files fail this round is left out of it
 * (steady-report.sh carries its last sample forward).
 * Exit status: 0, or 2 for bad usage.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"
#include "reclaim_pid.h"

struct wl {
	pid_t pid;
	const char *name;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* VmPTE and VmRSS, in kB, by the core's parser of /proc/PID/status */
static int status_kb(pid_t pid, long *pte, long *rss)
{
	char path[64], buf[4096];
	struct proc_status st;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (procfs_read(AT_FDCWD, path, buf, sizeof(buf)) < 0 ||
	    procfs_parse_status(buf, &st) || !st.has_mm)
		return -1;
	*pte = (long)(st.vm_pte / 1024);
	*rss = (long)(st.vm_rss / 1024);
	return 0;
}

/* utime + stime (fields 14 and 15 of /proc/PID/stat), or -1 */
static long long ticks(pid_t pid)
{
	char path[64], buf[1024];
	uint64_t ut, st;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (procfs_read(AT_FDCWD, path, buf, sizeof(buf)) < 0 ||
	    procfs_parse_stat_field(buf, 14, &ut) ||
	    procfs_parse_stat_field(buf, 15, &st))
		return -1;
	return (long long)(ut + st);
}

/* The last "t=S ops=N cpu_ms=C" line of DIR/NAME.out */
static int last_ops(const char *dir, const char *name, unsigned long *ops,
		    unsigned long *cpu)
{
	char path[512], line[256];
	unsigned long o, c;
	int t, found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.out", dir, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "t=%d ops=%lu cpu_ms=%lu", &t, &o, &c) == 3) {
			*ops = o;
			*cpu = c;
			found = 1;
		}
	fclose(f);
	return found ? 0 : -1;
}

/* One csv line for w, or 0 when it is gone; -1 when a read failed */
static int sample_one(const char *mode, int t, const struct wl *w, pid_t daemon,
		      const char *dir)
{
	struct reclaim_pid_opts o = { .dry_run = true,
				      .no_after = true,
				      .moving_ok = true };
	struct reclaim_pid_result r;
	unsigned long ops, cpu;
	long pte, rss;
	long long tk, dt = -1;

	if (reclaim_pid("/proc", w->pid, &o, &r))
		return kill(w->pid, 0) ? 0 : -1;
	tk = ticks(w->pid);
	if (status_kb(w->pid, &pte, &rss) || tk < 0 ||
	    last_ops(dir, w->name, &ops, &cpu))
		return -1;
	if (daemon)
		dt = ticks(daemon);
	printf("csv,%s,%d,%s,%d,%ld,%ld,%llu,%lu,%lu,%lld,", mode, t, w->name,
	       (int)w->pid, pte, rss, (unsigned long long)r.empty_before, ops,
	       cpu, tk);
	if (dt >= 0)
		printf("%lld", dt);
	printf("\n");
	return 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: steady-sample MODE SAMPLE_S SECONDS "
			"DAEMON_PID|0 OUTDIR PID:NAME...\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct wl *w;
	double t0, sample, seconds;
	pid_t daemon;
	int n = argc - 6;

	if (n < 1)
		return usage();
	sample = atof(argv[2]);
	seconds = atof(argv[3]);
	daemon = (pid_t)atoi(argv[4]);
	w = calloc(n, sizeof(*w));
	if (!w || sample <= 0 || seconds <= 0)
		return usage();
	for (int i = 0; i < n; i++) {
		char *c = strchr(argv[6 + i], ':');

		if (!c)
			return usage();
		*c = '\0';
		w[i].pid = (pid_t)atoi(argv[6 + i]);
		w[i].name = c + 1;
	}
	t0 = now_s();
	for (int k = 0;; k++) {
		int t = (int)(now_s() - t0), live = 0;

		if (t >= seconds)
			break;
		for (int i = 0; i < n; i++)
			if (sample_one(argv[1], t, &w[i], daemon, argv[5]))
				live++;
		fflush(stdout);
		if (!live)
			break;
		while (now_s() < t0 + (k + 1) * sample)
			usleep(100000);
	}
	free(w);
	return 0;
}
