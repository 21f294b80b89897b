// SPDX-License-Identifier: GPL-2.0
/* The census for people (census_view.h). */
#include <langinfo.h>
#include <stdio.h>
#include <string.h>

#include "census_view.h"
#include "report.h"
#include "term.h"

#define TOP_TRIES 3

const char *census_bar(const uint64_t *occ, char *buf)
{
	static const char *const utf8[] = { "▁", "▂", "▃", "▄",
					    "▅", "▆", "▇", "█" };
	static const char *const ascii[] = { ".", "_", "-", "=",
					     "+", "*", "%", "#" };
	/* blocks only where the locale's characters are UTF-8 */
	const char *const *level =
		strcmp(nl_langinfo(CODESET), "UTF-8") ? ascii : utf8;
	uint64_t max = 0;
	size_t len = 0;

	for (int b = 0; b < CENSUS_BUCKETS; b++)
		if (occ[b] > max)
			max = occ[b];
	for (int b = 0; b < CENSUS_BUCKETS; b++)
		len += snprintf(buf + len, CENSUS_BAR_LEN - len, "%s%s:%llu",
				b ? " " : "", census_bucket_names[b],
				(unsigned long long)occ[b]);
	len += snprintf(buf + len, CENSUS_BAR_LEN - len, "  ");
	for (int b = 0; b < CENSUS_BUCKETS; b++) {
		const char *c = " ";

		if (occ[b])
			c = level[(occ[b] * 7 + max - 1) / max];
		len += snprintf(buf + len, CENSUS_BAR_LEN - len, "%s", c);
	}
	return buf;
}

void census_advice(FILE *out, const struct pte_census *c)
{
	const struct census_figures *f = &c->fig;
	uint64_t packed = (c->used_entries + 511) / 512;
	char b[16], text[512];

	if (f->sparse_excess_bytes < CENSUS_ADVICE_MIN_BYTES ||
	    f->sparse_excess_bytes <= f->reclaimable_bytes)
		return;
	snprintf(text, sizeof(text),
		 "%s of page tables are sparse, not empty: %llu tables "
		 "hold %llu entries that %llu would hold packed; no table "
		 "reclaim frees them, the allocator's settings can "
		 "(docs/allocator-advice.md)",
		 fmt_bytes(f->sparse_excess_bytes, b),
		 (unsigned long long)c->used_pte_tables,
		 (unsigned long long)c->used_entries,
		 (unsigned long long)packed);
	term_fold(out, 0, "advice: ", text, term_width());
}

size_t census_top(struct snapshot *s, size_t n)
{
	size_t done = 0;

	for (size_t i = 0; i < s->nr_procs && i < n; i++) {
		struct proc_sample *p = &s->procs[i];
		struct pte_census c;

		/* another user's process, or one that exited: no figures */
		if (census_take_retry("/proc", p->pid, false, TOP_TRIES, &c))
			continue;
		p->census = c.fig;
		done++;
	}
	census_sum_snapshot(s);
	return done;
}
