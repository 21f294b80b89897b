// SPDX-License-Identifier: GPL-2.0
/*
 * The snapshot as JSON: the schema of docs/json-schema.md (version 1).
 * One table of fields per object drives both the writer and the reader, so
 * that what ptwatchd sends and what `ptwatch` reads back cannot drift
 * apart: a field added to a table is written and read.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_put.h"
#include "snapshot.h"

#define PTW_SCHEMA_VERSION 1

enum field_kind {
	FK_U64,	   /* uint64_t */
	FK_UINT,   /* unsigned int */
	FK_PID,	   /* pid_t */
	FK_STR,	   /* char[size], NUL-terminated */
	FK_SOURCE, /* const char *, one of cgroup_sources[] */
	FK_RSS,	   /* written only: rss_anon + rss_file + rss_shmem */
};

struct field {
	const char *key;
	enum field_kind kind;
	size_t off, size;
};

/*
 * FIELD(kind, "key", struct, member). The member's C type is checked
 * against the kind at compile time: KIND_CHECK is 0, or an array of
 * negative size when they differ.
 */
/* clang-format off */
#define KIND_CTYPE_OK(kind, v)                          \
	_Generic((v),                                   \
		 uint64_t: (kind) == FK_U64,            \
		 unsigned int: (kind) == FK_UINT,       \
		 pid_t: (kind) == FK_PID,               \
		 char *: (kind) == FK_STR,              \
		 const char *: (kind) == FK_SOURCE,     \
		 default: 0)
#define KIND_CHECK(kind, type, m) \
	(0 * sizeof(char[KIND_CTYPE_OK(kind, ((type *)0)->m) ? 1 : -1]))
#define FIELD(kind, key, type, m)                       \
	{ key, kind, offsetof(type, m),                 \
	  sizeof(((type *)0)->m) + KIND_CHECK(kind, type, m) }
/* clang-format on */

/* The first is what a reader assumes for an unknown value. */
static const char *const cgroup_sources[] = { "processes", "memory.stat" };

static const struct field host_fields[] = {
	FIELD(FK_STR, "kernel", struct host_sample, kernel),
	FIELD(FK_U64, "timestamp_ns", struct host_sample, realtime_ns),
	FIELD(FK_U64, "mem_total_bytes", struct host_sample, mem_total),
	FIELD(FK_U64, "page_tables_bytes", struct host_sample, page_tables),
	FIELD(FK_U64, "sec_page_tables_bytes", struct host_sample,
	      sec_page_tables),
	FIELD(FK_U64, "waste_bytes", struct host_sample, waste_bytes),
	FIELD(FK_UINT, "cgroup_version", struct host_sample, cgroup_version),
	FIELD(FK_UINT, "processes_partial", struct host_sample, unreadable),
};

static const struct field proc_fields[] = {
	FIELD(FK_PID, "pid", struct proc_sample, pid),
	FIELD(FK_STR, "comm", struct proc_sample, comm),
	FIELD(FK_STR, "cgroup", struct proc_sample, cgroup),
	{ "rss_bytes", FK_RSS, 0, 0 },
	FIELD(FK_U64, "rss_anon_bytes", struct proc_sample, rss_anon),
	FIELD(FK_U64, "rss_file_bytes", struct proc_sample, rss_file),
	FIELD(FK_U64, "rss_shmem_bytes", struct proc_sample, rss_shmem),
	FIELD(FK_U64, "swap_bytes", struct proc_sample, swap),
	FIELD(FK_U64, "thp_bytes", struct proc_sample, thp_bytes),
	FIELD(FK_U64, "page_table_bytes", struct proc_sample, page_table_bytes),
	FIELD(FK_U64, "needed_page_table_bytes", struct proc_sample,
	      needed_bytes),
	FIELD(FK_U64, "waste_bytes", struct proc_sample, waste_bytes),
};

static const struct field cgroup_fields[] = {
	FIELD(FK_STR, "path", struct cgroup_sample, path),
	FIELD(FK_U64, "page_table_bytes", struct cgroup_sample,
	      page_table_bytes),
	FIELD(FK_U64, "waste_bytes", struct cgroup_sample, waste_bytes),
	FIELD(FK_UINT, "processes", struct cgroup_sample, nr_procs),
	FIELD(FK_SOURCE, "source", struct cgroup_sample, source),
};

#define ARRAY_SIZE(t) (sizeof(t) / sizeof((t)[0]))

static json_object *field_value(const struct field *f, const void *obj)
{
	const char *p = (const char *)obj + f->off;
	const struct proc_sample *ps;

	switch (f->kind) {
	case FK_U64:
		return json_object_new_uint64(*(const uint64_t *)p);
	case FK_UINT:
		return json_object_new_int64(*(const unsigned int *)p);
	case FK_PID:
		return json_object_new_int(*(const pid_t *)p);
	case FK_STR:
		return json_object_new_string(p);
	case FK_SOURCE:
		return json_object_new_string(*(const char *const *)p);
	case FK_RSS:
		ps = obj;
		return json_object_new_uint64(ps->rss_anon + ps->rss_file +
					      ps->rss_shmem);
	}
	return NULL;
}

