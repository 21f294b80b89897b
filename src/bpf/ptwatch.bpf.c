// SPDX-License-Identifier: GPL-2.0
/*
 * ptwatch's eyes: where page-table memory comes from and where it goes.
 *
 * One object for every kernel. Each probe has several programs (fentry,
 * kprobe, tracepoint, or the same on a caller when the function was
 * inlined); user space (src/bpf/select.c, probes.c) keeps exactly one of them
 * per probe with bpf_program__set_autoload() before loading, chosen from
 * BTF, kallsyms and what the kernel allows, and never from its version.
 *
 * Counters are aggregated here, per process in an LRU hash and per CPU for
 * the system; only a process's exit produces an event.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "core_fixes.bpf.h"
#include "ptwatch_bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define MADV_FREE_ 8
#define MADV_DONTNEED_ 4
#define NR_madvise_x86_64 28

/* Set by user space before load: count only this process (0: all). */
const volatile __u32 filter_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PTW_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct ptw_proc);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ptw_totals);
} totals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} exits SEC(".maps");

/* free_pgtables entry state, keyed by pid_tgid, for the exit half. */
struct fpt_start {
	struct mm_struct *mm;
	long bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct fpt_start);
} fpt_starts SEC(".maps");

static __always_inline struct ptw_totals *totals_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&totals, &zero);
}

static __always_inline void count_drop(void)
{
	struct ptw_totals *t = totals_get();

	if (t)
		t->drops++;
}

/* The current process's entry, created on first use; NULL when filtered
 * out or when the map cannot take it. */
static __always_inline struct ptw_proc *proc_get(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct task_struct *task;
	struct ptw_proc *p, init = {};

	if (filter_tgid && tgid != filter_tgid)
		return NULL;
	p = bpf_map_lookup_elem(&procs, &tgid);
	if (p)
		return p;
	task = (struct task_struct *)bpf_get_current_task();
	BPF_CORE_READ_STR_INTO(&init.comm, task, group_leader, comm);
	init.pid = tgid;
	init.cgroup_id = bpf_get_current_cgroup_id();
	bpf_map_update_elem(&procs, &tgid, &init, BPF_NOEXIST);
	p = bpf_map_lookup_elem(&procs, &tgid);
	if (!p)
		count_drop();
	return p;
}

static __always_inline void count(enum ptw_counter c, __u64 v)
{
	struct ptw_proc *p = proc_get();
	struct ptw_totals *t;

	if (filter_tgid && !p)
		return;
	t = totals_get();
	if (t)
		t->c[c] += v;
	if (p)
		__sync_fetch_and_add(&p->c[c], v);
}

/* --- pmd_install: a PTE table installed under an empty PMD --- */

/* pmd_install() frees the new table instead when another thread won the
 * race and the PMD is no longer empty: only an empty PMD counts. */
static __always_inline int on_pmd_install(const void *pmd)
{
	if (ptw_pmd_none(pmd))
		count(PTW_C_PTE_INSTALLED, 1);
	return 0;
}

SEC("fentry/pmd_install")
int BPF_PROG(fentry_pmd_install, struct mm_struct *mm, pmd_t *pmd)
{
	return on_pmd_install(pmd);
}

SEC("kprobe/pmd_install")
int BPF_KPROBE(kprobe_pmd_install, struct mm_struct *mm, pmd_t *pmd)
{
	return on_pmd_install(pmd);
}

/* Our 6.12 series: pte_table_install(mm, addr). */
SEC("raw_tp/pte_table_install")
int raw_pte_table_install(struct bpf_raw_tracepoint_args *ctx)
{
	count(PTW_C_PTE_INSTALLED, 1);
	return 0;
}

/* --- free_pgtables: tables torn down by munmap and exit ---
 * Its arguments changed in 6.2, 6.5 and 6.8; only tlb is stable. The
 * tables it freed are the drop of tlb->mm's page-table bytes between entry
 * and return (all levels; upper levels are at most 1/512 of them).
 */
