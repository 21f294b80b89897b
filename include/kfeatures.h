/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the running kernel offers ptwatch, read without root from
 * /proc/sys, /sys/kernel/btf, /proc/kallsyms and /proc/config.gz.
 */
#ifndef PTWATCH_KFEATURES_H
#define PTWATCH_KFEATURES_H

#include <stdbool.h>

enum pt_reclaim_mode {
	PT_RECLAIM_ABSENT,  /* kernel cannot free empty PTE tables */
	PT_RECLAIM_BUILTIN, /* CONFIG_PT_RECLAIM (6.14+): always on, no knob */
	PT_RECLAIM_SYSCTL,  /* our 6.12 series: vm.pt_reclaim switches it */
};

struct kfeatures {
	char release[65]; /* uname -r */
	bool btf;	  /* /sys/kernel/btf/vmlinux readable */
	enum pt_reclaim_mode pt_reclaim;
	int pt_reclaim_value;	     /* vm.pt_reclaim, -1 unless SYSCTL */
	bool hugetlb_vmemmap_sysctl; /* vm.hugetlb_optimize_vmemmap exists */
	int hugetlb_vmemmap_value;   /* its value, -1 when absent */
	bool pagemap_scan;	     /* PAGEMAP_SCAN ioctl (6.7+) */
};

/* sysctl_root is "/proc/sys" except in tests. Never fails: what cannot be
 * read is reported as absent. */
void kfeatures_probe(struct kfeatures *kf, const char *sysctl_root);
const char *pt_reclaim_mode_name(enum pt_reclaim_mode m);

#endif
