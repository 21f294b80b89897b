// SPDX-License-Identifier: GPL-2.0
/*
 * pt-hostile: MADV_PT_RECLAIM aimed at memory that is not the caller's
 * (issue 21). Run it as an unprivileged user:
 *
 *   as-user 65534 pt-hostile [SECS]
 *
 * Every case runs in a child process of its own, once through madvise()
 * and once through process_madvise() on the child's own pidfd (which needs
 * no CAP_SYS_NICE), and must end within SECS (default 10) or it is killed
 * and counted bad. The cases:
 *   control_*     the positive control: 8 empty tables of the caller's own
 *                 (2 MiB blocks, THP off, each emptied by two 1 MiB
 *                 MADV_DONTNEEDs): the call frees exactly those 8, so a
 *                 kernel whose advice does nothing cannot pass
 *   hole          8 such blocks with the middle 4 unmapped: the call over
 *                 the hole alone
 *   hole_edge     8 such blocks with [2.5, 5.5) unmapped: blocks 2 and 5
 *                 keep an empty table shared with the hole; the call over
 *                 [2, 6) must not free them (a table whose block reaches
 *                 into a hole is free_pgtables()'s)
 *   user_wrap     a length from the caller's blocks past 2^64
 *   user_unaligned  an unaligned start over the caller's empty blocks
 *   the kernel half (4- and 5-level x86-64 layouts), espfix, the fixmap,
 *   ranges past TASK_SIZE up to the top, lengths that wrap past 2^64,
 *   unaligned starts and zero lengths, from 2 MiB to 1 TiB long.
 * A hostile call must return -1 with ENOMEM or EINVAL (process_madvise:
 * or EFAULT, its iovec check) and a zero length 0 (process_madvise: or
 * EFAULT for a kernel address); /proc/vmstat
 * pte_table_reclaimed_on_demand and the caller's VmPTE must not move.
 *
 * Prints key=value lines: la57 (5-level paging), one "case=NAME call=CALL
 * start= len= result= ms= ondemand= vmpte_kb= verdict=ok|BAD:why" line per
 * call as it ends, then cases, bad, bad_cases, hostile_ondemand (the
 * counter's rise over the hostile calls), hostile_vmpte_kb (the sum of
 * their VmPTE changes, in absolute value), control_freed, control_ok.
 * The kernel log (a "BUG: non-zero pgtables_bytes" at a child's exit, an
 * oops) is the guest script's to read.
 * Exit status: 0 every call as it must be, 1 a case was bad or the
 * control failed, 2 bad usage, 3 a setup call failed, 77 the kernel lacks
 * the advice or vm.pt_reclaim is 0 (missing= says which).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "status_kb.h"
#include "wl_common.h"

#define BLOCK (2UL << 20)
#define PAGE 4096UL
#define GIB (1UL << 30)
#define TIB (1UL << 40)
#define ONDEMAND "pte_table_reclaimed_on_demand"
#define NBLOCKS 8UL
#define TOP 0xfffffffffffff000UL /* the last page below 2^64 */

enum setup {
	FIXED,		/* start and len as given, no mapping of the caller's */
	CONTROL,	/* the caller's 8 empty tables: all freed */
	HOLE,		/* the middle 4 of 8 blocks unmapped: [2, 6) */
	HOLE_EDGE,	/* [2.5, 5.5) unmapped; the call over [2, 6) */
	USER_WRAP,	/* from the blocks to 2 MiB past 2^64 */
	USER_UNALIGNED, /* the blocks, from their first byte + 1 */
};

struct hcase {
	const char *name;
	enum setup setup;
	unsigned long start, len; /* FIXED only */
};

/*
 * In order of harm on a kernel that walks the address range: what it
 * refuses first, then the caller's own holes, the kernel half, and last
 * the calls that may free a kernel-image table or never end.
 */
