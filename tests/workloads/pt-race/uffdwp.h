/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pt-race uffdwp: UFFDIO_WRITEPROTECT and UFFDIO_COPY against
 * MADV_PT_RECLAIM sent by another process (issue 21).
 *
 * Both allocate a PTE table for an empty pmd and fill it a moment later
 * (change_pmd_range(): pte_alloc(), then the pmd is read again;
 * mfill_atomic(): __pte_alloc(), then the same). An advice that frees the
 * fresh table in between (it maps nothing yet) makes the write-protect
 * skip the block: no uffd-wp marker, writes go unreported; and
 * UFFDIO_COPY returns EEXIST for a page that was never filled (QEMU's
 * postcopy fails on it). The advice must leave userfaultfd-armed VMAs
 * alone.
 *
 * The region: UFFDWP_BLOCKS blocks that are write-protected and
 * UFFDWP_BLOCKS blocks that UFFDIO_COPY fills, one userfaultfd registered
 * on all of it in MISSING and WP mode with UFFD_FEATURE_WP_UNPOPULATED
 * (markers on none PTEs) and UFFD_FEATURE_SIGBUS (nothing ever waits for a
 * handler; nothing touches the region directly). Before any thread starts
 * the process forks a child that opens a pidfd of its parent and, in
 * threads - 2 threads (at least 1), calls process_madvise(pidfd, iov,
 * MADV_PT_RECLAIM) over the whole region, each half, one block, four
 * blocks, until told to stop. In the parent:
 *   - the protector, in rounds: UFFDIO_WRITEPROTECT of the WP half, then
 *     /proc/self/pagemap must show the uffd-wp bit (57) on every page of
 *     it; unprotect (the markers go, the tables are empty again) and one
 *     MADV_DONTNEED of the half (frees the tables: the next round
 *     allocates them again);
 *   - the copier, in rounds: one UFFDIO_COPY of a page into every block of
 *     the COPY half (each needs a new table), read back through
 *     /proc/self/mem (the page's index and round in every word); EEXIST is
 *     a mismatch: nothing else fills those pages; so is EAGAIN, which
 *     mfill_atomic() returns when the table it read vanished before it
 *     took its lock (nothing here changes those pmds but the copier's own
 *     DONTNEED and the advice; no non-cooperative event is enabled, so
 *     mmap_changing never says EAGAIN); then MADV_DONTNEED of the half.
 * Every page without its marker, every EEXIST and EAGAIN of UFFDIO_COPY
 * counts as a mismatch
 * (exit 1). The child's failures (any error: the region stays mapped) are
 * the mode's errors. Exits 77 where the kernel lacks MADV_PT_RECLAIM (or
 * vm.pt_reclaim is 0), process_madvise, pidfd_open or uffd-wp on none
 * PTEs (6.4).
 */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

#define UFFDWP_BLOCKS 32
#define UFFDWP_PAGES (UFFDWP_BLOCKS * BLOCK_PAGES)
#define PM_UFFD_WP (1ULL << 57)

/* Shared with the child (MAP_SHARED): its state and figures. */
struct uffdwp_ctl {
	atomic_int stop;
	atomic_int ready; /* 1 hammering, -errno: could not start */
	atomic_ulong calls, errors;
	atomic_int last_errno;
};

struct uffdwp_ctx {
	char *wp, *cp; /* the two halves */
	int uffd, memfd, pagemap;
	struct uffdwp_ctl *ctl;
	pid_t parent;
};

static long uffdwp_pmadvise(int pidfd, struct iovec *iov, int n)
{
	return syscall(SYS_process_madvise, pidfd, iov, n, MADV_PT_RECLAIM, 0);
}

struct uffdwp_hammer {
	struct uffdwp_ctx *c;
	int pidfd, id;
};

static void *uffdwp_hammer_thread(void *arg)
{
	struct uffdwp_hammer *h = arg;
	struct uffdwp_ctx *c = h->c;
	unsigned long rs = 0x2545f4914f6cdd1dUL * (h->id + 1), n;
	struct iovec iov[4];

	for (n = 0; !atomic_load(&c->ctl->stop); n++) {
		int k = 1, i;

		rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
		switch (n % 5) {
		case 0:
			iov[0] = (struct iovec){ c->wp,
						 2 * UFFDWP_BLOCKS * BLOCK };
			break;
		case 1:
			iov[0] = (struct iovec){ c->wp, UFFDWP_BLOCKS * BLOCK };
			break;
		case 2:
			iov[0] = (struct iovec){ c->cp, UFFDWP_BLOCKS * BLOCK };
			break;
		case 3:
			iov[0] = (struct iovec){
				c->wp + rs % (2 * UFFDWP_BLOCKS) * BLOCK, BLOCK
			};
			break;
		default:
			k = 4;
			for (i = 0; i < k; i++) {
				rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
				iov[i] = (struct iovec){
					c->wp + rs % (2 * UFFDWP_BLOCKS) *
							BLOCK,
					BLOCK
				};
			}
		}
		atomic_fetch_add(&c->ctl->calls, 1);
		if (uffdwp_pmadvise(h->pidfd, iov, k) < 0) {
			atomic_fetch_add(&c->ctl->errors, 1);
			atomic_store(&c->ctl->last_errno, errno);
		}
	}
	return NULL;
}

