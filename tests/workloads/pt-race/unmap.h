/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pt-race unmap: munmap(), brk() shrink and mremap() shrink against
 * MADV_PT_RECLAIM (issue 21).
 *
 * The three detach the VMAs, downgrade the mmap lock to read, zap the
 * pages (unmap_region()) and only then free the tables (free_pgtables(),
 * which clears the pmd without the pmd lock). The advice runs under the
 * read lock too: if it frees a table of the detached range (its block has
 * no VMA any more and the zap has just emptied it), both free it: a double
 * free, nr_ptes below zero ("BUG: non-zero pgtables_bytes on freeing mm"),
 * KASAN or page_table_check reports. The advice must leave those blocks to
 * free_pgtables(): it may act only on blocks its VMAs cover whole.
 *
 * Unmappers (threads / 2, at least 1), each with a 1 GiB slot of its own
 * (so that unmapping its whole region frees the PMD table too), in rounds:
 * map UNMAP_BLOCKS blocks at the slot, touch every TOUCH_STRIDE-th page of
 * each (UNMAP_WORDS pattern words), then in turn: munmap a run of blocks,
 * munmap all of it, mremap() it shrinking to fewer blocks; the first
 * unmapper also grows the heap by UNMAP_BLOCKS aligned blocks with brk(),
 * touches them and shrinks it back in two steps. What stays mapped is
 * checked word for word before it goes too. Reclaimers (the other threads)
 * call madvise(MADV_PT_RECLAIM) in a tight loop over the regions: the whole
 * region, the region and a block of hole on each side, the whole 1 GiB
 * slot (mostly hole), one block, a run of blocks; for the heap the same
 * from its first aligned block up (never below, where glibc's heap is).
 * ENOMEM (the range had a hole) is what the advice must say there.
 *
 * Data checks: the kept blocks' words; VmPTE when the last thread leaves
 * its loop (every region unmapped, every thread still there) is not below
 * VmPTE once every thread ran, before any mapped a block (a table freed
 * twice leaves the count low). The kernel log is the main verdict.
 * Exits 77 where the kernel lacks MADV_PT_RECLAIM or vm.pt_reclaim is 0.
 */
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#define UNMAP_BLOCKS 8
#define UNMAP_WORDS 8	   /* pattern words written per touched page */
#define UNMAP_HEAP_EVERY 4 /* the first unmapper: every 4th round is brk */

struct unmap_ctx {
	char *slots; /* nslots 1 GiB slots, PROT_NONE until their thread runs */
	int nslots, threads;
	atomic_int arrived, ready, left; /* unmap_start(), unmap_done() */
	long vmpte0;	/* VmPTE kB once every thread runs, before any maps */
	long vmpte_end; /* when the last thread leaves its loop */
	char *heap;	/* first 2 MiB-aligned block above the initial brk */
	unsigned long brk0;
	int heap_ok; /* brk() could grow the heap */
};

struct unmap_job {
	struct unmap_ctx *c;
	int id;
};

static unsigned long unmap_rand(unsigned long *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static char *unmap_slot(struct unmap_ctx *c, int i)
{
	return c->slots + (unsigned long)i * PMD_SPAN;
}

static unsigned long unmap_brk(unsigned long to)
{
	return (unsigned long)syscall(SYS_brk, to);
}

/* Touches every TOUCH_STRIDE-th page of blocks [0, n) at p. */
static void unmap_touch(char *p, unsigned long n, unsigned long gen)
{
	for (unsigned long i = 0; i < n * BLOCK_PAGES; i += TOUCH_STRIDE) {
		vword *q = (vword *)(p + i * PAGE);

		for (unsigned long w = 0; w < UNMAP_WORDS; w++)
			q[w] = pword(i, w, gen);
	}
}

/* Checks the touched pages of blocks [from, to) at p. */
static void unmap_check(char *p, unsigned long from, unsigned long to,
			unsigned long gen, const char *what)
{
	for (unsigned long i = from * BLOCK_PAGES; i < to * BLOCK_PAGES;
	     i += TOUCH_STRIDE) {
		vword *q = (vword *)(p + i * PAGE);

		if (corrupt_now())
			q[1] ^= 1; /* --self-test-corrupt: must be seen */
		for (unsigned long w = 0; w < UNMAP_WORDS; w++) {
			uint64_t v = q[w];

			atomic_fetch_add(&S.checks, 1);
			if (v != pword(i, w, gen)) {
				mismatch(q + w, pword(i, w, gen), v, what);
				break;
			}
		}
	}
}

static void unmap_munmap(char *p, unsigned long len)
{
	if (munmap(p, len))
		fail("munmap", errno);
	else
		atomic_fetch_add(&S.extra[0], 1);
}

/* One round at the slot: map, touch, one of munmap part/all, mremap. */
static void unmap_slot_round(char *p, unsigned long round, unsigned long *rs)
{
	unsigned long len = UNMAP_BLOCKS * BLOCK, gen = round & 0xffffff;
	unsigned long k, m;
	void *q;

	q = mmap(p, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			 MAP_FIXED_NOREPLACE,
		 -1, 0);
	if (q != p) {
		fail("mmap at the slot", q == MAP_FAILED ? errno : EEXIST);
		if (q != MAP_FAILED)
			munmap(q, len);
		atomic_store(&stop_flag, 1);
		return;
	}
	unmap_touch(p, UNMAP_BLOCKS, gen);
	switch (round % 3) {
	case 0: /* munmap blocks [k, k + m), check the rest, unmap it */
		k = unmap_rand(rs) % UNMAP_BLOCKS;
		m = 1 + unmap_rand(rs) % (UNMAP_BLOCKS - k);
		unmap_munmap(p + k * BLOCK, m * BLOCK);
		unmap_check(p, 0, k, gen, "kept below a munmap");
		unmap_check(p, k + m, UNMAP_BLOCKS, gen, "kept above a munmap");
		unmap_munmap(p, len);
		break;
	case 1: /* munmap all: the PMD table goes too */
		unmap_munmap(p, len);
		break;
	default: /* mremap shrink to k blocks, check them, unmap them */
		k = 1 + unmap_rand(rs) % (UNMAP_BLOCKS - 1);
		q = mremap(p, len, k * BLOCK, 0);
		if (q != p) {
			fail("mremap shrink", q == MAP_FAILED ? errno : EFAULT);
			munmap(p, len);
			break;
		}
		atomic_fetch_add(&S.extra[1], 1);
		unmap_check(p, 0, k, gen, "kept by an mremap shrink");
		unmap_munmap(p, k * BLOCK);
	}
}

/*
 * One brk round: the heap grows to UNMAP_BLOCKS aligned blocks above its
 * initial end, they are touched, brk() shrinks it to k of them (checked)
 * and then back to where glibc left it. Nothing else calls brk() during
 * the race: glibc's main arena is the main thread's, which sleeps.
 */
static void unmap_heap_round(struct unmap_ctx *c, unsigned long round,
			     unsigned long *rs)
{
	unsigned long top = (unsigned long)c->heap + UNMAP_BLOCKS * BLOCK;
	unsigned long gen = round & 0xffffff, k;

	if (unmap_brk(top) != top) {
		fail("brk grow", ENOMEM);
		c->heap_ok = 0;
		return;
	}
	unmap_touch(c->heap, UNMAP_BLOCKS, gen);
	k = unmap_rand(rs) % UNMAP_BLOCKS;
	if (unmap_brk((unsigned long)c->heap + k * BLOCK) !=
	    (unsigned long)c->heap + k * BLOCK)
		fail("brk shrink", ENOMEM);
	else
		atomic_fetch_add(&S.extra[2], 1);
	unmap_check(c->heap, 0, k, gen, "kept by a brk shrink");
	if (unmap_brk(c->brk0) != c->brk0)
		fail("brk back to its start", ENOMEM);
}

/*
 * Every thread waits here until all run (their stacks and the tables
 * those need are there); the last one to arrive reads VmPTE: the floor the
 * end must not go below.
 */
static void unmap_start(struct unmap_ctx *c)
{
	if (atomic_fetch_add(&c->arrived, 1) + 1 == c->threads) {
		c->vmpte0 = vmpte_kb();
		atomic_store(&c->ready, 1);
	}
	while (!atomic_load(&c->ready) && !stopped())
		sched_yield();
}

/*
 * A thread leaves its loop: the last one reads VmPTE, when every region is
 * unmapped and every thread (its stack) is still there.
 */
static void *unmap_done(struct unmap_ctx *c)
{
	if (atomic_fetch_add(&c->left, 1) + 1 == c->threads)
		c->vmpte_end = vmpte_kb();
	return NULL;
}

static void *unmap_unmapper(void *arg)
{
	struct unmap_job *j = arg;
	struct unmap_ctx *c = j->c;
	char *p = unmap_slot(c, j->id);
	unsigned long rs = 0x9e3779b97f4a7c15UL * (j->id + 1), round;

	unmap_start(c);
	/* the slot's placeholder goes: from now on it is a hole or ours */
	if (munmap(p, PMD_SPAN)) {
		fail("munmap of the slot's placeholder", errno);
		atomic_store(&stop_flag, 1);
		return unmap_done(c);
	}
	for (round = 1; !stopped(); round++) {
		if (j->id == 0 && c->heap_ok && round % UNMAP_HEAP_EVERY == 0)
			unmap_heap_round(c, round, &rs);
		else
			unmap_slot_round(p, round, &rs);
		atomic_fetch_add(&S.iterations, 1);
	}
	return unmap_done(c);
}

/* One MADV_PT_RECLAIM: 0, or ENOMEM where the range has a hole. */
static void unmap_reclaim(char *p, unsigned long len)
{
	atomic_fetch_add(&S.on_demand_calls, 1);
	if (!madvise(p, len, MADV_PT_RECLAIM))
		return;
	if (errno == ENOMEM)
		atomic_fetch_add(&S.extra[3], 1);
	else
		fail("madvise(MADV_PT_RECLAIM)", errno);
}

static void *unmap_reclaimer(void *arg)
{
	struct unmap_job *j = arg;
	struct unmap_ctx *c = j->c;
	unsigned long rs = 0xd1b54a32d192ed03UL * (j->id + 1), n;

	unmap_start(c);
	for (n = 0; !stopped(); n++) {
		unsigned long t = unmap_rand(&rs) % (c->nslots + c->heap_ok);
		int heap = t == (unsigned long)c->nslots;
		char *p = heap ? c->heap : unmap_slot(c, t);
		unsigned long i = unmap_rand(&rs) % UNMAP_BLOCKS;
		unsigned long m = 1 + unmap_rand(&rs) % (UNMAP_BLOCKS - i);

		switch (n % 5) {
		case 0: /* the whole region */
			unmap_reclaim(p, UNMAP_BLOCKS * BLOCK);
			break;
		case 1: /* and a block of hole around it (above for the heap) */
			if (heap)
				unmap_reclaim(p, (UNMAP_BLOCKS + 1) * BLOCK);
			else
				unmap_reclaim(p - BLOCK,
					      (UNMAP_BLOCKS + 2) * BLOCK);
			break;
		case 2: /* the slot, or 64 blocks of heap: mostly hole */
			unmap_reclaim(p, heap ? 64 * BLOCK : PMD_SPAN);
			break;
		case 3: /* one block */
			unmap_reclaim(p + i * BLOCK, BLOCK);
			break;
		default: /* a run of blocks */
			unmap_reclaim(p + i * BLOCK, m * BLOCK);
		}
		atomic_fetch_add(&S.iterations, 1);
	}
	return unmap_done(c);
}

static int run_unmap(int threads)
{
	struct unmap_ctx c = { 0 };
	struct unmap_job ids[MAX_THREADS];
	struct job jobs[MAX_THREADS];
	unsigned long raw_len;
	int thp_off, i;
	char *raw;

	if (madvise(NULL, 0, MADV_PT_RECLAIM)) {
		say("pt-race: unmap: MADV_PT_RECLAIM: %s\n", strerror(errno));
		return 77;
	}
	c.nslots = threads / 2;
	c.threads = threads;
	c.vmpte0 = c.vmpte_end = -1;
	/* slots: PROT_NONE now, so that no thread stack lands in them */
	raw_len = (c.nslots + 1) * PMD_SPAN;
	raw = mmap(NULL, raw_len, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED) {
		fail("mmap of the slots", errno);
		return 1;
	}
	c.slots =
		(char *)(((unsigned long)raw + PMD_SPAN - 1) & ~(PMD_SPAN - 1));
	/* no THP anywhere (the heap included): each block is one table */
	thp_off = prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0);
	prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
	c.brk0 = unmap_brk(0);
	c.heap = (char *)((c.brk0 + BLOCK - 1) & ~(BLOCK - 1));
	c.heap_ok = unmap_brk((unsigned long)c.heap + BLOCK) ==
		    (unsigned long)c.heap + BLOCK;
	if (unmap_brk(c.brk0) != c.brk0)
		fail("brk back to its start", ENOMEM);
	S.extra[4] = c.heap_ok;
	for (i = 0; i < threads; i++) {
		ids[i] = (struct unmap_job){ &c,
					     i < c.nslots ? i : i - c.nslots };
		jobs[i] = (struct job){ i < c.nslots ? unmap_unmapper :
						       unmap_reclaimer,
					&ids[i] };
	}
	run_jobs(jobs, threads);
	munmap(raw, raw_len);
	if (thp_off >= 0)
		prctl(PR_SET_THP_DISABLE, thp_off, 0, 0, 0);
	vmpte_end_kb = vmpte_kb();
	/*
	 * Fewer tables when the last thread left its loop (every region
	 * unmapped, every thread's stack still there) than once all ran,
	 * before any mapped a block: a table freed twice, nr_ptes counted
	 * down twice.
	 */
	if (c.vmpte0 >= 0 && c.vmpte_end >= 0 && c.vmpte_end < c.vmpte0)
		mismatch(NULL, c.vmpte0, c.vmpte_end,
			 "VmPTE kB at the end below its start");
	return 0;
}
