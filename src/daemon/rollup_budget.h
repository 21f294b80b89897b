/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What one sample may spend on smaps_rollup. Its page walk costs with the
 * page tables, not the number of processes: 162 ms for one process with
 * 743 MiB of them, 0.22 ms per MiB on the development machine. A sample
 * therefore has a budget in bytes of VmPTE walked, and each process whose
 * rollup the model wants (VmPTE at least PTW_ROLLUP_MIN_PTE) is:
 *
 * - READ when it fits in what is left (the budget is charged),
 * - DEFERRED when it would fit a whole sample but not what is left: the
 *   caller reads it in a later sample (the procfs sampler's round-robin
 *   resumes with it; the task iterator keeps its previous THP figures),
 * - STATUS_ONLY when it is larger than a whole sample's budget: read from
 *   status alone, every time, so its series do not flip between two
 *   estimates (THP counted as PTE-mapped: waste estimated low, never
 *   high; `ptwatch show PID --exact` has the exact figures).
 *
 * So the rollups of one sample walk at most the budget, whatever the
 * process sizes.
 */
#ifndef PTWATCH_D_ROLLUP_BUDGET_H
#define PTWATCH_D_ROLLUP_BUDGET_H

#include <stdint.h>

/* 64 MiB of page tables: about 14 ms of smaps_rollup here. */
#define D_ROLLUP_BUDGET (64ULL << 20)

enum d_rollup {
	D_ROLLUP_NONE,
	D_ROLLUP_READ,
	D_ROLLUP_DEFER,
	D_ROLLUP_STATUS_ONLY
};

struct d_rollup_budget {
	uint64_t per_sample; /* bytes of VmPTE */
	uint64_t left;	     /* in the sample being taken */
	/* in the last (or current) sample: */
	uint64_t walked;
	unsigned int read, deferred, status_only;
};

/* A new sample with `per_sample` bytes (0: D_ROLLUP_BUDGET). */
void d_rollup_begin(struct d_rollup_budget *b, uint64_t per_sample);

/* For a process with `pte` bytes of VmPTE (as last seen): NONE when the
 * model does not want its rollup (small), else READ (charged), DEFER or
 * STATUS_ONLY as above. */
enum d_rollup d_rollup_decide(struct d_rollup_budget *b, uint64_t pte);

#endif
