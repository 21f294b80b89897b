/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pt-race mremap: tables moved (mremap -> move_normal_pmd()/move_ptes())
 * and freed (munmap -> free_pgtables()) while whole-block DONTNEEDs reclaim
 * tables around them and in them.
 *
 * Blocks of the region:
 *   0, 7     static: the last page is kept (written once); zappers touch
 *            and DONTNEED the rest (a reclaim that must find the table busy)
 *   1, 3, 5  zap blocks: zappers touch every 8th page, DONTNEED the block
 *   2        M1: every page holds data; the mover moves it to spare slot 8
 *            and back; all of it must travel with it
 *   4        M2: the mover fills a word of every 8th page, moves it to slot
 *            9 and back while zappers DONTNEED both places (a word is zero
 *            or what the mover wrote; ENOMEM on the hole is legitimate)
 *   6        U: unmapped and mapped again (MAP_FIXED_NOREPLACE) in a loop;
 *            a fresh mapping must read zero before it is filled; zappers
 *            DONTNEED it (ENOMEM while it is unmapped)
 *   8, 9     spare slots: PROT_NONE placeholders while empty
 * Holes exist only between a move and the placeholder that follows it;
 * MAP_FIXED_NOREPLACE refuses to map over anything else that got there.
 */
#define MR_BLOCKS 10
#define MR_M1 2
#define MR_M2 4
#define MR_U 6
#define MR_SP1 8
#define MR_SP2 9

struct mremap_ctx {
	char *base;
};

static char *mr_block(struct mremap_ctx *c, int b)
{
	return c->base + (unsigned long)b * BLOCK;
}

/* A PROT_NONE mapping on the hole at p: keeps other mmaps out of it. */
static int mr_placeholder(char *p, int prot)
{
	void *q = mmap(p, BLOCK, prot,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE |
			       MAP_NORESERVE,
		       -1, 0);

	if (q == p)
		return 0;
	fail(q == MAP_FAILED ? "mmap over a hole of ours" :
			       "mmap over a hole of ours: other address",
	     q == MAP_FAILED ? errno : EEXIST);
	if (q != MAP_FAILED)
		munmap(q, BLOCK);
	return -1;
}

/* Moves the block at from to to (a placeholder), leaves one at from. */
static int mr_move(char *from, char *to)
{
	if (mremap(from, BLOCK, BLOCK, MREMAP_MAYMOVE | MREMAP_FIXED, to) !=
	    to) {
		fail("mremap", errno);
		return -1;
	}
	atomic_fetch_add(&S.extra[0], 1);
	return mr_placeholder(from, PROT_NONE);
}

/* Touches pages in [0, pages) of a block: a table to free. */
static void mr_touch(char *p, unsigned long pages)
{
	unsigned long i;

	for (i = 0; i < pages; i += TOUCH_STRIDE)
		((vword *)(p + i * PAGE))[1] = i + 1;
}

static void mr_check_kept(int b, char *at, const char *what)
{
	check_page(at + BLOCK - PAGE, (b + 1) * BLOCK_PAGES - 1, KEEP_GEN,
		   what);
}

static void *mr_zapper(void *arg)
{
	struct mremap_ctx *c = arg;
	int b;

	while (!stopped()) {
		for (b = 1; b <= 5; b += 2) {
			mr_touch(mr_block(c, b), BLOCK_PAGES);
			zap_block(mr_block(c, b), 0);
		}
		zap_block(mr_block(c, MR_M2), 1);
		zap_block(mr_block(c, MR_SP2), 1);
		zap_block(mr_block(c, MR_U), 1);
		for (b = 0; b < MR_BLOCKS; b += 7) {
			mr_touch(mr_block(c, b), BLOCK_PAGES - 1);
			dontneed(mr_block(c, b), BLOCK - PAGE, 0);
			mr_check_kept(b, mr_block(c, b), "static block");
		}
		atomic_fetch_add(&S.iterations, 1);
	}
	return NULL;
}

/*
 * M1: every page must travel; all words of the last page and the first
 * and last word of the others are checked (cheaper under emulation).
 */
static void mr_check_m1(char *at, const char *what)
{
	unsigned long i, idx = MR_M1 * BLOCK_PAGES;

	for (i = 0; i < BLOCK_PAGES - 1; i++) {
		vword *q = (vword *)(at + i * PAGE);

		atomic_fetch_add(&S.checks, 1);
		if (q[0] != pword(idx + i, 0, KEEP_GEN))
			mismatch(q, pword(idx + i, 0, KEEP_GEN), q[0], what);
		else if (q[WORDS - 1] != pword(idx + i, WORDS - 1, KEEP_GEN))
			mismatch(q + WORDS - 1,
				 pword(idx + i, WORDS - 1, KEEP_GEN),
				 q[WORDS - 1], what);
	}
	check_page(at + i * PAGE, idx + i, KEEP_GEN, what);
}

