/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The workloads' one reader of "KEY value" files: their own
 * /proc/self/status (VmPTE, page tables of every level; VmRSS; in kB) and
 * /proc/vmstat.
 */
#ifndef PTWATCH_WORKLOAD_STATUS_KB_H
#define PTWATCH_WORKLOAD_STATUS_KB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The number after KEY in the first line of PATH that starts with KEY and
 * then ':' or ' ' (/proc/self/status, /proc/vmstat), -1 when missing or
 * unreadable.
 */
static inline long file_key_value(const char *path, const char *key)
{
	char line[256];
	long v = -1;
	size_t n = strlen(key);
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) &&
		    (line[n] == ':' || line[n] == ' ')) {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* The value of the "KEY:   N kB" line of /proc/self/status, in kB. */
static inline long status_kb(const char *key)
{
	return file_key_value("/proc/self/status", key);
}

#endif
