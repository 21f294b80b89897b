/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The query socket's requests (docs/protocol.md): one JSON object per
 * connection, at most D_PROTO_MAX_REQUEST bytes. This parser is what the
 * fuzzer (tests/fuzz) drives: it must refuse anything but the documented
 * requests without crashing or allocating without bound.
 */
#ifndef PTWATCH_D_PROTO_H
#define PTWATCH_D_PROTO_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"

#define D_PROTO_MAX_REQUEST 4096

enum d_cmd {
	D_CMD_STATUS,
	D_CMD_SNAPSHOT,
	D_CMD_PROCESS,
	D_CMD_HISTORY,
	D_CMD_KNOB
};

enum d_knob_id { D_KNOB_RECLAIM, D_KNOB_VMEMMAP, D_NR_KNOBS };

struct d_request {
	enum d_cmd cmd;
	size_t max_procs;    /* snapshot: 0 = all */
	size_t history;	     /* snapshot, history: samples wanted */
	pid_t pid;	     /* process */
	enum d_knob_id knob; /* knob */
	enum d_knob_mode mode;
};

enum d_parse { D_PARSE_OK = 0, D_PARSE_MORE = 1, D_PARSE_ERR = -1 };

/*
 * Parses the bytes received so far. D_PARSE_MORE: a valid prefix, wait for
 * more (the caller enforces size and time limits). D_PARSE_ERR: err says
 * why, in words fit for the client.
 */
enum d_parse d_proto_parse(const char *buf, size_t len, struct d_request *req,
			   char *err, size_t errlen);

/* "vm.pt_reclaim" -> D_KNOB_RECLAIM; -1 if unknown. */
int d_knob_id_parse(const char *name);
const char *d_knob_id_name(enum d_knob_id id);

#endif
