// SPDX-License-Identifier: GPL-2.0
/* Options and output shared by `ptwatch snapshot` and `ptwatch top`. */
#include <errno.h>
#include <math.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "view.h"
#include "census_view.h"
#include "client.h"
#include "iter_sample.h"
#include "reclaim_pid.h"
#include "spec.h"

#define DAEMON_TIMEOUT_MS 2000

static int parse_sort(const char *s, enum snapshot_sort *out)
{
	if (strcmp(s, "waste") == 0)
		*out = SORT_WASTE;
	else if (strcmp(s, "pte") == 0)
		*out = SORT_PTE;
	else if (strcmp(s, "rss") == 0)
		*out = SORT_RSS;
	else
		return cli_error(PTW_USAGE,
				 "--sort: '%s' is not one of "
				 "waste, pte, rss",
				 s);
	return PTW_OK;
}

static int parse_count(const char *opt, const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno || *end || end == s || *out < 0)
		return cli_error(PTW_USAGE, "%s: '%s' is not a count", opt, s);
	return PTW_OK;
}

int view_parse(int argc, char **argv, bool is_top, struct view_opts *v)
{
	const struct cli_cmd *cmd = cli_cmd_find(is_top ? "top" : "snapshot");
	struct option opts[CLI_MAX_OPTS + 1];
	char shorts[3 * CLI_MAX_OPTS + 2];
	long n = -1;
	int c, rc = PTW_OK;

	*v = (struct view_opts){ .limit = SIZE_MAX,
				 .cgroup_limit = 10,
				 .interval = 2 };
	cli_getopt_tables(cmd->opts, "", opts, shorts);
	while (rc == PTW_OK &&
	       (c = cli_getopt(argc, argv, shorts, opts, cmd->opts)) != -1) {
		switch (c) {
		case 'j':
			v->json = true;
			break;
		case 's':
			rc = parse_sort(optarg, &v->sort);
			break;
		case 'r':
			rc = parse_count("--rows", optarg, &n);
			break;
		case 'd':
			rc = cli_parse_seconds("-d", optarg, 0.1, 86400,
					       &v->interval);
			break;
		case 'o':
			v->once = true;
			break;
		case 'i':
			rc = parse_count("--iterations", optarg,
					 &v->iterations);
			if (!rc && v->iterations < 1)
				rc = cli_error(
					PTW_USAGE,
					"--iterations: at least 1 (without "
					"it top runs until q)");
			break;
		case 'w':
			v->wide = true;
			break;
		case 'h':
			cli_cmd_usage(stdout, cmd);
			return -1;
		default:
			return PTW_USAGE; /* getopt printed the reason */
		}
	}
	if (rc == PTW_OK && optind < argc)
		rc = cli_error(PTW_USAGE, "unexpected argument '%s'",
			       argv[optind]);
	if (!is_top && (v->once || v->iterations))
		rc = cli_error(PTW_USAGE, "--once/--iterations are for top");
	if (n >= 0) {
		v->limit = v->cgroup_limit = n;
		v->rows_given = true;
	} else if (!v->json) {
		v->limit = 20;
	}
	return rc;
}

/* 0 with vs filled from the daemon, or -errno when it cannot serve. */
static int take_from_daemon(const struct cli_ctx *ctx, struct view_sample *vs)
{
	json_object *req = json_object_new_object(), *resp = NULL, *v;
	int err;

	json_object_object_add(req, "cmd", json_object_new_string("snapshot"));
	err = client_request(ctx->socket_path, req, &resp, DAEMON_TIMEOUT_MS);
	json_object_put(req);
	if (!err && (!json_object_object_get_ex(resp, "ok", &v) ||
		     !json_object_get_boolean(v)))
		err = -EPROTO;
	if (!err)
		err = snapshot_from_json(resp, &vs->s);
	if (!err && json_object_object_get_ex(resp, "daemon", &v))
		vs->daemon = json_object_get(v);
	json_object_put(resp);
	if (err && !ctx->socket_given && err != -ENOENT && err != -ECONNREFUSED)
		fprintf(stderr,
			"ptwatch: the daemon at %s did not answer "
			"(%s); reading procfs instead\n",
			ctx->socket_path, strerror(-err));
	return err;
}

void view_free(struct view_sample *vs)
{
	snapshot_free(&vs->s);
	json_object_put(vs->daemon);
	vs->daemon = NULL;
}

/* The task iterator when it loads (every process in one pass), else
 * procfs; why the iterator was not used is said once, except to a user
 * who may not load BPF anyway. */
static int take_local(struct snapshot *s, const struct snapshot_opts *o)
{
	static bool told;
	char why[512];
	int err = snapshot_take_iter(s, o, why, sizeof(why));

	if (!err)
		return 0;
	if (!told && (err != -EPERM || geteuid() == 0))
		fprintf(stderr, "ptwatch: %s; reading procfs\n", why);
	told = true;
	return snapshot_take(s, o);
}

