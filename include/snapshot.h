/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One sample of page-table memory: every process, every memory cgroup and
 * the host, read from procfs and cgroupfs. No root needed; processes whose
 * smaps_rollup cannot be read are counted in `unreadable` and estimated
 * from status alone; processes that exit while read are skipped.
 */
#ifndef PTWATCH_SNAPSHOT_H
#define PTWATCH_SNAPSHOT_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "census.h"
#include "procfs.h"

#define PTW_CGROUP_LEN 512

struct proc_sample {
	pid_t pid;
	char comm[PTW_COMM_LEN + 1];
	char cgroup[PTW_CGROUP_LEN];
	uint64_t rss_anon, rss_file, rss_shmem, swap;
	uint64_t thp_bytes;	   /* PMD-mapped (needs no PTE table) */
	uint64_t page_table_bytes; /* VmPTE */
	uint64_t needed_bytes, waste_bytes;
	struct census_figures census; /* exact figures, when censused */
};

struct cgroup_sample {
	char path[PTW_CGROUP_LEN];
	/* memory.stat pagetables (v2, hierarchical) or the sum of VmPTE of
	 * its processes and descendants' (v1), as `source` says. */
	uint64_t page_table_bytes;
	uint64_t waste_bytes; /* sum over processes, hierarchical */
	unsigned int nr_procs;
	const char *source;	  /* "memory.stat" or "processes" */
	struct census_sum census; /* censused processes, hierarchical */
};

struct host_sample {
	char kernel[65];
	uint64_t timestamp_ns; /* CLOCK_MONOTONIC */
	uint64_t realtime_ns;  /* CLOCK_REALTIME */
	uint64_t mem_total;
	uint64_t page_tables, sec_page_tables; /* /proc/meminfo */
	uint64_t waste_bytes;		       /* sum over processes */
	unsigned int cgroup_version; /* 2, 1, or 0 when none is mounted */
	unsigned int unreadable;     /* smaps_rollup not readable (another
				      * user's process): THP not subtracted */
	struct census_sum census;    /* over censused processes */
};

struct snapshot {
	struct host_sample host;
	struct proc_sample *procs;
	size_t nr_procs;
	struct cgroup_sample *cgroups;
	size_t nr_cgroups;
	/* how the processes were read: "procfs" or "bpf-iter" (the task
	 * iterator, bpf_iter.h); NULL reads as "procfs" */
	const char *source;
};

struct snapshot_opts {
	const char *proc_root;	 /* "/proc" unless a test says otherwise */
	const char *cgroup_root; /* "/sys/fs/cgroup" */
	pid_t only_pid;		 /* 0: all processes */
	/* smaps_rollup (which walks the page tables, ~80 us a process) is
	 * read only for processes with at least this much VmPTE; below it
	 * THP is not subtracted. 0: PTW_ROLLUP_MIN_PTE; 1: always. */
	uint64_t rollup_min_pte;
};

#define PTW_ROLLUP_MIN_PTE (1ULL << 20)

enum snapshot_sort { SORT_WASTE, SORT_PTE, SORT_RSS };

/* The host part alone: /proc/meminfo, uname, clocks. 0 or -errno. */
int snapshot_read_host(const char *proc_root, struct host_sample *h);

/* 0 or -errno; with only_pid set, -ESRCH when that process is gone. */
int snapshot_take(struct snapshot *s, const struct snapshot_opts *opts);
void snapshot_free(struct snapshot *s);
void snapshot_sort(struct snapshot *s, enum snapshot_sort key);

/* Reads one process; -ESRCH/-ENOENT gone, -ENODATA kernel thread, -EACCES
 * filled from status only (smaps_rollup unreadable: not our process).
 * `cgroup_v2_memory` as for procfs_parse_cgroup(); rollup_min_pte as in
 * snapshot_opts, but taken literally (0: always). */
int snapshot_read_proc(int proc_dirfd, pid_t pid, int cgroup_v2_memory,
		       uint64_t rollup_min_pte, struct proc_sample *out);

/* As snapshot_read_proc(), but reads smaps_rollup only when VmPTE is at
 * most rollup_max_pte as well: its page walk costs in proportion to the
 * page tables (162 ms for 743 MiB of them), so the daemon bounds what one
 * sample walks. Above it the figures come from status (THP counted as
 * PTE-mapped: the waste estimate is smaller, never larger). */
int snapshot_read_proc_bounded(int proc_dirfd, pid_t pid, int cgroup_v2_memory,
			       uint64_t rollup_min_pte, uint64_t rollup_max_pte,
			       struct proc_sample *out);

/* For a sample whose pid, comm, cgroup, RSS, swap and VmPTE came from
 * elsewhere (the task iterator): THP, needed and waste bytes as
 * snapshot_read_proc() computes them, reading smaps_rollup when VmPTE is
 * at least rollup_min_pte (literally). 0, or -EACCES when smaps_rollup
 * was wanted and refused (the estimate is then from the RSS alone). */
int snapshot_estimate(int proc_dirfd, uint64_t rollup_min_pte,
		      struct proc_sample *p);

/* The JSON schema of docs/json-schema.md, both ways. snapshot_from_json
 * reads what snapshot_to_json (or the daemon) wrote: 0 or -EPROTO. */
int snapshot_from_json(json_object *o, struct snapshot *s);
json_object *snapshot_to_json(const struct snapshot *s, size_t max_procs);
json_object *proc_sample_to_json(const struct proc_sample *p);
json_object *host_sample_to_json(const struct host_sample *h);

/* Sums the processes' census figures into the host and into each cgroup
 * and its ancestors (src/core/census_sum.c). */
void census_sum_snapshot(struct snapshot *s);

#endif
