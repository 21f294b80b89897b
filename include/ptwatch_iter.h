/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The record the task iterator (src/bpf/task_iter.bpf.c) writes for each
 * process, shared with its reader (src/bpf/iter.c). The iterator's seq_file
 * is a stream of these, back to back, in ascending tgid order; user space
 * reads it with read(2) in large chunks. Fixed-size types only.
 */
#ifndef PTWATCH_ITER_SHARED_H
#define PTWATCH_ITER_SHARED_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PTW_ITER_COMM_BYTES 16 /* TASK_COMM_LEN */

/* Bump when the layout changes: the reader refuses other versions. */
#define PTW_ITER_VERSION 1

/* Sizes in bytes, as /proc/PID/status shows them (times 1024). */
struct ptw_iter_rec {
	__u32 tgid;
	__u32 version;	 /* PTW_ITER_VERSION */
	__u64 start_ns;	 /* leader's start_time: tells a reused tgid */
	__u64 cgroup_id; /* memory cgroup: v2 default cgroup, or the v1
			      * memory hierarchy's; its directory's inode */
	__u64 pgtables;	 /* mm_pgtables_bytes(): VmPTE */
	__u64 rss_anon;	 /* MM_ANONPAGES: RssAnon */
	__u64 rss_file;	 /* MM_FILEPAGES: RssFile */
	__u64 rss_shmem; /* MM_SHMEMPAGES: RssShmem */
	__u64 swap;	 /* MM_SWAPENTS: VmSwap */
	char comm[PTW_ITER_COMM_BYTES]; /* raw, not escaped */
};

#endif