static __always_inline int fpt_enter(struct mmu_gather *tlb)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct fpt_start s;

	s.mm = ptw_tlb_mm(tlb);
	s.bytes = ptw_mm_pgtables_bytes(s.mm);
	bpf_map_update_elem(&fpt_starts, &id, &s, BPF_ANY);
	return 0;
}

static __always_inline int fpt_exit(void)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct fpt_start *s = bpf_map_lookup_elem(&fpt_starts, &id);
	long now;

	if (!s)
		return 0;
	now = ptw_mm_pgtables_bytes(s->mm);
	/* Other threads may fault tables in meanwhile: never count < 0. */
	if (s->bytes > now)
		count(PTW_C_PTE_FREED, (__u64)(s->bytes - now) >> 12);
	bpf_map_delete_elem(&fpt_starts, &id);
	return 0;
}

SEC("fentry/free_pgtables")
int BPF_PROG(fentry_free_pgtables, struct mmu_gather *tlb)
{
	return fpt_enter(tlb);
}

SEC("fexit/free_pgtables")
int BPF_PROG(fexit_free_pgtables)
{
	return fpt_exit();
}

SEC("kprobe/free_pgtables")
int BPF_KPROBE(kprobe_free_pgtables, struct mmu_gather *tlb)
{
	return fpt_enter(tlb);
}

SEC("kretprobe/free_pgtables")
int BPF_KRETPROBE(kretprobe_free_pgtables)
{
	return fpt_exit();
}

/*
 * Our series: pte_table_free(mm, addr, reason). Freed, not reclaimed:
 * reason 0 (unmap, exit) and 2 (a file/shmem THP collapse retracted the
 * table: it was not empty, its pages became one huge mapping).
 */
SEC("raw_tp/pte_table_free")
int raw_pte_table_free_unmap(struct bpf_raw_tracepoint_args *ctx)
{
	int reason = (int)ctx->args[2];

	if (reason == 0 || reason == 2)
		count(PTW_C_PTE_FREED, 1);
	return 0;
}

/* --- PTE-table reclaim: empty tables freed ---
 * One call per table: our series' pt_reclaim_free_pte or mainline's
 * (6.14+) free_pte, which user space points these programs at. The
 * arguments are not read: a wrong prototype in BTF cannot mislead them.
 */

SEC("fentry/pt_reclaim_free_pte")
int BPF_PROG(fentry_pte_reclaim)
{
	count(PTW_C_PTE_RECLAIMED, 1);
	return 0;
}

SEC("kprobe/pt_reclaim_free_pte")
int BPF_KPROBE(kprobe_pte_reclaim)
{
	count(PTW_C_PTE_RECLAIMED, 1);
	return 0;
}

/* reason 1 = reclaimed because it was empty. */
SEC("raw_tp/pte_table_free")
int raw_pte_table_free_reclaim(struct bpf_raw_tracepoint_args *ctx)
{
	if ((int)ctx->args[2] == 1)
		count(PTW_C_PTE_RECLAIMED, 1);
	return 0;
}

/* --- zap: PTEs cleared, and how well large folios are batched --- */

/*
 * Our series: zap_pte_table(mm, addr, st), once per PTE table that
 * zap_pte_range() is done with: the full view. The kernel has already
 * counted the batches (one per folio run of present PTEs) into the same
 * slots as ours, so a table costs one event, not one per folio as the
 * first version's zap_pte_batch did (once per PTE of order-0 memory).
 *
 * The stats struct is read CO-RE: only the fields named here, found by
 * name in the running kernel's BTF. On kernels without the type this
 * program is never loaded, and libbpf leaves its relocations alone.
 */
struct zap_pte_stats___ptw {
	unsigned int cleared;
	unsigned short batch_hist[PTW_HIST_SLOTS];
	unsigned char fate;
} __attribute__((preserve_access_index));

