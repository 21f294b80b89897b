// SPDX-License-Identifier: GPL-2.0
/*
 * pt-fuzz: a focused system-call fuzzer of MADV_PT_RECLAIM (issue 21).
 *
 *   pt-fuzz SECONDS [THREADS] [--seed N] [--user-only]
 *
 * --user-only: no range reaches past the user half and none is longer
 * than 1 GiB (the races without the hostile ranges, and without the walks
 * over every 2 MiB of a huge range that the first MADV_PT_RECLAIM made).
 *
 * THREADS (2..64, default 4) threads run for SECONDS: half of them (at
 * least 1) "advisers", the rest "mutators". Each thread draws from its own
 * random stream, seeded from the seed (printed; --seed N repeats a run's
 * choices, not its timing).
 *
 * Advisers: madvise(MADV_PT_RECLAIM) (70%) and process_madvise(pidfd, iov
 * of 1..4 ranges, MADV_PT_RECLAIM) (30%; the pidfd of this process, or of
 * the child a fork is waiting for) over random ranges: the mutators'
 * mappings (whole, part, an unaligned start, grown into the holes around),
 * random user addresses, the heap around the initial brk, NULL, len 0,
 * lengths near 2^64 and ones that wrap past it, and (unless --user-only)
 * ranges that reach past the user half: the kernel half (0xffff8...),
 * the espfix slot 0xffffff0000000000, the vsyscall page, non-canonical
 * addresses, the last user page and beyond.
 * Mutators, on 16 slots of their own mappings (one thread holds a slot
 * while it changes it): mmap (anonymous private or shared, anywhere,
 * 2 MiB-aligned, or MAP_FIXED_NOREPLACE at a random address), munmap
 * (whole, head, tail, middle), mremap (shrink, grow, move to a reserved
 * place), mprotect, MADV_DONTNEED, touching pages, userfaultfd (register
 * MISSING | WP, UFFDIO_COPY, UFFDIO_WRITEPROTECT on and off, unregister),
 * a block emptied in two halves and freed with MADV_PT_RECLAIM; brk() up
 * and down above the initial break; fork() (the child touches the
 * mappings no thread was changing, advises and DONTNEEDs, and exits).
 *
 * Prints key=value lines: seed, seconds, threads, then per operation its
 * count (OP=N) and the count of each result (OP_ok=N, OP_EINVAL=N, ...),
 * slowest_advice_ms (the longest madvise/process_madvise call) and
 * impossible=N. A result is impossible when the advice returns 0 (or
 * process_madvise more bytes than it could have advised) for a range that
 * reaches past the user half or wraps, or 0 for an unaligned start, or an
 * errno outside its documented set (docs/contracts.md: EINVAL, EOPNOTSUPP,
 * ENOMEM, EINTR; for process_madvise also EPERM, ESRCH, and EFAULT and
 * EBADF of its arguments); the first 10 get a line on stderr. The kernel
 * log is the main verdict (tests/kernel/guest-debug-stress.sh).
 * A SIGSEGV or SIGBUS prints (stderr) the address, the thread or fork child,
 * the slot it hit with that slot's last 24 steps, and the maps within 8 MiB,
 * then kills the process as the signal would have.
 * Exit status: 0, 1 an impossible result, 2 bad usage, 77 the kernel lacks
 * MADV_PT_RECLAIM or vm.pt_reclaim is 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wl_common.h"

#define PAGE 4096UL
#define BLOCK (2UL << 20)
#define USER_END 0x00007ffffffff000UL	    /* TASK_SIZE_MAX, 4-level x86_64 */
#define MAX_RW (0x7fffffffUL & ~(PAGE - 1)) /* MAX_RW_COUNT */
#define NSLOTS 16
#define MAX_THREADS 64
#define NERR 134
#define IMPOSSIBLE_LINES 10

enum op {
	OP_MADVISE,
	OP_PMADVISE,
	OP_MMAP,
	OP_MUNMAP,
	OP_MREMAP_SHRINK,
	OP_MREMAP_GROW,
	OP_MREMAP_MOVE,
	OP_MPROTECT,
	OP_DONTNEED,
	OP_TOUCH,
	OP_RECLAIM_OWN,
	OP_UFFD_REGISTER,
	OP_UFFD_COPY,
	OP_UFFD_WP,
	OP_BRK,
	OP_FORK,
	NOPS
};

