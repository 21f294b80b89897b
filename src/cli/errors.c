// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the ptwatch commands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

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
