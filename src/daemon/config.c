// SPDX-License-Identifier: GPL-2.0
/* ptwatchd configuration: INI through libinih, one table of keys. */
#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "ptwatch.h"

enum key_type {
	K_STR,
	K_DURATION_MS,
	K_SECONDS,
	K_UINT,
	K_BOOL,
	K_PERCENT,
	K_DOUBLE,
	K_LOG,
	K_MODE,
	K_LISTEN
};

struct key {
	const char *section, *name;
	enum key_type type;
	size_t off, size; /* field in struct d_config */
	double min, max;  /* for numbers */
};

/* One key per line reads best as a table: */
/* clang-format off */
#define F(field) \
	offsetof(struct d_config, field), sizeof(((struct d_config *)0)->field)
#define POLICY(sec, p) \
	{ sec, "mode",         K_MODE,    F(p.mode),         0, 0 }, \
	{ sec, "dry_run",      K_BOOL,    F(p.dry_run),      0, 0 }, \
	{ sec, "samples",      K_UINT,    F(p.samples),      1, 10000 }, \
	{ sec, "min_interval", K_SECONDS, F(p.min_interval), 0, 7 * 86400 }, \
	{ sec, "backoff",      K_SECONDS, F(p.backoff),      0, 30 * 86400 }

static const struct key keys[] = {
	{ "daemon",          "interval",          K_DURATION_MS, F(interval_ms),            100, 3600000 },
	{ "daemon",          "socket",            K_STR,         F(socket),                 0, 0 },
	{ "daemon",          "state_dir",         K_STR,         F(state_dir),              0, 0 },
	{ "daemon",          "sysctl_root",       K_STR,         F(sysctl_root),            0, 0 },
	{ "daemon",          "proc_root",         K_STR,         F(proc_root),              0, 0 },
	{ "daemon",          "cgroup_root",       K_STR,         F(cgroup_root),            0, 0 },
	{ "daemon",          "sysfs_root",        K_STR,         F(sysfs_root),             0, 0 },
	{ "daemon",          "log",               K_LOG,         F(log),                    0, 0 },
	{ "daemon",          "history",           K_UINT,        F(history),                1, 100000 },
	{ "daemon",          "reads_per_sample",  K_UINT,        F(reads_per_sample),       0, 10000000 },
	{ "daemon",          "bpf",               K_BOOL,        F(bpf),                    0, 0 },
	{ "daemon",          "bpf_iter",          K_BOOL,        F(bpf_iter),               0, 0 },
	{ "daemon",          "rollback_on_exit",  K_BOOL,        F(rollback_on_exit),       0, 0 },
	{ "census",          "enabled",           K_BOOL,        F(census.enabled),         0, 0 },
	{ "census",          "top",               K_UINT,        F(census.top),             1, 100000 },
	{ "census",          "per_sample",        K_UINT,        F(census.per_sample),      1, 10000 },
	{ "census",          "cpu_percent",       K_PERCENT,     F(census.cpu_percent),     0, 100 },
	{ "census",          "max_age",           K_SECONDS,     F(census.max_age_s),       0, 7 * 86400 },
	{ "census",          "min_waste_kib",     K_UINT,        F(census.min_waste_kib),   0, 1u << 30 },
	{ "census",          "slice",             K_DURATION_MS, F(census.slice_ms),        1, 60000 },
	{ "metrics",         "textfile_dir",      K_STR,         F(textfile_dir),           0, 0 },
	{ "metrics",         "listen",            K_LISTEN,      F(listen),                 0, 0 },
	{ "metrics",         "top_processes",     K_UINT,        F(top_processes),          0, 1000 },
	{ "metrics",         "top_cgroups",       K_UINT,        F(top_cgroups),            0, 10000 },
	{ "metrics",         "process_min_waste_kib", K_UINT,    F(process_min_waste_kib),  0, 1u << 30 },
	POLICY("reclaim", reclaim),
	{ "reclaim",         "on_waste_percent",  K_PERCENT,     F(reclaim.on_threshold),   0, 100 },
	{ "reclaim",         "off_waste_percent", K_PERCENT,     F(reclaim.off_threshold),  0, 100 },
	POLICY("hugetlb_vmemmap", vmemmap),
	{ "hugetlb_vmemmap", "on_saving_mib",     K_DOUBLE,      F(vmemmap.on_threshold),   0, 1e9 },
	{ "hugetlb_vmemmap", "off_saving_mib",    K_DOUBLE,      F(vmemmap.off_threshold),  0, 1e9 },
	{ "free_tables",     "mode",              K_MODE,        F(free.mode),              0, 0 },
	{ "free_tables",     "dry_run",           K_BOOL,        F(free.dry_run),           0, 0 },
	{ "free_tables",     "min_kib",           K_UINT,        F(free.min_kib),           4, 1u << 30 },
	{ "free_tables",     "max_processes",     K_UINT,        F(free.max_processes),     1, 10000 },
	{ "free_tables",     "cpu_budget_ms",     K_UINT,        F(free.cpu_budget_ms),     1, 60000 },
	{ "free_tables",     "process_interval",  K_SECONDS,     F(free.process_interval),  0, 7 * 86400 },
	{ "free_tables",     "confirm_after",     K_SECONDS,     F(free.confirm_after),     0, 86400 },
	{ "free_tables",     "sweep_above",       K_UINT,        F(free.sweep_above),       1024, 1u << 30 },
	{ "free_tables",     "exclude_comm",      K_STR,         F(free.exclude_comm),      0, 0 },
	{ "free_tables",     "exclude_cgroup",    K_STR,         F(free.exclude_cgroup),    0, 0 },
};
/* clang-format on */

