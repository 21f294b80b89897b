// SPDX-License-Identifier: GPL-2.0
/*
 * The task iterator's bare pass (include/bpf_iter.h), no sampler around
 * it: which way the kernel's records are made, how many, and the thread
 * CPU time a pass costs. PTWATCH_BPF_DENY picks the way as for ptwatchd
 * (all-procs: the 6.1 path; all-procs,walk: the seq_file iterator over
 * every task).
 *
 *   iter-pass [-n PASSES] [-d] [-1]
 *
 * -n: passes after a first one that is not timed (default 10); -d: the
 * last pass's records on stdout, one a line (tgid start_ns cgroup_id
 * pgtables rss_anon rss_file rss_shmem swap comm-in-hex), so that two ways
 * can be compared; -1: open as the CLI does (one_pass). Prints on stderr
 * "kind: K", "records: N", "cpu_us_per_pass: F". Needs root.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpf_iter.h"
#include "cgroups.h"

struct dump {
	FILE *out; /* NULL: no dump */
};

static int take(const struct ptw_iter_rec *r, void *arg)
{
	struct dump *d = arg;

	if (!d->out)
		return 0;
	fprintf(d->out, "%u %llu %llu %llu %llu %llu %llu %llu ", r->tgid,
		(unsigned long long)r->start_ns,
		(unsigned long long)r->cgroup_id,
		(unsigned long long)r->pgtables,
		(unsigned long long)r->rss_anon,
		(unsigned long long)r->rss_file,
		(unsigned long long)r->rss_shmem, (unsigned long long)r->swap);
	for (size_t i = 0; i < sizeof(r->comm) && r->comm[i]; i++)
		fprintf(d->out, "%02x", (unsigned char)r->comm[i]);
	fputc('\n', d->out);
	return 0;
}

static double thread_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	struct cgroup_layout l;
	struct ptw_iter *it;
	struct dump d = { NULL };
	bool one_pass = false, dump = false;
	int passes = 10, n, opt;
	char why[256];
	double t0;

	while ((opt = getopt(argc, argv, "n:d1")) != -1) {
		if (opt == 'n')
			passes = atoi(optarg);
		else if (opt == 'd')
			dump = true;
		else if (opt == '1')
			one_pass = true;
		else
			return 2;
	}
	cgroup_detect("/sys/fs/cgroup", &l);
	if (ptw_iter_open(&it, l.version == 1, one_pass, why, sizeof(why))) {
		fprintf(stderr, "iter-pass: %s\n", why);
		return 1;
	}
	n = ptw_iter_read(it, take, &d);
	t0 = thread_us();
	for (int i = 0; i < passes && n >= 0; i++) {
		if (dump && i == passes - 1)
			d.out = stdout;
		n = ptw_iter_read(it, take, &d);
	}
	if (n < 0) {
		fprintf(stderr, "iter-pass: a pass failed: %s\n", strerror(-n));
		ptw_iter_close(it);
		return 1;
	}
	fprintf(stderr, "kind: %s\nrecords: %d\ncpu_us_per_pass: %.1f\n",
		ptw_iter_kind(it), n,
		passes ? (thread_us() - t0) / passes : 0.0);
	ptw_iter_close(it);
	return 0;
}
