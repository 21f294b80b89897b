// SPDX-License-Identifier: GPL-2.0
/* The node_exporter textfile and its logging (textfile.h). */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "metrics.h"
#include "textfile.h"

static bool dir_missing(const char *dir)
{
	struct stat sb;

	return stat(dir, &sb) && errno == ENOENT;
}

static void log_failure(const char *dir, int rc)
{
	struct d_log_field f = { "PTWATCH_FAULT", "textfile" };

	if (rc == -ENOENT) {
		d_log_fields(LOG_INFO, &f, 1,
			     "textfile: %s does not exist (node_exporter's "
			     "textfile collector not installed?); writing %s "
			     "there once it does",
			     dir, D_METRICS_FILE);
		return;
	}
	d_log_fields(LOG_WARNING, &f, 1, "textfile: cannot write %s/%s: %s%s",
		     dir, D_METRICS_FILE, strerror(-rc),
		     rc == -EROFS ? " (a directory created after ptwatchd "
				    "started stays read-only in its unit: "
				    "systemctl restart ptwatchd)" :
				    "");
}

int d_textfile_update(struct d_textfile *tf, const char *dir, const char *text,
		      size_t len)
{
	int rc = d_metrics_write_textfile(dir, text, len);

	if (rc == -ENOENT && !dir_missing(dir))
		rc = -EIO; /* ENOENT of a path inside: not "not installed" */
	if (!rc) {
		if (tf->state && tf->state != -ENOENT) {
			struct d_log_field f = { "PTWATCH_FAULT", "textfile" };

			d_log_fields(LOG_NOTICE, &f, 1,
				     "textfile: writing %s/%s again (%lu "
				     "repeated failures not logged)",
				     dir, D_METRICS_FILE, tf->repeats);
		} else if (tf->state == -ENOENT) {
			d_log(LOG_INFO, "textfile: %s appeared; writing %s",
			      dir, D_METRICS_FILE);
		}
		tf->state = 0;
		tf->repeats = 0;
		tf->writes++;
		return 0;
	}
	if (rc != -ENOENT)
		tf->errors++;
	if (rc == tf->state) {
		tf->repeats++;
		return rc;
	}
	log_failure(dir, rc);
	tf->state = rc;
	tf->repeats = 0;
	return rc;
}
