/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ptwatch side of the daemon's query socket (docs/protocol.md).
 * One JSON request, one JSON answer per connection.
 */
#ifndef PTWATCH_CLIENT_H
#define PTWATCH_CLIENT_H

#include <json-c/json.h>

/*
 * Sends `req` to the daemon at socket_path and returns its answer in *resp
 * (caller puts it). 0 on success; -ENOENT/-ECONNREFUSED when no daemon is
 * listening (the caller falls back to reading procfs itself), other -errno
 * on failure. Bounded by timeout_ms.
 */
int client_request(const char *socket_path, json_object *req,
		   json_object **resp, int timeout_ms);

#endif
