/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exact census of one process's PTE tables (docs/waste-model.md):
 * which 2 MiB blocks have a PTE table that maps something, read from the
 * page tables themselves through PAGEMAP_SCAN (6.7+) or /proc/PID/pagemap,
 * set against VmPTE to count the tables that map nothing.
 */
#ifndef PTWATCH_CENSUS_H
#define PTWATCH_CENSUS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct pte_census {
	const char *method;		 /* "pagemap_scan" or "pagemap" */
	uint64_t page_table_bytes;	 /* VmPTE when the census ran */
	uint64_t pte_tables;		 /* VmPTE pages less the upper levels */
	uint64_t used_pte_tables;	 /* tables with a present or swap PTE */
	uint64_t empty_pte_tables;	 /* pte_tables - used_pte_tables */
	uint64_t pmd_tables, pud_tables; /* upper levels, from the layout */
	uint64_t huge_blocks;	/* 2 MiB blocks mapped by a PMD (THP) */
	uint64_t scanned_bytes; /* virtual memory walked */
};

/*
 * Takes the census of `pid` under proc_root ("/proc"). force_pagemap skips
 * PAGEMAP_SCAN. 0 or -errno: -ESRCH gone, -EACCES/-EPERM no right to read
 * pagemap (needs the same user or CAP_SYS_PTRACE).
 */
int census_take(const char *proc_root, pid_t pid, bool force_pagemap,
		struct pte_census *out);

/*
 * What the census walk saw, for callers that need places rather than
 * counts (`ptwatch reclaim pid` sends only the blocks that map nothing).
 * Called in address order: vma() for each mapping below the user top,
 * then used() for the ranges in it that hold a present or swap entry
 * (whole 2 MiB blocks on the pagemap path, page runs with PAGEMAP_SCAN;
 * PMD-mapped blocks included). Either may be NULL.
 */
struct census_visitor {
	void (*vma)(void *ctx, uint64_t start, uint64_t end, bool access);
	void (*used)(void *ctx, uint64_t start, uint64_t end);
	void *ctx;
};

/* census_take(), telling `visit` what the walk sees. */
int census_take_visit(const char *proc_root, pid_t pid, bool force_pagemap,
		      const struct census_visitor *visit,
		      struct pte_census *out);

#endif