/* M2: the words the mover wrote: zero (zapped) or that generation. */
static void mr_check_m2(char *at, unsigned long gen, const char *what)
{
	unsigned long i;

	for (i = 0; i < BLOCK_PAGES; i += TOUCH_STRIDE)
		check_word_or_zero((vword *)(at + i * PAGE),
				   MR_M2 * BLOCK_PAGES + i, 0, gen, gen, what);
}

static void *mr_mover(void *arg)
{
	struct mremap_ctx *c = arg;
	char *m1 = mr_block(c, MR_M1), *sp1 = mr_block(c, MR_SP1);
	char *m2 = mr_block(c, MR_M2), *sp2 = mr_block(c, MR_SP2);
	unsigned long gen, i;

	for (gen = 1; !stopped(); gen++) {
		if (corrupt_now())
			m1[BLOCK / 2 + 5] ^= 1;
		if (mr_move(m1, sp1))
			break;
		mr_check_m1(sp1, "M1 moved to the spare slot");
		if (mr_move(sp1, m1))
			break;
		mr_check_m1(m1, "M1 moved back");
		for (i = 0; i < BLOCK_PAGES; i += TOUCH_STRIDE)
			*(vword *)(m2 + i * PAGE) =
				pword(MR_M2 * BLOCK_PAGES + i, 0, gen);
		if (mr_move(m2, sp2))
			break;
		mr_check_m2(sp2, gen, "M2 moved to the spare slot");
		if (mr_move(sp2, m2))
			break;
		mr_check_m2(m2, gen, "M2 moved back");
		atomic_fetch_add(&S.iterations, 1);
	}
	return NULL;
}

static void *mr_remapper(void *arg)
{
	struct mremap_ctx *c = arg;
	char *u = mr_block(c, MR_U);
	unsigned long i;

	while (!stopped()) {
		if (munmap(u, BLOCK)) {
			fail("munmap", errno);
			break;
		}
		if (mr_placeholder(u, PROT_READ | PROT_WRITE))
			break;
		if (madvise(u, BLOCK, MADV_NOHUGEPAGE) && errno != EINVAL)
			fail("madvise(MADV_NOHUGEPAGE)", errno);
		for (i = 0; i < BLOCK_PAGES; i++) {
			vword *q = (vword *)(u + i * PAGE);

			atomic_fetch_add(&S.checks, 1);
			if (q[0] || q[WORDS - 1])
				mismatch(q, 0, q[0] | q[WORDS - 1],
					 "fresh mapping not zero");
			if (i % TOUCH_STRIDE == 0)
				q[0] = i + 1;
		}
		atomic_fetch_add(&S.extra[1], 1);
		atomic_fetch_add(&S.iterations, 1);
	}
	return NULL;
}

static int run_mremap(int threads)
{
	struct mremap_ctx c;
	struct job jobs[MAX_THREADS];
	int i, b;

	c.base = map_region(MR_BLOCKS, BLOCK);
	if (!c.base)
		return 1;
	for (b = MR_SP1; b <= MR_SP2; b++)
		if (munmap(mr_block(&c, b), BLOCK) ||
		    mr_placeholder(mr_block(&c, b), PROT_NONE))
			return 1;
	for (b = 0; b < MR_BLOCKS; b += 7)
		fill_page(mr_block(&c, b) + BLOCK - PAGE,
			  (b + 1) * BLOCK_PAGES - 1, KEEP_GEN);
	for (i = 0; i < (int)BLOCK_PAGES; i++)
		fill_page(mr_block(&c, MR_M1) + i * PAGE,
			  MR_M1 * BLOCK_PAGES + i, KEEP_GEN);
	jobs[0] = (struct job){ mr_mover, &c };
	jobs[1] = (struct job){ mr_remapper, &c };
	for (i = 2; i < threads || i < 3; i++)
		jobs[i] = (struct job){ mr_zapper, &c };
	run_jobs(jobs, i);
	for (b = 0; b < MR_BLOCKS; b += 7)
		mr_check_kept(b, mr_block(&c, b), "static block at the end");
	mr_check_m1(mr_block(&c, MR_M1), "M1 at the end");
	finish_region(c.base, MR_BLOCKS * BLOCK);
	return 0;
}