void d_config_defaults(struct d_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->interval_ms = 10000;
	strcpy(cfg->socket, PTW_SOCKET_PATH);
	strcpy(cfg->state_dir, "/run/ptwatch");
	strcpy(cfg->sysctl_root, "/proc/sys");
	strcpy(cfg->proc_root, "/proc");
	strcpy(cfg->cgroup_root, "/sys/fs/cgroup");
	strcpy(cfg->sysfs_root, "/sys");
	cfg->log = D_LOG_AUTO;
	cfg->history = 360;
	cfg->reads_per_sample = 1000;
	cfg->bpf = true;
	cfg->bpf_iter = true;
	cfg->rollback_on_exit = false;
	/* 10% of the sampling's CPU on average: a sample with the census on
	 * costs about 1.1 times one without (docs/daemon.md) */
	cfg->census = (struct d_census_cfg){
		.enabled = true,
		.top = 20,
		.per_sample = 4,
		.cpu_percent = 10,
		.max_age_s = 300,
		/* 32 tables: above a small process's layout noise */
		.min_waste_kib = 128,
		/* a census of a million tables walks ~75 samples at 20 ms
		 * (docs/daemon.md, "One million tables"); a sample stays on
		 * time, and 20 ms is [free_tables]' own per-sample budget */
		.slice_ms = 20,
	};
	strcpy(cfg->textfile_dir, "/var/lib/prometheus/node-exporter");
	cfg->top_processes = 10;
	cfg->top_cgroups = 50;
	cfg->process_min_waste_kib = 1024;
	cfg->reclaim = (struct d_policy_cfg){
		.mode = D_MODE_AUTO,
		.dry_run = true,
		.on_threshold = 1.0,
		.off_threshold = 0.25,
		.samples = 6,
		.min_interval = 600,
		.backoff = 0,
	};
	/* Dry run first, as for the knobs. 1 MiB: 256 empty tables, far
	 * above a small process's layout noise; 20 ms of CPU per sample and
	 * 4 processes keep a 10 s sample's cost near today's. */
	cfg->free = (struct d_free_cfg){
		.mode = D_MODE_AUTO,
		.dry_run = true,
		.min_kib = 1024,
		.max_processes = 4,
		.cpu_budget_ms = 20,
		.process_interval = 60,
		.confirm_after = 20,
		.sweep_above = 65536,
	};
	cfg->vmemmap = (struct d_policy_cfg){
		.mode = D_MODE_REPORT,
		.dry_run = true,
		.on_threshold = 64,
		.off_threshold = 0,
		.samples = 6,
		.min_interval = 600,
		.backoff = 0,
	};
}

