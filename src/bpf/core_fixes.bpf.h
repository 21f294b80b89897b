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

/*
 * The mm's RSS counters (MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS,
 * MM_SHMEMPAGES), in pages. Before 6.2 they are atomics in a struct
 * mm_rss_stat (procfs reads the atomic alone, without the per-thread
 * caches, and so does this); since 6.2 per-CPU counters, which procfs sums
 * over the CPUs (get_mm_counter_sum(), 6.16 and the stable kernels that
 * took it, 6.12.y among them). The sum needs each CPU's per-CPU offset
 * (offs, see task_iter.bpf.c): without it (offs NULL), only the counter's
 * central count is read (the figure the OOM killer uses, off by at most
 * its batch per CPU).
 */
struct mm_rss_stat___old {
	atomic_long_t count[4];
};

struct mm_struct___old {
	struct mm_rss_stat___old rss_stat;
} __attribute__((preserve_access_index));

struct mm_struct___new {
	struct percpu_counter rss_stat[4];
} __attribute__((preserve_access_index));

#define PTW_RSS_NR 4
#define PTW_MAX_CPUS 1024

/*
 * rss[i] for counter i: pages, never negative. offs[0..nr_cpus): each
 * possible CPU's per-CPU offset, or NULL. Returns false when the figures
 * are central counts only.
 *
 * mm: a BTF pointer (the task iterator's), so that plain loads replace
 * bpf_probe_read_kernel() where the verifier allows them: a helper call
 * costs some 40 ns here, and the iterator makes this call for every
 * process. The per-CPU part needs the helper (its addresses are numbers),
 * so the four counters are read in one call, and since 6.7 their per-CPU
 * parts sit side by side (percpu_counter_init_many()): one read a CPU.
 */
static __always_inline bool ptw_mm_rss(struct mm_struct *mm,
				       const unsigned long *offs, __u32 nr_cpus,
				       long rss[PTW_RSS_NR])
{
	struct mm_struct___new *mn = (void *)mm;
	struct mm_struct___old *mo = (void *)mm;
	__u64 stat[PTW_RSS_NR * 8]; /* rss_stat[]: 4 x at most 64 bytes */
	__u32 esz, o_count, o_ctr;
	unsigned long pcpu[PTW_RSS_NR];
	bool side_by_side = true;

	if (bpf_core_field_exists(mo->rss_stat)) {
		/* one read: 6.1's verifier refuses a plain load through the
		 * atomic_long_t typedef ("not a struct") */
		if (bpf_core_field_size(mo->rss_stat) != sizeof(stat[0]) * 4 ||
		    bpf_probe_read_kernel(stat, sizeof(stat[0]) * 4,
					  &mo->rss_stat)) {
			for (int i = 0; i < PTW_RSS_NR; i++)
				rss[i] = 0;
			return false;
		}
		for (int i = 0; i < PTW_RSS_NR; i++)
			rss[i] = stat[i];
		goto clamp;
	}
	esz = bpf_core_type_size(struct percpu_counter);
	if (!bpf_core_field_exists(mn->rss_stat) || esz > 64 || esz % 8) {
		for (int i = 0; i < PTW_RSS_NR; i++)
			rss[i] = 0;
		return false;
	}
	o_count = bpf_core_field_offset(struct percpu_counter, count);
	o_ctr = bpf_core_field_offset(struct percpu_counter, counters);
	if (o_count % 8 || o_ctr % 8 || o_count >= esz || o_ctr >= esz ||
	    bpf_probe_read_kernel(stat, PTW_RSS_NR * esz, &mn->rss_stat)) {
		for (int i = 0; i < PTW_RSS_NR; i++)
			rss[i] = 0;
		return false;
	}
	for (int i = 0; i < PTW_RSS_NR; i++) {
		rss[i] = stat[(i * esz + o_count) / 8];
		pcpu[i] = stat[(i * esz + o_ctr) / 8];
		side_by_side &= pcpu[i] == pcpu[0] + i * sizeof(s32);
	}
	if (!offs)
		goto clamp;
	for (__u32 cpu = 0; cpu < PTW_MAX_CPUS && cpu < nr_cpus; cpu++) {
		s32 v[PTW_RSS_NR] = {};

		if (side_by_side) {
			bpf_probe_read_kernel(v, sizeof(v),
					      (void *)(pcpu[0] + offs[cpu]));
		} else {
			for (int i = 0; i < PTW_RSS_NR; i++)
				bpf_probe_read_kernel(
					&v[i], sizeof(v[i]),
					(void *)(pcpu[i] + offs[cpu]));
		}
		for (int i = 0; i < PTW_RSS_NR; i++)
			rss[i] += v[i];
	}
clamp:
	for (int i = 0; i < PTW_RSS_NR; i++)
		if (rss[i] < 0)
			rss[i] = 0;
	return offs || bpf_core_field_exists(mo->rss_stat);
}

/* The memory cgroup of a task, as the inode number of its directory
 * (kernfs id, 64 bits since 5.5): on cgroup v2 the task's own cgroup (the
 * "0::" line of /proc/PID/cgroup), on v1 the memory hierarchy's. 0 when
 * unknown. */
static __always_inline __u64 ptw_task_memcg_id(struct task_struct *t,
					       bool v1_memory)
{
	int memory = 0;

	/* t: a BTF pointer (the task iterator's): plain loads */
	if (!v1_memory)
		return t->cgroups->dfl_cgrp->kn->id;
	if (!bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		return 0;
	memory = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	if (memory < 0 || memory >= 16)
		return 0;
	return t->cgroups->subsys[memory]->cgroup->kn->id;
}

/* ptw_task_memcg_id() of the tasks whose css_set is cs, an address as a
 * number (the leader walk's, which has no BTF pointers): helper reads. */
static __always_inline __u64 ptw_cset_memcg_id(const struct css_set *cs,
					       bool v1_memory)
{
	struct cgroup_subsys_state *css = NULL;
	int memory;

	if (!v1_memory)
		return BPF_CORE_READ(cs, dfl_cgrp, kn, id);
	if (!bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		return 0;
	memory = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	if (memory < 0 || memory >= 16 ||
	    bpf_probe_read_kernel(&css, sizeof(css),
				  (void *)cs +
					  bpf_core_field_offset(struct css_set,
								subsys) +
					  memory * sizeof(css)))
		return 0;
	return BPF_CORE_READ(css, cgroup, kn, id);
}

#endif