static const struct hcase cases[] = {
	{ "control", CONTROL, 0, 0 },
	{ "len0_kernel", FIXED, 0xffff800000000000UL, 0 },
	{ "len0_top", FIXED, 0xffffffffffe00000UL, 0 },
	{ "unaligned_kernel", FIXED, 0xffff800000000001UL, GIB },
	{ "wrap_task_size", FIXED, 0x7ffffffff000UL,
	  ~0UL - 0x7ffffffff000UL + 1 + 2 * PAGE },
	{ "wrap_top", FIXED, 0xffffffffffe00000UL,
	  ~0UL - 0xffffffffffe00000UL + 1 + 2 * PAGE },
	{ "wrap_len_max", FIXED, 0x7ffffffff000UL, ~0UL },
	{ "wrap_last_page", FIXED, TOP, 2 * PAGE },
	{ "user_wrap", USER_WRAP, 0, 0 },
	{ "user_unaligned", USER_UNALIGNED, 0, 0 },
	{ "hole", HOLE, 0, 0 },
	{ "hole_edge", HOLE_EDGE, 0, 0 },
	{ "len1_kernel", FIXED, 0xffff800000000000UL, 1 },
	{ "espfix_2m", FIXED, 0xffffff0000000000UL, BLOCK },
	{ "espfix_1g", FIXED, 0xffffff0000000000UL, GIB },
	{ "noncanonical_1t", FIXED, 0x0000800000000000UL, TIB },
	{ "noncanonical_mid_1t", FIXED, 0x8000000000000000UL, TIB },
	{ "kernel_half_2m", FIXED, 0xffff800000000000UL, BLOCK },
	{ "kernel_half_1t", FIXED, 0xffff800000000000UL, TIB },
	{ "direct_map_1g", FIXED, 0xffff888000000000UL, GIB },
	{ "l5_kernel_half_1t", FIXED, 0xff00000000000000UL, TIB },
	{ "l5_direct_map_1g", FIXED, 0xff11000000000000UL, GIB },
	{ "l5_vmalloc_1t", FIXED, 0xffa0000000000000UL, TIB },
	{ "vmalloc_2m", FIXED, 0xffffc90000000000UL, BLOCK },
	{ "vmalloc_1g", FIXED, 0xffffc90000000000UL, GIB },
	{ "vmalloc_1t", FIXED, 0xffffc90000000000UL, TIB },
	{ "vmemmap_1g", FIXED, 0xffffea0000000000UL, GIB },
	{ "cpu_entry_area_1g", FIXED, 0xfffffe0000000000UL, GIB },
	{ "kernel_text_1g", FIXED, 0xffffffff80000000UL, GIB },
	{ "fixmap_2m", FIXED, 0xffffffffff400000UL, BLOCK },
	{ "fixmap_4m", FIXED, 0xffffffffff200000UL, 2 * BLOCK },
	{ "top_1g", FIXED, 0xffffffffc0000000UL, GIB - BLOCK },
	{ "task_size_to_top", FIXED, 0x7ffffffff000UL, TOP - 0x7ffffffff000UL },
};

enum call { MADVISE, PROCESS_MADVISE };
static const char *const call_name[] = { "madvise", "process_madvise" };

/* What a child reports through its pipe. */
struct result {
	long ret;
	int err;
	long vmpte_kb; /* VmPTE after the call less before */
	long usec;
	unsigned long start, len;
};

static unsigned long deadline_s = 10;

static void die(const char *what)
{
	fprintf(stderr, "pt-hostile: %s: %s\n", what, strerror(errno));
	exit(3);
}

static long ondemand(void)
{
	return file_key_value("/proc/vmstat", ONDEMAND);
}

static long now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000L + t.tv_nsec / 1000;
}

/* NBLOCKS 2 MiB-aligned blocks, THP off, each with an empty PTE table. */
static char *map_empty_blocks(void)
{
	size_t len = NBLOCKS * BLOCK;
	char *base = map_aligned(len);

	if (!base)
		die("mmap");
	if (madvise(base, len, MADV_NOHUGEPAGE))
		die("madvise(MADV_NOHUGEPAGE)");
	for (unsigned long o = 0; o < len; o += BLOCK / 2) {
		base[o] = 1; /* the first fault installs the table */
		if (madvise(base + o, BLOCK / 2, MADV_DONTNEED))
			die("madvise(MADV_DONTNEED)");
	}
	return base;
}