static const char *const op_names[NOPS] = {
	"madvise",	 "process_madvise", "mmap",	   "munmap",
	"mremap_shrink", "mremap_grow",	    "mremap_move", "mprotect",
	"dontneed",	 "touch",	    "reclaim_own", "uffd_register",
	"uffd_copy",	 "uffd_wp",	    "brk",	   "fork",
};

/* counts[op][0]: successes, [op][e]: failures with errno e */
static atomic_ulong counts[NOPS][NERR];
static atomic_ulong impossible;
static atomic_int stop_flag;
static atomic_int child_pidfd = -1; /* the child a fork waits for */
static int self_pidfd = -1;
static pid_t main_pid;
static int user_only;
static unsigned long brk0;
static pthread_mutex_t brk_lock = PTHREAD_MUTEX_INITIALIZER;
/*
 * Taken for writing while a range is briefly unmapped that the thread
 * will unmap again (mremap_move's failure), for reading by every call that
 * may be given new address space (mmap, mremap with MREMAP_MAYMOVE).
 */
static pthread_rwlock_t space_lock = PTHREAD_RWLOCK_INITIALIZER;
/* set once every thread is created: pthread_create() maps stacks */
static atomic_int go;

/* One step in a slot's history: a call's result, or the state after an op */
struct event {
	unsigned char op;  /* enum op, or NOPS: the state after the op */
	unsigned char err; /* 0: success, else its errno (NERR - 1: higher) */
	unsigned char touch;
	unsigned long addr, len;
};
#define NEVENTS 24

/* A mapping of the mutators; busy: a thread is changing it. */
struct slot {
	atomic_int busy;
	atomic_ulong addr, len; /* len 0: empty */
	int touch;		/* every page RW and mapped: may be written */
	int priv;		/* private anonymous */
	/* the last NEVENTS steps, for the report of a fault (crash_report) */
	struct event ev[NEVENTS];
	unsigned int nev;
};
static struct slot slots[NSLOTS];
/* the slot this thread holds (busy) or touches in a fork child */
static __thread struct slot *held;

static void record(struct slot *s, int op, int err)
{
	struct event *e = &s->ev[s->nev++ % NEVENTS];

	*e = (struct event){ op, err, s->touch, atomic_load(&s->addr),
			     atomic_load(&s->len) };
}

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned long below(struct rng *r, unsigned long n)
{
	return n ? rnd(r) % n : 0;
}

static int stopped(void)
{
	return atomic_load_explicit(&stop_flag, memory_order_relaxed);
}

/* Counts one result of op: ret < 0 is a failure with errno err. */
static void count(enum op op, long ret, int err)
{
	int e = ret < 0 ? err : 0;

	if (e < 0 || e >= NERR)
		e = NERR - 1; /* no errno that high: counted as the last */
	atomic_fetch_add(&counts[op][e], 1);
	if (held)
		record(held, op, e);
}

static void impossible_result(const char *call, const struct iovec *iov, int n,
			      long ret, int err)
{
	char buf[256];
	int at = 0;

	if (atomic_fetch_add(&impossible, 1) >= IMPOSSIBLE_LINES)
		return;
	for (int i = 0; i < n && at < (int)sizeof(buf) - 48; i++)
		at += snprintf(buf + at, sizeof(buf) - at, "%s0x%lx+0x%lx",
			       i ? ", " : "", (unsigned long)iov[i].iov_base,
			       (unsigned long)iov[i].iov_len);
	say("pt-fuzz: impossible: %s(%s) returned %ld (%s)\n", call, buf, ret,
	    ret < 0 ? strerror(err) : "no error");
}

/* --- the advisers --- */

struct range {
	unsigned long start, len;
};

/*
 * The advice must fail for this range: an unaligned start, a length that
 * rounds up past 2^64, an end that wraps, or any part at or above the end
 * of the user half (on 5-level paging that part is still ours to leave
 * unmapped: nothing here maps above it).
 */
static int must_fail(struct range r)
{
	unsigned long plen = (r.len + PAGE - 1) & ~(PAGE - 1);

	if (r.start & (PAGE - 1))
		return 1;
	if (!r.len)
		return 0;
	if (!plen || r.start + plen < r.start)
		return 1;
	return r.start + plen > USER_END;
}

