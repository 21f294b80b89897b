/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pt-race thp: huge-page collapse and split next to PTE-table reclaim, in
 * one PMD table (the region is 1 GiB aligned).
 *
 * Blocks 2 (H, anonymous) and 4 (SHM, a 2 MiB memfd mapped shared) belong
 * to the collapser; the others to zappers, which touch every page and
 * DONTNEED the whole block in a loop. The collapser, in turn:
 *   H    empties it (whole-block DONTNEED), fills every word with the next
 *        generation through 4 KiB faults (MADV_NOHUGEPAGE), MADV_COLLAPSE
 *        (the PTE table goes into the huge PMD's deposit), checks, splits
 *        the huge PMD (mprotect of one page, or DONTNEED of one page, which
 *        must then read zero), checks again;
 *   SHM  punches the file empty, fills it as above, MADV_COLLAPSE (a shmem
 *        collapse: retract_page_tables() frees the PTE table, the path
 *        kernel-patches' patch 2 rechecks), checks, splits with mprotect,
 *        checks. Zapper 0 also DONTNEEDs SHM as a whole all the time:
 *        reclaim and retract race for the same table; the data is in the
 *        page cache and must survive.
 * No THP (sysfs says [never] or is missing) or no MADV_COLLAPSE for
 * anonymous memory: exit 77. A kernel that refuses shmem collapse only
 * skips the SHM half (shmem_unsupported=1).
 */
#include <fcntl.h>

#define THP_BLOCKS 8
#define THP_H 2
#define THP_SHM 4
#define THP_SYSFS "/sys/kernel/mm/transparent_hugepage/enabled"

struct thp_ctx {
	char *base;
	int zappers;
	int memfd;
};

struct thp_thread {
	struct thp_ctx *c;
	int id;
};

static char *thp_block(struct thp_ctx *c, int b)
{
	return c->base + (unsigned long)b * BLOCK;
}

/* Fills every page of block b (mapped at p) with generation gen. */
static void thp_fill(char *p, int b, unsigned long gen)
{
	unsigned long i;

	for (i = 0; i < BLOCK_PAGES; i++)
		fill_page(p + i * PAGE, b * BLOCK_PAGES + i, gen);
}

/* Every page holds gen, except page zero_page (-1: none) reads zero. */
static void thp_check(char *p, int b, unsigned long gen, long zero_page,
		      const char *what)
{
	unsigned long i, w;

	for (i = 0; i < BLOCK_PAGES; i++) {
		vword *q = (vword *)(p + i * PAGE);

		if ((long)i != zero_page) {
			check_page(p + i * PAGE, b * BLOCK_PAGES + i, gen,
				   what);
			continue;
		}
		atomic_fetch_add(&S.checks, 1);
		for (w = 0; w < WORDS; w++)
			if (q[w]) {
				mismatch(q + w, 0, q[w], what);
				break;
			}
	}
}

/* MADV_COLLAPSE: 0 done, 1 legitimately not done, -1 EINVAL, -2 error. */
static int thp_collapse(char *p, atomic_ulong *done)
{
	if (!madvise(p, BLOCK, MADV_COLLAPSE)) {
		atomic_fetch_add(done, 1);
		return 0;
	}
	if (errno == EINVAL)
		return -1;
	/* no huge page free, or a page busy (pinned, locked): try again */
	if (errno == EAGAIN || errno == ENOMEM || errno == EBUSY) {
		atomic_fetch_add(&S.legit_errors, 1);
		return 1;
	}
	fail("madvise(MADV_COLLAPSE)", errno);
	return -2;
}

static void thp_madvise(char *p, int advice, const char *what)
{
	if (madvise(p, BLOCK, advice))
		fail(what, errno);
}

static void thp_anon_round(struct thp_ctx *c, unsigned long gen)
{
	char *h = thp_block(c, THP_H);
	long j = gen * 37 % BLOCK_PAGES;

	thp_madvise(h, MADV_NOHUGEPAGE, "madvise(MADV_NOHUGEPAGE)");
	zap_block(h, 0);
	thp_fill(h, THP_H, gen);
	if (corrupt_now())
		h[BLOCK / 2 + 9] ^= 1;
	thp_madvise(h, MADV_HUGEPAGE, "madvise(MADV_HUGEPAGE)");
	if (thp_collapse(h, &S.extra[0]) == -1)
		fail("madvise(MADV_COLLAPSE) of anonymous memory", EINVAL);
	thp_check(h, THP_H, gen, -1, "anonymous block after collapse");
	if (gen & 1) {
		if (mprotect(h + j * PAGE, PAGE, PROT_READ) ||
		    mprotect(h + j * PAGE, PAGE, PROT_READ | PROT_WRITE))
			fail("mprotect", errno);
	} else {
		dontneed(h + j * PAGE, PAGE, 0);
	}
	atomic_fetch_add(&S.extra[1], 1);
	thp_check(h, THP_H, gen, gen & 1 ? -1 : j,
		  gen & 1 ? "anonymous block after mprotect split" :
			    "anonymous block after DONTNEED split");
}

static void thp_shmem_round(struct thp_ctx *c, unsigned long gen)
{
	char *s = thp_block(c, THP_SHM);
	long j = gen * 41 % BLOCK_PAGES;
	int ret;

	if (fallocate(c->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
		      BLOCK))
		fail("fallocate(PUNCH_HOLE) of the memfd", errno);
	thp_fill(s, THP_SHM, gen);
	ret = thp_collapse(s, &S.extra[2]);
	if (ret == -1) {
		say("pt-race: thp: MADV_COLLAPSE of shmem: EINVAL, shmem half skipped\n");
		atomic_store(&S.extra[3], 1);
	}
	thp_check(s, THP_SHM, gen, -1, "shmem block after collapse");
	if (mprotect(s + j * PAGE, PAGE, PROT_READ) ||
	    mprotect(s + j * PAGE, PAGE, PROT_READ | PROT_WRITE))
		fail("mprotect", errno);
	thp_check(s, THP_SHM, gen, -1, "shmem block after mprotect split");
}

static void *thp_collapser(void *arg)
{
	struct thp_ctx *c = ((struct thp_thread *)arg)->c;
	unsigned long gen;

	for (gen = 2; !stopped(); gen++) {
		thp_anon_round(c, gen);
		if (!atomic_load(&S.extra[3]))
			thp_shmem_round(c, gen);
		atomic_fetch_add(&S.iterations, 1);
	}
	return NULL;
}

static void *thp_zapper(void *arg)
{
	struct thp_thread *t = arg;
	struct thp_ctx *c = t->c;
	int b, k;
	unsigned long i;

	while (!stopped()) {
		/* k counts the zappers' blocks; block k % zappers is ours */
		for (b = 0, k = -1; b < THP_BLOCKS; b++) {
			if (b == THP_H || b == THP_SHM ||
			    ++k % c->zappers != t->id)
				continue;
			for (i = 0; i < BLOCK_PAGES; i += TOUCH_STRIDE)
				((vword *)(thp_block(c, b) + i * PAGE))[0] =
					i + 1;
			zap_block(thp_block(c, b), 0);
		}
		if (t->id == 0)
			zap_block(thp_block(c, THP_SHM), 0);
		atomic_fetch_add(&S.iterations, 1);
	}
	return NULL;
}

/* THP on and MADV_COLLAPSE known: 0, else prints why and returns 77. */
static int thp_available(struct thp_ctx *c)
{
	char line[128] = "";
	FILE *f = fopen(THP_SYSFS, "r");
	char *h = thp_block(c, THP_H);

	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = 0;
		fclose(f);
	}
	if (!f || strstr(line, "[never]")) {
		say("pt-race: thp: transparent huge pages %s (%s), skipped\n",
		    f ? "are off" : "are not built in", THP_SYSFS);
		return 77;
	}
	thp_fill(h, THP_H, 1);
	thp_madvise(h, MADV_HUGEPAGE, "madvise(MADV_HUGEPAGE)");
	if (thp_collapse(h, &S.extra[0]) == -1) {
		say("pt-race: thp: madvise(MADV_COLLAPSE): EINVAL (before Linux 6.1, or THP disabled for this process), skipped\n");
		return 77;
	}
	return 0;
}

/* The memfd behind SHM, mapped shared over the region's block 4. */
static int thp_map_shmem(struct thp_ctx *c)
{
	char *s = thp_block(c, THP_SHM);

	c->memfd = memfd_create("pt-race-shmem", MFD_CLOEXEC);
	if (c->memfd < 0 || ftruncate(c->memfd, BLOCK) ||
	    mmap(s, BLOCK, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 c->memfd, 0) != s) {
		fail("memfd for the shmem block", errno);
		return -1;
	}
	thp_madvise(s, MADV_HUGEPAGE, "madvise(MADV_HUGEPAGE) of shmem");
	return 0;
}

static int run_thp(int threads)
{
	struct thp_ctx c = { .zappers = threads - 1, .memfd = -1 };
	struct thp_thread t[MAX_THREADS];
	struct job jobs[MAX_THREADS];
	int i, ret;

	c.base = map_region(THP_BLOCKS, PMD_SPAN);
	if (!c.base)
		return 1;
	ret = thp_available(&c);
	if (!ret && thp_map_shmem(&c))
		ret = 1;
	if (ret) {
		if (c.memfd >= 0)
			close(c.memfd);
		munmap(c.base, THP_BLOCKS * BLOCK);
		return ret;
	}
	for (i = 0; i < threads; i++) {
		t[i] = (struct thp_thread){ .c = &c, .id = i - 1 };
		jobs[i].fn = i ? thp_zapper : thp_collapser;
		jobs[i].arg = &t[i];
	}
	run_jobs(jobs, threads);
	finish_region(c.base, THP_BLOCKS * BLOCK);
	close(c.memfd);
	return 0;
}
