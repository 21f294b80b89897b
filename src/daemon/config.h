/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptwatchd configuration: an INI file (configs/ptwatchd.conf documents every
 * key). Loading never half-applies: a file either parses completely into a
 * fresh struct or the caller keeps the config it had.
 */
#ifndef PTWATCH_D_CONFIG_H
#define PTWATCH_D_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "log.h"

#define D_CONFIG_PATH "/etc/ptwatch/ptwatchd.conf"

/* What a policy may do with its knob. */
enum d_knob_mode {
	D_MODE_REPORT, /* only measure and report, never write */
	D_MODE_AUTO,   /* switch by the thresholds */
	D_MODE_ON,     /* hold the knob on */
	D_MODE_OFF,    /* hold it off */
};

struct d_policy_cfg {
	enum d_knob_mode mode;
	bool dry_run;		   /* log what it would do, write nothing */
	double on_threshold;	   /* switch on at or above, for `samples` */
	double off_threshold;	   /* switch off at or below, for `samples` */
	unsigned int samples;	   /* consecutive samples beyond a threshold */
	unsigned int min_interval; /* seconds between two changes */
	unsigned int backoff;	   /* seconds to leave a knob an admin set;
				    * 0: until restart or reload */
};

/*
 * [free_tables]: frees the empty PTE tables of the processes with the most
 * of them (MADV_PT_RECLAIM, free_tables.h). Modes: report (never) or auto.
 */
struct d_free_cfg {
	enum d_knob_mode mode;
	bool dry_run;		       /* census and log, free nothing */
	unsigned int min_kib;	       /* empty tables a process must have */
	unsigned int max_processes;    /* freed per sample, at most */
	unsigned int cpu_budget_ms;    /* CPU per sample, at most */
	unsigned int process_interval; /* s between two censuses of one */
	unsigned int confirm_after;    /* s: empty at two censuses this far
					* apart (0: at one) */
	unsigned int sweep_above;      /* PTE tables: sweep, no census */
	char exclude_comm[512];	       /* names, space separated */
	char exclude_cgroup[1024];     /* cgroup path prefixes, space sep. */
};

/*
 * [census]: exact figures for the processes with the most estimated waste
 * (census_sched.h): up to `per_sample` per sample among the `top`, while
 * their CPU stays within cpu_percent of the sampling's own.
 */
struct d_census_cfg {
	bool enabled;
	unsigned int top;	    /* candidates: the largest estimates */
	unsigned int per_sample;    /* censuses per sample, at most */
	double cpu_percent;	    /* of the sample's scan CPU, on average */
	unsigned int max_age_s;	    /* figures older than this are retaken */
	unsigned int min_waste_kib; /* smaller estimates are not censused */
	unsigned int slice_ms;	    /* wall time a sample's censuses take */
};

struct d_config {
	/* [daemon] */
	unsigned int interval_ms; /* sampling period */
	char socket[PATH_MAX];
	char state_dir[PATH_MAX]; /* original knob values (under /run) */
	char sysctl_root[PATH_MAX];
	char proc_root[PATH_MAX];
	char cgroup_root[PATH_MAX];
	char sysfs_root[PATH_MAX]; /* HugeTLB pools under kernel/mm */
	enum d_log_target log;
	unsigned int history;	       /* samples kept for {"cmd":"history"} */
	unsigned int reads_per_sample; /* known processes re-read per sample;
					* 0: all (scan.h) */
	bool bpf;		       /* attach the BPF probes */
	bool bpf_iter; /* sample through the BPF task iterator when it loads */
	bool rollback_on_exit;	    /* restore original knob values on exit */
	struct d_census_cfg census; /* [census] */
	/* [metrics] */
	char textfile_dir[PATH_MAX]; /* "" disables the textfile */
	char listen[64];	     /* "" disables HTTP; loopback only */
	unsigned int top_processes;
	unsigned int top_cgroups;
	/* a process gets series only at or above this waste: below it the
	 * top-N are short-lived shells and compilers with a few tables of
	 * layout noise, and every new pid is a new series */
	unsigned int process_min_waste_kib;
	/* [reclaim]: vm.pt_reclaim, metric: waste in % of MemTotal */
	struct d_policy_cfg reclaim;
	/* [hugetlb_vmemmap]: vm.hugetlb_optimize_vmemmap, metric: MiB of
	 * struct pages that HVO would free for the current pool */
	struct d_policy_cfg vmemmap;
	struct d_free_cfg free;
};

void d_config_defaults(struct d_config *cfg);

/*
 * Parses `path` over the defaults into *cfg. On error returns -1 and writes
 * "FILE:LINE: [section] key: problem" (or "FILE: problem") into err.
 */
/* A setting the daemon runs with but --check-config advises against
 * (state_dir outside /run), as one line; NULL when none. */
const char *d_config_warning(const struct d_config *cfg);

int d_config_load(const char *path, struct d_config *cfg, char *err,
		  size_t errlen);

/* Parses "HOST:PORT" of a loopback address; -1 if not loopback. */
int d_config_parse_listen(const char *s, char *host, size_t hostlen,
			  unsigned short *port);

const char *d_knob_mode_name(enum d_knob_mode m);
int d_knob_mode_parse(const char *s, enum d_knob_mode *out);

#endif
