/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Structs shared by the BPF object (src/bpf/ptwatch.bpf.c) and user space
 * (the loader beside it in src/bpf): map keys and values, and the exit record.
 * Fixed-size types only: both sides must agree on the layout.
 */
#ifndef PTWATCH_BPF_SHARED_H
#define PTWATCH_BPF_SHARED_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Counters kept per process and, per CPU, for the whole system. */
enum ptw_counter {
	PTW_C_PTE_INSTALLED, /* PTE tables installed (pmd_install) */
	PTW_C_PTE_FREED,     /* page tables freed by free_pgtables */
	PTW_C_PTE_RECLAIMED, /* empty PTE tables reclaimed */
	PTW_C_PTES_ZAPPED,   /* PTEs cleared by zap_pte_range */
	PTW_C_ZAP_CALLS,     /* zap calls seen (any zap target) */
	PTW_C_ZAP_BYTES,     /* bytes of address range zapped */
	PTW_C_MADV_DONTNEED_CALLS,
	PTW_C_MADV_DONTNEED_BYTES,
	PTW_C_MADV_FREE_CALLS,
	PTW_C_MADV_FREE_BYTES,
	PTW_C_ZAP_PTE_TABLES,	/* PTE tables zap_pte_range went through */
	PTW_C_PTE_RECLAIM_BUSY, /* tables reclaim found in use (kept, refilled) */
	PTW_C_NR,
};

/* Zap batch sizes: slot i counts batches of 2^i .. 2^(i+1)-1 PTEs; the
 * last slot is 512 (a whole PTE table, the most one batch can hold). The
 * same slots as the kernel's zap_pte_stats.batch_hist (our series). */
#define PTW_HIST_SLOTS 10

#define PTW_COMM_BYTES 16 /* TASK_COMM_LEN */

/* Value of the per-process LRU hash (key: __u32 tgid), and the record the
 * BPF side sends through the `exits` ring buffer when a process ends (its
 * map entry is then deleted). Counters start when the entry is created. */
struct ptw_proc {
	__u64 cgroup_id; /* cgroup v2 id of the first thread seen */
	__u64 c[PTW_C_NR];
	__u64 hist[PTW_HIST_SLOTS];
	char comm[PTW_COMM_BYTES]; /* the thread-group leader's */
	__u32 pid;		   /* tgid */
	__u32 pad;
};

/* The per-CPU system-wide totals (one entry of a PERCPU_ARRAY). */
struct ptw_totals {
	__u64 c[PTW_C_NR];
	__u64 hist[PTW_HIST_SLOTS];
	__u64 drops; /* events not attributed: process map or ring full */
};

/* Default size of the process map; user space may change it before load. */
#define PTW_MAX_PROCS 10240

#endif
