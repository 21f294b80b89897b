// SPDX-License-Identifier: GPL-2.0
/* The task iterator sampler (bpf_iter.h): load, attach, read records. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_iter.h"
#include "task_iter.skel.h"

/* Records per read(2): large reads keep the syscalls few. */
#define ITER_BATCH 512

/*
 * Three ways of making the same records. Where the kernel has the
 * open-coded task iterator (6.7+), one run of ptw_task_all
 * (BPF_PROG_TEST_RUN) walks the list of thread-group leaders and fills
 * `recs`, an array this side maps: about half the kernel's cost of the
 * seq_file iterator, which looks every task up by PID, threads included.
 * From 6.1 (a task iterator parameterized to one task, bpf_loop()), one
 * read(2) of ptw_task_walk's iterator walks the same list into the same
 * array, with a helper call per field. Elsewhere the seq_file iterator
 * over every task, read in chunks.
 */
enum iter_mode {
	MODE_LIST, /* ptw_task_all */
	MODE_WALK, /* ptw_task_walk */
	MODE_SEQ,  /* ptw_task_iter */
};

struct ptw_iter {
	struct ptw_task_iter *skel;
	struct bpf_link *link;	   /* the iterator of WALK and SEQ */
	struct ptw_iter_rec *recs; /* LIST, WALK: the mapped array */
	size_t cap, map_len;	   /* its entries and bytes */
	enum iter_mode mode;
	bool v1_memory, sum, one_pass;
	uint64_t *order; /* LIST, WALK: (tgid, index) sorted, when the list's
			  * order is not the tgid order (PIDs wrapped) */
	size_t order_cap;
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

/* PTWATCH_BPF_DENY (a test switch): "iter" denies the iterator,
 * "all-procs" the 6.7+ task list alone (the leader walk then, as on 6.1 to
 * 6.6), "walk" the leader walk (the seq_file iterator over every task, as
 * before 6.1 or where the walk is refused). */
static bool denied(const char *what)
{
	const char *deny = getenv("PTWATCH_BPF_DENY");

	return deny && strstr(deny, what);
}

/* PTWATCH_BPF_ITER=all-procs (a test switch): the all-processes pass even
 * for a caller that reads once, so that the equivalence tests, which go
 * through the CLI, cover the daemon's path too. */
static bool forced(const char *what)
{
	const char *force = getenv("PTWATCH_BPF_ITER");

	return force && strstr(force, what);
}

/* Room for the processes there are now and some more: a pass that finds
 * more grows it (grow_all()). Threads are counted too: a bound. */
static size_t first_cap(void)
{
	struct sysinfo si;
	size_t n = sysinfo(&si) ? 0 : si.procs;

	return n + n / 4 + 1024;
}

static void unload(struct ptw_iter *it)
{
	if (it->recs)
		munmap(it->recs, it->map_len);
	it->recs = NULL;
	bpf_link__destroy(it->link);
	it->link = NULL;
	ptw_task_iter__destroy(it->skel);
	it->skel = NULL;
}

/* The walk's iterator, parameterized to visit our own leader alone.
 * Kernels before 6.1 ignore the parameter (the program would then run for
 * every task): their link's info does not give it back. */
static int attach_walk(struct ptw_iter *it)
{
	union bpf_iter_link_info linfo = { .task.tid = getpid() };
	LIBBPF_OPTS(bpf_iter_attach_opts, opts, .link_info = &linfo,
		    .link_info_len = sizeof(linfo));
	struct bpf_link_info info = { 0 };
	__u32 len = sizeof(info);

	it->link =
		bpf_program__attach_iter(it->skel->progs.ptw_task_walk, &opts);
	if (!it->link)
		return -errno;
	if (bpf_obj_get_info_by_fd(bpf_link__fd(it->link), &info, &len))
		return -errno;
	return info.iter.task.tid == (__u32)getpid() ? 0 : -EOPNOTSUPP;
}

/* One load: mode and sum as they are in it. */
static int load_one(struct ptw_iter *it)
{
	int ncpu = libbpf_num_possible_cpus(), err;
	size_t page = sysconf(_SC_PAGESIZE);
	bool mapped = it->mode != MODE_SEQ;

	it->skel = ptw_task_iter__open();
	if (!it->skel)
		return -errno;
	it->skel->rodata->nr_cpus = ncpu > 0 ? ncpu : 0;
	it->skel->rodata->v1_memory = it->v1_memory;
	it->skel->rodata->sum_percpu = it->sum;
	bpf_program__set_autoload(it->skel->progs.ptw_task_all,
				  it->mode == MODE_LIST);
	bpf_program__set_autoload(it->skel->progs.ptw_task_walk,
				  it->mode == MODE_WALK);
	bpf_program__set_autoload(it->skel->progs.ptw_task_iter,
				  it->mode == MODE_SEQ);
	err = bpf_map__set_max_entries(it->skel->maps.recs,
				       mapped ? it->cap : 1);
	if (!err)
		err = ptw_task_iter__load(it->skel);
	if (err)
		return err;
	if (it->mode == MODE_SEQ) {
		it->link = bpf_program__attach_iter(
			it->skel->progs.ptw_task_iter, NULL);
		return it->link ? 0 : -errno;
	}
	if (it->mode == MODE_WALK) {
		err = attach_walk(it);
		if (err)
			return err;
	}
	it->map_len = (it->cap * sizeof(*it->recs) + page - 1) / page * page;
	it->recs = mmap(NULL, it->map_len, PROT_READ, MAP_SHARED,
			bpf_map__fd(it->skel->maps.recs), 0);
	if (it->recs == MAP_FAILED) {
		it->recs = NULL;
		return -errno;
	}
	return 0;
}

/* The task list where the kernel has it, else the leader walk, else the
 * seq_file iterator; the per-CPU sum where the verifier allows it, else
 * the central counts (measuring the per-CPU offsets needs pointer
 * arithmetic that some kernels refuse). */
static int load(struct ptw_iter *it, char *why, size_t len)
{
	static const struct {
		enum iter_mode mode;
		bool sum;
	} ladder[] = { { MODE_LIST, true },
		       { MODE_WALK, true },
		       { MODE_SEQ, true },
		       { MODE_WALK, false },
		       { MODE_SEQ, false } };
	int err = 0;

	it->cap = first_cap();
	for (size_t i = 0; i < sizeof(ladder) / sizeof(ladder[0]); i++) {
		/* the task list's loop takes the verifier some 200-300 ms
		 * (its body is walked until the loop converges), the others
		 * some 30 ms: worth it only for a caller that reads many
		 * times */
		if (ladder[i].mode == MODE_LIST &&
		    (denied("all-procs") ||
		     (it->one_pass && !forced("all-procs"))))
			continue;
		if (ladder[i].mode == MODE_WALK && denied("walk"))
			continue;
		it->mode = ladder[i].mode;
		it->sum = ladder[i].sum;
		err = load_one(it);
		if (!err)
			return 0;
		unload(it);
		if (err == -EPERM)
			break;
	}
	return fail(why, len, err,
		    "task iterator: the kernel refused it (%s%s%s)",
		    strerror(-err), libbpf_last[0] ? ": " : "", libbpf_last);
}

int ptw_iter_open(struct ptw_iter **out, bool v1_memory, bool one_pass,
		  char *why, size_t len)
{
	libbpf_print_fn_t old;
	struct ptw_iter *it;
	int err;

	*out = NULL;
	if (denied("iter"))
		return fail(why, len, -EACCES,
			    "task iterator: denied by PTWATCH_BPF_DENY");
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return fail(why, len, -ENOENT,
			    "task iterator: no kernel BTF "
			    "(/sys/kernel/btf/vmlinux): CO-RE cannot run");
	it = calloc(1, sizeof(*it));
	if (!it)
		return fail(why, len, -ENOMEM, "task iterator: out of memory");
	it->v1_memory = v1_memory;
	it->one_pass = one_pass;
	libbpf_last[0] = '\0';
	old = libbpf_set_print(quiet_print);
	err = load(it, why, len);
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
	unload(it);
	free(it->order);
	free(it);
}

const char *ptw_iter_kind(const struct ptw_iter *it)
{
	static const char *const kind[] = { [MODE_LIST] = "task list",
					    [MODE_WALK] = "leader walk",
					    [MODE_SEQ] = "seq_file" };

	return kind[it->mode];
}

bool ptw_iter_rss_exact(const struct ptw_iter *it)
{
	return it->skel && !it->skel->bss->rss_inexact;
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

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* recs grown to hold `seen` processes and some more (a reload). */
static int grow_all(struct ptw_iter *it, size_t seen)
{
	libbpf_print_fn_t old = libbpf_set_print(quiet_print);
	int err;

	unload(it);
	it->cap = seen + seen / 4 + 1024;
	err = load_one(it);
	libbpf_set_print(old);
	if (err)
		unload(it);
	return err;
}

/* One run of ptw_task_all (BPF_PROG_TEST_RUN). */
static int run_list(struct ptw_iter *it)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	return bpf_prog_test_run_opts(
		       bpf_program__fd(it->skel->progs.ptw_task_all), &opts) ?
		       -errno :
		       0;
}

/* One run of ptw_task_walk: a read(2) of its iterator, which writes
 * nothing to the seq_file, only to recs. */
static int run_walk(struct ptw_iter *it)
{
	char c;
	int fd = bpf_iter_create(bpf_link__fd(it->link)), err = 0;

	if (fd < 0)
		return -errno;
	it->skel->bss->walk_runs = 0;
	while (read(fd, &c, 1) < 0 && !err)
		if (errno != EINTR)
			err = -errno;
	close(fd);
	if (err)
		return err;
	/* not one walk: the link's task is not ours (we forked since) */
	if (it->skel->bss->walk_runs != 1)
		return -ESRCH;
	return it->skel->bss->walk_short ? -EIO : 0; /* a read failed */
}

/* Where the list's records stop ascending, once: the walk starts at our
 * own leader, so the list comes rotated (creation order from us on, then
 * from init_task). 0 when they ascend throughout; n when they are out of
 * order otherwise (PIDs wrapped): sorted then. */
static size_t rotation(const struct ptw_iter_rec *r, size_t n)
{
	size_t at = 0;

	for (size_t i = 1; i < n; i++) {
		if (r[i - 1].tgid < r[i].tgid)
			continue;
		if (at)
			return n;
		at = i;
	}
	return at && r[n - 1].tgid >= r[0].tgid ? n : at;
}

/* One run of ptw_task_all or ptw_task_walk; the records in tgid order, as
 * the seq_file iterator gives them. The list is in creation order, which
 * is the tgid order (or its rotation) until PIDs wrap: sorted then, by an
 * index. */
static int read_all(struct ptw_iter *it, ptw_iter_fn fn, void *arg)
{
	size_t n, at;
	bool sorted;
	int err;

	for (;;) {
		if (!it->skel)
			return -ENODEV; /* a reload failed */
		err = it->mode == MODE_WALK ? run_walk(it) : run_list(it);
		if (err)
			return err;
		n = it->skel->bss->nr_recs;
		if (it->skel->bss->nr_seen <= n)
			break;
		err = grow_all(it, it->skel->bss->nr_seen);
		if (err)
			return err;
	}
	at = rotation(it->recs, n);
	sorted = !n || at < n;
	if (!sorted && it->order_cap < n) {
		uint64_t *o = realloc(it->order, n * sizeof(*o));

		if (!o)
			return -ENOMEM;
		it->order = o;
		it->order_cap = n;
	}
	if (!sorted) {
		for (size_t i = 0; i < n; i++)
			it->order[i] = (uint64_t)it->recs[i].tgid << 32 | i;
		qsort(it->order, n, sizeof(*it->order), cmp_u64);
	}
	for (size_t i = 0; i < n; i++) {
		const struct ptw_iter_rec *r =
			&it->recs[sorted ? (i + at) % n :
					   (uint32_t)it->order[i]];

		if (r->version != PTW_ITER_VERSION)
			return -EPROTO;
		err = fn(r, arg);
		if (err)
			return err;
	}
	return n;
}

int ptw_iter_read(struct ptw_iter *it, ptw_iter_fn fn, void *arg)
{
	const size_t cap = ITER_BATCH * sizeof(struct ptw_iter_rec);
	char *buf = malloc(cap);
	size_t have = 0;
	int fd, count = 0, err = 0;

	if (it->mode != MODE_SEQ) {
		free(buf);
		return read_all(it, fn, arg);
	}
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
