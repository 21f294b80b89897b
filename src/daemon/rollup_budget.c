// SPDX-License-Identifier: GPL-2.0
/* The smaps_rollup budget of a sample (rollup_budget.h). */
#include "rollup_budget.h"
#include "snapshot.h"

void d_rollup_begin(struct d_rollup_budget *b, uint64_t per_sample)
{
	*b = (struct d_rollup_budget){
		.per_sample = per_sample ? per_sample : D_ROLLUP_BUDGET,
	};
	b->left = b->per_sample;
}

enum d_rollup d_rollup_decide(struct d_rollup_budget *b, uint64_t pte)
{
	if (pte < PTW_ROLLUP_MIN_PTE)
		return D_ROLLUP_NONE;
	if (pte > b->per_sample) {
		b->status_only++;
		return D_ROLLUP_STATUS_ONLY;
	}
	if (pte > b->left) {
		b->deferred++;
		return D_ROLLUP_DEFER;
	}
	b->left -= pte;
	b->walked += pte;
	b->read++;
	return D_ROLLUP_READ;
}
