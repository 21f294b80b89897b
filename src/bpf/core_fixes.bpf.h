/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CO-RE shims: every read of a kernel struct whose layout differs between
 * the kernels ptwatch supports goes through here, so that the programs
 * themselves stay free of layout knowledge. Decisions use
 * bpf_core_field_exists / bpf_core_type_exists (resolved by libbpf against
 * the running kernel's BTF at load time), never a kernel version number.
 */
#ifndef PTWATCH_CORE_FIXES_BPF_H
#define PTWATCH_CORE_FIXES_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

/* Page-table bytes of an mm, all levels (mm_pgtables_bytes()). The field
 * exists on every MMU kernel; without it the free_pgtables probe cannot
 * measure anything and reports 0 tables. */
static __always_inline long ptw_mm_pgtables_bytes(struct mm_struct *mm)
{
	if (!bpf_core_field_exists(mm->pgtables_bytes))
		return 0;
	return BPF_CORE_READ(mm, pgtables_bytes.counter);
}

/* Live threads of a task's thread group; 0 once the last one is exiting.
 * `live` has been an atomic_t in signal_struct since 2.6.x; guarded so that
 * a kernel without it makes every exit count as the group's last. */
static __always_inline int ptw_task_group_live(struct task_struct *t)
{
	if (!bpf_core_field_exists(t->signal) ||
	    !bpf_core_field_exists(struct signal_struct, live))
		return 0;
	return BPF_CORE_READ(t, signal, live.counter);
}

/* mmu_gather.mm: the one free_pgtables argument that never changed
 * (6.2, 6.5 and 6.8 changed the others). */
static __always_inline struct mm_struct *ptw_tlb_mm(struct mmu_gather *tlb)
{
	return BPF_CORE_READ(tlb, mm);
}

/*
 * A PMD entry as pmd_none() sees it on x86: the hardware may set Accessed
 * and Dirty in a not-present entry (Knights Landing erratum), so they are
 * ignored. pmd_t is a one-member struct on every kernel; when it is
 * missing from BTF the raw 8 bytes are read instead.
 */
#define PTW_PMD_ERRATUM_MASK 0x60UL
static __always_inline bool ptw_pmd_none(const void *pmdp)
{
	unsigned long val = 0;
	__u32 size = sizeof(val);

	if (bpf_core_type_exists(pmd_t) && bpf_core_type_size(pmd_t) < size)
		size = bpf_core_type_size(pmd_t);
	bpf_probe_read_kernel(&val, size, pmdp);
	return (val & ~PTW_PMD_ERRATUM_MASK) == 0;
}

#endif
