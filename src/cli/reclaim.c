// SPDX-License-Identifier: GPL-2.0
/*
 * ptwatch reclaim on|off|auto|status: PTE-table reclaim for people. Goes
 * through the daemon when it runs (so the change is logged, saved for
 * rollback and respected by the policy); without a daemon, status reads
 * the kernel and on/off write vm.pt_reclaim directly, saying so.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "spec.h"
#include "client.h"
#include "kfeatures.h"

#define KNOB "vm.pt_reclaim"

static int exit_for(json_object *resp)
{
	json_object *e;
	const char *name;

	if (!json_object_object_get_ex(resp, "errno", &e))
		return PTW_ERR;
	name = json_object_get_string(e);
	if (!strcmp(name, "EPERM") || !strcmp(name, "EACCES"))
		return PTW_PERM;
	if (!strcmp(name, "EOPNOTSUPP"))
		return PTW_UNSUPPORTED;
	return PTW_ERR;
}

static const char *str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ?
		       json_object_get_string(v) :
		       "";
}

static json_object *reclaim_knob(json_object *status)
{
	json_object *knobs, *k;

	if (!json_object_object_get_ex(status, "knobs", &knobs))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(knobs); i++) {
		k = json_object_array_get_idx(knobs, i);
		if (!strcmp(str(k, "knob"), KNOB))
			return k;
	}
	return NULL;
}

static void print_knob(json_object *st, json_object *k)
{
	printf("kernel:      %s, PTE-table reclaim %s\n", str(st, "kernel"),
	       str(st, "pt_reclaim"));
	if (!k)
		return;
	if (!strcmp(str(k, "available"), "true"))
		printf("%s: %s\n", KNOB, str(k, "value"));
	else
		printf("%s: not present on this kernel\n", KNOB);
	printf("policy:      %s%s, state %s; waste %.3g%% of memory (on at "
	       "%s%%, off at %s%%)\n",
	       str(k, "mode"),
	       !strcmp(str(k, "manual"), "true") ? " (set by hand)" : "",
	       str(k, "state"),
	       json_object_get_double(json_object_object_get(k, "metric")),
	       str(k, "on_threshold"), str(k, "off_threshold"));
	printf("changes:     %s by ptwatchd since it started\n",
	       str(k, "changes"));
	printf("source:      daemon (pid %s)\n", str(st, "pid"));
}

static int via_daemon(struct cli_ctx *ctx, const char *action, bool json)
{
	json_object *req = json_object_new_object(), *resp;
	int rc;

	if (!strcmp(action, "status")) {
		json_object_object_add(req, "cmd",
				       json_object_new_string("status"));
	} else {
		json_object_object_add(req, "cmd",
				       json_object_new_string("knob"));
		json_object_object_add(req, "knob",
				       json_object_new_string(KNOB));
		json_object_object_add(req, "mode",
				       json_object_new_string(action));
	}
	rc = client_request(ctx->socket_path, req, &resp, 5000);
	json_object_put(req);
	if (rc)
		return rc; /* negative: caller decides about the fallback */
	if (json) {
		printf("%s\n", json_object_to_json_string_ext(
				       resp, JSON_C_TO_STRING_PRETTY));
	} else if (!strcmp(str(resp, "ok"), "true")) {
		if (!strcmp(action, "status"))
			print_knob(resp, reclaim_knob(resp));
		else
			printf("%s\n", str(resp, "message"));
	}
	rc = strcmp(str(resp, "ok"), "true") ? exit_for(resp) : PTW_OK;
	if (rc && !json)
		cli_error(rc, "%s", str(resp, "error"));
	json_object_put(resp);
	return rc;
}

