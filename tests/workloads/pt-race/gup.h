/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pt-race gup: get_user_pages() racing with the reclaim of the table it
 * walks.
 *
 * One filler thread empties GUP_BLOCKS blocks in turn (whole-block
 * MADV_DONTNEED) and fills each again, every word, with the next
 * generation. The other threads read 16-page ranges of a block, in turn
 * with process_vm_readv() on this process and pread() of /proc/self/mem
 * (both get_user_pages_remote(); kernels without CONFIG_CROSS_MEMORY_ATTACH
 * have only the second) and with vmsplice() into a pipe, read back from
 * the pipe (GUP-fast, the lockless walker).
 *
 * Each block has a seqlock epoch: odd while the filler empties or fills
 * it, generation = epoch / 2 once filled. A page read while the epoch was
 * even and did not move must be the complete pattern of that generation.
 * Otherwise each byte may be zero or the byte of one generation from the
 * epoch window (pages a pipe still references keep their old data; a page
 * read during the fill is half written, down to bytes of a word: the
 * kernel copies bytes, the filler stores words); but never another page's
 * data, another generation, or two generations in one page.
 */
#include <fcntl.h>
#include <sys/uio.h>

#define GUP_BLOCKS 4
#define GUP_PAGES 16 /* per read: a pipe holds 16 pages by default */

struct gup_ctx {
	char *base;
	atomic_ulong epoch[GUP_BLOCKS];
	int mem_fd; /* /proc/self/mem */
};

struct gup_thread {
	struct gup_ctx *c;
	int id;
};

/* Empties block b (when zap) and fills it with the next generation. */
static void gup_refill(struct gup_ctx *c, unsigned long b, int zap)
{
	unsigned long gen = (atomic_fetch_add(&c->epoch[b], 1) + 2) / 2, i;

	if (zap)
		zap_block(c->base + b * BLOCK, 0);
	for (i = 0; i < BLOCK_PAGES; i++)
		fill_page(c->base + b * BLOCK + i * PAGE, b * BLOCK_PAGES + i,
			  gen);
	atomic_fetch_add(&c->epoch[b], 1);
}

static void *gup_filler(void *arg)
{
	struct gup_ctx *c = ((struct gup_thread *)arg)->c;
	unsigned long b;

	while (!stopped()) {
		for (b = 0; b < GUP_BLOCKS && !stopped(); b++) {
			gup_refill(c, b, 1);
			atomic_fetch_add(&S.iterations, 1);
		}
	}
	return NULL;
}

/* Every byte of v is 0 or the byte of want in the same place. */
static int bytes_of(uint64_t v, uint64_t want)
{
	int i;

	for (i = 0; i < 64; i += 8)
		if ((v >> i & 0xff) && (v >> i & 0xff) != (want >> i & 0xff))
			return 0;
	return 1;
}

/*
 * Page idx holds zero or bytes of generation g, byte for byte. A word with
 * only some of its bytes is a word the filler was storing while the kernel
 * copied it, so only a generation filled during the read (>= torn_lo) may
 * be torn; counted in torn_pages (extra[4]).
 */
static int gup_page_is(const vword *q, unsigned long idx, unsigned long g,
		       unsigned long torn_lo)
{
	unsigned long w, torn = 0;

	for (w = 0; w < WORDS; w++) {
		if (!bytes_of(q[w], pword(idx, w, g)))
			return 0;
		torn |= q[w] && q[w] != pword(idx, w, g);
	}
	if (torn && g < torn_lo)
		return 0;
	atomic_fetch_add(&S.extra[4], torn);
	return 1;
}

/*
 * One page read between epochs e1 and e2 of its block. While the block is
 * being refilled the kernel's copy (memcpy, byte-wise where it likes) can
 * meet the filler's 8-byte stores halfway: a word may then have some bytes
 * of the pattern and zero in the others. Outside a refill it is exact.
 */
static void gup_check_page(const char *buf, unsigned long idx, uint64_t e1,
			   uint64_t e2, const char *how)
{
	const vword *q = (const vword *)buf;
	unsigned long lo = e1 / 2 ? e1 / 2 : 1, hi = (e2 + 1) / 2, g, w;
	char what[128];

	if (e1 == e2 && !(e1 & 1)) {
		snprintf(what, sizeof(what), "%s, block quiet", how);
		check_page(buf, idx, e1 / 2, what);
		return;
	}
	atomic_fetch_add(&S.checks, 1);
	for (g = hi; g >= lo && g + 1000 > hi; g--)
		if (gup_page_is(q, idx, g, e1 / 2 + 1))
			return;
	for (w = 0; w < WORDS && bytes_of(q[w], pword(idx, w, hi)); w++)
		;
	snprintf(what, sizeof(what), "%s, during a refill, gen %lu..%lu", how,
		 lo, hi);
	mismatch(q + (w < WORDS ? w : 0), pword(idx, w < WORDS ? w : 0, hi),
		 q[w < WORDS ? w : 0], what);
}