static json_object *fields_to_json(const struct field *t, size_t n,
				   const void *obj)
{
	json_object *o = json_object_new_object();

	for (size_t i = 0; i < n; i++)
		json_object_object_add(o, t[i].key, field_value(&t[i], obj));
	return o;
}

static const char *source_from(const char *s)
{
	for (size_t i = 0; s && i < ARRAY_SIZE(cgroup_sources); i++) {
		if (!strcmp(s, cgroup_sources[i]))
			return cgroup_sources[i];
	}
	return cgroup_sources[0];
}

/* A missing field reads as 0 or "", as writers older than it left it. */
static void field_read(const struct field *f, json_object *v, void *obj)
{
	char *p = (char *)obj + f->off;

	switch (f->kind) {
	case FK_U64:
		*(uint64_t *)p = v ? json_object_get_uint64(v) : 0;
		break;
	case FK_UINT:
		*(unsigned int *)p = v ? json_object_get_uint64(v) : 0;
		break;
	case FK_PID:
		*(pid_t *)p = v ? json_object_get_int(v) : 0;
		break;
	case FK_STR:
		snprintf(p, f->size, "%s", v ? json_object_get_string(v) : "");
		break;
	case FK_SOURCE:
		*(const char **)p = source_from(json_object_get_string(v));
		break;
	case FK_RSS:
		break;
	}
}

static void fields_from_json(json_object *o, const struct field *t, size_t n,
			     void *obj)
{
	for (size_t i = 0; i < n; i++) {
		json_object *v = NULL;

		json_object_object_get_ex(o, t[i].key, &v);
		field_read(&t[i], v, obj);
	}
}

json_object *host_sample_to_json(const struct host_sample *h)
{
	json_object *o =
		fields_to_json(host_fields, ARRAY_SIZE(host_fields), h);

	census_sum_to_json(o, &h->census, h->page_tables);
	return o;
}

json_object *proc_sample_to_json(const struct proc_sample *p)
{
	json_object *o =
		fields_to_json(proc_fields, ARRAY_SIZE(proc_fields), p);

	census_figures_to_json(o, &p->census);
	return o;
}

static json_object *cgroup_to_json(const struct cgroup_sample *c)
{
	json_object *o =
		fields_to_json(cgroup_fields, ARRAY_SIZE(cgroup_fields), c);

	census_sum_to_json(o, &c->census, c->page_table_bytes);
	return o;
}

json_object *snapshot_to_json(const struct snapshot *s, size_t max_procs)
{
	json_object *o = json_object_new_object();
	json_object *procs = json_object_new_array();
	json_object *cgs = json_object_new_array();

	for (size_t i = 0; i < s->nr_procs && i < max_procs; i++)
		json_object_array_add(procs, proc_sample_to_json(&s->procs[i]));
	for (size_t i = 0; i < s->nr_cgroups; i++)
		json_object_array_add(cgs, cgroup_to_json(&s->cgroups[i]));
	json_put_int(o, "schema_version", PTW_SCHEMA_VERSION);
	json_object_object_add(o, "source",
			       json_object_new_string(s->source ? s->source :
								  "procfs"));
	json_object_object_add(o, "host", host_sample_to_json(&s->host));
	json_object_object_add(o, "processes", procs);
	json_object_object_add(o, "cgroups", cgs);
	return o;
}

int snapshot_from_json(json_object *o, struct snapshot *s)
{
	json_object *host, *procs, *cgs;

	memset(s, 0, sizeof(*s));
	if (!json_object_object_get_ex(o, "host", &host) ||
	    !json_object_object_get_ex(o, "processes", &procs) ||
	    !json_object_object_get_ex(o, "cgroups", &cgs) ||
	    !json_object_is_type(procs, json_type_array) ||
	    !json_object_is_type(cgs, json_type_array))
		return -EPROTO;
	fields_from_json(host, host_fields, ARRAY_SIZE(host_fields), &s->host);
	census_sum_from_json(host, &s->host.census);
	s->nr_procs = json_object_array_length(procs);
	s->nr_cgroups = json_object_array_length(cgs);
	s->procs = calloc(s->nr_procs + 1, sizeof(*s->procs));
	s->cgroups = calloc(s->nr_cgroups + 1, sizeof(*s->cgroups));
	if (!s->procs || !s->cgroups) {
		snapshot_free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->nr_procs; i++) {
		json_object *p = json_object_array_get_idx(procs, i);

		fields_from_json(p, proc_fields, ARRAY_SIZE(proc_fields),
				 &s->procs[i]);
		census_figures_from_json(p, &s->procs[i].census);
	}
	for (size_t i = 0; i < s->nr_cgroups; i++) {
		json_object *c = json_object_array_get_idx(cgs, i);

		fields_from_json(c, cgroup_fields, ARRAY_SIZE(cgroup_fields),
				 &s->cgroups[i]);
		census_sum_from_json(c, &s->cgroups[i].census);
	}
	return 0;
}
