// SPDX-License-Identifier: GPL-2.0
/*
 * ptwatch reclaim pid PID...: free the empty PTE tables of those processes
 * now (MADV_PT_RECLAIM through process_madvise, src/core/reclaim_pid.c).
 * It runs with the caller's own rights: the kernel wants CAP_SYS_NICE and
 * ptrace read access to each target, so nothing here widens what a user
 * may do, and the daemon is not involved. Each process freed is logged to
 * the journal with who asked and why (--reason).
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "cli.h"
#include "spec.h"
#include "reclaim_pid.h"
#include "view.h"

struct rp_opts {
	bool json;
	bool no_census; /* reclaim_pid_sweep(): no census, every block */
	struct reclaim_pid_opts rp;
	const char *proc_root, *reason;
};

static void read_comm(const char *proc_root, pid_t pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/comm", proc_root, pid);
	buf[0] = '\0';
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static void log_freed(const struct reclaim_pid_result *r, const char *comm,
		      const char *reason)
{
	sd_journal_send(
		"MESSAGE=reclaim pid %d (%s): freed %llu empty PTE tables "
		"(%llu bytes), asked by uid %u: %s",
		r->pid, comm, (unsigned long long)r->tables_freed,
		(unsigned long long)r->bytes_freed, getuid(), reason,
		"PRIORITY=%d", LOG_NOTICE, "PTWATCH_ACTION=reclaim_pid",
		"PTWATCH_PID=%d", r->pid, "PTWATCH_COMM=%s", comm,
		"PTWATCH_TABLES_FREED=%llu",
		(unsigned long long)r->tables_freed, "PTWATCH_BYTES_FREED=%llu",
		(unsigned long long)r->bytes_freed, "PTWATCH_REQUESTER_UID=%u",
		getuid(), "PTWATCH_REASON=%s", reason, NULL);
}

static json_object *result_json(const struct reclaim_pid_result *r,
				const char *comm, int err, bool dry_run)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "pid", json_object_new_int(r->pid));
	json_object_object_add(o, "comm", json_object_new_string(comm));
	if (err) {
		json_object_object_add(o, "error",
				       json_object_new_string(strerror(-err)));
		return o;
	}
	json_object_object_add(o, "census", json_object_new_string(r->method));
	json_object_object_add(o, "dry_run", json_object_new_boolean(dry_run));
	json_object_object_add(o, "empty_pte_tables_before",
			       json_object_new_uint64(r->empty_before));
	json_object_object_add(o, "hole_edge_blocks",
			       json_object_new_uint64(r->hole_blocks));
	json_object_object_add(o, "tables_freed",
			       json_object_new_uint64(r->tables_freed));
	json_object_object_add(o, "bytes_freed",
			       json_object_new_uint64(r->bytes_freed));
	json_object_object_add(
		o, "empty_pte_tables_after",
		r->after_known ? json_object_new_uint64(r->empty_after) : NULL);
	json_object_object_add(o, "ranges", json_object_new_uint64(r->ranges));
	json_object_object_add(o, "bytes_advised",
			       json_object_new_uint64(r->bytes_advised));
	json_object_object_add(
		o, "longest_call_us",
		json_object_new_uint64(r->longest_call_ns / 1000));
	json_object_object_add(o, "elapsed_ms",
			       json_object_new_double(r->elapsed_ns / 1e6));
	return o;
}

static void print_row(const struct reclaim_pid_result *r, const char *comm,
		      int err)
{
	char after[32] = "?";

	if (err) {
		printf("%-8d %-16s %s\n", r->pid, comm, strerror(-err));
		return;
	}
	if (r->after_known)
		snprintf(after, sizeof(after), "%llu",
			 (unsigned long long)r->empty_after);
	printf("%-8d %-16s %12llu %8llu %10.1f KiB %11s %9.1f ms\n", r->pid,
	       comm, (unsigned long long)r->empty_before,
	       (unsigned long long)r->tables_freed, r->bytes_freed / 1024.0,
	       after, r->elapsed_ns / 1e6);
}

static int parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v <= 0 || v > INT_MAX)
		return -1;
	*pid = (pid_t)v;
	return 0;
}

