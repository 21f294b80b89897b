// SPDX-License-Identifier: GPL-2.0
/* The snapshot as JSON: the schema of docs/json-schema.md (version 1). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_put.h"
#include "snapshot.h"

#define PTW_SCHEMA_VERSION 1

json_object *host_sample_to_json(const struct host_sample *h)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "kernel", json_object_new_string(h->kernel));
	json_put_u64(o, "timestamp_ns", h->realtime_ns);
	json_put_u64(o, "mem_total_bytes", h->mem_total);
	json_put_u64(o, "page_tables_bytes", h->page_tables);
	json_put_u64(o, "sec_page_tables_bytes", h->sec_page_tables);
	json_put_u64(o, "waste_bytes", h->waste_bytes);
	json_put_int(o, "cgroup_version", h->cgroup_version);
	json_put_int(o, "processes_partial", h->unreadable);
	return o;
}

json_object *proc_sample_to_json(const struct proc_sample *p)
{
	json_object *o = json_object_new_object();

	json_put_int(o, "pid", p->pid);
	json_object_object_add(o, "comm", json_object_new_string(p->comm));
	json_object_object_add(o, "cgroup", json_object_new_string(p->cgroup));
	json_put_u64(o, "rss_bytes", p->rss_anon + p->rss_file + p->rss_shmem);
	json_put_u64(o, "rss_anon_bytes", p->rss_anon);
	json_put_u64(o, "rss_file_bytes", p->rss_file);
	json_put_u64(o, "rss_shmem_bytes", p->rss_shmem);
	json_put_u64(o, "swap_bytes", p->swap);
	json_put_u64(o, "thp_bytes", p->thp_bytes);
	json_put_u64(o, "page_table_bytes", p->page_table_bytes);
	json_put_u64(o, "needed_page_table_bytes", p->needed_bytes);
	json_put_u64(o, "waste_bytes", p->waste_bytes);
	return o;
}

static json_object *cgroup_to_json(const struct cgroup_sample *c)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "path", json_object_new_string(c->path));
	json_put_u64(o, "page_table_bytes", c->page_table_bytes);
	json_put_u64(o, "waste_bytes", c->waste_bytes);
	json_put_int(o, "processes", c->nr_procs);
	json_object_object_add(o, "source", json_object_new_string(c->source));
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
	json_object_object_add(o, "source", json_object_new_string("procfs"));
	json_object_object_add(o, "host", host_sample_to_json(&s->host));
	json_object_object_add(o, "processes", procs);
	json_object_object_add(o, "cgroups", cgs);
	return o;
}

static uint64_t get_u64(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_uint64(v)
						     : 0;
}

static void get_str(json_object *o, const char *key, char *dst, size_t len)
{
	json_object *v;

	snprintf(dst, len, "%s", json_object_object_get_ex(o, key, &v) ?
					 json_object_get_string(v) : "");
}

static void host_from_json(json_object *o, struct host_sample *h)
{
	get_str(o, "kernel", h->kernel, sizeof(h->kernel));
	h->realtime_ns = get_u64(o, "timestamp_ns");
	h->mem_total = get_u64(o, "mem_total_bytes");
	h->page_tables = get_u64(o, "page_tables_bytes");
	h->sec_page_tables = get_u64(o, "sec_page_tables_bytes");
	h->waste_bytes = get_u64(o, "waste_bytes");
	h->cgroup_version = get_u64(o, "cgroup_version");
	h->unreadable = get_u64(o, "processes_partial");
}

static void proc_from_json(json_object *o, struct proc_sample *p)
{
	p->pid = get_u64(o, "pid");
	get_str(o, "comm", p->comm, sizeof(p->comm));
	get_str(o, "cgroup", p->cgroup, sizeof(p->cgroup));
	p->rss_anon = get_u64(o, "rss_anon_bytes");
	p->rss_file = get_u64(o, "rss_file_bytes");
	p->rss_shmem = get_u64(o, "rss_shmem_bytes");
	p->swap = get_u64(o, "swap_bytes");
	p->thp_bytes = get_u64(o, "thp_bytes");
	p->page_table_bytes = get_u64(o, "page_table_bytes");
	p->needed_bytes = get_u64(o, "needed_page_table_bytes");
	p->waste_bytes = get_u64(o, "waste_bytes");
}

static void cgroup_from_json(json_object *o, struct cgroup_sample *c)
{
	json_object *v;

	get_str(o, "path", c->path, sizeof(c->path));
	c->page_table_bytes = get_u64(o, "page_table_bytes");
	c->waste_bytes = get_u64(o, "waste_bytes");
	c->nr_procs = get_u64(o, "processes");
	c->source = json_object_object_get_ex(o, "source", &v) &&
				    strcmp(json_object_get_string(v),
					   "memory.stat") == 0 ?
			    "memory.stat" : "processes";
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
	host_from_json(host, &s->host);
	s->nr_procs = json_object_array_length(procs);
	s->nr_cgroups = json_object_array_length(cgs);
	s->procs = calloc(s->nr_procs + 1, sizeof(*s->procs));
	s->cgroups = calloc(s->nr_cgroups + 1, sizeof(*s->cgroups));
	if (!s->procs || !s->cgroups) {
		snapshot_free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->nr_procs; i++)
		proc_from_json(json_object_array_get_idx(procs, i), &s->procs[i]);
	for (size_t i = 0; i < s->nr_cgroups; i++)
		cgroup_from_json(json_object_array_get_idx(cgs, i),
				 &s->cgroups[i]);
	return 0;
}
