// SPDX-License-Identifier: GPL-2.0
/*
 * A process's census figures in JSON (docs/json-schema.md): null, never a
 * made-up 0, where no census ran, so that a reader can tell "exactly zero
 * reclaimable" from "not looked at".
 */
#include <math.h>
#include <string.h>
#include <time.h>

#include "census.h"
#include "json_put.h"

static const char *const count_keys[] = {
	"empty_pte_tables",	   "reclaimable_bytes",
	"sparse_excess_bytes",	   "thp_deposited_tables",
	"census_page_table_bytes",
};

static uint64_t *count_field(struct census_figures *f, size_t i)
{
	uint64_t *fields[] = { &f->empty_pte_tables, &f->reclaimable_bytes,
			       &f->sparse_excess_bytes,
			       &f->thp_deposited_tables, &f->page_table_bytes };

	return fields[i];
}

#define NR_COUNTS (sizeof(count_keys) / sizeof(count_keys[0]))

static uint64_t now_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

json_object *census_occupancy_to_json(const uint64_t *occ)
{
	json_object *o = json_object_new_object();

	for (int b = 0; b < CENSUS_BUCKETS; b++)
		json_put_u64(o, census_bucket_names[b], occ[b]);
	return o;
}

void census_figures_to_json(json_object *o, const struct census_figures *f)
{
	struct census_figures c = *f;
	uint64_t now = now_realtime_ns();
	double age;

	for (size_t i = 0; i < NR_COUNTS; i++)
		json_object_object_add(
			o, count_keys[i],
			f->valid ? json_object_new_uint64(*count_field(&c, i)) :
				   NULL);
	json_object_object_add(
		o, "occupancy",
		f->valid ? census_occupancy_to_json(f->occupancy) : NULL);
	/* tenths of a second: the age is read by people and alerts */
	age = now > f->realtime_ns ? (double)(now - f->realtime_ns) / 1e9 : 0;
	json_object_object_add(
		o, "census_age_s",
		f->valid ? json_object_new_double(round(age * 10) / 10) : NULL);
}

void census_figures_from_json(json_object *o, struct census_figures *f)
{
	json_object *v, *occ;

	memset(f, 0, sizeof(*f));
	if (!json_object_object_get_ex(o, "census_age_s", &v) || !v)
		return;
	f->valid = true;
	f->realtime_ns =
		now_realtime_ns() - (uint64_t)(json_object_get_double(v) * 1e9);
	for (size_t i = 0; i < NR_COUNTS; i++)
		if (json_object_object_get_ex(o, count_keys[i], &v))
			*count_field(f, i) = json_object_get_uint64(v);
	if (!json_object_object_get_ex(o, "occupancy", &occ))
		return;
	for (int b = 0; b < CENSUS_BUCKETS; b++)
		if (json_object_object_get_ex(occ, census_bucket_names[b], &v))
			f->occupancy[b] = json_object_get_uint64(v);
}

void census_sum_to_json(json_object *o, const struct census_sum *s,
			uint64_t page_table_bytes)
{
	double share = page_table_bytes ? (double)s->page_table_bytes /
						  (double)page_table_bytes :
					  0;

	json_put_u64(o, "censused_processes", s->processes);
	json_put_u64(o, "censused_page_table_bytes", s->page_table_bytes);
	/* VmPTE and PageTables are read at different moments: cap at 1 */
	json_object_object_add(
		o, "census_coverage",
		page_table_bytes ?
			json_object_new_double(
				round((share > 1 ? 1 : share) * 1000) / 1000) :
			NULL);
	json_put_u64(o, "empty_pte_tables", s->empty_pte_tables);
	json_put_u64(o, "reclaimable_bytes", s->reclaimable_bytes);
	json_put_u64(o, "sparse_excess_bytes", s->sparse_excess_bytes);
	json_put_u64(o, "thp_deposited_tables", s->thp_deposited_tables);
}

static uint64_t get_u64(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ?
		       json_object_get_uint64(v) :
		       0;
}

void census_sum_from_json(json_object *o, struct census_sum *s)
{
	s->processes = get_u64(o, "censused_processes");
	s->page_table_bytes = get_u64(o, "censused_page_table_bytes");
	s->empty_pte_tables = get_u64(o, "empty_pte_tables");
	s->reclaimable_bytes = get_u64(o, "reclaimable_bytes");
	s->sparse_excess_bytes = get_u64(o, "sparse_excess_bytes");
	s->thp_deposited_tables = get_u64(o, "thp_deposited_tables");
}