/* zap_pte_stats.fate: reclaim was asked for and found the table kept
 * non-empty (2) or refilled (3); what /proc/vmstat counts as
 * pte_table_reclaim_busy. 1 (freed) is the reclaim probe's to count. */
#define ZAP_PTE_KEPT_ 2
#define ZAP_PTE_BUSY_ 3

static __always_inline void zap_add(__u64 *c, __u64 *hist, bool atomic,
				    __u32 cleared, __u32 busy,
				    const __u16 *h)
{
	if (atomic) {
		__sync_fetch_and_add(&c[PTW_C_PTES_ZAPPED], cleared);
		__sync_fetch_and_add(&c[PTW_C_ZAP_PTE_TABLES], 1);
		if (busy)
			__sync_fetch_and_add(&c[PTW_C_PTE_RECLAIM_BUSY], 1);
	} else {
		c[PTW_C_PTES_ZAPPED] += cleared;
		c[PTW_C_ZAP_PTE_TABLES]++;
		c[PTW_C_PTE_RECLAIM_BUSY] += busy;
	}
	/* Most slots are 0 (one folio size per table is usual): skip them
	 * rather than pay an atomic add of nothing. */
	for (int i = 0; i < PTW_HIST_SLOTS; i++) {
		if (!h[i])
			continue;
		if (atomic)
			__sync_fetch_and_add(&hist[i], h[i]);
		else
			hist[i] += h[i];
	}
}

/* One lookup of each map, not the three that count() + proc_get() +
 * totals_get() would make per counter. */
SEC("raw_tp/zap_pte_table")
int raw_zap_pte_table(struct bpf_raw_tracepoint_args *ctx)
{
	const struct zap_pte_stats___ptw *st = (const void *)ctx->args[2];
	__u16 h[PTW_HIST_SLOTS] = {};
	__u32 cleared = 0, busy;
	__u8 fate = 0;
	struct ptw_totals *t;
	struct ptw_proc *p;

	p = proc_get();
	if (filter_tgid && !p)
		return 0;
	BPF_CORE_READ_INTO(&cleared, st, cleared);
	BPF_CORE_READ_INTO(&fate, st, fate);
	BPF_CORE_READ_INTO(&h, st, batch_hist);
	busy = fate == ZAP_PTE_KEPT_ || fate == ZAP_PTE_BUSY_;
	t = totals_get();
	if (t)
		zap_add(t->c, t->hist, false, cleared, busy, h);
	if (p)
		zap_add(p->c, p->hist, true, cleared, busy, h);
	return 0;
}

/*
 * The coarse view, where zap_pte_range itself was inlined: one of its
 * callers, counting calls and the bytes of address range they cover.
 * Programs are named for where the range sits in the target's arguments;
 * user space points them at the target with bpf_program__set_attach_target.
 *   a34: zap_pte_range / zap_pmd_range(tlb, vma, pmd|pud, addr, end, ...)
 *   a23: unmap_page_range(tlb, vma, addr, end, details)
 *   a12: zap_page_range_single(vma, address, size, details)
 */
static __always_inline int on_zap_range(unsigned long start, unsigned long len)
{
	count(PTW_C_ZAP_CALLS, 1);
	count(PTW_C_ZAP_BYTES, len);
	return 0;
}

SEC("fentry/zap_pte_range")
int BPF_PROG(fentry_zap_a34, void *tlb, void *vma, void *pmd,
	     unsigned long addr, unsigned long end)
{
	return on_zap_range(addr, end - addr);
}

SEC("fentry/unmap_page_range")
int BPF_PROG(fentry_zap_a23, void *tlb, void *vma, unsigned long addr,
	     unsigned long end)
{
	return on_zap_range(addr, end - addr);
}

SEC("fentry/zap_page_range_single")
int BPF_PROG(fentry_zap_a12, void *vma, unsigned long addr, unsigned long size)
{
	return on_zap_range(addr, size);
}

