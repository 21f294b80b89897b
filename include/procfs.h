/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsers for the procfs and cgroupfs text ptwatch reads. They take the
 * file's text (so unit tests feed captured fixtures) and fill a struct.
 * Sizes are bytes. A key missing from the text leaves its field 0 and
 * clears the matching bit in `have` where the caller needs to know.
 */
#ifndef PTWATCH_PROCFS_H
#define PTWATCH_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PTW_COMM_LEN 16 /* TASK_COMM_LEN */

struct proc_status {
	char comm[PTW_COMM_LEN + 1];
	pid_t tgid;
	uint64_t vm_rss, rss_anon, rss_file, rss_shmem;
	uint64_t vm_swap;
	uint64_t vm_pte;  /* VmPTE: all levels, mm_pgtables_bytes() */
	uint64_t hugetlb; /* HugetlbPages */
	bool has_mm;	  /* false for kernel threads (no VmPTE line) */
};

struct smaps_rollup {
	uint64_t rss, swap;
	uint64_t anon_huge;	   /* AnonHugePages: PMD-mapped THP */
	uint64_t shmem_pmd_mapped; /* ShmemPmdMapped */
	uint64_t file_pmd_mapped;  /* FilePmdMapped */
};

struct meminfo {
	uint64_t mem_total, mem_available;
	uint64_t page_tables, sec_page_tables;
};

/* Each returns 0, or -EINVAL when the text is not what the file holds. */
int procfs_parse_status(const char *text, struct proc_status *out);
int procfs_parse_smaps_rollup(const char *text, struct smaps_rollup *out);
int procfs_parse_meminfo(const char *text, struct meminfo *out);

/* memory.stat (v1 or v2): the value of `key`, -ENOENT when absent. */
int procfs_memstat_value(const char *text, const char *key, uint64_t *out);

/*
 * /proc/PID/cgroup: the path of the memory cgroup. `v2_memory` says whether
 * the memory controller is on the unified hierarchy (then the "0::" line
 * counts), otherwise the v1 line naming "memory" does. -ENOENT if none.
 */
int procfs_parse_cgroup(const char *text, bool v2_memory, char *path,
			size_t len);

/*
 * Reads a whole small file (procfs files have no size) into buf, NUL
 * terminated, relative to dirfd (AT_FDCWD for absolute paths). Returns the
 * length or -errno; ESRCH/ENOENT mean the process went away.
 */
ssize_t procfs_read(int dirfd, const char *path, char *buf, size_t len);

/* VmPTE of the process whose /proc directory is dirfd: 0, -ESRCH when it
 * is gone or has no mm (a kernel thread), or -errno. */
int procfs_vm_pte(int dirfd, uint64_t *out);

/* /proc/PID/stat: numeric field `field` (as proc(5) numbers them, 3 or
 * more: counted after the comm, which may hold anything). 0 or -EINVAL. */
int procfs_parse_stat_field(const char *text, int field, uint64_t *out);

/* /proc/PID/stat: the process's start time (field 22, clock ticks since
 * boot), which tells a reused PID from the process that had it. 0 or
 * -EINVAL. */
int procfs_parse_start_time(const char *text, uint64_t *out);

/* The same read from proc_root ("/proc"): 0, -ESRCH when gone, -errno. */
int procfs_start_time(const char *proc_root, pid_t pid, uint64_t *out);

#endif
