/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The task iterator's records (bpf_iter.h) as snapshot processes: the same
 * proc_sample that /proc/PID/{status,cgroup,smaps_rollup} give, so that the
 * two sources make the same snapshot. comm is the kernel's bytes; the
 * cgroup id becomes its path (cgroup_ids.h); THP, needed and
 * waste bytes come from snapshot_estimate(), which reads smaps_rollup for
 * the few processes with enough VmPTE to need it, as the procfs path does.
 */
#ifndef PTWATCH_ITER_SAMPLE_H
#define PTWATCH_ITER_SAMPLE_H

#include <stdbool.h>

#include "bpf_iter.h"
#include "cgroup_ids.h"
#include "snapshot.h"

struct iter_sampler {
	struct ptw_iter *it;
	const struct cgroup_layout *layout;
	struct cgroup_ids ids;
	bool ids_fresh;		 /* ids walked during this pass */
	bool ids_same;		 /* the walk at begin found what ids held */
	int proc_fd;		 /* the proc root, for smaps_rollup */
	uint64_t rollup_min_pte; /* literally, as snapshot_estimate() */
};

/* comm as the procfs reader gives it: the kernel's bytes (status's
 * escaping undone), up to TASK_COMM_LEN - 1. */
void iter_comm(const char raw[PTW_ITER_COMM_BYTES], char *out, size_t len);

/* Starts a pass: walks the cgroup ids into is->ids, replacing what it
 * held (the last pass's table, or nothing) and setting ids_same to
 * whether the two are equal. 0 or -errno. */
int iter_sampler_begin(struct iter_sampler *is);
/* One record as a sample. keep_cgroup: p holds this process's sample of
 * the same cgroup id, and ids_same: its path is still right (not looked
 * up again). 0, or -EACCES: filled, but smaps_rollup was refused (THP
 * unknown, as for the procfs path). */
int iter_sampler_fill(struct iter_sampler *is, const struct ptw_iter_rec *r,
		      struct proc_sample *p, bool keep_cgroup);
/* Whether p, filled from an earlier record of the same process and cgroup
 * id, holds what r would give without a smaps_rollup: its figures and comm
 * are r's and its VmPTE is below PTW_ROLLUP_MIN_PTE (no THP to read). */
bool iter_sampler_unchanged(const struct ptw_iter_rec *r,
			    const struct proc_sample *p);
void iter_sampler_end(struct iter_sampler *is);

/*
 * PID 1 from procfs, for a pass that did not give it: the 6.18 kernel of
 * the development machine starts its task iteration at PID 2 (what
 * procfs shows as PID 1 is never visited). 0 with p filled, -EACCES filled
 * without THP, or -errno (no such process, no mm).
 */
int iter_sampler_pid1(struct iter_sampler *is, struct proc_sample *p);

/*
 * snapshot_take() through the task iterator (every process; only_pid is
 * not supported: -EINVAL). The iterator is loaded on the first call and
 * kept for later ones (`ptwatch top`). Returns 0 with s->source
 * "bpf-iter", or -errno with `why` saying in one line why the iterator
 * could not be used (the caller then reads procfs).
 */
int snapshot_take_iter(struct snapshot *s, const struct snapshot_opts *o,
		       char *why, size_t len);

#endif