/* The range the case's call covers; maps what the case needs. */
static void prepare(const struct hcase *c, unsigned long *start,
		    unsigned long *len)
{
	char *b;

	*start = c->start;
	*len = c->len;
	if (c->setup == FIXED)
		return;
	b = map_empty_blocks();
	*start = (uintptr_t)b;
	*len = NBLOCKS * BLOCK;
	switch (c->setup) {
	case HOLE:
		if (munmap(b + 2 * BLOCK, 4 * BLOCK))
			die("munmap");
		*start = (uintptr_t)b + 2 * BLOCK;
		*len = 4 * BLOCK;
		break;
	case HOLE_EDGE:
		if (munmap(b + 2 * BLOCK + BLOCK / 2, 3 * BLOCK))
			die("munmap");
		*start = (uintptr_t)b + 2 * BLOCK;
		*len = 4 * BLOCK;
		break;
	case USER_WRAP:
		*len = ~0UL - *start + 1 + BLOCK;
		break;
	case USER_UNALIGNED:
		*start += 1;
		break;
	default:
		break;
	}
}

static long advise(enum call call, int pidfd, unsigned long start,
		   unsigned long len)
{
	struct iovec iov = { (void *)start, len };

	if (call == MADVISE)
		return madvise((void *)start, len, MADV_PT_RECLAIM);
	return syscall(SYS_process_madvise, pidfd, &iov, 1, MADV_PT_RECLAIM, 0);
}

/* The window between the two VmPTE reads: the call, timed. */
static void timed_advise(enum call call, int pidfd, struct result *r)
{
	long t0 = now_us();

	r->ret = advise(call, pidfd, r->start, r->len);
	r->err = errno;
	r->usec = now_us() - t0;
}

static void child(const struct hcase *c, enum call call, int out)
{
	struct result r = { 0 }, warm = { 0 };
	int pidfd = syscall(SYS_pidfd_open, getpid(), 0);
	long before;

	if (pidfd < 0)
		die("pidfd_open");
	prepare(c, &r.start, &r.len);
	/*
	 * The window between the two VmPTE reads is run once first with an
	 * empty range (which frees nothing): a table that its own code needs
	 * in this fresh child is then already there. The debug guest once
	 * saw every call's VmPTE rise by 8 kB, most likely the vDSO's: fork()
	 * does not copy the entries of a mapping nothing wrote to (the
	 * vDSO's text), and now_us() faulted them in under a new table.
	 */
	timed_advise(call, pidfd, &warm);
	status_kb("VmPTE"); /* stdio's buffers are in place before */
	before = status_kb("VmPTE");
	timed_advise(call, pidfd, &r);
	r.vmpte_kb = status_kb("VmPTE") - before;
	if (write(out, &r, sizeof(r)) != sizeof(r))
		_exit(3);
	_exit(0);
}

/* Waits up to ms for pid to be reaped; 1 when it was. */
static int reap(pid_t pid, long ms, int *status)
{
	struct timespec tick = { 0, 20 * 1000000L };

	for (long t = 0; t <= ms; t += 20) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return 1;
		nanosleep(&tick, NULL);
	}
	return 0;
}

static unsigned long ncases, nbad, control_freed;
static long hostile_ondemand, hostile_vmpte;
static int control_ok = 1;
static char bad_cases[4096];

/* One line per call, as it ends; counts the bad ones. */
static void report(const struct hcase *c, enum call call,
		   const struct result *r, const char *result, long rose,
		   const char *why)
{
	printf("case=%s call=%s start=%#lx len=%#lx result=%s ms=%ld "
	       "ondemand=%ld vmpte_kb=%ld verdict=%s%s\n",
	       c->name, call_name[call], r->start, r->len, result,
	       r->usec / 1000, rose, r->vmpte_kb, why ? "BAD:" : "ok",
	       why ? why : "");
	ncases++;
	if (why) {
		nbad++;
		if (strlen(bad_cases) + strlen(c->name) + 20 <
		    sizeof(bad_cases))
			sprintf(bad_cases + strlen(bad_cases), "%s%s/%s",
				*bad_cases ? "," : "", c->name,
				call_name[call]);
	}
}

