// SPDX-License-Identifier: GPL-2.0
/*
 * MADV_PT_RECLAIM frees the empty PTE tables of the caller's own mappings,
 * and nothing else: not a table whose block reaches into a hole (that one
 * is free_pgtables()'s), nothing beyond TASK_SIZE (the kernel half, whose
 * upper-level tables every mm shares), nothing for a length that wraps
 * past 2^64.  Such a call must fail with ENOMEM or EINVAL (process_madvise()
 * may fail earlier, with EFAULT, on its iovec) and free nothing: neither
 * the caller's VmPTE nor /proc/vmstat pte_table_reclaimed_on_demand may
 * move.  Run it unprivileged: nothing here needs a capability.
 *
 * The positive control frees the caller's own empty tables, so that an
 * advice that frees nothing cannot pass.  Skipped where the kernel does not
 * know the advice (EINVAL) or has it switched off (vm.pt_reclaim=0,
 * EOPNOTSUPP).  The kernel addresses are x86-64's, in the 4- and 5-level
 * layouts; on any 64-bit architecture they lie beyond every TASK_SIZE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../kselftest_harness.h"

#ifndef MADV_PT_RECLAIM
#define MADV_PT_RECLAIM 20564
#endif

#define NR_BLOCKS 8UL
#define SZ_2M (2UL << 20)
#define SZ_1G (1UL << 30)
#define SZ_1T (1UL << 40)
#define TOP_PAGE 0xfffffffffffff000UL

static unsigned long page_size, pmd_size;

/* -1 when the file or the key is missing. */
static long read_key(const char *path, const char *key)
{
	size_t n = strlen(key);
	char line[256];
	long v = -1;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, n) && (line[n] == ' ' || line[n] == ':')) {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

static long vmpte_kb(void)
{
	return read_key("/proc/self/status", "VmPTE");
}

static long reclaimed_on_demand(void)
{
	return read_key("/proc/vmstat", "pte_table_reclaimed_on_demand");
}

/* madvise() or, remote, process_madvise() on our own pidfd. */
static long pt_reclaim(int pidfd, bool remote, unsigned long start,
		       unsigned long len)
{
	struct iovec iov = { .iov_base = (void *)start, .iov_len = len };

	if (!remote)
		return madvise((void *)start, len, MADV_PT_RECLAIM);
	return syscall(__NR_process_madvise, pidfd, &iov, 1, MADV_PT_RECLAIM,
		       0);
}

/* Skips the test where the advice is unknown or off. */
static void check_advice(struct __test_metadata *_metadata)
{
	if (!madvise(NULL, 0, MADV_PT_RECLAIM))
		return;
	if (errno == EOPNOTSUPP)
		SKIP(return, "MADV_PT_RECLAIM is off (vm.pt_reclaim=0)");
	SKIP(return, "MADV_PT_RECLAIM is not supported");
}

/*
 * The call was refused and freed nothing: neither this mm's page tables
 * (VmPTE, which a kernel table freed in our name lowers too) nor any
 * table anywhere (the vmstat counter).
 */
static void expect_refused(struct __test_metadata *_metadata, long ret,
			   int err, bool remote, long pte_kb, long freed)
{
	EXPECT_EQ(-1, ret);
	if (ret == -1)
		EXPECT_TRUE(err == ENOMEM || err == EINVAL ||
			    (remote && err == EFAULT))
			TH_LOG("errno %d (%s)", err, strerror(err));
	EXPECT_EQ(pte_kb, vmpte_kb());
	if (freed >= 0)
		EXPECT_EQ(freed, reclaimed_on_demand());
}

/* NR_BLOCKS PMD-aligned blocks of the caller's, each with an empty table */
FIXTURE(own)
{
	char *base;
	int pidfd;
};

FIXTURE_VARIANT(own)
{
	bool remote;
};

FIXTURE_VARIANT_ADD(own, madvise)
{
	.remote = false,
};

FIXTURE_VARIANT_ADD(own, process_madvise)
{
	.remote = true,
};

FIXTURE_SETUP(own)
{
	size_t len = NR_BLOCKS * pmd_size;
	unsigned long off;
	char *raw;

	self->base = NULL;
	self->pidfd = -1;
	check_advice(_metadata);
	if (_metadata->exit_code)
		return;
	raw = mmap(NULL, len + pmd_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	self->base = (char *)(((uintptr_t)raw + pmd_size - 1) & ~(pmd_size - 1));
	if (self->base > raw)
		munmap(raw, self->base - raw);
	munmap(self->base + len, raw + pmd_size - self->base);
	/* one PTE table per block, not a huge page */
	ASSERT_EQ(0, madvise(self->base, len, MADV_NOHUGEPAGE));
	/*
	 * Fault in a page of each half, then zap each half: no zap covers a
	 * whole block, so MADV_DONTNEED leaves every table in place, empty.
	 */
	for (off = 0; off < len; off += pmd_size / 2) {
		self->base[off] = 1;
		ASSERT_EQ(0, madvise(self->base + off, pmd_size / 2,
				     MADV_DONTNEED));
	}
	self->pidfd = syscall(__NR_pidfd_open, getpid(), 0);
	ASSERT_LE(0, self->pidfd);
}

FIXTURE_TEARDOWN(own)
{
	if (self->pidfd >= 0)
		close(self->pidfd);
	if (self->base)
		munmap(self->base, NR_BLOCKS * pmd_size);
}

/* The positive control: every empty table of ours is freed, and only those */
TEST_F(own, frees_own_empty_tables)
{
	unsigned long len = NR_BLOCKS * pmd_size;
	long pte_kb = vmpte_kb(), freed = reclaimed_on_demand();
	long ret;
	int err;

	ret = pt_reclaim(self->pidfd, variant->remote,
			 (unsigned long)self->base, len);
	err = errno;
	EXPECT_EQ(variant->remote ? (long)len : 0, ret)
		TH_LOG("errno %d (%s)", err, strerror(err));
	EXPECT_EQ(pte_kb - (long)(NR_BLOCKS * page_size / 1024), vmpte_kb());
	if (freed >= 0)
		EXPECT_EQ(freed + (long)NR_BLOCKS, reclaimed_on_demand());
	/* the memory still works: a fault installs a table again */
	self->base[pmd_size] = 1;
	EXPECT_EQ(1, self->base[pmd_size]);
}

/* Blocks 2-5 unmapped; the call over the hole alone */
TEST_F(own, hole)
{
	unsigned long start = (unsigned long)self->base + 2 * pmd_size;
	long pte_kb, freed, ret;

	ASSERT_EQ(0, munmap((void *)start, 4 * pmd_size));
	pte_kb = vmpte_kb();
	freed = reclaimed_on_demand();
	ret = pt_reclaim(self->pidfd, variant->remote, start, 4 * pmd_size);
	expect_refused(_metadata, ret, errno, variant->remote, pte_kb, freed);
}

/*
 * [2.5, 5.5) unmapped: blocks 2 and 5 keep an empty table that a mapping
 * shares with the hole.  A call over [2, 6) must leave both: a table whose
 * block reaches into a hole is free_pgtables()'s to free.
 */
TEST_F(own, hole_edge)
{
	unsigned long start = (unsigned long)self->base + 2 * pmd_size;
	long pte_kb, freed, ret;

	ASSERT_EQ(0, munmap((void *)(start + pmd_size / 2), 3 * pmd_size));
	pte_kb = vmpte_kb();
	freed = reclaimed_on_demand();
	ret = pt_reclaim(self->pidfd, variant->remote, start, 4 * pmd_size);
	expect_refused(_metadata, ret, errno, variant->remote, pte_kb, freed);
}

/* From our blocks to one block past 2^64: refused before any walk */
TEST_F(own, wrapping_length)
{
	unsigned long start = (unsigned long)self->base;
	long pte_kb = vmpte_kb(), freed = reclaimed_on_demand();
	long ret;

	ret = pt_reclaim(self->pidfd, variant->remote, start,
			 ~0UL - start + 1 + pmd_size);
	expect_refused(_metadata, ret, errno, variant->remote, pte_kb, freed);
}

TEST_F(own, unaligned_start)
{
	long pte_kb = vmpte_kb(), freed = reclaimed_on_demand();
	long ret;

	ret = pt_reclaim(self->pidfd, variant->remote,
			 (unsigned long)self->base + 1, NR_BLOCKS * pmd_size);
	expect_refused(_metadata, ret, errno, variant->remote, pte_kb, freed);
}

/*
 * A range that is not the caller's: a zero length must do nothing, and
 * any other must be refused.
 */
FIXTURE(hostile)
{
	int pidfd;
};

FIXTURE_VARIANT(hostile)
{
	unsigned long start;
	unsigned long len;
};

/* The kernel half, 4-level layout */
FIXTURE_VARIANT_ADD(hostile, kernel_half_2m)
{
	.start = 0xffff800000000000UL,
	.len = SZ_2M,
};

FIXTURE_VARIANT_ADD(hostile, kernel_half_1t)
{
	.start = 0xffff800000000000UL,
	.len = SZ_1T,
};

FIXTURE_VARIANT_ADD(hostile, direct_map_1g)
{
	.start = 0xffff888000000000UL,
	.len = SZ_1G,
};

FIXTURE_VARIANT_ADD(hostile, vmalloc_2m)
{
	.start = 0xffffc90000000000UL,
	.len = SZ_2M,
};

FIXTURE_VARIANT_ADD(hostile, vmalloc_1g)
{
	.start = 0xffffc90000000000UL,
	.len = SZ_1G,
};

FIXTURE_VARIANT_ADD(hostile, vmalloc_1t)
{
	.start = 0xffffc90000000000UL,
	.len = SZ_1T,
};

FIXTURE_VARIANT_ADD(hostile, vmemmap_1g)
{
	.start = 0xffffea0000000000UL,
	.len = SZ_1G,
};

FIXTURE_VARIANT_ADD(hostile, cpu_entry_area_1g)
{
	.start = 0xfffffe0000000000UL,
	.len = SZ_1G,
};

FIXTURE_VARIANT_ADD(hostile, espfix_2m)
{
	.start = 0xffffff0000000000UL,
	.len = SZ_2M,
};

FIXTURE_VARIANT_ADD(hostile, espfix_1g)
{
	.start = 0xffffff0000000000UL,
	.len = SZ_1G,
};

FIXTURE_VARIANT_ADD(hostile, kernel_text_1g)
{
	.start = 0xffffffff80000000UL,
	.len = SZ_1G,
};

FIXTURE_VARIANT_ADD(hostile, fixmap_2m)
{
	.start = 0xffffffffff400000UL,
	.len = SZ_2M,
};

FIXTURE_VARIANT_ADD(hostile, fixmap_4m)
{
	.start = 0xffffffffff200000UL,
	.len = 2 * SZ_2M,
};

/* everything above the kernel text up to the last whole block */
FIXTURE_VARIANT_ADD(hostile, top_1g)
{
	.start = 0xffffffffc0000000UL,
	.len = SZ_1G - SZ_2M,
};

/* The kernel half, 5-level layout */
FIXTURE_VARIANT_ADD(hostile, l5_kernel_half_1t)
{
	.start = 0xff00000000000000UL,
	.len = SZ_1T,
};

FIXTURE_VARIANT_ADD(hostile, l5_direct_map_1g)
{
	.start = 0xff11000000000000UL,
	.len = SZ_1G,
};

FIXTURE_VARIANT_ADD(hostile, l5_vmalloc_1t)
{
	.start = 0xffa0000000000000UL,
	.len = SZ_1T,
};

/* Non-canonical with 4 levels: pgd_index() wraps into the kernel's half */
FIXTURE_VARIANT_ADD(hostile, noncanonical_1t)
{
	.start = 0x0000800000000000UL,
	.len = SZ_1T,
};

FIXTURE_VARIANT_ADD(hostile, noncanonical_mid_1t)
{
	.start = 0x8000000000000000UL,
	.len = SZ_1T,
};

/* From the last user page to the last page below 2^64 (no wrap) */
FIXTURE_VARIANT_ADD(hostile, task_size_to_top)
{
	.start = 0x7ffffffff000UL,
	.len = TOP_PAGE - 0x7ffffffff000UL,
};

/* Lengths that wrap past 2^64 */
FIXTURE_VARIANT_ADD(hostile, wrap_task_size)
{
	.start = 0x7ffffffff000UL,
	.len = ~0UL - 0x7ffffffff000UL + 1 + 2 * 4096,
};

FIXTURE_VARIANT_ADD(hostile, wrap_top)
{
	.start = 0xffffffffffe00000UL,
	.len = ~0UL - 0xffffffffffe00000UL + 1 + 2 * 4096,
};

FIXTURE_VARIANT_ADD(hostile, wrap_len_max)
{
	.start = 0x7ffffffff000UL,
	.len = ~0UL,
};

FIXTURE_VARIANT_ADD(hostile, wrap_last_page)
{
	.start = TOP_PAGE,
	.len = 2 * 4096,
};

FIXTURE_VARIANT_ADD(hostile, unaligned_kernel)
{
	.start = 0xffff800000000001UL,
	.len = SZ_1G,
};

FIXTURE_VARIANT_ADD(hostile, len1_kernel)
{
	.start = 0xffff800000000000UL,
	.len = 1,
};

FIXTURE_VARIANT_ADD(hostile, len0_kernel)
{
	.start = 0xffff800000000000UL,
	.len = 0,
};

FIXTURE_VARIANT_ADD(hostile, len0_top)
{
	.start = 0xffffffffffe00000UL,
	.len = 0,
};

FIXTURE_SETUP(hostile)
{
	self->pidfd = -1;
	check_advice(_metadata);
	if (_metadata->exit_code)
		return;
	self->pidfd = syscall(__NR_pidfd_open, getpid(), 0);
	ASSERT_LE(0, self->pidfd);
}

FIXTURE_TEARDOWN(hostile)
{
	if (self->pidfd >= 0)
		close(self->pidfd);
}

static void hostile_call(struct __test_metadata *_metadata, int pidfd,
			 bool remote, unsigned long start, unsigned long len)
{
	long pte_kb = vmpte_kb(), freed = reclaimed_on_demand();
	long ret;

	ret = pt_reclaim(pidfd, remote, start, len);
	if (len) {
		expect_refused(_metadata, ret, errno, remote, pte_kb, freed);
		return;
	}
	/* process_madvise()'s iovec check refuses a kernel address anyway */
	if (!(remote && ret == -1 && errno == EFAULT))
		EXPECT_EQ(0, ret);
	EXPECT_EQ(pte_kb, vmpte_kb());
	if (freed >= 0)
		EXPECT_EQ(freed, reclaimed_on_demand());
}

/* A kernel that walks such a range block by block would take hours */
TEST_F_TIMEOUT(hostile, madvise, 20)
{
	hostile_call(_metadata, self->pidfd, false, variant->start,
		     variant->len);
}

TEST_F_TIMEOUT(hostile, process_madvise, 20)
{
	hostile_call(_metadata, self->pidfd, true, variant->start,
		     variant->len);
}

static void __attribute__((constructor)) init_sizes(void)
{
	page_size = sysconf(_SC_PAGESIZE);
	/* what one PTE table maps: a page of 8-byte entries */
	pmd_size = page_size * (page_size / sizeof(uint64_t));
}

TEST_HARNESS_MAIN
