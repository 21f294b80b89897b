// SPDX-License-Identifier: GPL-2.0
/* Parsing the query socket's requests (proto.h). */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"

static const char *const knob_names[D_NR_KNOBS] = {
	[D_KNOB_RECLAIM] = "vm.pt_reclaim",
	[D_KNOB_VMEMMAP] = "vm.hugetlb_optimize_vmemmap",
};

int d_knob_id_parse(const char *name)
{
	for (int i = 0; i < D_NR_KNOBS; i++)
		if (strcmp(name, knob_names[i]) == 0)
			return i;
	return -1;
}

const char *d_knob_id_name(enum d_knob_id id)
{
	return (unsigned int)id < D_NR_KNOBS ? knob_names[id] : "?";
}

static const struct {
	const char *name;
	enum d_cmd cmd;
} cmds[] = {
	{ "status", D_CMD_STATUS },   { "snapshot", D_CMD_SNAPSHOT },
	{ "process", D_CMD_PROCESS }, { "history", D_CMD_HISTORY },
	{ "knob", D_CMD_KNOB },
};

/* An optional non-negative integer member, at most max. */
static int get_uint(json_object *o, const char *key, long long max,
		    long long *out, char *err, size_t errlen)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	errno = 0;
	if (!json_object_is_type(v, json_type_int) ||
	    (*out = json_object_get_int64(v)) < 0 || *out > max || errno) {
		snprintf(err, errlen,
			 "\"%s\" must be an integer from 0 to %lld", key, max);
		return -1;
	}
	return 0;
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Every member must be one this command knows: a typo is an error, not a
 * silently different request. */
static int check_keys(json_object *o, const char *const *allowed, char *err,
		      size_t errlen)
{
	json_object_object_foreach(o, key, val) {
		const char *const *a = allowed;

		(void)val;
		while (*a && strcmp(*a, key))
			a++;
		if (!*a) {
			snprintf(err, errlen, "unknown member \"%.40s\"", key);
			return -1;
		}
	}
	return 0;
}

static int parse_knob(json_object *o, struct d_request *r, char *err,
		      size_t errlen)
{
	const char *knob = get_str(o, "knob"), *mode = get_str(o, "mode");
	int id = knob ? d_knob_id_parse(knob) : -1;

	if (id < 0) {
		snprintf(err, errlen, "\"knob\" must be \"%s\" or \"%s\"",
			 knob_names[0], knob_names[1]);
		return -1;
	}
	if (!mode || d_knob_mode_parse(mode, &r->mode)) {
		snprintf(err, errlen,
			 "\"mode\" must be on, off, auto or report");
		return -1;
	}
	r->knob = id;
	return 0;
}

static int parse_object(json_object *o, struct d_request *r, char *err,
			size_t errlen)
{
	static const char *const allowed[] = { "cmd",  "max_procs", "history",
					       "pid",  "n",	    "knob",
					       "mode", NULL };
	const char *cmd = get_str(o, "cmd");
	long long v = 0;
	size_t i;

	if (!cmd) {
		snprintf(err, errlen, "missing \"cmd\" (a string)");
		return -1;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmd, cmds[i].name) == 0)
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0])) {
		snprintf(err, errlen,
			 "unknown cmd \"%.40s\" (status, snapshot, process, "
			 "history, knob)",
			 cmd);
		return -1;
	}
	if (check_keys(o, allowed, err, errlen))
		return -1;
	r->cmd = cmds[i].cmd;
	if (get_uint(o, "max_procs", 1000000, &v, err, errlen))
		return -1;
	r->max_procs = v;
	v = 0;
	if (get_uint(o, "history", 100000, &v, err, errlen))
		return -1;
	r->history = v;
	v = 0;
	if (get_uint(o, "n", 100000, &v, err, errlen))
		return -1;
	if (r->cmd == D_CMD_HISTORY)
		r->history = v ? v : 60;
	v = 0;
	if (get_uint(o, "pid", 0x7fffffff, &v, err, errlen))
		return -1;
	r->pid = v;
	if (r->cmd == D_CMD_PROCESS && r->pid <= 0) {
		snprintf(err, errlen,
			 "\"pid\" (a positive integer) is required");
		return -1;
	}
	if (r->cmd == D_CMD_KNOB)
		return parse_knob(o, r, err, errlen);
	return 0;
}

enum d_parse d_proto_parse(const char *buf, size_t len, struct d_request *req,
			   char *err, size_t errlen)
{
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	json_object *o;
	int rc;

	memset(req, 0, sizeof(*req));
	if (len > D_PROTO_MAX_REQUEST) {
		snprintf(err, errlen, "request larger than %d bytes",
			 D_PROTO_MAX_REQUEST);
		return D_PARSE_ERR;
	}
	/* depth 8: a request is flat; deep nesting is only an attack */
	tok = json_tokener_new_ex(8);
	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return D_PARSE_ERR;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	if (!o && jerr == json_tokener_continue) {
		json_tokener_free(tok);
		return D_PARSE_MORE;
	}
	if (!o) {
		snprintf(err, errlen, "not JSON: %s",
			 json_tokener_error_desc(jerr));
		json_tokener_free(tok);
		return D_PARSE_ERR;
	}
	/* only whitespace may follow the object */
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
		if (!strchr(" \t\r\n", buf[i])) {
			snprintf(err, errlen,
				 "trailing data after the request");
			json_object_put(o);
			json_tokener_free(tok);
			return D_PARSE_ERR;
		}
	}
	json_tokener_free(tok);
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "a request is a JSON object");
		rc = -1;
	} else {
		rc = parse_object(o, req, err, errlen);
	}
	json_object_put(o);
	return rc ? D_PARSE_ERR : D_PARSE_OK;
}
