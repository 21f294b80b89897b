/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The workloads' one reader of their own /proc/self/status: VmPTE (page
 * tables of every level), VmRSS and the like, in kB.
 */
#ifndef PTWATCH_WORKLOAD_STATUS_KB_H
#define PTWATCH_WORKLOAD_STATUS_KB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of the "KEY:   N kB" line, -1 when missing or unreadable. */
static inline long status_kb(const char *key)
{
	char line[256];
	long kb = -1;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			kb = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

#endif
