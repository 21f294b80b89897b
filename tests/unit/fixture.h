/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the unit tests build their fake /proc, /sys and config files with:
 * captured texts from tests/fixtures, and files and folders in a private
 * temporary tree. Every helper fails the running test (cmocka) when the
 * file system refuses, so a broken fixture never passes as a result.
 */
#ifndef PTWATCH_TEST_FIXTURE_H
#define PTWATCH_TEST_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "procfs.h"

/* The captured text tests/fixtures/NAME (a static buffer: copy to keep). */
static inline char *fixture(const char *name)
{
	static char buf[65536];
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", FIXTURES, name);
	if (procfs_read(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		fail_msg("missing fixture %s", path);
	return buf;
}

/* Makes a new folder /tmp/NAME-XXXXXX into dir (at least 64 bytes). */
static inline void fixture_tmpdir(char *dir, size_t len, const char *name)
{
	snprintf(dir, len, "/tmp/%s-XXXXXX", name);
	if (!mkdtemp(dir))
		fail_msg("mkdtemp %s: %s", dir, strerror(errno));
}

/* mkdir -p base/rel (base too, when missing) */
static inline void fixture_mkdirs(const char *base, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	for (char *p = path + 1;; p++) {
		bool end = !*p;

		if (*p != '/' && !end)
			continue;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		if (end)
			return;
		*p = '/';
	}
}

/* Writes text to base/rel, replacing what was there (base NULL: rel is
 * the whole path). */
static inline void fixture_write(const char *base, const char *rel,
				 const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s%s", base ? base : "",
		 base ? "/" : "", rel);
	f = fopen(path, "w");
	if (!f)
		fail_msg("write %s: %s", path, strerror(errno));
	fputs(text, f);
	if (fclose(f))
		fail_msg("write %s: %s", path, strerror(errno));
}

/* The first integer in the file at path. */
static inline int fixture_read_int(const char *path)
{
	FILE *f = fopen(path, "r");
	int v;

	if (!f)
		fail_msg("read %s: %s", path, strerror(errno));
	if (fscanf(f, "%d", &v) != 1)
		fail_msg("read %s: no number", path);
	fclose(f);
	return v;
}

static inline int fixture_rm_one(const char *path, const struct stat *st,
				 int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* rm -rf path (no shell); 0, or -1 when something stayed. */
static inline int fixture_rmtree(const char *path)
{
	return nftw(path, fixture_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
