// SPDX-License-Identifier: GPL-2.0
/* The task iterator sampler (bpf_iter.h): load, attach, read records. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_iter.h"
#include "task_iter.skel.h"

/* Records per read(2): large reads keep the syscalls few. */
#define ITER_BATCH 512

struct ptw_iter {
	struct ptw_task_iter *skel;
	struct bpf_link *link;
};

/* libbpf's last warning, kept to say why a load failed. */
static char libbpf_last[256];

static int quiet_print(enum libbpf_print_level level, const char *fmt,
		       va_list ap)
{
	char line[sizeof(libbpf_last)];
	size_t n;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strcspn(line, "\n");
	line[n] = '\0';
	if (n)
		memcpy(libbpf_last, line, n + 1);
	return 0;
}

static int fail(char *why, size_t len, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *why, size_t len, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return err;
}

static bool denied(void)
{
	const char *deny = getenv("PTWATCH_BPF_DENY");

	return deny && strstr(deny, "iter");
}

static int load(struct ptw_iter *it, bool v1_memory, char *why, size_t len)
{
	int ncpu = libbpf_num_possible_cpus();
	bool sum = true;
	int err;

again:
	it->skel = ptw_task_iter__open();
	if (!it->skel)
		return fail(why, len, -errno, "task iterator: cannot open: %s",
			    strerror(errno));
	it->skel->rodata->nr_cpus = ncpu > 0 ? ncpu : 0;
	it->skel->rodata->v1_memory = v1_memory;
	it->skel->rodata->sum_percpu = sum;
	err = ptw_task_iter__load(it->skel);
	if (err && err != -EPERM && sum) {
		/* measuring the per-CPU offsets needs pointer arithmetic
		 * that some kernels refuse: central counts then */
		ptw_task_iter__destroy(it->skel);
		sum = false;
		goto again;
	}
	if (err)
		return fail(why, len, err,
			    "task iterator: the kernel refused it "
			    "(%s%s%s)",
			    strerror(-err), libbpf_last[0] ? ": " : "",
			    libbpf_last);
	it->link =
		bpf_program__attach_iter(it->skel->progs.ptw_task_iter, NULL);
	if (!it->link)
		return fail(why, len, -errno,
			    "task iterator: cannot attach: %s",
			    strerror(errno));
	return 0;
}

int ptw_iter_open(struct ptw_iter **out, bool v1_memory, char *why, size_t len)
{
	libbpf_print_fn_t old;
	struct ptw_iter *it;
	int err;

	*out = NULL;
	if (denied())
		return fail(why, len, -EACCES,
			    "task iterator: denied by PTWATCH_BPF_DENY");
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return fail(why, len, -ENOENT,
			    "task iterator: no kernel BTF "
			    "(/sys/kernel/btf/vmlinux): CO-RE cannot run");
	it = calloc(1, sizeof(*it));
	if (!it)
		return fail(why, len, -ENOMEM, "task iterator: out of memory");
	libbpf_last[0] = '\0';
	old = libbpf_set_print(quiet_print);
	err = load(it, v1_memory, why, len);
	libbpf_set_print(old);
	if (err) {
		ptw_iter_close(it);
		if (err == -EPERM)
			snprintf(why, len,
				 "task iterator: not permitted "
				 "(loading BPF needs root or CAP_BPF)");
		return err;
	}
	*out = it;
	return 0;
}

void ptw_iter_close(struct ptw_iter *it)
{
	if (!it)
		return;
	bpf_link__destroy(it->link);
	ptw_task_iter__destroy(it->skel);
	free(it);
}

bool ptw_iter_rss_exact(const struct ptw_iter *it)
{
	return !it->skel->bss->rss_inexact;
}

/* Hands over the whole records in buf[0..n); returns the bytes used or
 * -errno from fn. */
static ssize_t deliver(const char *buf, size_t n, ptw_iter_fn fn, void *arg,
		       int *count)
{
	const size_t sz = sizeof(struct ptw_iter_rec);
	size_t off = 0;

	for (; off + sz <= n; off += sz) {
		struct ptw_iter_rec r;
		int err;

		memcpy(&r, buf + off, sz);
		if (r.version != PTW_ITER_VERSION)
			return -EPROTO;
		err = fn(&r, arg);
		if (err)
			return err;
		(*count)++;
	}
	return off;
}

int ptw_iter_read(struct ptw_iter *it, ptw_iter_fn fn, void *arg)
{
	const size_t cap = ITER_BATCH * sizeof(struct ptw_iter_rec);
	char *buf = malloc(cap);
	size_t have = 0;
	int fd, count = 0, err = 0;

	if (!buf)
		return -ENOMEM;
	fd = bpf_iter_create(bpf_link__fd(it->link));
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	for (;;) {
		ssize_t n = read(fd, buf + have, cap - have), used;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0) {
			/* a record cut short at the end: a kernel bug */
			err = have ? -EPROTO : 0;
			break;
		}
		/* the seq_file may split a record between two reads: keep
		 * the tail for the next one */
		have += n;
		used = deliver(buf, have, fn, arg, &count);
		if (used < 0) {
			err = used;
			break;
		}
		memmove(buf, buf + used, have - used);
		have -= used;
	}
	close(fd);
	free(buf);
	return err ? err : count;
}