/* A random length: pages, blocks, GiBs, TiBs, near 2^64, or 0. */
static unsigned long rnd_len(struct rng *g)
{
	switch (below(g, user_only ? 5 : 8)) {
	case 0:
		return 0;
	case 1:
		return (1 + below(g, 64)) * PAGE - below(g, 2) * below(g, PAGE);
	case 2:
	case 3:
		return (1 + below(g, 16)) * BLOCK;
	case 4: /* up to 1 TiB; --user-only: up to 1 GiB */
		return user_only ? (1 + below(g, 512)) * BLOCK :
				   (1 + below(g, 1024)) << 30;
	case 5:
		return (1 + below(g, 256)) << 40;
	case 6:
		return -(below(g, 64) * PAGE) - below(g, 2); /* near 2^64 */
	default:
		return rnd(g);
	}
}

static struct range slot_range(struct rng *g)
{
	struct slot *s = &slots[below(g, NSLOTS)];
	unsigned long a = atomic_load(&s->addr), l = atomic_load(&s->len);
	struct range r = { a, l };

	if (!l)
		return (struct range){ a & ~(BLOCK - 1), BLOCK };
	switch (below(g, 6)) {
	case 0: /* whole */
		break;
	case 1: /* part */
		r.start = a + below(g, l / PAGE) * PAGE;
		r.len = (1 + below(g, (a + l - r.start) / PAGE)) * PAGE;
		break;
	case 2: /* unaligned start */
		r.start = a + 1 + below(g, PAGE - 1);
		break;
	case 3: /* grown into the holes around, block aligned */
		r.start = (a & ~(BLOCK - 1)) - below(g, 3) * BLOCK;
		r.len = ((a + l + BLOCK - 1) & ~(BLOCK - 1)) - r.start +
			below(g, 3) * BLOCK;
		break;
	case 4: /* its blocks */
		r.start = a & ~(BLOCK - 1);
		r.len = (a + l - r.start + BLOCK - 1) & ~(BLOCK - 1);
		break;
	default: /* from it on, any length */
		r.len = rnd_len(g);
	}
	return r;
}

/* A range the advice may be aimed at; hostile ones unless --user-only. */
static struct range rnd_range(struct rng *g)
{
	unsigned int kind = below(g, user_only ? 5 : 11);
	struct range r;

	switch (kind) {
	case 0:
	case 1:
		return slot_range(g);
	case 2: /* random user address */
		r.start = below(g, USER_END / PAGE) * PAGE;
		r.len = rnd_len(g);
		if (user_only && r.len > USER_END - r.start)
			r.len = USER_END - r.start;
		return r;
	case 3: /* the heap around the initial break */
		r.start = (brk0 & ~(BLOCK - 1)) - below(g, 4) * BLOCK;
		r.len = (1 + below(g, 32)) * BLOCK;
		return r;
	case 4: /* NULL or len 0 */
		r.start = below(g, 2) ? 0 : slot_range(g).start;
		r.len = below(g, 2) ? 0 : (1 + below(g, 1024)) * BLOCK;
		return r;
	case 5: /* the kernel half */
		r.start = 0xffff800000000000UL + below(g, 1UL << 35) * PAGE;
		r.len = rnd_len(g);
		return r;
	case 6: /* the espfix slot (a pgd of its own, pmd_bad() tables) */
		r.start = 0xffffff0000000000UL + below(g, 1024) * BLOCK;
		r.len = below(g, 2) ? (1 + below(g, 512)) * BLOCK : rnd_len(g);
		return r;
	case 7: /* vsyscall, fixmap, the top */
		r.start = below(g, 2) ? 0xffffffffff600000UL :
					-(1 + below(g, 1024)) * PAGE;
		r.len = below(g, 2) ? PAGE : rnd_len(g);
		return r;
	case 8: /* non-canonical */
		r.start = 0x0000800000000000UL + below(g, 1UL << 30) * BLOCK;
		r.len = rnd_len(g);
		return r;
	case 9: /* from the last user blocks past the end of the user half */
		r.start = USER_END - below(g, 64) * PAGE - below(g, 4) * BLOCK;
		r.len = rnd_len(g) ?: PAGE;
		return r;
	default: /* wraps past 2^64 */
		r.start = below(g, 2) ? below(g, USER_END / PAGE) * PAGE :
					slot_range(g).start & ~(PAGE - 1);
		r.len = -r.start + (1 + below(g, 1024)) * PAGE;
		return r;
	}
}