SEC("kprobe/zap_pte_range")
int BPF_KPROBE(kprobe_zap_a34, void *tlb, void *vma, void *pmd,
	       unsigned long addr, unsigned long end)
{
	return on_zap_range(addr, end - addr);
}

SEC("kprobe/unmap_page_range")
int BPF_KPROBE(kprobe_zap_a23, void *tlb, void *vma, unsigned long addr,
	       unsigned long end)
{
	return on_zap_range(addr, end - addr);
}

SEC("kprobe/zap_page_range_single")
int BPF_KPROBE(kprobe_zap_a12, void *vma, unsigned long addr,
	       unsigned long size)
{
	return on_zap_range(addr, size);
}

/* --- madvise: MADV_DONTNEED / MADV_FREE calls and bytes --- */

static __always_inline int on_madvise(unsigned long len, int behavior)
{
	if (behavior == MADV_DONTNEED_) {
		count(PTW_C_MADV_DONTNEED_CALLS, 1);
		count(PTW_C_MADV_DONTNEED_BYTES, len);
	} else if (behavior == MADV_FREE_) {
		count(PTW_C_MADV_FREE_CALLS, 1);
		count(PTW_C_MADV_FREE_BYTES, len);
	}
	return 0;
}

/*
 * do_madvise(mm, start, len_in, behavior): madvise(2), process_madvise(2)
 * (each of its ranges) and io_uring's madvise call it, and only they pay
 * for the probe. The syscall tracepoints below are the fallback: enabling
 * any syscalls:* event turns on the syscall-work slow path for every task,
 * so every syscall on the host pays. Measured in the patched guest
 * (-icount, getppid() in a loop): 1,889 ns a call without ptwatchd, 2,679
 * with the tracepoint attached, 42% more (docs/bpf.md).
 */
SEC("fentry/do_madvise")
int BPF_PROG(fentry_madvise, struct mm_struct *mm, unsigned long start,
	     size_t len, int behavior)
{
	return on_madvise(len, behavior);
}

SEC("kprobe/do_madvise")
int BPF_KPROBE(kprobe_madvise, struct mm_struct *mm, unsigned long start,
	       size_t len, int behavior)
{
	return on_madvise(len, behavior);
}

SEC("tracepoint/syscalls/sys_enter_madvise")
int tp_sys_enter_madvise(struct trace_event_raw_sys_enter *ctx)
{
	return on_madvise(ctx->args[1], (int)ctx->args[2]);
}

/* Without tracefs the per-syscall event cannot be opened; the raw
 * sys_enter tracepoint can, and madvise is picked out by number. */
SEC("raw_tp/sys_enter")
int raw_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];

	if (ctx->args[1] != NR_madvise_x86_64)
		return 0;
	return on_madvise(PT_REGS_PARM2_CORE(regs), (int)PT_REGS_PARM3_CORE(regs));
}

/* --- process exit: hand the process's counters over and forget it --- */

SEC("raw_tp/sched_process_exit")
int raw_sched_process_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (struct task_struct *)ctx->args[0];
	__u32 tgid;
	struct ptw_proc *p;

	/* Only when the group's last thread goes: the mm (and the tables
	 * exit_mmap frees) belongs to the whole group. A thread still in
	 * exit_mm after that recreates the entry and sends it again on its
	 * own exit; user space adds the records up. */
	if (ptw_task_group_live(task) != 0)
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	p = bpf_map_lookup_elem(&procs, &tgid);
	if (!p)
		return 0;
	/* The entry may date from before an exec: take the final name. */
	BPF_CORE_READ_STR_INTO(&p->comm, task, group_leader, comm);
	if (bpf_ringbuf_output(&exits, p, sizeof(*p), 0))
		count_drop();
	bpf_map_delete_elem(&procs, &tgid);
	return 0;
}
