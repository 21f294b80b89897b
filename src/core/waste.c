// SPDX-License-Identifier: GPL-2.0
/*
 * The waste model, docs/waste-model.md. A PTE table maps 512 pages (2 MiB),
 * a PMD table 512 PTE tables or 2 MiB huge pages (1 GiB), a PUD table 512
 * PMD tables (512 GiB). VmPTE counts all three levels. "Needed" packs the
 * memory the process really has into full tables: a lower bound on what
 * any layout needs, so the waste is an upper bound that is reached when
 * memory is dense and the rest of the tables map nothing.
 *
 * A PMD-mapped anonymous THP needs no PTE table to map it but keeps one
 * deposited (pgtable_trans_huge_deposit(), so that a later split cannot
 * fail for want of memory): needed, and in VmPTE. File and shmem PMD
 * mappings deposit nothing on x86-64.
 */
#include "waste.h"

#define PAGE_SZ 4096ULL
#define PER_TABLE 512ULL

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

void waste_estimate(const struct waste_input *in, struct waste_estimate *out)
{
	uint64_t pte_pages =
		div_up(in->pte_mapped_bytes + in->swap_bytes, PAGE_SZ);
	uint64_t pte_tables = div_up(pte_pages, PER_TABLE) +
			      in->anon_pmd_bytes / (PAGE_SZ * PER_TABLE);
	/* a deposited table is not in the PMD: its entry maps the THP */
	uint64_t pmd_entries =
		div_up(pte_pages, PER_TABLE) +
		div_up(in->pmd_mapped_bytes, PAGE_SZ * PER_TABLE);
	uint64_t pmd_tables = div_up(pmd_entries, PER_TABLE);
	uint64_t pud_tables = div_up(pmd_tables, PER_TABLE);

	out->needed_bytes = (pte_tables + pmd_tables + pud_tables) * PAGE_SZ;
	out->waste_bytes = in->page_table_bytes > out->needed_bytes ?
				   in->page_table_bytes - out->needed_bytes :
				   0;
}
