// SPDX-License-Identifier: GPL-2.0
/*
 * pt-keep: what MADV_PT_RECLAIM must free and what it must keep.
 *
 *   pt-keep MODE [BLOCKS] [--hold]
 *
 * Maps BLOCKS (default 8) 2 MiB blocks of anonymous memory, 2 MiB aligned,
 * THP off (one PTE table per block), writes every page, then leaves in
 * each block's table only what MODE says:
 *   empty   nothing: two 1 MiB MADV_DONTNEEDs (no call covered the whole
 *           block, so the DONTNEED path kept the table): all freed
 *   onepage one present page (the block's last, with a pattern): kept
 *   swap    one swap entry (that page, MADV_PAGEOUT; needs swap on): kept
 *   uffdwp  one uffd-wp marker (UFFD_FEATURE_WP_UNPOPULATED, write-protect
 *           of a none entry): kept
 *   poison  one poison marker (UFFDIO_POISON): kept (pagemap shows both
 *           markers as swap entries; the page is never read: in a
 *           MISSING-registered range with no handler, a freed table
 *           would hang the read instead of failing it)
 *   hole    empty, and a 64 KiB hole unmapped in the middle of every
 *           block: the table is shared by two mappings and a hole; kept
 *           (it is free_pgtables()'s to free: munmap() clears such a pmd
 *           under the read lock without the pmd lock), the call says
 *           ENOMEM
 *   split   empty, and the second half of every block mprotect()ed
 *           read-only: two VMAs share each table; freed
 * Then it calls madvise(MADV_PT_RECLAIM) on the whole range itself, or,
 * with --hold, prints "ready PID" and waits for a line on stdin so that
 * `ptwatch reclaim pid` (or the daemon) does it from outside.
 *
 * Prints key=value lines: mode, blocks, vmpte_before_kb (after the setup),
 * vmpte_after_kb, tables_freed, want_freed (what the mode must free),
 * madvise (0 or the errno name, self mode), kept_ok (the kept entry is
 * still there: data read back, swap entry or marker seen in pagemap),
 * data_ok (every written page that must survive reads back).
 * Exit status: 0 ok (the figures are for the caller to judge), 1 a setup
 * call failed, 2 bad usage, 77 the mode's feature is missing (no swap,
 * no uffd feature).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "status_kb.h"
#include "wl_common.h"

#define BLOCK (2UL << 20)
#define PAGE 4096UL
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
/* 6.4+ / 6.6+ uapi, newer than Debian 12's headers */
#ifndef UFFD_FEATURE_POISON
#define UFFD_FEATURE_POISON (1 << 14)
struct uffdio_poison {
	struct uffdio_range range;
	__u64 mode;
	__s64 updated;
};
#define UFFDIO_POISON _IOWR(UFFDIO, 0x08, struct uffdio_poison)
#endif
#define PM_SWAP (1ULL << 62)
#define PM_UFFD_WP (1ULL << 57)

static char *base;
static unsigned long blocks = 8;
static const char *mode;

static void die(const char *what)
{
	fprintf(stderr, "pt-keep: %s: %s\n", what, strerror(errno));
	exit(1);
}

static char *last_page(unsigned long b)
{
	return base + b * BLOCK + BLOCK - PAGE;
}

static void fill(char *p, unsigned long b)
{
	memset(p, (int)(0x40 + b % 64), PAGE);
}

static int check(const char *p, unsigned long b)
{
	for (unsigned long i = 0; i < PAGE; i++)
		if (p[i] != (char)(0x40 + b % 64))
			return 0;
	return 1;
}

static void map_blocks(void)
{
	size_t len = blocks * BLOCK;

	base = map_aligned(len);
	if (!base)
		die("mmap");
	if (madvise(base, len, MADV_NOHUGEPAGE))
		die("madvise(MADV_NOHUGEPAGE)");
	for (unsigned long b = 0; b < blocks; b++)
		for (unsigned long o = 0; o < BLOCK; o += PAGE)
			fill(base + b * BLOCK + o, b);
}

/* Empties block b in two halves, or all but its last page. */
static void empty_block(unsigned long b, int keep_last)
{
	char *p = base + b * BLOCK;

	if (madvise(p, BLOCK / 2, MADV_DONTNEED) ||
	    madvise(p + BLOCK / 2, BLOCK / 2 - (keep_last ? PAGE : 0),
		    MADV_DONTNEED))
		die("madvise(MADV_DONTNEED)");
}

static uint64_t pagemap_entry(const void *p)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0 || pread(fd, &e, 8, (uintptr_t)p / PAGE * 8) != 8)
		die("pagemap");
	close(fd);
	return e;
}

static int uffd_open(uint64_t feature)
{
	struct uffdio_api api = { .api = UFFD_API, .features = feature };
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0 || ioctl(fd, UFFDIO_API, &api) ||
	    !(api.features & feature)) {
		printf("mode=%s\nmissing=userfaultfd feature 0x%llx\n", mode,
		       (unsigned long long)feature);
		exit(77);
	}
	return fd;
}

static void uffd_register(int fd, uint64_t how)
{
	struct uffdio_register r = {
		.range = { (uintptr_t)base, blocks * BLOCK },
		.mode = how,
	};

	if (ioctl(fd, UFFDIO_REGISTER, &r))
		die("UFFDIO_REGISTER");
}

