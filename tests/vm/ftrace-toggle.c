// SPDX-License-Identifier: GPL-2.0
/*
 * Attaches and detaches empty BPF programs on one kernel function in a
 * loop, the way ptwatch's fentry and kprobe probes come and go, so that a
 * guest can be driven through many ftrace call-site rewrites in little
 * time (docs/bpf.md, "The Debian 6.1 oops was the emulator's").
 *
 *   ftrace-toggle MODE FUNCTION SECONDS
 *
 * MODE: fentry (attach, detach), kprobe (the same), alt (fentry attach and
 * detach, then kprobe attach and detach: the switch between a BPF
 * trampoline and a kprobe on one function). Prints the rounds done every
 * 100 rounds and at the end; exits 0, or 2 when an attach fails.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* r0 = 0; exit */
static const struct bpf_insn ret0[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

struct target {
	const char *fn;
	int btf_id;  /* the function's BTF FUNC, for fentry */
	int kp_type; /* the kprobe PMU's type, for kprobes */
};

static void die(const char *what, int err)
{
	fprintf(stderr, "ftrace-toggle: %s: %s\n", what, strerror(err));
	exit(2);
}

/* An fentry link on the function; closing it detaches. */
static int fentry_attach(const struct target *t)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o,
		    .expected_attach_type = BPF_TRACE_FENTRY,
		    .attach_btf_id = t->btf_id);
	int prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "toggle", "GPL", ret0,
				 2, &o);
	int link;

	if (prog < 0)
		die("load fentry", -prog);
	link = bpf_raw_tracepoint_open(NULL, prog);
	if (link < 0)
		die("attach fentry", -link);
	close(prog);
	return link;
}

/* A perf kprobe event with a BPF program, as libbpf makes it. */
static int kprobe_attach(const struct target *t)
{
	struct perf_event_attr a = { .size = sizeof(a), .type = t->kp_type };
	int prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "toggle", "GPL", ret0, 2,
				 NULL);
	int pfd;

	if (prog < 0)
		die("load kprobe", -prog);
	a.config1 = (unsigned long)t->fn;
	pfd = syscall(SYS_perf_event_open, &a, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		die("perf_event_open kprobe", errno);
	if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog) ||
	    ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0))
		die("enable kprobe", errno);
	close(prog);
	return pfd;
}

static int kprobe_type(void)
{
	FILE *f = fopen("/sys/bus/event_source/devices/kprobe/type", "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct target t = { 0 };
	struct btf *btf;
	unsigned long n = 0;
	time_t start, end;
	bool fentry, kprobe;

	if (argc != 4) {
		fprintf(stderr, "usage: ftrace-toggle fentry|kprobe|alt "
				"FUNCTION SECONDS\n");
		return 2;
	}
	fentry = !strcmp(argv[1], "fentry") || !strcmp(argv[1], "alt");
	kprobe = !strcmp(argv[1], "kprobe") || !strcmp(argv[1], "alt");
	t.fn = argv[2];
	btf = btf__load_vmlinux_btf();
	t.btf_id = btf ? btf__find_by_name_kind(btf, t.fn, BTF_KIND_FUNC) : -1;
	t.kp_type = kprobe_type();
	if ((!fentry && !kprobe) || (fentry && t.btf_id < 0) ||
	    (kprobe && t.kp_type < 0)) {
		fprintf(stderr, "ftrace-toggle: cannot %s %s here\n", argv[1],
			t.fn);
		return 2;
	}
	start = time(NULL);
	end = start + atol(argv[3]);
	while (time(NULL) < end) {
		if (fentry)
			close(fentry_attach(&t));
		if (kprobe)
			close(kprobe_attach(&t));
		if (++n % 100 == 0) {
			printf("ftrace-toggle %s %s: %lu rounds in %ld s\n",
			       argv[1], t.fn, n, (long)(time(NULL) - start));
			fflush(stdout);
		}
	}
	printf("ftrace-toggle %s %s: %lu rounds in %ld s, done\n", argv[1],
	       t.fn, n, (long)(time(NULL) - start));
	btf__free(btf);
	return 0;
}
