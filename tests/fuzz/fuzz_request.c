// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the query socket's request parser: any bytes must
 * give OK, MORE or ERR with a message, never a crash, a leak or a read past
 * the buffer (built with ASan and UBSan).
 */
#include <stdint.h>
#include <string.h>

#include "daemon/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct d_request req;
	char err[256];
	enum d_parse rc;

	err[0] = 0;
	rc = d_proto_parse((const char *)data, size, &req, err, sizeof(err));
	if (rc == D_PARSE_ERR && (!err[0] || strlen(err) >= sizeof(err)))
		__builtin_trap(); /* every refusal says why */
	if (rc == D_PARSE_OK && req.cmd > D_CMD_KNOB)
		__builtin_trap();
	return 0;
}