/* One marker per block, on its (none) last page. */
static void set_markers(int wp)
{
	int fd = uffd_open(wp ? UFFD_FEATURE_WP_UNPOPULATED :
				UFFD_FEATURE_POISON);

	uffd_register(fd, wp ? UFFDIO_REGISTER_MODE_WP :
			       UFFDIO_REGISTER_MODE_MISSING);
	for (unsigned long b = 0; b < blocks; b++) {
		struct uffdio_range r = { (uintptr_t)last_page(b), PAGE };
		struct uffdio_writeprotect w = { r,
						 UFFDIO_WRITEPROTECT_MODE_WP };
		struct uffdio_poison po = { r, 0, 0 };

		empty_block(b, 0);
		if (wp ? ioctl(fd, UFFDIO_WRITEPROTECT, &w) :
			 ioctl(fd, UFFDIO_POISON, &po))
			die(wp ? "UFFDIO_WRITEPROTECT" : "UFFDIO_POISON");
	}
	/* fd stays open: closing it would drop the markers' registration */
}

static void set_swap(void)
{
	for (unsigned long b = 0; b < blocks; b++) {
		empty_block(b, 1);
		if (madvise(last_page(b), PAGE, MADV_PAGEOUT))
			die("madvise(MADV_PAGEOUT)");
	}
	for (unsigned long b = 0; b < blocks; b++) {
		if (!(pagemap_entry(last_page(b)) & PM_SWAP)) {
			printf("mode=%s\nmissing=swap (page not paged out: "
			       "is swap on?)\n",
			       mode);
			exit(77);
		}
	}
}

/* The mode's shape; returns the number of tables it must free. */
static unsigned long setup(void)
{
	int all = !strcmp(mode, "empty") || !strcmp(mode, "hole") ||
		  !strcmp(mode, "split");

	for (unsigned long b = 0; all && b < blocks; b++) {
		char *mid = base + b * BLOCK + BLOCK / 2;

		empty_block(b, 0);
		if (!strcmp(mode, "hole") && munmap(mid - 0x8000, 0x10000))
			die("munmap");
		if (!strcmp(mode, "split") &&
		    mprotect(mid, BLOCK / 2, PROT_READ))
			die("mprotect");
	}
	if (all) /* a table that reaches into a hole stays */
		return strcmp(mode, "hole") ? blocks : 0;
	if (!strcmp(mode, "onepage"))
		for (unsigned long b = 0; b < blocks; b++)
			empty_block(b, 1);
	else if (!strcmp(mode, "swap"))
		set_swap();
	else if (!strcmp(mode, "uffdwp") || !strcmp(mode, "poison"))
		set_markers(!strcmp(mode, "uffdwp"));
	else
		return (unsigned long)-1;
	return 0;
}

/* The kept entry of block b is still what the mode left there. */
static int kept_ok(unsigned long b)
{
	uint64_t e = pagemap_entry(last_page(b));

	if (!strcmp(mode, "swap"))
		return (e & PM_SWAP) && check(last_page(b), b);
	if (!strcmp(mode, "onepage"))
		return check(last_page(b), b);
	if (!strcmp(mode, "uffdwp"))
		return (e & PM_UFFD_WP) != 0;
	if (!strcmp(mode, "poison"))
		return (e & PM_SWAP) != 0; /* markers show as swap entries */
	return 1;
}

static void report(long before, const char *advice)
{
	long after = status_kb("VmPTE");
	int kept = 1, data = 1;

	for (unsigned long b = 0; b < blocks; b++) {
		kept &= kept_ok(b);
		if (!strcmp(mode, "split") || !strcmp(mode, "hole"))
			data &= base[b * BLOCK] == 0; /* emptied, reads zero */
	}
	printf("vmpte_after_kb=%ld\ntables_freed=%ld\nmadvise=%s\n", after,
	       before > after ? (before - after) / 4 : 0, advice);
	printf("kept_ok=%d\ndata_ok=%d\n", kept, data);
}

int main(int argc, char **argv)
{
	int hold = argc > 1 && !strcmp(argv[argc - 1], "--hold");
	unsigned long want;
	long before;
	char line[16];
	const char *advice = "0";

	argc -= hold;
	if (argc < 2 || argc > 3)
		goto usage;
	mode = argv[1];
	if (argc == 3 && (blocks = strtoul(argv[2], NULL, 10)) == 0)
		goto usage;
	map_blocks();
	want = setup();
	if (want == (unsigned long)-1)
		goto usage;
	before = status_kb("VmPTE");
	printf("mode=%s\nblocks=%lu\nwant_freed=%lu\nvmpte_before_kb=%ld\n",
	       mode, blocks, want, before);
	if (hold) {
		printf("ready %d\n", (int)getpid());
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 1;
	} else if (madvise(base, blocks * BLOCK, MADV_PT_RECLAIM)) {
		advice = strerrorname_np(errno);
	}
	report(before, advice);
	return 0;
usage:
	fprintf(stderr, "usage: pt-keep empty|onepage|swap|uffdwp|poison|"
			"hole|split [BLOCKS] [--hold]\n");
	return 2;
}
