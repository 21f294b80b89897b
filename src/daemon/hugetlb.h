/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HugeTLB pools and the struct-page (vmemmap) memory that HugeTLB Vmemmap
 * Optimization frees for them (seeds/004): a huge page of S bytes is
 * described by S/4096 struct pages of 64 bytes; HVO keeps one vmemmap page
 * and frees the rest: 7 of 8 pages for 2 MiB, 4095 of 4096 for 1 GiB.
 * HVO acts when a huge page is allocated with vm.hugetlb_optimize_vmemmap=1,
 * so for the current pool it is what HVO saves if the pool was allocated
 * with the knob on, or would save if re-allocated with it on.
 */
#ifndef PTWATCH_D_HUGETLB_H
#define PTWATCH_D_HUGETLB_H

#include <stdint.h>

#define D_HUGETLB_MAX_SIZES 4

struct d_hugetlb_pool {
	uint64_t page_bytes;   /* 2 MiB, 1 GiB */
	uint64_t nr_pages;     /* nr_hugepages */
	uint64_t saving_bytes; /* vmemmap HVO frees for these pages */
};

struct d_hugetlb {
	unsigned int nr_pools;
	struct d_hugetlb_pool pools[D_HUGETLB_MAX_SIZES];
	uint64_t saving_bytes; /* over all pools */
};

/* vmemmap bytes HVO frees per huge page of page_bytes (0 if none). */
uint64_t d_hugetlb_saving_per_page(uint64_t page_bytes);

/* Reads SYS_ROOT/kernel/mm/hugepages/hugepages-*kB/nr_hugepages. 0, or
 * -errno when the directory is absent (no HugeTLB): out is then empty. */
int d_hugetlb_read(const char *sys_root, struct d_hugetlb *out);

#endif