static const char *const mode_names[] = { "report", "auto", "on", "off" };

const char *d_knob_mode_name(enum d_knob_mode m)
{
	return (unsigned int)m < 4 ? mode_names[m] : "?";
}

int d_knob_mode_parse(const char *s, enum d_knob_mode *out)
{
	for (int i = 0; i < 4; i++) {
		if (strcmp(s, mode_names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return -1;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (int i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *out = true, 0;
		if (strcasecmp(s, no[i]) == 0)
			return *out = false, 0;
	}
	return -1;
}

static int parse_double(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(*out))
		return -1;
	return 0;
}

/* "250ms", "10s", "10", "5m", "1h" -> milliseconds */
static int parse_duration_ms(const char *s, double *ms)
{
	static const struct {
		const char *suffix;
		double scale;
	} units[] = {
		{ "ms", 1 },	  { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "", 1000 },
	};
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0 || !isfinite(v))
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) == 0) {
			*ms = v * units[i].scale;
			return 0;
		}
	}
	return -1;
}

int d_config_parse_listen(const char *s, char *host, size_t hostlen,
			  unsigned short *port)
{
	const char *colon = strrchr(s, ':');
	struct in_addr a4;
	struct in6_addr a6;
	char buf[64];
	size_t len;
	char *end;
	long p;

	if (!colon || colon == s)
		return -1;
	len = colon - s;
	if (len >= sizeof(buf) || len >= hostlen)
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	/* "[::1]:9417" */
	if (buf[0] == '[' && buf[len - 1] == ']') {
		memmove(buf, buf + 1, len - 2);
		buf[len - 2] = 0;
	}
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || p < 1 || p > 65535)
		return -1;
	/* only loopback: the metrics carry process names and cgroup paths */
	if (inet_pton(AF_INET, buf, &a4) == 1) {
		if ((ntohl(a4.s_addr) >> 24) != 127)
			return -1;
	} else if (inet_pton(AF_INET6, buf, &a6) != 1 ||
		   !IN6_IS_ADDR_LOOPBACK(&a6)) {
		return -1;
	}
	strcpy(host, buf);
	*port = p;
	return 0;
}

static int set_number(const struct key *k, void *field, double v)
{
	if (v < k->min || v > k->max)
		return -1;
	if (k->type == K_PERCENT || k->type == K_DOUBLE)
		*(double *)field = v;
	else
		*(unsigned int *)field = (unsigned int)llround(v);
	return 0;
}

/* Returns NULL or what is wrong with the value. */
static const char *set_value(const struct key *k, void *field, const char *v)
{
	char host[64];
	unsigned short port;
	double d;

	switch (k->type) {
	case K_STR:
		if (strlen(v) >= k->size)
			return "value too long";
		strcpy(field, v);
		return NULL;
	case K_LISTEN:
		if (*v && d_config_parse_listen(v, host, sizeof(host), &port))
			return "expected a loopback HOST:PORT (127.0.0.1:9417, "
			       "[::1]:9417) or nothing";
		strcpy(field, v);
		return NULL;
	case K_BOOL:
		return parse_bool(v, field) ? "expected yes or no" : NULL;
	case K_LOG:
		if (strcmp(v, "auto") == 0)
			*(enum d_log_target *)field = D_LOG_AUTO;
		else if (strcmp(v, "journal") == 0)
			*(enum d_log_target *)field = D_LOG_JOURNAL;
		else if (strcmp(v, "stderr") == 0)
			*(enum d_log_target *)field = D_LOG_STDERR;
		else
			return "expected auto, journal or stderr";
		return NULL;
	case K_MODE:
		return d_knob_mode_parse(v, field) ?
			       "expected report, auto, on or off" :
			       NULL;
	case K_DURATION_MS:
		if (parse_duration_ms(v, &d) || set_number(k, field, d))
			return "expected a duration from 100ms to 1h (e.g. "
			       "10s)";
		return NULL;
	case K_SECONDS:
		if (parse_duration_ms(v, &d) || set_number(k, field, d / 1000))
			return "expected a duration in seconds (e.g. 600, "
			       "10m), within range";
		return NULL;
	case K_UINT:
		if (parse_double(v, &d) || d != floor(d) ||
		    set_number(k, field, d))
			return "expected a whole number within range";
		return NULL;
	case K_PERCENT:
	case K_DOUBLE:
		if (parse_double(v, &d) || set_number(k, field, d))
			return "expected a number within range";
		return NULL;
	}
	return "unknown key type";
}

