// SPDX-License-Identifier: GPL-2.0
/* A ring of host samples (history.h). */
#include <errno.h>
#include <stdlib.h>

#include "history.h"

int d_history_resize(struct d_history *h, size_t cap)
{
	struct host_sample *ring;
	size_t keep;

	if (cap == 0)
		cap = 1;
	ring = calloc(cap, sizeof(*ring));
	if (!ring)
		return -ENOMEM;
	keep = h->len < cap ? h->len : cap;
	/* copy oldest kept first so the ring stays in order */
	for (size_t i = 0; i < keep; i++)
		ring[i] = *d_history_get(h, keep - 1 - i);
	free(h->ring);
	h->ring = ring;
	h->cap = cap;
	h->len = keep;
	h->head = keep % cap;
	return 0;
}

void d_history_free(struct d_history *h)
{
	free(h->ring);
	*h = (struct d_history){ 0 };
}

void d_history_push(struct d_history *h, const struct host_sample *s)
{
	if (!h->cap)
		return;
	h->ring[h->head] = *s;
	h->head = (h->head + 1) % h->cap;
	if (h->len < h->cap)
		h->len++;
}

const struct host_sample *d_history_get(const struct d_history *h, size_t i)
{
	if (i >= h->len)
		return NULL;
	return &h->ring[(h->head + h->cap - 1 - i) % h->cap];
}

double d_history_page_table_rate(const struct d_history *h)
{
	const struct host_sample *a = d_history_get(h, 1);
	const struct host_sample *b = d_history_get(h, 0);
	double dt;

	if (!a || !b || b->timestamp_ns <= a->timestamp_ns)
		return 0;
	dt = (double)(b->timestamp_ns - a->timestamp_ns) / 1e9;
	return ((double)b->page_tables - (double)a->page_tables) / dt;
}

json_object *d_history_to_json(const struct d_history *h, size_t n)
{
	json_object *a = json_object_new_array();

	if (n > h->len)
		n = h->len;
	for (size_t i = n; i-- > 0;)
		json_object_array_add(a,
				      host_sample_to_json(d_history_get(h, i)));
	return a;
}
