/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The BPF task iterator as a sampler source: every process's page-table
 * bytes, RSS by type, swap entries, memory cgroup id and comm in one pass
 * over the kernel's task list, as fixed-size records (ptwatch_iter.h), at
 * a fraction of the cost of reading /proc/PID/status and cgroup as text.
 *
 * It loads where BPF task iterators exist (5.8+) and the kernel has BTF;
 * it needs no function tracing. Anything else (no BTF, no privileges, a
 * verifier or CO-RE failure, PTWATCH_BPF_DENY containing "iter") makes
 * open() fail with one line saying why, and the caller reads procfs.
 *
 *	struct ptw_iter *it;
 *	char why[256];
 *	if (ptw_iter_open(&it, false, false, why, sizeof(why)) == 0) {
 *		ptw_iter_read(it, my_fn, my_arg);   // once per sample
 *		ptw_iter_close(it);
 *	}
 */
#ifndef PTWATCH_BPF_ITER_H
#define PTWATCH_BPF_ITER_H

#include <stdbool.h>
#include <stddef.h>

#include "ptwatch_iter.h"

/* The `source` names of the two ways a sample is taken (JSON, tables). */
#define PTW_SOURCE_ITER "bpf-iter"
#define PTW_SOURCE_PROCFS "procfs"

struct ptw_iter;

/*
 * Loads and attaches the iterator. v1_memory: the memory controller is on
 * cgroup v1 (records then carry the v1 memory cgroup's id). one_pass: the
 * caller reads once or a few times (the CLI): the leader walk or the
 * seq_file iterator, which load in some 30 ms, rather than the task list
 * (6.7+), whose load costs some 250 ms. Returns 0, or
 * -errno with `why` set to one line (no trailing newline): -EPERM without
 * privileges, -EACCES when denied by PTWATCH_BPF_DENY, -ENOENT without
 * kernel BTF, another -errno when the kernel refused the program.
 */
int ptw_iter_open(struct ptw_iter **out, bool v1_memory, bool one_pass,
		  char *why, size_t len);
void ptw_iter_close(struct ptw_iter *it);

/* How the records are made: "task list" (6.7+: one program run walks the
 * thread-group leaders, no PID lookups), "leader walk" (6.1+: one read of
 * a task iterator parameterized to our own task walks the same list,
 * reading fields with helper calls) or "seq_file" (the task iterator,
 * every task looked up by PID). */
const char *ptw_iter_kind(const struct ptw_iter *it);

/* Whether the RSS figures are the per-CPU counters' exact sums (as procfs
 * shows them) or, without the per-CPU offsets, their central counts. */
bool ptw_iter_rss_exact(const struct ptw_iter *it);

/*
 * One pass over every process: fn for each record, in ascending tgid
 * order (a process created during the pass may be missed; one that exits
 * during it may still be given). fn returns 0 to go on, or a negative
 * errno to stop the pass with it. Returns the number of records, or
 * -errno (-EPROTO: a record of another layout).
 */
typedef int (*ptw_iter_fn)(const struct ptw_iter_rec *r, void *arg);
int ptw_iter_read(struct ptw_iter *it, ptw_iter_fn fn, void *arg);

#endif