int view_take(const struct cli_ctx *ctx, struct view_sample *vs,
	      const struct view_opts *v)
{
	struct snapshot_opts o = { 0 };
	struct snapshot *s = &vs->s;
	int err;

	vs->daemon = NULL;
	vs->fell_back = false;
	if (!ctx->no_daemon) {
		err = take_from_daemon(ctx, vs);
		if (!err) {
			snapshot_sort(s, v->sort);
			return PTW_OK;
		}
		/* only the default socket falls back; one named must answer */
		if (ctx->socket_given)
			return cli_error(PTW_NODAEMON,
					 "no daemon answers at %s (%s)",
					 ctx->socket_path, strerror(-err));
		vs->fell_back = true;
	}
	err = take_local(s, &o);
	if (err)
		return cli_error(cli_exit_for_errno(-err),
				 "cannot read /proc: %s", strerror(-err));
	if (s->host.cgroup_version == 0)
		fprintf(stderr, "ptwatch: no memory cgroup hierarchy under "
				"/sys/fs/cgroup (neither v2 nor v1); "
				"cgroups are not reported\n");
	/* exact figures for the largest estimates, as the daemon keeps them */
	snapshot_sort(s, SORT_WASTE);
	census_top(s, VIEW_CENSUS_TOP);
	snapshot_sort(s, v->sort);
	return PTW_OK;
}

void print_json(json_object *o)
{
	puts(json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
}

struct proc_rate *view_daemon_rates(const struct view_sample *vs)
{
	json_object *rates, *procs;
	struct proc_rate *r;

	if (!vs->daemon ||
	    !json_object_object_get_ex(vs->daemon, "rates", &rates) ||
	    !json_object_object_get_ex(rates, "processes", &procs))
		return NULL;
	r = calloc(vs->s.nr_procs + 1, sizeof(*r));
	for (size_t i = 0; r && i < json_object_array_length(procs); i++) {
		json_object *p = json_object_array_get_idx(procs, i), *x;
		pid_t pid = json_object_object_get_ex(p, "pid", &x) ?
				    json_object_get_int(x) :
				    0;

		for (size_t j = 0; j < vs->s.nr_procs; j++) {
			if (vs->s.procs[j].pid != pid ||
			    !json_object_object_get_ex(
				    p, "page_tables_bytes_per_second", &x))
				continue;
			r[j] = (struct proc_rate){ json_object_get_double(x),
						   NAN, true };
		}
	}
	return r;
}

void view_print_json(const struct view_sample *vs, const struct view_opts *v)
{
	json_object *o = snapshot_to_json(&vs->s, v->limit);

	if (vs->daemon) {
		json_object_object_add(o, "source",
				       json_object_new_string("daemon"));
		json_object_object_add(o, "daemon",
				       json_object_get(vs->daemon));
	}
	print_json(o);
	json_object_put(o);
}

static size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* "bpf-iter; no daemon", or "daemon, procfs": who sampled, and how. */
static const char *view_source(const struct view_sample *vs, char *buf,
			       size_t len)
{
	json_object *src;

	if (!vs->daemon)
		snprintf(buf, len, "%s; %s",
			 vs->s.source ? vs->s.source : PTW_SOURCE_PROCFS,
			 vs->fell_back ? "NO DAEMON" : "no daemon");
	else if (json_object_object_get_ex(vs->daemon, "source", &src))
		snprintf(buf, len, "daemon, %s", json_object_get_string(src));
	else
		snprintf(buf, len, "daemon");
	return buf;
}

char *view_render_table(const struct view_sample *vs, const struct view_opts *v,
			const struct proc_rate *rates,
			const struct view_layout *l)
{
	const struct snapshot *s = &vs->s;
	struct report_fit fit = { l->width, v->wide };
	char label[64], *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return NULL;
	report_host(out, s, view_source(vs, label, sizeof(label)),
		    reclaim_pid_supported());
	if (vs->fell_back)
		fprintf(out,
			"note: no daemon at %s: this is one reading, without "
			"its history\n",
			PTW_SOCKET_PATH);
	if (l->procs) {
		fputc('\n', out);
		report_procs(out, s->procs, min_sz(l->procs, s->nr_procs),
			     rates, &fit);
	}
	if (l->note)
		report_procs_note(out);
	if (s->nr_cgroups && l->cgroups) {
		fputc('\n', out);
		report_cgroups(out, s->cgroups,
			       min_sz(l->cgroups, s->nr_cgroups), &fit);
		/* why the host's figure and the root cgroup's differ */
		if (l->note && !strcmp(s->cgroups[0].path, "/") &&
		    s->cgroups[0].page_table_bytes != s->host.page_tables)
			fprintf(out, "(the host's page tables less /'s: "
				     "charged to no cgroup, as the kernel's "
				     "own)\n");
	}
	if (fclose(out)) {
		free(text);
		return NULL;
	}
	return text;
}