/* Frees one process's tables; returns its exit code. */
static int one_pid(const struct rp_opts *o, pid_t pid, json_object *list)
{
	struct reclaim_pid_result r;
	char comm[64];
	int err;

	read_comm(o->proc_root, pid, comm, sizeof(comm));
	if (o->no_census) {
		uint64_t cursor = 0;

		err = reclaim_pid_sweep(o->proc_root, pid, &cursor, 0, &r);
	} else {
		err = reclaim_pid(o->proc_root, pid, &o->rp, &r);
	}
	if (!err && r.tables_freed && !o->rp.dry_run)
		log_freed(&r, comm, o->reason);
	if (o->json)
		json_object_array_add(list, result_json(&r, comm, err,
							o->rp.dry_run));
	else
		print_row(&r, comm, err);
	if (err && !o->json)
		cli_error(cli_exit_for_errno(-err), "reclaim pid %d: %s", pid,
			  err == -EPERM || err == -EACCES ?
				  "not allowed (needs CAP_SYS_NICE "
				  "and ptrace access to it)" :
				  strerror(-err));
	return err ? cli_exit_for_errno(-err) : PTW_OK;
}

static int parse_opts(int argc, char **argv, struct rp_opts *o)
{
	const struct cli_cmd *cmd = cli_cmd_find("reclaim pid");
	struct option opts[CLI_MAX_OPTS + 1];
	char shorts[3 * CLI_MAX_OPTS + 2];
	int c;

	cli_getopt_tables(cmd->opts, "", opts, shorts);
	while ((c = cli_getopt(argc, argv, shorts, opts, cmd->opts)) != -1) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 'r':
			o->reason = optarg;
			break;
		case 'p':
			o->rp.force_pagemap = true;
			break;
		case 'n':
			o->rp.dry_run = true;
			break;
		case 'P':
			o->proc_root = optarg;
			break;
		case 'N':
			o->no_census = true;
			break;
		case 'h':
			cli_cmd_usage(stdout, cmd);
			return -1;
		default:
			return PTW_USAGE; /* getopt said why, on one line */
		}
	}
	if (optind >= argc)
		return cli_error(PTW_USAGE,
				 "reclaim pid: no PID given (see ptwatch "
				 "reclaim pid --help)");
	if (o->no_census && (o->rp.dry_run || o->rp.force_pagemap))
		return cli_error(PTW_USAGE,
				 "reclaim pid: --no-census takes no census: "
				 "not with --dry-run or --pagemap");
	return PTW_OK;
}

int cmd_reclaim_pid(struct cli_ctx *ctx, int argc, char **argv)
{
	struct rp_opts o = { .proc_root = "/proc", .reason = "by hand" };
	json_object *list = json_object_new_array();
	int rc = parse_opts(argc, argv, &o), worst = PTW_OK, err;
	pid_t pid;

	o.json |= ctx->json;
	for (int i = optind; rc == PTW_OK && i < argc; i++)
		if (parse_pid(argv[i], &pid))
			rc = cli_error(PTW_USAGE,
				       "reclaim pid: '%s' is not a pid",
				       argv[i]);
	/* which processes first: a PID that is not there is exit 3 on any
	 * kernel; then the kernel, unless only the census runs */
	for (int i = optind; rc == PTW_OK && i < argc; i++) {
		parse_pid(argv[i], &pid);
		rc = cli_check_pid(o.proc_root, pid, "reclaim pid");
	}
	err = rc == PTW_OK && !o.rp.dry_run ? reclaim_pid_supported() : 0;
	if (err)
		rc = cli_error(PTW_UNSUPPORTED, "reclaim pid: %s",
			       reclaim_pid_why_not(err));
	if (rc != PTW_OK) {
		json_object_put(list);
		return rc < 0 ? PTW_OK : rc;
	}
	if (!o.json)
		printf("%-8s %-16s %12s %8s %14s %11s %12s\n", "PID", "COMM",
		       "EMPTY BEFORE", "FREED", "BYTES FREED", "EMPTY AFTER",
		       "TIME");
	if (!o.json && o.rp.dry_run)
		printf("(dry run: nothing is freed; EMPTY BEFORE is what would "
		       "be)\n");
	for (int i = optind; i < argc; i++) {
		parse_pid(argv[i], &pid);
		rc = one_pid(&o, pid, list);
		if (rc != PTW_OK)
			worst = rc;
	}
	if (o.json) {
		json_object *top = json_object_new_object();

		json_object_object_add(top, "processes", list);
		print_json(top);
		json_object_put(top);
	} else {
		json_object_put(list);
	}
	return worst;
}