struct parse_ctx {
	struct d_config *cfg;
	const char *path;
	FILE *f;
	int line;
	char *err;
	size_t errlen;
	bool failed;
	int err_line;
};

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct parse_ctx *ctx = user;
	const char *problem = "unknown section";

	if (ctx->failed)
		return 1;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct key *k = &keys[i];

		if (strcmp(section, k->section))
			continue;
		problem = "unknown key";
		if (strcmp(name, k->name))
			continue;
		problem = set_value(k, (char *)ctx->cfg + k->off, value);
		break;
	}
	if (!problem)
		return 1;
	snprintf(ctx->err, ctx->errlen, "%s:%d: [%s] %s: %s (got '%s')",
		 ctx->path, ctx->line, section, name, problem, value);
	ctx->failed = true;
	ctx->err_line = ctx->line;
	return 0;
}

/* fgets that counts lines, so the handler knows where it is */
static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *ctx = stream;
	char *r = fgets(str, num, ctx->f);

	if (r)
		ctx->line++;
	return r;
}

/* No NUL byte: the INI reader would stop each line there and take a
 * binary file for a config of empty lines. Rewinds. */
static bool is_text(FILE *f)
{
	char buf[4096];
	size_t n;
	bool text = true;

	while (text && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		text = memchr(buf, 0, n) == NULL;
	rewind(f);
	return text;
}

const char *d_config_warning(const struct d_config *cfg)
{
	if (strncmp(cfg->state_dir, "/run/", 5) &&
	    strcmp(cfg->state_dir, "/run"))
		return "[daemon] state_dir is not under /run: the saved "
		       "originals of the knobs outlive a reboot, which resets "
		       "the knobs themselves";
	return NULL;
}

/* Cross-key rules that no single key can check. */
static const char *check_policy(const struct d_policy_cfg *p)
{
	if (p->off_threshold > p->on_threshold)
		return "off threshold is above the on threshold (no "
		       "hysteresis)";
	return NULL;
}

int d_config_load(const char *path, struct d_config *cfg, char *err,
		  size_t errlen)
{
	struct parse_ctx ctx = { .path = path, .err = err, .errlen = errlen };
	struct d_config next = *cfg;
	const char *problem;
	int rc;

	ctx.cfg = &next;
	ctx.f = fopen(path, "r");
	if (!ctx.f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!is_text(ctx.f)) {
		snprintf(err, errlen, "%s: not a text file (NUL bytes)", path);
		fclose(ctx.f);
		return -1;
	}
	rc = ini_parse_stream(reader, &ctx, handler, &ctx);
	fclose(ctx.f);
	/* the first problem in the file wins: a syntax error or a key */
	if (ctx.failed && (rc <= 0 || ctx.err_line <= rc))
		return -1;
	if (rc) {
		snprintf(
			err, errlen,
			"%s:%d: syntax error (expected [section] or key = value)",
			path, rc);
		return -1;
	}
	if ((problem = check_policy(&next.reclaim))) {
		snprintf(err, errlen, "%s: [reclaim] %s", path, problem);
		return -1;
	}
	if (next.free.mode == D_MODE_ON || next.free.mode == D_MODE_OFF) {
		snprintf(err, errlen,
			 "%s: [free_tables] mode must be auto or report", path);
		return -1;
	}
	if ((problem = check_policy(&next.vmemmap))) {
		snprintf(err, errlen, "%s: [hugetlb_vmemmap] %s", path,
			 problem);
		return -1;
	}
	if (!next.socket[0]) {
		snprintf(err, errlen, "%s: [daemon] socket: must not be empty",
			 path);
		return -1;
	}
	*cfg = next;
	return 0;
}