static int madvise_errno_ok(int e)
{
	return e == EINVAL || e == EOPNOTSUPP || e == ENOMEM || e == EINTR;
}

static unsigned long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000UL + ts.tv_nsec / 1000000;
}

/* The longest advice call so far (ms): the old patch walked every block. */
static atomic_ulong slowest_ms;

static void took(unsigned long t0)
{
	unsigned long t = now_ms() - t0, m = atomic_load(&slowest_ms);

	while (t > m && !atomic_compare_exchange_weak(&slowest_ms, &m, t))
		;
}

static void do_madvise(struct rng *g)
{
	struct range r = rnd_range(g);
	unsigned long t0 = now_ms();
	long ret = madvise((void *)r.start, r.len, MADV_PT_RECLAIM);
	int e = errno;

	took(t0);

	count(OP_MADVISE, ret, e);
	if ((ret == 0 && must_fail(r)) || (ret < 0 && !madvise_errno_ok(e)))
		impossible_result("madvise",
				  &(struct iovec){ (void *)r.start, r.len }, 1,
				  ret, e);
}

static void do_pmadvise(struct rng *g)
{
	struct iovec iov[4];
	unsigned long most = 0, n = 1 + below(g, 4), i, t0;
	int fd = atomic_load(&child_pidfd), ok_before = 1, e;
	long ret;

	if (fd < 0 || below(g, 2))
		fd = self_pidfd;
	for (i = 0; i < n; i++) {
		struct range r = rnd_range(g);

		/* import_iovec() refuses lengths past SSIZE_MAX (EFAULT) */
		iov[i] = (struct iovec){ (void *)r.start, r.len };
		/* the iov_iter skips empty segments after the first */
		if (must_fail(r) && (r.len || !i))
			ok_before = 0;
		if (ok_before)
			most += r.len < MAX_RW ? r.len : MAX_RW;
	}
	t0 = now_ms();
	ret = syscall(SYS_process_madvise, fd, iov, n, MADV_PT_RECLAIM, 0);
	e = errno;
	took(t0);
	count(OP_PMADVISE, ret, e);
	if ((ret >= 0 && (unsigned long)ret > most) ||
	    (ret < 0 && !madvise_errno_ok(e) && e != EPERM && e != ESRCH &&
	     e != EFAULT && e != EBADF))
		impossible_result("process_madvise", iov, n, ret, e);
}

static void wait_for_go(void)
{
	while (!atomic_load(&go))
		sched_yield();
}

static void *adviser(void *arg)
{
	struct rng g = { (uint64_t)(uintptr_t)arg };

	wait_for_go();
	while (!stopped()) {
		if (below(&g, 10) < 7)
			do_madvise(&g);
		else
			do_pmadvise(&g);
	}
	return NULL;
}

/* --- the mutators --- */

static void touch(unsigned long a, unsigned long len, struct rng *g)
{
	for (int i = 0; i < 8 && len; i++)
		((volatile char *)a)[below(g, len / PAGE) * PAGE] = 1;
	count(OP_TOUCH, 0, 0);
}

static void slot_set(struct slot *s, unsigned long a, unsigned long len)
{
	atomic_store(&s->addr, a);
	atomic_store(&s->len, len);
}

/* Maps the slot anew; the address space lock held for reading */
static void op_mmap_locked(struct slot *s, struct rng *g)
{
	unsigned long len = below(g, 2) ? (1 + below(g, 64)) * PAGE :
					  (1 + below(g, 8)) * BLOCK;
	int priv = below(g, 8) != 0, how = below(g, 3);
	int flags = (priv ? MAP_PRIVATE : MAP_SHARED) | MAP_ANONYMOUS |
		    MAP_NORESERVE;
	unsigned long hint = 0, a;
	char *p;

	if (how == 1) { /* 2 MiB aligned: map more, trim */
		p = mmap(NULL, len + BLOCK, PROT_READ | PROT_WRITE, flags, -1,
			 0);
		count(OP_MMAP, p == MAP_FAILED ? -1 : 0, errno);
		if (p == MAP_FAILED)
			return;
		a = ((unsigned long)p + BLOCK - 1) & ~(BLOCK - 1);
		if (a > (unsigned long)p)
			munmap(p, a - (unsigned long)p);
		munmap((char *)a + len, (unsigned long)p + BLOCK - a);
	} else {
		if (how == 2) {
			hint = below(g, USER_END / BLOCK) * BLOCK;
			flags |= MAP_FIXED_NOREPLACE;
		}
		p = mmap((void *)hint, len, PROT_READ | PROT_WRITE, flags, -1,
			 0);
		count(OP_MMAP, p == MAP_FAILED ? -1 : 0, errno);
		if (p == MAP_FAILED)
			return;
		a = (unsigned long)p;
	}
	if ((a & (PAGE - 1)) || a + len > USER_END)
		impossible_result("mmap", &(struct iovec){ (void *)hint, len },
				  1, (long)a, 0);
	s->touch = 1;
	s->priv = priv;
	slot_set(s, a, len);
	touch(a, len, g);
}

