// SPDX-License-Identifier: GPL-2.0
/*
 * zap-bench: what tearing down anonymous memory costs per folio shape.
 *
 *   zap-bench SHAPE [MIB]
 *
 * Maps MIB (default 1024) MiB of anonymous memory, 2 MiB aligned, fills it
 * with folios of SHAPE, checks that the kernel gave that shape, times one
 * MADV_DONTNEED of the whole region; fills and checks it again and times
 * its munmap. SHAPE:
 *   4k      order-0 pages (MADV_NOHUGEPAGE)
 *   16k     16 KiB folios (MADV_HUGEPAGE; hugepages-16kB/enabled madvise)
 *   64k     64 KiB folios (MADV_HUGEPAGE; hugepages-64kB/enabled madvise)
 *   2m-pte  2 MiB THPs mapped by PTEs: PMD-mapped THPs (MADV_HUGEPAGE;
 *           hugepages-2048kB/enabled madvise), then each PMD mapping split
 *           without splitting the folio by making one 4 KiB page of it
 *           read-only and writable again (as the kernel's mm selftests do)
 *   64k-unbatched, 2m-pte-unbatched
 *           the same folios, then every other PTE write-protected with
 *           userfaultfd (UFFDIO_WRITEPROTECT; registered after the fill,
 *           since a uffd-armed area gets no mTHP): folio_pte_batch() only
 *           batches PTEs that differ in no other bit than dirty, young and
 *           write, so each PTE is zapped alone, as before the 6.9 batching
 *           (rmap, mmu_gather entry and refcount per page, the folio queued
 *           for deferred split once partly unmapped): mainline's own
 *           comparison, batched vs not at the same folio size
 * The caller sets the sysfs knobs (all other sizes never); zap-bench only
 * checks the outcome. Every shape is filled the same way: the kernel zeroes
 * what it faults in and one byte is written to every 4 KiB page.
 *
 * The check, before each teardown, is the kernel's own account: the
 * per-size mTHP fault counters
 * (/sys/kernel/mm/transparent_hugepage/hugepages-<N>kB/stats/anon_fault_alloc,
 * 6.10+) must have grown by exactly the folios asked for in that size and
 * not at all in the others, with no fallback; and walking
 * /proc/self/pagemap + /proc/kpageflags (root), every page of the region
 * must sit in a folio of exactly that size (head, then tails, aligned),
 * the region in one VMA, and for 2m-pte /proc/vmstat's thp_split_pmd must
 * have grown by one per folio and thp_split_page not at all; for the
 * unbatched shapes, pagemap's uffd-wp bit must alternate.
 *
 * Prints key=value lines: shape, pid, region_mib, folio_kb, folios (per
 * fill), rss_kb (RssAnon after a fill), dontneed_ns, munmap_ns and both per
 * GiB (dontneed_ns_per_gib, munmap_ns_per_gib).
 * Exit status: 0 ok, 1 a system call failed, 2 bad usage, 3 the kernel did
 * not give the shape asked for (the reason on stderr).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "status_kb.h"

#define PAGE 4096UL
#define PMD_SIZE (2UL << 20)
#define GIB (1UL << 30)
#define THP_SYSFS "/sys/kernel/mm/transparent_hugepage"
#define NSIZES 4    /* folio sizes of the shapes, in KiB: 4, 16, 64, 2048 */
#define MAX_RUN 512 /* kpageflags entries read at once */

/* /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h) */
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define PM_PRESENT (1ULL << 63)
#define PM_UFFD_WP (1ULL << 57)
#define PM_PFN_MASK ((1ULL << 55) - 1)

struct shape {
	const char *name;
	unsigned long kb; /* folio size */
	int advice;	  /* MADV_HUGEPAGE or MADV_NOHUGEPAGE */
	int pte_mapped;	  /* split the PMD mappings after the fill */
	int unbatched;	  /* every other PTE uffd-write-protected */
};

static const struct shape shapes[] = {
	{ "4k", 4, MADV_NOHUGEPAGE, 0, 0 },
	{ "16k", 16, MADV_HUGEPAGE, 0, 0 },
	{ "64k", 64, MADV_HUGEPAGE, 0, 0 },
	{ "2m-pte", 2048, MADV_HUGEPAGE, 1, 0 },
	{ "64k-unbatched", 64, MADV_HUGEPAGE, 0, 1 },
	{ "2m-pte-unbatched", 2048, MADV_HUGEPAGE, 1, 1 },
};

