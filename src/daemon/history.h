/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The last N host samples, for {"cmd":"history"} and for rates. A fixed
 * ring: memory does not grow with uptime.
 */
#ifndef PTWATCH_D_HISTORY_H
#define PTWATCH_D_HISTORY_H

#include <json-c/json.h>
#include <stddef.h>

#include "snapshot.h"

struct d_history {
	struct host_sample *ring;
	size_t cap, len, head; /* head: where the next sample goes */
};

/* 0 or -ENOMEM. Resizing keeps the newest samples. */
int d_history_resize(struct d_history *h, size_t cap);
void d_history_free(struct d_history *h);
void d_history_push(struct d_history *h, const struct host_sample *s);

/* i = 0 is the newest; NULL past the end. */
const struct host_sample *d_history_get(const struct d_history *h, size_t i);

/* Change of page_tables per second between the two newest samples
 * (0 with fewer than two). */
double d_history_page_table_rate(const struct d_history *h);

/* The newest n samples, oldest first, as host_sample_to_json objects. */
json_object *d_history_to_json(const struct d_history *h, size_t n);

#endif