/* Why the call's outcome is wrong, NULL when it is right. */
static const char *judge(const struct hcase *c, enum call call,
			 const struct result *r, long rose)
{
	long want_ret = call == MADVISE ? 0 : (long)r->len;

	if (c->setup == CONTROL) {
		if (r->ret != want_ret)
			return "control_call_failed";
		if (rose != (long)NBLOCKS)
			return "control_counter_not_+8";
		if (r->vmpte_kb != -4 * (long)NBLOCKS)
			return "control_vmpte_not_-32kB";
		return NULL;
	}
	if (rose)
		return "freed_tables";
	if (r->vmpte_kb)
		return "vmpte_changed";
	/* process_madvise()'s iovec check refuses a kernel address anyway */
	if (r->len == 0 && call == PROCESS_MADVISE && r->ret == -1 &&
	    r->err == EFAULT)
		return NULL;
	if (r->len == 0)
		return r->ret == 0 ? NULL : "len0_not_0";
	if (r->ret != -1)
		return "not_refused";
	if (r->err == ENOMEM || r->err == EINVAL ||
	    (call == PROCESS_MADVISE && r->err == EFAULT))
		return NULL;
	return "wrong_errno";
}

static void run_case(const struct hcase *c, enum call call)
{
	struct result r = { 0, 0, 0, 0, c->start, c->len };
	struct pollfd pfd;
	int fds[2], status = 0, got = 0;
	long before = ondemand(), rose;
	char result[32];
	const char *why;
	pid_t pid;

	fflush(stdout);
	if (pipe(fds))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(fds[0]);
		child(c, call, fds[1]);
	}
	close(fds[1]);
	pfd = (struct pollfd){ fds[0], POLLIN, 0 };
	if (poll(&pfd, 1, (int)deadline_s * 1000) == 1)
		got = read(fds[0], &r, sizeof(r)) == sizeof(r);
	close(fds[0]);
	if (!got)
		kill(pid, SIGKILL);
	/* a child that an oops left holding its mmap lock never exits */
	if (!reap(pid, 2000, &status))
		snprintf(result, sizeof(result), "unreaped");
	else if (!got && WIFSIGNALED(status))
		snprintf(result, sizeof(result), "%s",
			 WTERMSIG(status) == SIGKILL ? "timeout" : "signal");
	else if (!got)
		snprintf(result, sizeof(result), "exit%d", WEXITSTATUS(status));
	else if (r.ret == -1)
		snprintf(result, sizeof(result), "%s", strerrorname_np(r.err));
	else
		snprintf(result, sizeof(result), "%ld", r.ret);
	rose = ondemand() - before;
	why = got ? judge(c, call, &r, rose) : "did_not_return";
	if (c->setup == CONTROL) {
		control_freed += rose;
		control_ok &= !why;
	} else {
		hostile_ondemand += rose;
		hostile_vmpte += labs(r.vmpte_kb);
	}
	report(c, call, &r, result, rose, why);
}

/* 5-level paging: a hint above 47 bits is honoured only with it. */
static int la57(void)
{
	void *p = mmap((void *)(1UL << 50), PAGE, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int yes = p != MAP_FAILED && (uintptr_t)p >= (1UL << 47);

	if (p != MAP_FAILED)
		munmap(p, PAGE);
	return yes;
}

int main(int argc, char **argv)
{
	char *end;

	if (argc > 2)
		goto usage;
	if (argc == 2) {
		deadline_s = strtoul(argv[1], &end, 10);
		if (*end || deadline_s == 0 || deadline_s > 3600)
			goto usage;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (madvise(NULL, 0, MADV_PT_RECLAIM)) {
		printf("missing=%s\n",
		       errno == EOPNOTSUPP ?
			       "vm.pt_reclaim is 0" :
			       "the kernel lacks MADV_PT_RECLAIM");
		return 77;
	}
	if (ondemand() < 0) {
		printf("missing=/proc/vmstat has no " ONDEMAND "\n");
		return 77;
	}
	printf("uid=%d\nla57=%d\ndeadline_s=%lu\n", (int)getuid(), la57(),
	       deadline_s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_case(&cases[i], MADVISE);
		run_case(&cases[i], PROCESS_MADVISE);
	}
	printf("cases=%lu\nbad=%lu\nbad_cases=%s\nhostile_ondemand=%ld\n"
	       "hostile_vmpte_kb=%ld\ncontrol_freed=%lu\ncontrol_ok=%d\n",
	       ncases, nbad, bad_cases, hostile_ondemand, hostile_vmpte,
	       control_freed, control_ok);
	return nbad || !control_ok;
usage:
	fprintf(stderr, "usage: pt-hostile [SECS]\n");
	return 2;
}