static void op_mmap(struct slot *s, struct rng *g)
{
	pthread_rwlock_rdlock(&space_lock);
	op_mmap_locked(s, g);
	pthread_rwlock_unlock(&space_lock);
}

static void op_munmap(struct slot *s, struct rng *g)
{
	unsigned long a = s->addr, l = s->len, pages = l / PAGE;
	unsigned long off = below(g, pages), n = 1 + below(g, pages - off);
	int r;

	if (below(g, 2) || pages < 2) {
		r = munmap((void *)a, l);
		count(OP_MUNMAP, r, errno);
		slot_set(s, 0, 0);
		return;
	}
	r = munmap((void *)(a + off * PAGE), n * PAGE);
	count(OP_MUNMAP, r, errno);
	if (r)
		return;
	if (off == 0 && n == pages) {
		slot_set(s, 0, 0);
	} else if (off == 0) {
		slot_set(s, a + n * PAGE, l - n * PAGE);
	} else if (off + n == pages) {
		slot_set(s, a, off * PAGE);
	} else {
		/*
		 * A hole in the middle: the tail goes too (a second munmap),
		 * or another slot could grow into the hole and this one's
		 * ranges would cover it.
		 */
		r = munmap((void *)(a + (off + n) * PAGE),
			   (pages - off - n) * PAGE);
		count(OP_MUNMAP, r, errno);
		slot_set(s, a, off * PAGE);
	}
}