static const unsigned long sizes_kb[NSIZES] = { 4, 16, 64, 2048 };

/* The counters a fill is checked against, read before and after it. */
struct counters {
	long alloc[NSIZES]; /* anon_fault_alloc per large size, [0] unused */
	long fallback[NSIZES];
	long split_pmd, split_page; /* /proc/vmstat thp_split_{pmd,page} */
};

static void die(const char *what)
{
	fprintf(stderr, "zap-bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void wrong_shape(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* The kernel did not give the shape asked for: why, and exit 3. */
static void wrong_shape(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "zap-bench: not the shape asked for: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(3);
}

/* One number from a sysfs or procfs file: -1 when the file is missing. */
static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static long mthp_stat(unsigned long kb, const char *stat)
{
	char path[128];

	snprintf(path, sizeof(path), THP_SYSFS "/hugepages-%lukB/stats/%s", kb,
		 stat);
	return read_long(path);
}

/* KEY's value in a "KEY value" or "KEY: value kB" file, -1 if absent */
static void read_counters(struct counters *c)
{
	for (int i = 1; i < NSIZES; i++) {
		c->alloc[i] = mthp_stat(sizes_kb[i], "anon_fault_alloc");
		c->fallback[i] = mthp_stat(sizes_kb[i], "anon_fault_fallback");
		if (c->alloc[i] < 0 || c->fallback[i] < 0)
			wrong_shape("this kernel has no per-size mTHP stats "
				    "(hugepages-%lukB/stats, 6.10+)",
				    sizes_kb[i]);
	}
	c->split_pmd = file_key_value("/proc/vmstat", "thp_split_pmd");
	c->split_page = file_key_value("/proc/vmstat", "thp_split_page");
}

/* The kernel's counters moved as a fill of `folios` folios of s should. */
static void check_counters(const struct shape *s, const struct counters *a,
			   const struct counters *b, long folios)
{
	for (int i = 1; i < NSIZES; i++) {
		long want = sizes_kb[i] == s->kb ? folios : 0;
		long got = b->alloc[i] - a->alloc[i];

		if (got != want)
			wrong_shape("%ld %lu KiB folios faulted in, want %ld",
				    got, sizes_kb[i], want);
		if (b->fallback[i] != a->fallback[i])
			wrong_shape("%ld faults fell back from %lu KiB folios",
				    b->fallback[i] - a->fallback[i],
				    sizes_kb[i]);
	}
	if (!s->pte_mapped)
		return;
	if (b->split_pmd - a->split_pmd != folios)
		wrong_shape("%ld PMD mappings split, want %ld",
			    b->split_pmd - a->split_pmd, folios);
	if (b->split_page != a->split_page)
		wrong_shape("%ld THPs split, want none",
			    b->split_page - a->split_page);
}

static char *map_region(unsigned long len)
{
	unsigned long span = len + PMD_SIZE;
	char *p = mmap(NULL, span, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *start;

	if (p == MAP_FAILED)
		die("mmap");
	start = (char *)(((uintptr_t)p + PMD_SIZE - 1) & ~(PMD_SIZE - 1));
	if (start > p && munmap(p, start - p))
		die("munmap head");
	if (munmap(start + len, p + span - (start + len)))
		die("munmap tail");
	return start;
}

/* Faults the region in: one byte to every 4 KiB page, whatever the shape */
static void fill(char *p, unsigned long len, const struct shape *s)
{
	if (madvise(p, len, s->advice))
		die("madvise");
	for (unsigned long off = 0; off < len; off += PAGE)
		p[off] = (char)(off / PAGE % 251 + 1);
	if (!s->pte_mapped)
		return;
	for (unsigned long off = 0; off < len; off += PMD_SIZE) {
		if (mprotect(p + off + PAGE, PAGE, PROT_READ))
			die("mprotect(PROT_READ)");
		if (mprotect(p + off + PAGE, PAGE, PROT_READ | PROT_WRITE))
			die("mprotect(PROT_READ | PROT_WRITE)");
	}
}

/* How many lines of /proc/self/maps overlap [p, p + len) */
static int vmas_in(char *p, unsigned long len)
{
	char line[512];
	unsigned long lo, hi, a = (uintptr_t)p, z = a + len;
	int n = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		die("/proc/self/maps");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo < z && hi > a)
			n++;
	fclose(f);
	return n;
}

/* The pagemap entry of every page of the region */
static uint64_t *read_pagemap(char *p, unsigned long pages)
{
	uint64_t *pm = malloc(pages * sizeof(*pm));
	int fd = open("/proc/self/pagemap", O_RDONLY);
	off_t at = (uintptr_t)p / PAGE * sizeof(*pm);
	size_t want = pages * sizeof(*pm), got = 0;

	if (!pm || fd < 0)
		die("/proc/self/pagemap");
	while (got < want) {
		ssize_t n = pread(fd, (char *)pm + got, want - got, at + got);

		if (n <= 0)
			die("read /proc/self/pagemap");
		got += n;
	}
	close(fd);
	return pm;
}

/* The PFN of every page of the region; all must be present. */
static uint64_t *read_pfns(char *p, unsigned long pages)
{
	uint64_t *pm = read_pagemap(p, pages);

	for (unsigned long i = 0; i < pages; i++) {
		if (!(pm[i] & PM_PRESENT))
			wrong_shape(
				"page %lu of %lu not present after the fill", i,
				pages);
		pm[i] &= PM_PFN_MASK;
		if (!pm[i])
			wrong_shape("no PFNs in /proc/self/pagemap: run as "
				    "root");
	}
	return pm;
}

/*
 * The kpageflags of pm[i..] for as long as the PFNs are consecutive
 * (MAX_RUN at most), and of the page physically after the run (0 past the
 * end of memory): flags[j + 1] is always that of the PFN after pm[i + j].
 * Returns the run's length.
 */
static unsigned long read_flags(int fd, const uint64_t *pm, unsigned long i,
				unsigned long pages, uint64_t *flags)
{
	unsigned long len = 1;
	ssize_t got;

	while (i + len < pages && len < MAX_RUN && pm[i + len] == pm[i] + len)
		len++;
	flags[len] = 0;
	got = pread(fd, flags, (len + 1) * sizeof(*flags),
		    pm[i] * sizeof(*flags));
	if (got < (ssize_t)(len * sizeof(*flags)))
		die("read /proc/kpageflags");
	return len;
}

static int flag(uint64_t flags, int bit)
{
	return flags >> bit & 1;
}

/*
 * Every page of the region is in a folio of exactly nr pages: a head (or,
 * for nr 1, a page that is neither head nor tail) at an address aligned to
 * nr pages, then nr - 1 tails at the following PFNs, and no tail after
 * them. Returns the number of folios.
 */
static unsigned long check_folios(char *p, unsigned long len, unsigned long nr)
{
	unsigned long pages = len / PAGE, folios = 0, in_folio = 0, i = 0;
	uint64_t *pm = read_pfns(p, pages), flags[MAX_RUN + 1];
	int fd = open("/proc/kpageflags", O_RDONLY);

	if (fd < 0)
		die("/proc/kpageflags");
	while (i < pages) {
		unsigned long run = read_flags(fd, pm, i, pages, flags);

		for (unsigned long j = 0; j < run; j++, i++) {
			int head = flag(flags[j], KPF_COMPOUND_HEAD);
			int tail = flag(flags[j], KPF_COMPOUND_TAIL);

			if (head || !tail) {
				if (nr > 1 && !head)
					wrong_shape(
						"page %lu is an order-0 page",
						i);
				if (i % nr)
					wrong_shape(
						"a folio starts at page %lu, "
						"not aligned to %lu pages",
						i, nr);
				folios++;
				in_folio = 1;
			} else if (in_folio && in_folio < nr &&
				   pm[i] == pm[i - 1] + 1) {
				in_folio++;
			} else {
				wrong_shape("page %lu: a tail page out of "
					    "place (%lu pages into a folio of "
					    "%lu)",
					    i, in_folio, nr);
			}
			if (in_folio == nr &&
			    flag(flags[j + 1], KPF_COMPOUND_TAIL))
				wrong_shape("the folio at page %lu has more "
					    "than %lu pages",
					    i + 1 - nr, nr);
		}
	}
	close(fd);
	free(pm);
	if (in_folio != nr || folios != pages / nr)
		wrong_shape("%lu folios, want %lu", folios, pages / nr);
	return folios;
}

/*
 * Write-protects every other page of the region with userfaultfd, so that
 * no two neighbouring PTEs can be zapped in one batch. Returns the
 * userfaultfd: closing it (or UFFDIO_UNREGISTER) drops the protection.
 */
static int break_batches(char *p, unsigned long len)
{
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { (uintptr_t)p, len },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	uint64_t *pm;

	if (fd < 0)
		die("userfaultfd");
	if (ioctl(fd, UFFDIO_API, &api) || ioctl(fd, UFFDIO_REGISTER, &reg))
		die("userfaultfd: register the region for write-protect");
	for (unsigned long off = 0; off < len; off += 2 * PAGE) {
		struct uffdio_writeprotect wp = {
			.range = { (uintptr_t)p + off, PAGE },
			.mode = UFFDIO_WRITEPROTECT_MODE_WP,
		};

		if (ioctl(fd, UFFDIO_WRITEPROTECT, &wp))
			die("UFFDIO_WRITEPROTECT");
	}
	pm = read_pagemap(p, len / PAGE);
	for (unsigned long i = 0; i < len / PAGE; i++)
		if (!!(pm[i] & PM_UFFD_WP) == (int)(i % 2))
			wrong_shape("page %lu: uffd-wp bit %d, want %d", i,
				    !!(pm[i] & PM_UFFD_WP), !(i % 2));
	free(pm);
	return fd;
}

static void unregister(int uffd, char *p, unsigned long len)
{
	struct uffdio_range r = { (uintptr_t)p, len };

	if (ioctl(uffd, UFFDIO_UNREGISTER, &r))
		die("UFFDIO_UNREGISTER");
}

/* Fills the region, checks the shape; returns the folios it holds. */
static unsigned long fill_checked(char *p, unsigned long len,
				  const struct shape *s, int *uffd)
{
	struct counters a, b;
	long folios = len / 1024 / s->kb;
	int vmas;

	read_counters(&a);
	fill(p, len, s);
	read_counters(&b);
	check_counters(s, &a, &b, s->kb == 4 ? 0 : folios);
	vmas = vmas_in(p, len);
	if (vmas != 1)
		wrong_shape("the region is in %d VMAs, want 1", vmas);
	if (s->unbatched) {
		*uffd = break_batches(p, len);
		if (vmas_in(p, len) != 1)
			wrong_shape("the region is in %d VMAs after "
				    "UFFDIO_WRITEPROTECT, want 1",
				    vmas_in(p, len));
	}
	return check_folios(p, len, s->kb * 1024 / PAGE);
}

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static const struct shape *parse_shape(const char *name)
{
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		if (!strcmp(name, shapes[i].name))
			return &shapes[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct shape *s = argc > 1 ? parse_shape(argv[1]) : NULL;
	unsigned long mib = argc > 2 ? strtoul(argv[2], NULL, 10) : 1024;
	unsigned long len = mib << 20, folios;
	long long t0, dontneed_ns, munmap_ns;
	int uffd = -1;
	char *p;

	if (!s || argc > 3 || !mib || mib % 2 || mib > (1UL << 20)) {
		fprintf(stderr, "usage: zap-bench 4k|16k|64k|2m-pte|"
				"64k-unbatched|2m-pte-unbatched "
				"[MIB, even, default 1024]\n");
		return 2;
	}
	p = map_region(len);
	folios = fill_checked(p, len, s, &uffd);
	printf("shape=%s\npid=%d\nregion_mib=%lu\nfolio_kb=%lu\nfolios=%lu\n",
	       s->name, getpid(), mib, s->kb, folios);
	printf("rss_kb=%ld\n", status_kb("RssAnon"));

	t0 = now_ns();
	if (madvise(p, len, MADV_DONTNEED))
		die("madvise(MADV_DONTNEED)");
	dontneed_ns = now_ns() - t0;
	if (uffd >= 0) { /* armed, the area would get order-0 pages only */
		unregister(uffd, p, len);
		close(uffd);
	}

	fill_checked(p, len, s, &uffd);
	t0 = now_ns();
	if (munmap(p, len))
		die("munmap");
	munmap_ns = now_ns() - t0;

	printf("dontneed_ns=%lld\nmunmap_ns=%lld\n", dontneed_ns, munmap_ns);
	printf("dontneed_ns_per_gib=%lld\nmunmap_ns_per_gib=%lld\n",
	       dontneed_ns * (long long)GIB / (long long)len,
	       munmap_ns * (long long)GIB / (long long)len);
	return 0;
}
