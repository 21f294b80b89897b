/* SPDX-License-Identifier: GPL-2.0 */
/* Short forms for adding numbers to json-c objects. */
#ifndef PTWATCH_JSON_PUT_H
#define PTWATCH_JSON_PUT_H

#include <json-c/json.h>
#include <stdint.h>

static inline void json_put_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static inline void json_put_int(json_object *o, const char *key, int v)
{
	json_object_object_add(o, key, json_object_new_int(v));
}

#endif
