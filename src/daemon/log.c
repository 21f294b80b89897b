// SPDX-License-Identifier: GPL-2.0
/* ptwatchd logging: journal fields or a stderr line, and fault counting. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
/* CODE_FILE= would always name this file: not useful */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "log.h"

#define D_LOG_MAX_FIELDS 12

static bool use_journal;

/* JOURNAL_STREAM is "DEV:INODE" of the stream systemd connected to stderr;
 * only if stderr still is that stream are we logging to the journal. */
static bool stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!env || sscanf(env, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st))
		return false;
	return st.st_dev == dev && st.st_ino == ino;
}

void d_log_init(enum d_log_target target)
{
	if (target == D_LOG_AUTO)
		use_journal = stderr_is_journal();
	else
		use_journal = target == D_LOG_JOURNAL;
}

bool d_log_to_journal(void)
{
	return use_journal;
}

static const char *prio_name(int prio)
{
	static const char *const names[] = { "emerg", "alert",	 "crit",
					     "err",   "warning", "notice",
					     "info",  "debug" };

	return prio >= 0 && prio <= LOG_DEBUG ? names[prio] : "info";
}

static void send_journal(int prio, const struct d_log_field *fields, int nr,
			 const char *msg)
{
	/* fixed buffers: logging must work when memory is short */
	static char bufs[D_LOG_MAX_FIELDS + 3][1100];
	struct iovec iov[D_LOG_MAX_FIELDS + 3];
	int n = 0;

	if (nr > D_LOG_MAX_FIELDS)
		nr = D_LOG_MAX_FIELDS;
	snprintf(bufs[n++], sizeof(bufs[0]), "MESSAGE=%s", msg);
	snprintf(bufs[n++], sizeof(bufs[0]), "PRIORITY=%d", prio);
	snprintf(bufs[n++], sizeof(bufs[0]), "SYSLOG_IDENTIFIER=ptwatchd");
	for (int i = 0; i < nr; i++)
		snprintf(bufs[n++], sizeof(bufs[0]), "%s=%s", fields[i].key,
			 fields[i].value);
	for (int i = 0; i < n; i++)
		iov[i] = (struct iovec){ bufs[i], strlen(bufs[i]) };
	sd_journal_sendv(iov, n);
}

static void send_stderr(int prio, const struct d_log_field *fields, int nr,
			const char *msg)
{
	/* one write per record so that lines from a restart never interleave */
	char line[2048];
	int len = snprintf(line, sizeof(line), "ptwatchd[%s]: %s",
			   prio_name(prio), msg);

	for (int i = 0; i < nr && len < (int)sizeof(line); i++)
		len += snprintf(line + len, sizeof(line) - len, " %s=%s",
				fields[i].key, fields[i].value);
	if (len >= (int)sizeof(line))
		len = sizeof(line) - 1;
	line[len++] = '\n';
	fwrite(line, 1, len, stderr);
	fflush(stderr);
}

static void vlog(int prio, const struct d_log_field *fields, int nr,
		 const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (use_journal)
		send_journal(prio, fields, nr, msg);
	else
		send_stderr(prio, fields, nr, msg);
}

void d_log_fields(int prio, const struct d_log_field *fields, int nr,
		  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, fields, nr, fmt, ap);
	va_end(ap);
}

void d_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, NULL, 0, fmt, ap);
	va_end(ap);
}

void d_fault_fail(struct d_fault *f, const char *fmt, ...)
{
	struct d_log_field field = { "PTWATCH_FAULT", f->what };
	va_list ap;

	f->total++;
	if (f->active) {
		f->repeats++;
		return;
	}
	f->active = true;
	f->repeats = 0;
	va_start(ap, fmt);
	vlog(LOG_WARNING, &field, 1, fmt, ap);
	va_end(ap);
}

void d_fault_ok(struct d_fault *f)
{
	struct d_log_field field = { "PTWATCH_FAULT", f->what };

	if (!f->active)
		return;
	f->active = false;
	d_log_fields(LOG_NOTICE, &field, 1,
		     "%s: recovered (%lu repeated failures not logged)",
		     f->what, f->repeats);
}
