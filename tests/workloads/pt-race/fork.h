/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pt-race fork: fork() copying page tables that MADV_DONTNEED empties and
 * frees, and children freeing their copies of tables still shared (COW)
 * with the parent.
 *
 * The region alternates zap blocks and keep blocks. Zapper threads fill
 * two words of every 8th page of their zap blocks with the next generation,
 * then MADV_DONTNEED the whole block, in a loop. Keep blocks hold one page
 * (the last) written once and never zapped. One thread forks in a loop;
 * each child checks the kept pages byte for byte, checks that every zap
 * block word it inherited is zero or a pattern word of that page from a
 * generation already handed out, empties its zap blocks (whole-block
 * DONTNEED: its own tables go), checks they read zero and the kept pages
 * again, and exits with the number of bad pages. The parent checks the
 * kept pages again at the end.
 */
#include <sys/wait.h>

struct fork_ctx {
	char *base;
	int zappers;
	unsigned long blocks; /* 4 per zapper: 2 zap, 2 keep */
	atomic_ulong gen;
};

struct fork_thread {
	struct fork_ctx *c;
	int id;
};

/* Block b is a zap block when even, a keep block when odd. */
static char *fork_keep_page(struct fork_ctx *c, unsigned long b)
{
	return c->base + b * BLOCK + BLOCK - PAGE;
}

static unsigned long fork_keep_idx(unsigned long b)
{
	return b * BLOCK_PAGES + BLOCK_PAGES - 1;
}

static void fork_check_keep(struct fork_ctx *c, const char *who)
{
	unsigned long b;

	for (b = 1; b < c->blocks; b += 2)
		check_page(fork_keep_page(c, b), fork_keep_idx(b), KEEP_GEN,
			   who);
}

static void *fork_zapper(void *arg)
{
	struct fork_thread *t = arg;
	struct fork_ctx *c = t->c;
	unsigned long b, i;

	while (!stopped()) {
		for (b = 2 * t->id; b < c->blocks; b += 2 * c->zappers) {
			unsigned long g = atomic_fetch_add(&c->gen, 1) + 1;

			for (i = 0; i < BLOCK_PAGES; i += TOUCH_STRIDE) {
				vword *q = (vword *)(c->base + b * BLOCK +
						     i * PAGE);

				q[0] = pword(b * BLOCK_PAGES + i, 0, g);
				q[WORDS - 1] = pword(b * BLOCK_PAGES + i,
						     WORDS - 1, g);
			}
			zap_block(c->base + b * BLOCK, 0);
		}
		atomic_fetch_add(&S.iterations, 1);
	}
	return NULL;
}

/* In the child: the checks, its own zaps; exits with the bad page count. */
static void fork_child(struct fork_ctx *c)
{
	unsigned long before = atomic_load(&S.mismatches), bad, b, i;
	unsigned long g = atomic_load(&c->gen);

	fork_check_keep(c, "kept page in a child");
	for (b = 0; b < c->blocks; b += 2) {
		for (i = 0; i < BLOCK_PAGES; i += TOUCH_STRIDE) {
			vword *q = (vword *)(c->base + b * BLOCK + i * PAGE);
			unsigned long idx = b * BLOCK_PAGES + i;

			check_word_or_zero(q, idx, 0, 1, g,
					   "zap block inherited by a child");
			check_word_or_zero(q, idx, WORDS - 1, 1, g,
					   "zap block inherited by a child");
		}
		if (madvise(c->base + b * BLOCK, BLOCK, MADV_DONTNEED))
			_exit(100);
		for (i = 0; i < BLOCK_PAGES; i += TOUCH_STRIDE) {
			vword *q = (vword *)(c->base + b * BLOCK + i * PAGE);

			if (q[0] || q[WORDS - 1])
				mismatch(q, 0, q[0] | q[WORDS - 1],
					 "child's zapped block not zero");
		}
	}
	fork_check_keep(c, "kept page in a child after its zaps");
	bad = atomic_load(&S.mismatches) - before;
	_exit(bad > 99 ? 99 : (int)bad);
}

static void *fork_forker(void *arg)
{
	struct fork_ctx *c = ((struct fork_thread *)arg)->c;
	unsigned long nzap = c->blocks / 2, nkeep = c->blocks / 2;
	int status;
	pid_t pid;

	while (!stopped()) {
		if (corrupt_now())
			fork_keep_page(c, 1)[100] ^= 1;
		pid = fork();
		if (pid < 0) {
			fail("fork", errno);
			break;
		}
		if (!pid)
			fork_child(c);
		if (waitpid(pid, &status, 0) != pid) {
			fail("waitpid", errno);
			break;
		}
		atomic_fetch_add(&S.iterations, 1);
		atomic_fetch_add(&S.extra[0], 1);
		if (!WIFEXITED(status)) {
			fail("child killed by a signal", EINTR);
			continue;
		}
		if (WEXITSTATUS(status) == 100) {
			fail("child's madvise(MADV_DONTNEED)", EINVAL);
			continue;
		}
		/* checks a child makes: see fork_child() */
		atomic_fetch_add(&S.checks, 2 * nkeep + 2 * nzap * BLOCK_PAGES /
								TOUCH_STRIDE);
		atomic_fetch_add(&S.extra[1], nzap);
		atomic_fetch_add(&S.mismatches, WEXITSTATUS(status));
		atomic_fetch_add(&S.extra[2], WEXITSTATUS(status) != 0);
	}
	return NULL;
}

static int run_fork(int threads)
{
	struct fork_ctx c = { .zappers = threads - 1 };
	struct fork_thread t[MAX_THREADS];
	struct job jobs[MAX_THREADS];
	unsigned long b;
	int i;

	c.blocks = 4 * c.zappers;
	c.base = map_region(c.blocks, BLOCK);
	if (!c.base)
		return 1;
	for (b = 1; b < c.blocks; b += 2)
		fill_page(fork_keep_page(&c, b), fork_keep_idx(b), KEEP_GEN);
	for (i = 0; i < threads; i++) {
		t[i] = (struct fork_thread){ .c = &c, .id = i - 1 };
		jobs[i].fn = i ? fork_zapper : fork_forker;
		jobs[i].arg = &t[i];
	}
	run_jobs(jobs, threads);
	fork_check_keep(&c, "kept page in the parent at the end");
	finish_region(c.base, c.blocks * BLOCK);
	return 0;
}