static void op_mremap(struct slot *s, struct rng *g)
{
	unsigned long a = s->addr, l = s->len, nl;
	void *p, *to;

	switch (below(g, 3)) {
	case 0: /* shrink in place */
		if (l < 2 * PAGE)
			return;
		nl = (1 + below(g, l / PAGE - 1)) * PAGE;
		p = mremap((void *)a, l, nl, 0);
		count(OP_MREMAP_SHRINK, p == MAP_FAILED ? -1 : 0, errno);
		if (p != MAP_FAILED)
			slot_set(s, a, nl);
		return;
	case 1: /* grow, moving if it must */
		nl = l + (below(g, 2) ? (1 + below(g, 64)) * PAGE :
					(1 + below(g, 4)) * BLOCK);
		pthread_rwlock_rdlock(&space_lock);
		p = mremap((void *)a, l, nl, MREMAP_MAYMOVE);
		count(OP_MREMAP_GROW, p == MAP_FAILED ? -1 : 0, errno);
		pthread_rwlock_unlock(&space_lock);
		if (p == MAP_FAILED)
			return;
		if (!s->priv)
			s->touch = 0; /* past the shmem object's end: SIGBUS */
		slot_set(s, (unsigned long)p, nl);
		return;
	default: /* move onto a place reserved for it */
		/*
		 * mremap(MREMAP_FIXED) unmaps the target before it looks at
		 * the source: when the slot spans two VMAs (a part was
		 * mprotected) it fails with EFAULT and the reservation is
		 * gone. Until the munmap() below, no other thread may map.
		 */
		pthread_rwlock_wrlock(&space_lock);
		to = mmap(NULL, l, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (to == MAP_FAILED) {
			pthread_rwlock_unlock(&space_lock);
			return;
		}
		p = mremap((void *)a, l, l, MREMAP_MAYMOVE | MREMAP_FIXED, to);
		count(OP_MREMAP_MOVE, p == MAP_FAILED ? -1 : 0, errno);
		if (p == MAP_FAILED)
			munmap(to, l);
		else
			slot_set(s, (unsigned long)p, l);
		pthread_rwlock_unlock(&space_lock);
	}
}

static void op_mprotect(struct slot *s, struct rng *g)
{
	static const int prots[] = { PROT_READ, PROT_NONE,
				     PROT_READ | PROT_WRITE };
	unsigned long pages = s->len / PAGE, off = below(g, pages);
	unsigned long n = 1 + below(g, pages - off);
	int prot = prots[below(g, 3)], whole = below(g, 4) == 0, r;

	if (whole)
		off = 0, n = pages;
	r = mprotect((void *)(s->addr + off * PAGE), n * PAGE, prot);
	count(OP_MPROTECT, r, errno);
	if (!r && prot != (PROT_READ | PROT_WRITE))
		s->touch = 0;
}

static void op_dontneed(struct slot *s, struct rng *g)
{
	unsigned long pages = s->len / PAGE, off = below(g, pages);
	unsigned long n = 1 + below(g, pages - off);
	int r;

	if (below(g, 2)) /* the whole mapping: frees its whole blocks' tables */
		off = 0, n = pages;
	r = madvise((void *)(s->addr + off * PAGE), n * PAGE, MADV_DONTNEED);
	count(OP_DONTNEED, r, errno);
}

/* A block of the slot emptied in two halves, its table freed on demand. */
static void op_reclaim_own(struct slot *s)
{
	unsigned long b = (s->addr + BLOCK - 1) & ~(BLOCK - 1);
	int r;

	if (b + BLOCK > s->addr + s->len) {
		r = madvise((void *)s->addr, s->len, MADV_PT_RECLAIM);
		count(OP_RECLAIM_OWN, r, errno);
		return;
	}
	madvise((void *)b, BLOCK / 2, MADV_DONTNEED);
	madvise((void *)(b + BLOCK / 2), BLOCK / 2, MADV_DONTNEED);
	r = madvise((void *)b, BLOCK, MADV_PT_RECLAIM);
	count(OP_RECLAIM_OWN, r, errno);
}

/* Register the slot MISSING | WP, copy pages in, protect, unregister. */
static void op_uffd(struct slot *s, struct rng *g)
{
	static __thread char buf[PAGE] __attribute__((aligned(4096)));
	struct uffdio_api api = {
		.api = UFFD_API,
		.features = UFFD_FEATURE_SIGBUS | UFFD_FEATURE_WP_UNPOPULATED,
	};
	struct uffdio_register reg = {
		.range = { s->addr, s->len },
		.mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP,
	};
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK), r, i;

	if (fd < 0) {
		count(OP_UFFD_REGISTER, -1, errno);
		return;
	}
	if (ioctl(fd, UFFDIO_API, &api)) {
		api = (struct uffdio_api){ .api = UFFD_API,
					   .features = UFFD_FEATURE_SIGBUS };
		if (ioctl(fd, UFFDIO_API, &api)) {
			count(OP_UFFD_REGISTER, -1, errno);
			close(fd);
			return;
		}
	}
	r = ioctl(fd, UFFDIO_REGISTER, &reg);
	count(OP_UFFD_REGISTER, r, errno);
	if (r) {
		close(fd);
		return;
	}
	memset(buf, 0x5a, PAGE);
	for (i = 0; i < 8; i++) {
		unsigned long pg = below(g, s->len / PAGE);
		struct uffdio_copy cp = {
			.dst = s->addr + pg * PAGE,
			.src = (unsigned long)buf,
			.len = PAGE, /* buf is one page */
		};
		struct uffdio_writeprotect wp = {
			.range = { s->addr + pg * PAGE,
				   (s->len / PAGE - pg) * PAGE },
			.mode = below(g, 2) ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
		};

		r = ioctl(fd, UFFDIO_COPY, &cp);
		count(OP_UFFD_COPY, r, errno);
		r = ioctl(fd, UFFDIO_WRITEPROTECT, &wp);
		count(OP_UFFD_WP, r, errno);
	}
	ioctl(fd, UFFDIO_UNREGISTER, &reg.range);
	close(fd);
}

/* The heap grows above the initial break, is touched, shrinks back. */
static void op_brk(struct rng *g)
{
	unsigned long up = brk0 + below(g, 16) * BLOCK + below(g, 512) * PAGE;
	unsigned long mid;

	if (up == brk0)
		up += PAGE;
	pthread_mutex_lock(&brk_lock);
	if ((unsigned long)syscall(SYS_brk, up) != up) {
		count(OP_BRK, -1, ENOMEM);
		pthread_mutex_unlock(&brk_lock);
		return;
	}
	count(OP_BRK, 0, 0);
	touch((brk0 + PAGE - 1) & ~(PAGE - 1),
	      up - ((brk0 + PAGE - 1) & ~(PAGE - 1)), g);
	mid = brk0 + below(g, up - brk0);
	count(OP_BRK, (unsigned long)syscall(SYS_brk, mid) == mid ? 0 : -1,
	      ENOMEM);
	if ((unsigned long)syscall(SYS_brk, brk0) != brk0)
		count(OP_BRK, -1, ENOMEM);
	pthread_mutex_unlock(&brk_lock);
}

