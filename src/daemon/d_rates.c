// SPDX-License-Identifier: GPL-2.0
/* Per-process page-table rates between samples (include/d_rates.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "d_rates.h"

static int cmp_pid(const void *a, const void *b)
{
	const pid_t *x = a, *y = b;

	return (*x > *y) - (*x < *y);
}

static double lookup_rate(const struct d_rates *r, const struct proc_sample *p,
			  double dt)
{
	size_t lo = 0, hi = r->nr_prev;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (r->prev[mid].pid == p->pid)
			return ((double)p->page_table_bytes -
				(double)r->prev[mid].pte) / dt;
		if (r->prev[mid].pid < p->pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NAN;
}

int d_rates_update(struct d_rates *r, const struct snapshot *s)
{
	double dt = (double)(s->host.timestamp_ns - r->prev_ns) / 1e9;
	double *rate = malloc((s->nr_procs + 1) * sizeof(*rate));
	void *prev = malloc((s->nr_procs + 1) * sizeof(*r->prev));

	if (!rate || !prev) {
		free(rate);
		free(prev);
		d_rates_free(r);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->nr_procs; i++)
		rate[i] = r->prev_ns && dt > 0 ?
				  lookup_rate(r, &s->procs[i], dt) : NAN;
	free(r->rate);
	free(r->prev);
	r->rate = rate;
	r->nr_rate = s->nr_procs;
	r->prev = prev;
	r->nr_prev = s->nr_procs;
	for (size_t i = 0; i < s->nr_procs; i++) {
		r->prev[i].pid = s->procs[i].pid;
		r->prev[i].pte = s->procs[i].page_table_bytes;
	}
	/* pid is the first member, so cmp_pid sorts the pairs */
	qsort(r->prev, r->nr_prev, sizeof(*r->prev), cmp_pid);
	r->prev_ns = s->host.timestamp_ns;
	return 0;
}

double d_rates_get(const struct d_rates *r, size_t i)
{
	return r->rate && i < r->nr_rate ? r->rate[i] : NAN;
}

void d_rates_free(struct d_rates *r)
{
	free(r->rate);
	free(r->prev);
	*r = (struct d_rates){ 0 };
}
