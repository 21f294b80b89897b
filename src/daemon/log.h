/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptwatchd logging: structured records to the journal when running under
 * systemd, one plain line on stderr otherwise. A failure that repeats is
 * logged once and then only counted (struct d_fault), so a broken probe or
 * an unreadable file cannot flood the journal.
 */
#ifndef PTWATCH_D_LOG_H
#define PTWATCH_D_LOG_H

#include <stdbool.h>
#include <syslog.h>

enum d_log_target { D_LOG_AUTO, D_LOG_JOURNAL, D_LOG_STDERR };

/* AUTO picks the journal when stderr is the journal stream that systemd
 * set up (JOURNAL_STREAM), as sd_journal_send's documentation advises. */
void d_log_init(enum d_log_target target);
bool d_log_to_journal(void);

/* One field of a structured record, e.g. { "PTWATCH_KNOB", "vm.pt_reclaim" }.
 * On stderr the fields follow the message as KEY=value. */
struct d_log_field {
	const char *key;
	const char *value;
};

void d_log_fields(int prio, const struct d_log_field *fields, int nr,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void d_log(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A failure that may repeat every sample. */
struct d_fault {
	const char *what;      /* short id, logged as PTWATCH_FAULT */
	bool active;	       /* failing now */
	unsigned long repeats; /* failures not logged since the first */
	unsigned long total;   /* failures ever, for metrics */
};

/* Logs the first failure of a run of failures; later ones are counted. */
void d_fault_fail(struct d_fault *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Ends a run of failures: logs once how many were suppressed. */
void d_fault_ok(struct d_fault *f);

#endif
