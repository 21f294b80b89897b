/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pt-race fault: faults racing with the reclaim of their own PTE table.
 *
 * All threads work on one 2 MiB block at a time (the "current" block, one
 * of FAULT_BLOCKS): zappers MADV_DONTNEED the whole block over and over,
 * writers write a unique value to a page of their own in it and read it
 * back. After ZAPS_PER_BLOCK zaps a zapper moves everyone to the next
 * block and empties the old one once more, so the run leaves tables behind
 * in many blocks unless the kernel frees them (vmpte_kb_end).
 *
 * Telling a lost write from a legitimate zap: a seqlock-style epoch. A
 * zapper adds 1 before its madvise (low half: zaps in flight) and
 * 2^32 - 1 after it (high half: zaps done), both seq_cst. A writer reads
 * the epoch, writes, reads back, reads the epoch again: the value read
 * back must be its own, or 0 when the epoch moved or a zap was in flight.
 * A value it verified in a quiet window must still be there while the
 * epoch has not moved since. Anything else (another thread's value, a
 * stale one of its own, a lost write) is a mismatch.
 */
#define FAULT_BLOCKS 64
#define ZAPS_PER_BLOCK 64

struct fault_ctx {
	char *base;
	int writers;
	atomic_ullong epoch;
	atomic_ulong cur; /* the block everyone works on */
};

struct fault_thread {
	struct fault_ctx *c;
	int id;
};

static int quiet(uint64_t e1, uint64_t e2)
{
	return e1 == e2 && !(e1 & 0xffffffffUL);
}

static void fault_zap(struct fault_ctx *c, unsigned long b)
{
	atomic_fetch_add(&c->epoch, 1);
	zap_block(c->base + b * BLOCK, 0);
	atomic_fetch_add(&c->epoch, (1ULL << 32) - 1);
}

static void *fault_zapper(void *arg)
{
	struct fault_ctx *c = ((struct fault_thread *)arg)->c;
	unsigned long n;

	for (n = 1; !stopped(); n++) {
		unsigned long b = atomic_load(&c->cur);

		fault_zap(c, b);
		atomic_fetch_add(&S.iterations, 1);
		if (n % ZAPS_PER_BLOCK == 0 &&
		    atomic_compare_exchange_strong(&c->cur, &b,
						   (b + 1) % FAULT_BLOCKS)) {
			atomic_fetch_add(&S.extra[1], 1);
			fault_zap(c, b); /* leave nothing behind in b */
		}
	}
	return NULL;
}

/* The earlier verified write must still be there if no zap came since. */
static void fault_recheck(struct fault_ctx *c, vword *last, uint64_t val,
			  uint64_t epoch)
{
	uint64_t e1, e2, v;

	e1 = atomic_load(&c->epoch);
	v = *last;
	e2 = atomic_load(&c->epoch);
	if (e1 != epoch || e2 != epoch)
		return;
	atomic_fetch_add(&S.checks, 1);
	if (v != val)
		mismatch(last, val, v, "verified write lost without a zap");
}

static void *fault_writer(void *arg)
{
	struct fault_thread *t = arg;
	struct fault_ctx *c = t->c;
	unsigned long k, per = BLOCK_PAGES / c->writers;
	vword *last = NULL;
	uint64_t last_val = 0, last_epoch = 0;

	for (k = 0; !stopped(); k++) {
		unsigned long b = atomic_load(&c->cur);
		unsigned long page = t->id + c->writers * (k % per);
		vword *p = (vword *)(c->base + b * BLOCK + page * PAGE) +
			   k * 7 % WORDS;
		uint64_t val = (uint64_t)(t->id + 1) << 48 | (k + 1), v, e1, e2;

		if (last)
			fault_recheck(c, last, last_val, last_epoch);
		e1 = atomic_load(&c->epoch);
		*p = val;
		if (corrupt_now())
			*p ^= 0x100;
		atomic_thread_fence(memory_order_seq_cst);
		v = *p;
		e2 = atomic_load(&c->epoch);
		atomic_fetch_add(&S.checks, 1);
		atomic_fetch_add(&S.extra[0], 1);
		if (v != val && (v || quiet(e1, e2)))
			mismatch(p, val, v,
				 quiet(e1, e2) ?
					 "write read back, no zap" :
					 "write read back during a zap");
		last = quiet(e1, e2) && v == val ? p : NULL;
		last_val = val;
		last_epoch = e1;
	}
	return NULL;
}

static int run_fault(int threads)
{
	struct fault_ctx c = { 0 };
	struct fault_thread t[MAX_THREADS];
	struct job jobs[MAX_THREADS];
	int zappers = threads >= 8 ? threads / 4 : 1, i;

	c.writers = threads - zappers;
	c.base = map_region(FAULT_BLOCKS, BLOCK);
	if (!c.base)
		return 1;
	for (i = 0; i < threads; i++) {
		t[i] = (struct fault_thread){ .c = &c, .id = i - zappers };
		jobs[i].fn = i < zappers ? fault_zapper : fault_writer;
		jobs[i].arg = &t[i];
	}
	run_jobs(jobs, threads);
	/* blocks_used: blocks that had tables to reclaim (advances + 1) */
	atomic_store(&S.extra[1], atomic_load(&S.extra[1]) + 1 > FAULT_BLOCKS ?
					  FAULT_BLOCKS :
					  atomic_load(&S.extra[1]) + 1);
	finish_region(c.base, FAULT_BLOCKS * BLOCK);
	return 0;
}