/* The child: pidfd of the parent, then hammer until told to stop. */
static void uffdwp_child(struct uffdwp_ctx *c, int hammers)
{
	struct uffdwp_hammer h[MAX_THREADS];
	pthread_t t[MAX_THREADS];
	struct iovec probe = { c->wp, BLOCK };
	int pidfd, i;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != c->parent)
		_exit(1);
	pidfd = syscall(SYS_pidfd_open, c->parent, 0);
	if (pidfd < 0 || uffdwp_pmadvise(pidfd, &probe, 1) < 0) {
		atomic_store(&c->ctl->ready, -errno);
		_exit(1);
	}
	atomic_store(&c->ctl->ready, 1);
	for (i = 0; i < hammers; i++) {
		h[i] = (struct uffdwp_hammer){ c, pidfd, i };
		if (pthread_create(&t[i], NULL, uffdwp_hammer_thread, &h[i]))
			break;
	}
	while (i-- > 0)
		pthread_join(t[i], NULL);
	_exit(0);
}

static int uffdwp_protect(struct uffdwp_ctx *c, int on)
{
	struct uffdio_writeprotect wp = {
		.range = { (unsigned long)c->wp, UFFDWP_BLOCKS * BLOCK },
		.mode = on ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
	};

	if (!ioctl(c->uffd, UFFDIO_WRITEPROTECT, &wp))
		return 0;
	fail(on ? "UFFDIO_WRITEPROTECT" : "UFFDIO_WRITEPROTECT (off)", errno);
	return -1;
}

/* Every page of the WP half has the uffd-wp bit in pagemap. */
static void uffdwp_check_markers(struct uffdwp_ctx *c)
{
	static uint64_t pm[UFFDWP_PAGES];
	off_t at = (off_t)((unsigned long)c->wp / PAGE * 8);

	if (pread(c->pagemap, pm, sizeof(pm), at) != (ssize_t)sizeof(pm)) {
		fail("read /proc/self/pagemap", errno);
		return;
	}
	if (corrupt_now())
		pm[UFFDWP_PAGES / 2] &= ~PM_UFFD_WP; /* --self-test-corrupt */
	for (unsigned long i = 0; i < UFFDWP_PAGES; i++) {
		atomic_fetch_add(&S.checks, 1);
		if (!(pm[i] & PM_UFFD_WP))
			mismatch(c->wp + i * PAGE, PM_UFFD_WP, pm[i],
				 "pagemap: no uffd-wp marker after "
				 "UFFDIO_WRITEPROTECT");
	}
}

static void *uffdwp_protector(void *arg)
{
	struct uffdwp_ctx *c = arg;

	while (!stopped()) {
		if (!uffdwp_protect(c, 1)) {
			atomic_fetch_add(&S.extra[0], 1);
			uffdwp_check_markers(c);
		}
		if (!uffdwp_protect(c, 0) &&
		    !dontneed(c->wp, UFFDWP_BLOCKS * BLOCK, 0))
			atomic_fetch_add(&S.zaps, 1);
		atomic_fetch_add(&S.iterations, 1);
	}
	return NULL;
}

static void uffdwp_copy(struct uffdwp_ctx *c, unsigned long b,
			unsigned long gen, char *buf)
{
	unsigned long pg = (gen * 37 + b) % BLOCK_PAGES;
	unsigned long idx = b * BLOCK_PAGES + pg;
	char *dst = c->cp + idx * PAGE;
	struct uffdio_copy cp = {
		.dst = (unsigned long)dst,
		.src = (unsigned long)buf,
		.len = PAGE,
	};
	char page[PAGE];

	fill_page(buf, idx, gen);
	if (ioctl(c->uffd, UFFDIO_COPY, &cp)) {
		if (errno == EEXIST)
			mismatch(
				dst, PAGE, (uint64_t)cp.copy,
				"UFFDIO_COPY into a page never filled: EEXIST");
		else if (errno == EAGAIN) /* its fresh table was freed */
			mismatch(
				dst, PAGE, (uint64_t)cp.copy,
				"UFFDIO_COPY into a page never filled: EAGAIN");
		else
			fail("UFFDIO_COPY", errno);
		return;
	}
	atomic_fetch_add(&S.extra[1], 1);
	if (pread(c->memfd, page, PAGE, (off_t)(unsigned long)dst) !=
	    (ssize_t)PAGE) {
		mismatch(dst, PAGE, 0, "page UFFDIO_COPY filled is unreadable");
		return;
	}
	check_page(page, idx, gen, "page UFFDIO_COPY filled");
}

