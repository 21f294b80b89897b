// SPDX-License-Identifier: GPL-2.0
/*
 * Asks the kernel what BPF may attach to, before the object is loaded:
 * libbpf loads an object all or nothing, so a program whose target is
 * missing or refused must be switched off first.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "detect.h"
#include "kallsyms.h"

/* CAP_BPF (39) with CAP_PERFMON (38), or CAP_SYS_ADMIN (21), in the
 * effective set: what loading and attaching tracing programs takes. */
static bool may_load_bpf(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	unsigned long long eff = 0;
	char line[256];

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	}
	fclose(f);
	return (eff & (1ULL << 21)) ||
	       ((eff & (1ULL << 39)) && (eff & (1ULL << 38)));
}

void bpf_detect_init(struct bpf_detect *d)
{
	memset(d, 0, sizeof(*d));
	d->vmlinux = btf__load_vmlinux_btf(); /* NULL without BTF */
	d->kprobes =
		access("/sys/bus/event_source/devices/kprobe/type", R_OK) == 0;
	d->can_load = geteuid() == 0 || may_load_bpf();
}

void bpf_detect_free(struct bpf_detect *d)
{
	btf__free(d->vmlinux);
	d->vmlinux = NULL;
}

bool bpf_detect_btf_func(const struct bpf_detect *d, const char *fn)
{
	return d->vmlinux &&
	       btf__find_by_name_kind(d->vmlinux, fn, BTF_KIND_FUNC) >= 0;
}

bool bpf_detect_raw_tp(const struct bpf_detect *d, const char *name)
{
	char type[128];

	snprintf(type, sizeof(type), "btf_trace_%s", name);
	if (d->vmlinux)
		return btf__find_by_name_kind(d->vmlinux, type,
					      BTF_KIND_TYPEDEF) >= 0;
	/* Without BTF, tracefs still lists the events (when mounted). */
	return false;
}

void bpf_detect_kallsyms_prefetch(struct bpf_detect *d, const char *const *fns,
				  int n)
{
	if (n > 32)
		n = 32;
	for (int i = 0; i < n; i++)
		d->sym_name[i] = fns[i];
	d->nsyms = n;
	kallsyms_count_text(d->kallsyms, fns, n, d->sym_count);
}

unsigned int bpf_detect_kallsyms_count(const struct bpf_detect *d,
				       const char *fn)
{
	unsigned int count;

	for (int i = 0; i < d->nsyms; i++) {
		if (!strcmp(d->sym_name[i], fn))
			return d->sym_count[i];
	}
	kallsyms_count_text(d->kallsyms, &fn, 1, &count);
	return count;
}

bool bpf_detect_kallsyms(const struct bpf_detect *d, const char *fn)
{
	return bpf_detect_kallsyms_count(d, fn) > 0;
}

bool bpf_detect_kprobe_blacklisted(const char *fn)
{
	FILE *f = fopen("/sys/kernel/debug/kprobes/blacklist", "r");
	char line[512], name[256];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %255s", name) == 1)
			found = !strcmp(name, fn);
	}
	fclose(f);
	return found;
}

bool bpf_detect_tracepoint(const char *system, const char *event)
{
	/* libbpf 1.1 reads tracepoint ids below debugfs when that directory
	 * exists, else below tracefs: look where it will. */
	const char *root = access("/sys/kernel/debug/tracing", F_OK) == 0 ?
				   "/sys/kernel/debug/tracing" :
				   "/sys/kernel/tracing";
	char path[256];

	snprintf(path, sizeof(path), "%s/events/%s/%s/id", root, system, event);
	return access(path, R_OK) == 0;
}

int bpf_detect_fentry(const struct bpf_detect *d, const char *fn)
{
	/* r0 = 0; exit */
	static const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		    .expected_attach_type = BPF_TRACE_FENTRY);
	int id, prog, link, err = 0;

	if (!d->vmlinux)
		return -ENOENT;
	id = btf__find_by_name_kind(d->vmlinux, fn, BTF_KIND_FUNC);
	if (id < 0)
		return -ENOENT;
	opts.attach_btf_id = id;
	prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "ptw_probe", "GPL", insns,
			     sizeof(insns) / sizeof(insns[0]), &opts);
	if (prog < 0)
		return prog; /* libbpf >= 1.0 returns -errno */
	link = bpf_raw_tracepoint_open(NULL, prog);
	if (link < 0)
		err = link;
	else
		close(link);
	close(prog);
	return err;
}