/*
 * The child touches the mappings no thread held at the fork (its copy of
 * busy is 0), advises and zaps one, and exits; meanwhile the advisers may
 * aim process_madvise at it.
 */
static void op_fork(struct rng *g)
{
	pid_t pid = fork();
	int status, fd;

	count(OP_FORK, pid, errno);
	if (pid < 0)
		return;
	if (!pid) {
		for (int i = 0; i < NSLOTS; i++) {
			struct slot *s = &slots[i];

			if (atomic_load(&s->busy) || !s->len)
				continue;
			held = s;
			if (s->touch)
				touch(s->addr, s->len, g);
			madvise((void *)s->addr, s->len, MADV_DONTNEED);
			madvise((void *)s->addr, s->len, MADV_PT_RECLAIM);
		}
		_exit(0);
	}
	fd = syscall(SYS_pidfd_open, pid, 0);
	if (fd >= 0)
		atomic_store(&child_pidfd, fd);
	waitpid(pid, &status, 0);
	if (fd >= 0) {
		atomic_store(&child_pidfd, -1);
		close(fd);
	}
}

/* One random change (or use) of slot s, which the caller holds */
static void slot_change(struct slot *s, struct rng *g)
{
	unsigned int r = below(g, 100);

	if (!s->len) {
		op_mmap(s, g);
		return;
	}
	if (r < 14)
		op_munmap(s, g);
	else if (r < 30)
		op_mremap(s, g);
	else if (r < 38)
		op_mprotect(s, g);
	else if (r < 52)
		op_dontneed(s, g);
	else if (r < 64)
		op_reclaim_own(s);
	else if (r < 76 && s->priv && s->touch)
		op_uffd(s, g);
	else if (s->touch)
		touch(s->addr, s->len, g);
}

static void slot_op(struct slot *s, struct rng *g)
{
	held = s;
	slot_change(s, g);
	record(s, NOPS, 0);
	held = NULL;
}

static void *mutator(void *arg)
{
	struct rng g = { (uint64_t)(uintptr_t)arg };

	wait_for_go();
	while (!stopped()) {
		unsigned int r = below(&g, 100);
		struct slot *s;

		if (r < 5) {
			op_brk(&g);
		} else if (r < 10) {
			op_fork(&g);
		} else {
			s = &slots[below(&g, NSLOTS)];
			if (atomic_exchange(&s->busy, 1))
				continue;
			slot_op(s, &g);
			atomic_store(&s->busy, 0);
		}
	}
	return NULL;
}

/* --- what a fault report says --- */

static void print_history(int i)
{
	struct slot *s = &slots[i];
	unsigned int k = s->nev > NEVENTS ? s->nev - NEVENTS : 0;

	say("pt-fuzz:   slot %d: 0x%lx+0x%lx touch=%d priv=%d busy=%d; its "
	    "last %u steps, oldest first:\n",
	    i, atomic_load(&s->addr), atomic_load(&s->len), s->touch, s->priv,
	    atomic_load(&s->busy), s->nev - k);
	for (; k < s->nev; k++) {
		struct event *e = &s->ev[k % NEVENTS];

		say("pt-fuzz:     %-13s %-9s -> 0x%lx+0x%lx touch=%d\n",
		    e->op < NOPS ? op_names[e->op] : "(state)",
		    e->err ? strerrorname_np(e->err) ?: "E?" : "", e->addr,
		    e->len, e->touch);
	}
}

