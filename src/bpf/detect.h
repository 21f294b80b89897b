/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the running kernel lets BPF attach to, asked before the object is
 * loaded (detect.c). Every answer comes from the kernel's BTF,
 * /proc/kallsyms, sysfs and tracefs, or from a trial load; never from the
 * version number. Used by the probe loader (select.c, probes.c).
 */
#ifndef PTWATCH_BPF_DETECT_H
#define PTWATCH_BPF_DETECT_H

#include <stdbool.h>

struct btf;

struct bpf_detect {
	struct btf *vmlinux; /* the kernel's BTF, NULL without it */
	bool kprobes;	     /* the kprobe PMU exists (CONFIG_KPROBES) */
	bool can_load;	     /* privileged enough to try loads (root/CAP_BPF) */
	/* kallsyms answers, filled by one scan (bpf_detect_kallsyms_prefetch) */
	const char *kallsyms; /* the file read; NULL: /proc/kallsyms */
	int nsyms;
	const char *sym_name[32];
	unsigned int sym_count[32]; /* text symbols of that name */
};

/* Never fails: what cannot be read counts as absent. */
void bpf_detect_init(struct bpf_detect *d);
void bpf_detect_free(struct bpf_detect *d);

/* A function the kernel has as a BTF FUNC (a real, traceable symbol). */
bool bpf_detect_btf_func(const struct bpf_detect *d, const char *fn);
/* A raw tracepoint: its btf_trace_NAME typedef in the kernel's BTF. */
bool bpf_detect_raw_tp(const struct bpf_detect *d, const char *name);
/* A text symbol of that exact name in /proc/kallsyms (not inlined).
 * Each call not answered by the prefetch reads the whole file. */
bool bpf_detect_kallsyms(const struct bpf_detect *d, const char *fn);
/* How many text symbols have that name: more than one and fentry or a
 * kprobe by name may land on the wrong function (see kallsyms.h). */
unsigned int bpf_detect_kallsyms_count(const struct bpf_detect *d,
				       const char *fn);
/* Looks up many names in one pass (at most 32; the strings must live as
 * long as d). */
void bpf_detect_kallsyms_prefetch(struct bpf_detect *d, const char *const *fns,
				  int n);
/* In the kprobe blacklist (only readable with debugfs mounted). */
bool bpf_detect_kprobe_blacklisted(const char *fn);
/* The classic tracepoint's id is readable where libbpf looks for it. */
bool bpf_detect_tracepoint(const char *system, const char *event);

/*
 * Loads and attaches an empty fentry program on fn, then removes it.
 * Returns 0 when the kernel accepts it, else -errno (-EPERM where function
 * tracing is closed, -ENOENT without BTF for fn, -EINVAL if not traceable).
 */
int bpf_detect_fentry(const struct bpf_detect *d, const char *fn);

#endif