static void *uffdwp_copier(void *arg)
{
	struct uffdwp_ctx *c = arg;
	static char buf[PAGE] __attribute__((aligned(4096)));

	for (unsigned long gen = 1; !stopped(); gen++) {
		for (unsigned long b = 0; b < UFFDWP_BLOCKS && !stopped(); b++)
			uffdwp_copy(c, b, gen & 0xffffff, buf);
		if (!dontneed(c->cp, UFFDWP_BLOCKS * BLOCK, 0))
			atomic_fetch_add(&S.zaps, 1);
		atomic_fetch_add(&S.iterations, 1);
	}
	return NULL;
}

/* The uffd on [p, p + len), MISSING | WP, markers on none PTEs. */
static int uffdwp_register(char *p, unsigned long len)
{
	struct uffdio_api api = {
		.api = UFFD_API,
		.features = UFFD_FEATURE_SIGBUS | UFFD_FEATURE_WP_UNPOPULATED,
	};
	struct uffdio_register reg = {
		.range = { (unsigned long)p, len },
		.mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP,
	};
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0 || ioctl(fd, UFFDIO_API, &api) ||
	    ioctl(fd, UFFDIO_REGISTER, &reg)) {
		say("pt-race: uffdwp: userfaultfd with WP_UNPOPULATED: %s\n",
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Tells the child to stop and reaps it: 0 when it exited 0. */
static int uffdwp_reap(struct uffdwp_ctx *c, pid_t pid)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int status, i;

	atomic_store(&c->ctl->stop, 1);
	for (i = 0; i < 6000; i++) { /* 60 s */
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 :
									   -1;
		if (r < 0)
			return -1;
		nanosleep(&tick, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	say("pt-race: uffdwp: the child did not stop within 60 s\n");
	return -1;
}

/* Waits for the child to start hammering: 1, or -errno. */
static int uffdwp_wait_ready(struct uffdwp_ctx *c, pid_t pid)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int status;

	for (int i = 0; i < 6000; i++) { /* 60 s */
		int r = atomic_load(&c->ctl->ready);

		if (r)
			return r;
		if (waitpid(pid, &status, WNOHANG) == pid)
			return atomic_load(&c->ctl->ready) ?: -ECHILD;
		nanosleep(&tick, NULL);
	}
	return -ETIMEDOUT;
}

static int run_uffdwp(int threads)
{
	unsigned long len = 2 * UFFDWP_BLOCKS * BLOCK;
	struct uffdwp_ctx c = { .parent = getpid() };
	struct job jobs[2];
	int ret = 0, r;
	pid_t pid;
	char *p;

	if (madvise(NULL, 0, MADV_PT_RECLAIM)) {
		say("pt-race: uffdwp: MADV_PT_RECLAIM: %s\n", strerror(errno));
		return 77;
	}
	c.ctl = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	p = map_region(2 * UFFDWP_BLOCKS, BLOCK);
	if (c.ctl == MAP_FAILED || !p) {
		fail("mmap", errno);
		return 1;
	}
	c.wp = p;
	c.cp = p + UFFDWP_BLOCKS * BLOCK;
	c.memfd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	c.pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (c.memfd < 0 || c.pagemap < 0) {
		fail("open /proc/self/mem and pagemap", errno);
		return 1;
	}
	c.uffd = uffdwp_register(p, len);
	if (c.uffd < 0) {
		munmap(p, len);
		return 77;
	}
	/* the child before any thread: a fork of one thread */
	pid = fork();
	if (pid < 0) {
		fail("fork", errno);
		return 1;
	}
	if (!pid)
		uffdwp_child(&c, threads > 3 ? threads - 2 : 1);
	r = uffdwp_wait_ready(&c, pid);
	if (r == -EINVAL || r == -EOPNOTSUPP || r == -ENOSYS) {
		say("pt-race: uffdwp: process_madvise(MADV_PT_RECLAIM): %s\n",
		    strerror(-r));
		uffdwp_reap(&c, pid);
		ret = 77;
	} else if (r < 0) {
		fail("the child's pidfd_open/process_madvise", -r);
		uffdwp_reap(&c, pid);
	} else {
		jobs[0] = (struct job){ uffdwp_protector, &c };
		jobs[1] = (struct job){ uffdwp_copier, &c };
		run_jobs(jobs, 2);
		if (uffdwp_reap(&c, pid))
			fail("the child hammering process_madvise", ECHILD);
		S.on_demand_calls = atomic_load(&c.ctl->calls);
		S.extra[2] = atomic_load(&c.ctl->errors);
		if (S.extra[2])
			fail("process_madvise(MADV_PT_RECLAIM)",
			     atomic_load(&c.ctl->last_errno));
	}
	close(c.memfd);
	close(c.pagemap);
	if (ret != 77)
		finish_region(p, len);
	else
		munmap(p, len);
	close(c.uffd);
	munmap(c.ctl, PAGE);
	return ret;
}
