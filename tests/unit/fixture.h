/* SPDX-License-Identifier: GPL-2.0 */
/* Loads a captured procfs text from tests/fixtures for the unit tests. */
#ifndef PTWATCH_TEST_FIXTURE_H
#define PTWATCH_TEST_FIXTURE_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

#include "procfs.h"

static inline char *fixture(const char *name)
{
	static char buf[65536];
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", FIXTURES, name);
	if (procfs_read(AT_FDCWD, path, buf, sizeof(buf)) < 0) {
		fprintf(stderr, "missing fixture %s\n", path);
		abort();
	}
	return buf;
}

#endif
