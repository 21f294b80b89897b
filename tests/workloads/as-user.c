// SPDX-License-Identifier: GPL-2.0
/*
 * as-user: run a command as another user, without its capabilities, for
 * the permission tests in guests (busybox has no setpriv --reuid).
 *
 *   as-user UID COMMAND [ARGS...]
 *
 * Drops supplementary groups, sets gid and uid to UID (all three ids), so
 * that a root caller's capabilities are gone, then execs COMMAND (PATH is
 * searched). Exit status: COMMAND's, 2 bad usage, 126 a call failed.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *end;
	long uid;

	if (argc < 3)
		goto usage;
	uid = strtol(argv[1], &end, 10);
	if (*end || uid <= 0)
		goto usage;
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
	    setresuid(uid, uid, uid)) {
		fprintf(stderr, "as-user: %s\n", strerror(errno));
		return 126;
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "as-user: %s: %s\n", argv[2], strerror(errno));
	return 126;
usage:
	fprintf(stderr, "usage: as-user UID COMMAND [ARGS...]\n");
	return 2;
}
