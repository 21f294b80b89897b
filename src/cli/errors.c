// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the ptwatch commands. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "procfs.h"

int cli_error(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("ptwatch: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int cli_exit_for_errno(int err)
{
	switch (err) {
	case ENOENT:
	case ESRCH:
		return PTW_NOPROC;
	case EACCES:
	case EPERM:
		return PTW_PERM;
	case ENOTTY:
	case EOPNOTSUPP:
		return PTW_UNSUPPORTED;
	default:
		return PTW_ERR;
	}
}

int cli_check_pid(const char *proc_root, pid_t pid, const char *cmd)
{
	char path[64];
	uint64_t pte;
	int fd, err;

	snprintf(path, sizeof(path), "%s/%d", proc_root, (int)pid);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cli_error(errno == ENOENT ? PTW_NOPROC :
						   cli_exit_for_errno(errno),
				 "%s: no process %d", cmd, (int)pid);
	err = procfs_vm_pte(fd, &pte);
	close(fd);
	if (err == -ESRCH)
		return cli_error(PTW_NOPROC,
				 "%s: %d is a kernel thread (no page tables of "
				 "its own)",
				 cmd, (int)pid);
	return err ? cli_error(cli_exit_for_errno(-err), "%s: %d: %s", cmd,
			       (int)pid, strerror(-err)) :
		     0;
}

int cli_parse_seconds(const char *opt, const char *s, double min, double max,
		      double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno || *end || end == s || !(*out >= min && *out <= max))
		return cli_error(PTW_USAGE,
				 "%s: '%s' is not a number of seconds from %g "
				 "to %g",
				 opt, s, min, max);
	return PTW_OK;
}
