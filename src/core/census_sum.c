// SPDX-License-Identifier: GPL-2.0
/*
 * Census figures summed over the processes that have them, into the host
 * and every cgroup up to the root, as the estimate's waste is summed: a
 * cgroup's sums cover its processes and its descendants'.
 */
#include <stdio.h>
#include <string.h>

#include "snapshot.h"

void census_sum_add(struct census_sum *s, const struct census_figures *f,
		    uint64_t page_table_bytes)
{
	if (!f->valid)
		return;
	s->processes++;
	s->page_table_bytes += page_table_bytes;
	s->empty_pte_tables += f->empty_pte_tables;
	s->thp_deposited_tables += f->thp_deposited_tables;
	s->reclaimable_bytes += f->reclaimable_bytes;
	s->sparse_excess_bytes += f->sparse_excess_bytes;
}

/* Does cgroup path `cg` hold process cgroup `p` ("/" holds everything)? */
static bool holds(const char *cg, const char *p)
{
	size_t n = strlen(cg);

	if (!strcmp(cg, "/"))
		return true;
	return !strncmp(cg, p, n) && (p[n] == '\0' || p[n] == '/');
}

void census_sum_snapshot(struct snapshot *s)
{
	memset(&s->host.census, 0, sizeof(s->host.census));
	for (size_t c = 0; c < s->nr_cgroups; c++)
		memset(&s->cgroups[c].census, 0, sizeof(s->cgroups[c].census));
	/* few processes are censused: a pass over the cgroups for each is
	 * cheaper than any index */
	for (size_t i = 0; i < s->nr_procs; i++) {
		const struct proc_sample *p = &s->procs[i];

		if (!p->census.valid)
			continue;
		census_sum_add(&s->host.census, &p->census,
			       p->page_table_bytes);
		for (size_t c = 0; c < s->nr_cgroups && p->cgroup[0]; c++)
			if (holds(s->cgroups[c].path, p->cgroup))
				census_sum_add(&s->cgroups[c].census,
					       &p->census, p->page_table_bytes);
	}
}
