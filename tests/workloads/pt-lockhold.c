// SPDX-License-Identifier: GPL-2.0
/*
 * pt-lockhold: how long one MADV_PT_RECLAIM call over a huge range holds
 * the mmap lock, the longest hold against the whole call.
 *
 *   pt-lockhold [GIB]
 *
 * Maps GIB (default 64) GiB of anonymous memory (MAP_NORESERVE, 2 MiB
 * aligned, THP off), touches one page per 2 MiB block and discards it with
 * a 4 KiB MADV_DONTNEED, so that every block keeps an empty PTE table (the
 * DONTNEED path frees only a table one call covers). Then, with the
 * mmap_lock tracepoints on for this thread only (tracefs set_event_pid;
 * root), one madvise(MADV_PT_RECLAIM) over the whole mapping; a second
 * thread meanwhile mmap()s and munmap()s one page in a loop (each needs
 * the lock for write), the latency the target itself would see.
 *
 * Prints key=value lines: gib, blocks, vmpte_before_kb, vmpte_after_kb,
 * tables_freed, call_us (the madvise), holds (read-lock holds of this
 * thread during the call), longest_hold_us, mmap_calls, mmap_max_us.
 * Exit status: 0 ok (the figures are for the caller to judge), 1 a system
 * call failed, 2 bad usage, 77 no MADV_PT_RECLAIM or no tracefs.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "status_kb.h"
#include "wl_common.h"

#define BLOCK (2UL << 20)
#define PAGE 4096UL
#define TRACEFS "/sys/kernel/tracing"

static atomic_int stop, started, go;
static long mmap_calls, mmap_max_ns;

static void die(const char *what)
{
	fprintf(stderr, "pt-lockhold: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* Writes s to a tracefs file; 0 or -1 */
static int tracefs_write(const char *file, const char *s)
{
	char path[128];
	int fd, ok;

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

/* The other thread: one page mapped and unmapped, timed, until stop */
static void *mapper(void *arg)
{
	(void)arg;
	atomic_store(&started, 1);
	while (!atomic_load(&go))
		;
	while (!atomic_load(&stop)) {
		long t0 = now_ns(), dt;
		void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			die("mmap");
		munmap(p, PAGE);
		dt = now_ns() - t0;
		if (dt > mmap_max_ns)
			mmap_max_ns = dt;
		mmap_calls++;
	}
	return NULL;
}

/* "ts: mmap_lock_EVENT: ... write=false": seconds, or -1 if not one */
static double event_ts(const char *line, const char *event)
{
	const char *e = strstr(line, event);
	const char *colon;

	if (!e || !strstr(e, "write=false"))
		return -1;
	/* the timestamp ends at the ": " before the event name */
	for (colon = e - 2; colon > line && *colon != ' '; colon--)
		;
	return strtod(colon, NULL);
}

/* The read-lock holds in the trace: count and longest (us) */
static void read_holds(long *holds, long *longest_us)
{
	FILE *f = fopen(TRACEFS "/trace", "r");
	char line[512];
	double acq = -1, t;

	*holds = 0;
	*longest_us = 0;
	if (!f)
		die("open " TRACEFS "/trace");
	while (fgets(line, sizeof(line), f)) {
		if ((t = event_ts(line, "mmap_lock_acquire_returned:")) >= 0) {
			acq = t;
		} else if ((t = event_ts(line, "mmap_lock_released:")) >= 0 &&
			   acq >= 0) {
			long us = (long)((t - acq) * 1e6 + 0.5);

			(*holds)++;
			if (us > *longest_us)
				*longest_us = us;
			acq = -1;
		}
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	unsigned long gib = argc > 1 ? strtoul(argv[1], NULL, 0) : 64;
	unsigned long len = gib << 30, blocks = len / BLOCK;
	char pid[24], *raw, *base;
	long before, after, t0, call_ns, holds, longest_us;
	pthread_t th;

	if (argc > 2 || !gib) {
		fprintf(stderr, "usage: pt-lockhold [GIB]\n");
		return 2;
	}
	if (madvise(NULL, 0, MADV_PT_RECLAIM)) {
		fprintf(stderr, "pt-lockhold: no MADV_PT_RECLAIM: %s\n",
			strerror(errno));
		return 77;
	}
	raw = mmap(NULL, len + BLOCK, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		die("mmap");
	base = (char *)(((unsigned long)raw + BLOCK - 1) & ~(BLOCK - 1));
	if (madvise(base, len, MADV_NOHUGEPAGE))
		die("MADV_NOHUGEPAGE");
	for (unsigned long b = 0; b < blocks; b++) {
		base[b * BLOCK] = 1;
		if (madvise(base + b * BLOCK, PAGE, MADV_DONTNEED))
			die("MADV_DONTNEED");
	}
	/* the thread's stack and its table exist before VmPTE is read */
	if (pthread_create(&th, NULL, mapper, NULL))
		die("pthread_create");
	while (!atomic_load(&started))
		;
	before = status_kb("VmPTE");

	snprintf(pid, sizeof(pid), "%d\n", getpid());
	if (tracefs_write("events/mmap_lock/enable", "0") ||
	    tracefs_write("set_event_pid", pid) || tracefs_write("trace", "")) {
		fprintf(stderr,
			"pt-lockhold: no mmap_lock events in tracefs\n");
		atomic_store(&go, 1);
		atomic_store(&stop, 1);
		pthread_join(th, NULL);
		return 77;
	}
	tracefs_write("events/mmap_lock/enable", "1");
	atomic_store(&go, 1);
	t0 = now_ns();
	if (madvise(base, len, MADV_PT_RECLAIM))
		die("MADV_PT_RECLAIM");
	call_ns = now_ns() - t0;
	tracefs_write("events/mmap_lock/enable", "0");
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	after = status_kb("VmPTE");
	read_holds(&holds, &longest_us);
	tracefs_write("set_event_pid", "");

	printf("gib=%lu\nblocks=%lu\nvmpte_before_kb=%ld\nvmpte_after_kb=%ld\n",
	       gib, blocks, before, after);
	printf("tables_freed=%ld\ncall_us=%ld\nholds=%ld\nlongest_hold_us=%ld\n",
	       (before - after) / 4, call_ns / 1000, holds, longest_us);
	printf("mmap_calls=%ld\nmmap_max_us=%ld\n", mmap_calls,
	       mmap_max_ns / 1000);
	return 0;
}
