/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pt-race uffd: UFFDIO_COPY and UFFDIO_MOVE racing with the reclaim of the
 * tables they fill and empty (patch 3 rechecks the dst pmd in
 * move_pages_pte(); a table freed under a move would lose or misplace a
 * page).
 *
 * Two blocks, SRC and DST, registered with one userfaultfd in MISSING mode
 * with UFFD_FEATURE_SIGBUS, so that no access ever waits for a handler. A
 * mover thread, in rounds: UFFDIO_COPY a page of pattern (its page index,
 * the round as generation) into UFFD_PAGES pages of SRC, UFFDIO_MOVE each
 * to the same offset in DST, then reads them back from DST through
 * /proc/self/mem: a page a zapper removed meanwhile cannot be read (the
 * read fails, it does not block), and one that can be read must hold its
 * own index and this round's generation in every word. Zapper threads
 * empty SRC and DST over and over (whole-block DONTNEEDs; with --on-demand
 * every other one freed by MADV_PT_RECLAIM), so the tables COPY fills and
 * MOVE empties are freed under them. Legitimate errors: EEXIST (COPY: the
 * page is there; MOVE: the destination is), ENOENT (MOVE: the source was
 * zapped), EAGAIN and EBUSY (MOVE met a concurrent change), and for MOVE
 * EINVAL: move_pages_pte()'s sanity check finds a pmd that a concurrent
 * reclaim cleared (mainline since 6.14 too; 6.12 warned there, which
 * patch 3 now drops as mainline did: the kernel log check catches a
 * warning).
 * Exits 77 where UFFDIO_MOVE (6.8) or the SIGBUS feature is missing.
 */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#ifndef UFFD_FEATURE_MOVE
#define UFFD_FEATURE_MOVE (1 << 16)
struct uffdio_move {
	__u64 dst, src, len, mode;
	__s64 move;
};
#define UFFDIO_MOVE _IOWR(UFFDIO, 0x05, struct uffdio_move)
#endif
#define UFFD_PAGES 64

struct uffd_ctx {
	char *src, *dst;
	int uffd, memfd;
};

/* Returns the uffd, registered on [p, p + len); -1: feature missing. */
static int uffd_setup(char *p, unsigned long len)
{
	struct uffdio_api api = {
		.api = UFFD_API,
		.features = UFFD_FEATURE_SIGBUS | UFFD_FEATURE_MOVE,
	};
	struct uffdio_register reg = {
		.range = { (unsigned long)p, len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0 || ioctl(fd, UFFDIO_API, &api) ||
	    ioctl(fd, UFFDIO_REGISTER, &reg)) {
		say("pt-race: uffd: userfaultfd with SIGBUS and MOVE: %s\n",
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void *uffd_zapper(void *arg)
{
	struct uffd_ctx *c = arg;

	while (!stopped()) {
		zap_block(c->src, 0);
		zap_block(c->dst, 0);
		atomic_fetch_add(&S.iterations, 1);
	}
	return NULL;
}

static int uffd_legit(int err, const char *what, int move)
{
	if (err == EEXIST || err == ENOENT || err == EAGAIN || err == EBUSY ||
	    (move && err == EINVAL)) {
		atomic_fetch_add(&S.legit_errors, 1);
		return 0;
	}
	fail(what, err);
	return -1;
}

/* Reads page i of DST back: unreadable (zapped) or exactly its pattern. */
static void uffd_check(struct uffd_ctx *c, unsigned long i, unsigned long gen)
{
	char page[PAGE];
	off_t at = (off_t)(unsigned long)(c->dst + i * PAGE);

	if (pread(c->memfd, page, PAGE, at) != (ssize_t)PAGE) {
		atomic_fetch_add(&S.extra[2], 1); /* zapped: unreadable */
		return;
	}
	if (corrupt_now())
		page[100] ^= 1; /* --self-test-corrupt: the check must see it */
	check_page(page, i, gen, "page moved by UFFDIO_MOVE");
}

static void uffd_round(struct uffd_ctx *c, unsigned long gen, char *buf)
{
	for (unsigned long i = 0; i < UFFD_PAGES && !stopped(); i++) {
		struct uffdio_copy cp = {
			.dst = (unsigned long)(c->src + i * PAGE),
			.src = (unsigned long)buf,
			.len = PAGE,
		};
		struct uffdio_move mv = {
			.dst = (unsigned long)(c->dst + i * PAGE),
			.src = (unsigned long)(c->src + i * PAGE),
			.len = PAGE,
		};

		fill_page(buf, i, gen);
		madvise(c->dst + i * PAGE, PAGE, MADV_DONTNEED);
		if (ioctl(c->uffd, UFFDIO_COPY, &cp)) {
			uffd_legit(errno, "UFFDIO_COPY", 0);
			continue;
		}
		atomic_fetch_add(&S.extra[0], 1);
		if (ioctl(c->uffd, UFFDIO_MOVE, &mv)) {
			uffd_legit(errno, "UFFDIO_MOVE", 1);
			continue;
		}
		atomic_fetch_add(&S.extra[1], 1);
		uffd_check(c, i, gen);
	}
}

static void *uffd_mover(void *arg)
{
	struct uffd_ctx *c = arg;
	static char buf[PAGE] __attribute__((aligned(4096)));

	for (unsigned long gen = 1; !stopped(); gen++) {
		uffd_round(c, gen & 0xffffff, buf);
		atomic_fetch_add(&S.iterations, 1);
	}
	return NULL;
}

static int run_uffd(int threads)
{
	struct uffd_ctx c;
	struct job jobs[MAX_THREADS];
	char *p = map_region(2, BLOCK);
	int i;

	if (!p)
		return 1;
	c.src = p;
	c.dst = p + BLOCK;
	c.uffd = uffd_setup(p, 2 * BLOCK);
	if (c.uffd < 0) {
		munmap(p, 2 * BLOCK);
		return 77;
	}
	c.memfd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	if (c.memfd < 0) {
		fail("open /proc/self/mem", errno);
		close(c.uffd);
		munmap(p, 2 * BLOCK);
		return 1;
	}
	jobs[0] = (struct job){ uffd_mover, &c };
	for (i = 1; i < threads; i++)
		jobs[i] = (struct job){ uffd_zapper, &c };
	run_jobs(jobs, threads);
	close(c.memfd);
	finish_region(p, 2 * BLOCK);
	close(c.uffd);
	return 0;
}
