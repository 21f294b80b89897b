/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The page-table waste model (docs/waste-model.md): how many page-table
 * bytes a process's resident and swapped memory needs if its PTE tables
 * were full, and the difference to what it holds.
 */
#ifndef PTWATCH_WASTE_H
#define PTWATCH_WASTE_H

#include <stdint.h>

struct waste_input {
	uint64_t pte_mapped_bytes; /* resident memory mapped by PTEs */
	uint64_t pmd_mapped_bytes; /* resident memory mapped by PMDs (THP) */
	uint64_t swap_bytes;	   /* swap entries live in PTEs too */
	uint64_t page_table_bytes; /* VmPTE */
	/* of pmd_mapped_bytes, the anonymous THP (AnonHugePages): on x86-64
	 * each keeps a deposited PTE table, counted in VmPTE */
	uint64_t anon_pmd_bytes;
};

struct waste_estimate {
	uint64_t needed_bytes; /* all levels below the PGD */
	uint64_t waste_bytes;  /* page_table_bytes - needed, never negative */
};

void waste_estimate(const struct waste_input *in, struct waste_estimate *out);

#endif