/* The ways a reader reads: extra[kind] counts the reads of each. */
enum gup_kind { GUP_VM_READV, GUP_VMSPLICE, GUP_PROC_MEM, GUP_KINDS };
static const char *const gup_kind_name[] = { "process_vm_readv", "vmsplice",
					     "/proc/self/mem" };

/*
 * Reads len bytes at addr through get_user_pages_remote(): bytes read or
 * -1. Kernels without CONFIG_CROSS_MEMORY_ATTACH (process_vm_readv is
 * ENOSYS, extra[3] = 1) read /proc/self/mem instead.
 */
static long gup_remote_read(struct gup_ctx *c, enum gup_kind kind, char *buf,
			    char *addr, unsigned long len)
{
	struct iovec local = { buf, len }, remote = { addr, len };

	if (kind == GUP_VM_READV)
		return process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	return pread(c->mem_fd, buf, len, (off_t)(unsigned long)addr);
}

static int gup_open_remote(struct gup_ctx *c)
{
	char buf[8];

	c->mem_fd = open("/proc/self/mem", O_RDONLY);
	if (c->mem_fd < 0) {
		fail("open /proc/self/mem", errno);
		return -1;
	}
	if (gup_remote_read(c, GUP_VM_READV, buf, c->base, sizeof(buf)) >= 0)
		return 0;
	if (errno != ENOSYS) {
		fail("process_vm_readv", errno);
		return -1;
	}
	atomic_store(&S.extra[3], 1);
	return 0;
}

/* vmsplice()s [addr, addr + len) into the pipe and reads it back. */
static long gup_vmsplice_read(int pipe_fd[2], char *buf, char *addr,
			      unsigned long len)
{
	struct iovec iov = { addr, len };
	long n = vmsplice(pipe_fd[1], &iov, 1, 0), got = 0;

	while (n > 0 && got < n) {
		long r = read(pipe_fd[0], buf + got, n - got);

		if (r <= 0)
			return -1;
		got += r;
	}
	return n;
}

static void *gup_reader(void *arg)
{
	struct gup_thread *t = arg;
	struct gup_ctx *c = t->c;
	unsigned long k, rnd = 0x9e3779b97f4a7c15UL * (t->id + 1);
	int pipe_fd[2];
	char *buf = aligned_alloc(PAGE, GUP_PAGES * PAGE);

	if (!buf || pipe(pipe_fd)) {
		fail("reader setup", errno);
		free(buf);
		return NULL;
	}
	for (k = 0; !stopped(); k++) {
		unsigned long b, first, i;
		enum gup_kind kind = (t->id + k) % GUP_KINDS;
		uint64_t e1, e2;
		char *addr;
		long n;

		if (kind == GUP_VM_READV && atomic_load(&S.extra[3]))
			kind = GUP_PROC_MEM;
		rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
		b = rnd % GUP_BLOCKS;
		first = (rnd >> 8) % (BLOCK_PAGES - GUP_PAGES + 1);
		addr = c->base + b * BLOCK + first * PAGE;
		e1 = atomic_load(&c->epoch[b]);
		n = kind == GUP_VMSPLICE ? gup_vmsplice_read(pipe_fd, buf, addr,
							     GUP_PAGES * PAGE) :
					   gup_remote_read(c, kind, buf, addr,
							   GUP_PAGES * PAGE);
		e2 = atomic_load(&c->epoch[b]);
		if (n < 0) {
			fail(gup_kind_name[kind], errno);
			break;
		}
		if (n >= 64 && corrupt_now())
			buf[63] ^= 1;
		for (i = 0; i < (unsigned long)n / PAGE; i++)
			gup_check_page(buf + i * PAGE,
				       b * BLOCK_PAGES + first + i, e1, e2,
				       gup_kind_name[kind]);
		atomic_fetch_add(&S.extra[kind], 1);
		atomic_fetch_add(&S.iterations, 1);
	}
	close(pipe_fd[0]);
	close(pipe_fd[1]);
	free(buf);
	return NULL;
}

static int run_gup(int threads)
{
	struct gup_ctx c = { .mem_fd = -1 };
	struct gup_thread t[MAX_THREADS];
	struct job jobs[MAX_THREADS];
	unsigned long b;
	int i;

	c.base = map_region(GUP_BLOCKS, BLOCK);
	if (!c.base)
		return 1;
	for (b = 0; b < GUP_BLOCKS; b++)
		gup_refill(&c, b, 0);
	if (gup_open_remote(&c)) {
		munmap(c.base, GUP_BLOCKS * BLOCK);
		return 1;
	}
	for (i = 0; i < threads; i++) {
		t[i] = (struct gup_thread){ .c = &c, .id = i };
		jobs[i].fn = i ? gup_reader : gup_filler;
		jobs[i].arg = &t[i];
	}
	run_jobs(jobs, threads);
	close(c.mem_fd);
	finish_region(c.base, GUP_BLOCKS * BLOCK);
	return 0;
}