/* The lines of /proc/self/maps within 8 MiB of addr */
static void print_maps_near(unsigned long addr)
{
	static char buf[1 << 16];
	int fd = open("/proc/self/maps", O_RDONLY), n = 0, r;
	char *line, *next;

	if (fd < 0)
		return;
	while (n < (int)sizeof(buf) - 1 &&
	       (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	for (line = buf; *line; line = next) {
		unsigned long lo = strtoul(line, &next, 16);
		unsigned long hi = strtoul(next + 1, NULL, 16);

		next = strchrnul(line, '\n');
		if (*next)
			*next++ = 0;
		if (hi + (8UL << 20) > addr && lo < addr + (8UL << 20))
			say("pt-fuzz:   maps: %s\n", line);
	}
}

/*
 * A fault in a workload's own page is the fuzzer's bug or the kernel's: say
 * where, which slot and what happened to it, then die of the signal.
 */
static void crash_report(int sig, siginfo_t *si, void *uc)
{
	unsigned long a = (unsigned long)si->si_addr;
	int i;

	(void)uc;
	say("pt-fuzz: %s at 0x%lx (si_code %d) in %s %ld, holding slot %ld\n",
	    sig == SIGSEGV ? "SIGSEGV" : "SIGBUS", a, si->si_code,
	    getpid() == main_pid ? "thread" : "fork child",
	    (long)syscall(SYS_gettid), held ? (long)(held - slots) : -1L);
	for (i = 0; i < NSLOTS; i++) {
		unsigned long sa = atomic_load(&slots[i].addr);

		if (&slots[i] == held ||
		    (a >= sa && a - sa < atomic_load(&slots[i].len)))
			print_history(i);
	}
	print_maps_near(a);
}

static void catch_faults(void)
{
	struct sigaction sa = {
		.sa_sigaction = crash_report,
		.sa_flags = SA_SIGINFO | SA_RESETHAND,
	};

	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

static int usage(void)
{
	fprintf(stderr, "usage: pt-fuzz SECONDS [THREADS] [--seed N] "
			"[--user-only]\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long seed = (unsigned long)time(NULL) ^ (getpid() << 16);
	long secs = -1, threads = 4, v;
	pthread_t t[MAX_THREADS];
	struct timespec ts;
	int nargs = 0, i, n;
	char *end;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--user-only")) {
			user_only = 1;
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			errno = 0;
			seed = strtoul(argv[++i], &end, 0);
			if (errno || *end || end == argv[i])
				return usage();
		} else if (nargs == 0 && (v = number(argv[i], 1, 86400)) > 0) {
			secs = v, nargs++;
		} else if (nargs == 1 &&
			   (v = number(argv[i], 2, MAX_THREADS)) > 0) {
			threads = v, nargs++;
		} else {
			return usage();
		}
	}
	if (secs < 0)
		return usage();
	if (madvise(NULL, 0, MADV_PT_RECLAIM)) {
		printf("missing=MADV_PT_RECLAIM (%s)\n", strerror(errno));
		return 77;
	}
	printf("seed=%lu\nseconds=%ld\nthreads=%ld\nuser_only=%d\n", seed, secs,
	       threads, user_only);
	fflush(stdout);
	main_pid = getpid();
	catch_faults();
	self_pidfd = syscall(SYS_pidfd_open, getpid(), 0);
	brk0 = syscall(SYS_brk, 0);
	for (n = 0; n < threads; n++) {
		void *(*fn)(void *) = n < (threads + 1) / 2 ? adviser : mutator;
		uintptr_t s = seed * 0x100000001b3UL + n;

		if (pthread_create(&t[n], NULL, fn, (void *)s))
			break;
	}
	atomic_store(&go, 1);
	ts = (struct timespec){ .tv_sec = secs };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	atomic_store(&stop_flag, 1);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < NOPS; i++) {
		unsigned long all = 0;

		for (int e = 0; e < NERR; e++)
			all += atomic_load(&counts[i][e]);
		printf("%s=%lu\n", op_names[i], all);
		if (atomic_load(&counts[i][0]))
			printf("%s_ok=%lu\n", op_names[i],
			       atomic_load(&counts[i][0]));
		for (int e = 1; e < NERR; e++)
			if (atomic_load(&counts[i][e]))
				printf("%s_%s=%lu\n", op_names[i],
				       strerrorname_np(e) ?: "E?",
				       atomic_load(&counts[i][e]));
	}
	printf("slowest_advice_ms=%lu\n", atomic_load(&slowest_ms));
	printf("impossible=%lu\n", atomic_load(&impossible));
	if (atomic_load(&impossible) > IMPOSSIBLE_LINES)
		say("pt-fuzz: %lu impossible results in all\n",
		    atomic_load(&impossible));
	return atomic_load(&impossible) ? 1 : 0;
}