static int local_status(const char *root, bool json)
{
	struct kfeatures kf;

	kfeatures_probe(&kf, root);
	if (json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "ok", json_object_new_boolean(1));
		json_object_object_add(o, "source",
				       json_object_new_string("procfs"));
		json_object_object_add(o, "kernel",
				       json_object_new_string(kf.release));
		json_object_object_add(
			o, "pt_reclaim",
			json_object_new_string(
				pt_reclaim_mode_name(kf.pt_reclaim)));
		json_object_object_add(
			o, "value", json_object_new_int(kf.pt_reclaim_value));
		printf("%s\n", json_object_to_json_string_ext(
				       o, JSON_C_TO_STRING_PRETTY));
		json_object_put(o);
		return PTW_OK;
	}
	printf("kernel:      %s, PTE-table reclaim %s\n", kf.release,
	       pt_reclaim_mode_name(kf.pt_reclaim));
	if (kf.pt_reclaim == PT_RECLAIM_SYSCTL)
		printf("%s: %d\n", KNOB, kf.pt_reclaim_value);
	printf("source:      this host (no daemon running)\n");
	return PTW_OK;
}

static int local_set(const char *root, const char *action)
{
	struct kfeatures kf;
	char path[4200];
	int fd, want = !strcmp(action, "on");

	if (!strcmp(action, "auto"))
		return cli_error(
			PTW_NODAEMON,
			"'auto' hands the knob to ptwatchd, which is not running");
	kfeatures_probe(&kf, root);
	if (kf.pt_reclaim != PT_RECLAIM_SYSCTL)
		return cli_error(
			PTW_UNSUPPORTED,
			"%s is not present: this kernel's PTE-table reclaim is %s",
			KNOB, pt_reclaim_mode_name(kf.pt_reclaim));
	snprintf(path, sizeof(path), "%s/vm/pt_reclaim", root);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, want ? "1\n" : "0\n", 2) != 2) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		return cli_error(cli_exit_for_errno(err), "cannot write %s: %s",
				 path, strerror(err));
	}
	close(fd);
	printf("%s set to %d directly (no daemon running): sysctl -w %s=%d\n",
	       KNOB, want, KNOB, want);
	return PTW_OK;
}

int cmd_reclaim(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct cli_cmd *cmd = cli_cmd_find("reclaim");
	struct option opts[CLI_MAX_OPTS + 1];
	char shorts[3 * CLI_MAX_OPTS + 2];
	const char *root = "/proc/sys", *action;
	bool json = ctx->json;
	int c, rc;

	if (argc > 1 && !strcmp(argv[1], "pid")) {
		argv[1] = "ptwatch reclaim pid"; /* getopt's messages */
		return cmd_reclaim_pid(ctx, argc - 1, argv + 1);
	}
	cli_getopt_tables(cmd->opts, "", opts, shorts);
	while ((c = cli_getopt(argc, argv, shorts, opts, cmd->opts)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'r':
			root = optarg;
			break;
		case 'h':
			cli_cmd_usage(stdout, cmd);
			return PTW_OK;
		default:
			return PTW_USAGE; /* getopt said why, on one line */
		}
	}
	if (optind >= argc)
		return cli_error(PTW_USAGE,
				 "reclaim: no action given: on, off, auto, "
				 "status or pid (try ptwatch help reclaim)");
	if (optind != argc - 1)
		return cli_error(PTW_USAGE, "reclaim: unexpected argument '%s'",
				 argv[optind + 1]);
	action = argv[optind];
	if (strcmp(action, "on") && strcmp(action, "off") &&
	    strcmp(action, "auto") && strcmp(action, "status"))
		return cli_error(
			PTW_USAGE,
			"reclaim: unknown action '%s' (on, off, auto, status, pid)",
			action);
	if (!ctx->no_daemon) {
		rc = via_daemon(ctx, action, json);
		if (rc >= 0)
			return rc;
		if (ctx->socket_given)
			return cli_error(PTW_NODAEMON,
					 "no daemon answers at %s (%s)",
					 ctx->socket_path, strerror(-rc));
		if (rc != -ENOENT && rc != -ECONNREFUSED)
			return cli_error(PTW_ERR, "daemon at %s: %s",
					 ctx->socket_path, strerror(-rc));
	}
	if (!strcmp(action, "status"))
		return local_status(root, json);
	return local_set(root, action);
}
