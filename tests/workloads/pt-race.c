// SPDX-License-Identifier: GPL-2.0
/*
 * pt-race: race tests of PTE-table reclaim (MADV_DONTNEED of a whole 2 MiB
 * block frees its PTE table, mainline since 6.14 and kernel-patches/).
 *
 *   pt-race MODE SECONDS [THREADS] [--self-test-corrupt] [--on-demand]
 *
 * Each mode races whole-block MADV_DONTNEEDs with something that uses the
 * same page tables, for SECONDS, with THREADS threads (default 4), and
 * checks the data it wrote and still maps:
 *   fault   writers fault pages of one block in while zappers empty it
 *   gup     process_vm_readv (or /proc/self/mem) and vmsplice read blocks
 *           that one thread empties and refills
 *   fork    fork() in a loop while blocks are emptied; children check
 *           kept pages and empty their copy
 *   mremap  a block moves (mremap MAYMOVE|FIXED) and another is unmapped
 *           and mapped again while blocks are emptied
 *   thp     MADV_COLLAPSE and split of an anonymous and a shmem block
 *           next to blocks being emptied (same PMD table)
 *   uffd    UFFDIO_COPY into a block and UFFDIO_MOVE to another while
 *           both are emptied (needs 6.8's UFFDIO_MOVE, else 77)
 *   all     every mode in turn
 * One header per mode in pt-race/, the shared helpers in pt-race/common.h
 * (headers: build.mk makes a program of every tests/workloads/NAME.c).
 *
 * Prints key=value lines per mode (mode, seconds, threads, iterations,
 * zaps, checks, mismatches, legit_errors, errors, vmpte_kb_start,
 * vmpte_kb_end and mode-specific counters) and a line on stderr for each of
 * the first 10 mismatches. --self-test-corrupt (or PT_RACE_CORRUPT=1) flips
 * one byte of checked data once per mode: the run must then fail.
 * --on-demand: every other zap of each thread empties the block in two
 * halves and frees its table with MADV_PT_RECLAIM (issue 13), racing the
 * whole-block DONTNEEDs of the other threads and the mode's operation;
 * exits 77 where the kernel lacks the advice or vm.pt_reclaim is 0.
 * Exit status: 0 ok, 1 data mismatch or unexpected system call failure,
 * 2 bad usage, 77 feature missing (thp without THP, uffd without
 * UFFDIO_MOVE). "all" exits with the
 * worst status of its modes (1 over 77 over 0).
 */
#include "pt-race/common.h"

#include <time.h>

struct stats S;
atomic_int stop_flag;
int corrupt_wanted;
int on_demand;
atomic_int corrupt_done;
const char *mode_name = "?";

/* Names of struct stats.extra[] per mode; NULL: not printed. */
struct mode {
	const char *name;
	int (*run)(int threads);
	const char *extra[NEXTRA];
};

#include "pt-race/fault.h"
#include "pt-race/gup.h"
#include "pt-race/fork.h"
#include "pt-race/mremap.h"
#include "pt-race/thp.h"
#include "pt-race/uffd.h"
#include "pt-race/unmap.h"
#include "pt-race/uffdwp.h"

static const struct mode modes[] = {
	{ "fault", run_fault, { "writes", "blocks_used" } },
	{ "gup",
	  run_gup,
	  { "vm_readv_reads", "vmsplice_reads", "proc_mem_reads",
	    "no_process_vm_readv", "torn_pages" } },
	{ "fork", run_fork, { "forks", "child_zaps", "child_failures" } },
	{ "mremap", run_mremap, { "moves", "remaps" } },
	{ "thp",
	  run_thp,
	  { "collapses", "splits", "shmem_collapses", "shmem_unsupported" } },
	{ "uffd", run_uffd, { "copies", "moves", "unreadable" } },
	{ "unmap",
	  run_unmap,
	  { "unmaps", "mremap_shrinks", "brk_shrinks", "reclaim_enomem",
	    "heap_ok" } },
	{ "uffdwp",
	  run_uffdwp,
	  { "wp_rounds", "copies", "process_madvise_errors" } },
};
#define NMODES (sizeof(modes) / sizeof(modes[0]))

/* Lets the mode's threads run for seconds, then tells them to stop. */
void run_for(unsigned int seconds)
{
	struct timespec ts = { .tv_sec = seconds };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	atomic_store(&stop_flag, 1);
}

unsigned int seconds;
long vmpte_end_kb = -1;

static int run_mode(const struct mode *m, int threads)
{
	long start;
	int ret, i;

	memset(&S, 0, sizeof(S));
	atomic_store(&stop_flag, 0);
	atomic_store(&corrupt_done, 0);
	mode_name = m->name;
	vmpte_end_kb = -1;
	start = vmpte_kb();
	ret = m->run(threads);
	if (ret == 77)
		return 77;
	printf("mode=%s\nseconds=%u\nthreads=%d\n", m->name, seconds, threads);
	printf("iterations=%lu\nzaps=%lu\nchecks=%lu\nmismatches=%lu\n",
	       S.iterations, S.zaps, S.checks, S.mismatches);
	printf("legit_errors=%lu\nerrors=%lu\n", S.legit_errors, S.errors);
	if (on_demand || S.on_demand_calls)
		printf("on_demand_calls=%lu\n", S.on_demand_calls);
	for (i = 0; i < NEXTRA; i++)
		if (m->extra[i])
			printf("%s=%lu\n", m->extra[i], S.extra[i]);
	printf("vmpte_kb_start=%ld\nvmpte_kb_end=%ld\n", start, vmpte_end_kb);
	fflush(stdout);
	if (S.mismatches > MISMATCH_LINES)
		say("pt-race: %s: %lu mismatches in all\n", m->name,
		    S.mismatches);
	if (corrupt_wanted && !atomic_load(&corrupt_done))
		say("pt-race: %s: --self-test-corrupt found no data to corrupt\n",
		    m->name);
	return ret || S.mismatches || S.errors ? 1 : 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: pt-race fault|gup|fork|mremap|thp|uffd|unmap|uffdwp|all "
		"SECONDS "
		"[THREADS] [--self-test-corrupt] [--on-demand]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *args[3];
	int nargs = 0, threads = 4, worst = 0, found = 0, i;
	unsigned int m;
	long v;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--self-test-corrupt"))
			corrupt_wanted = 1;
		else if (!strcmp(argv[i], "--on-demand"))
			on_demand = 1;
		else if (nargs < 3)
			args[nargs++] = argv[i];
		else
			return usage();
	}
	if (getenv("PT_RACE_CORRUPT") &&
	    !strcmp(getenv("PT_RACE_CORRUPT"), "1"))
		corrupt_wanted = 1;
	if (nargs < 2 || (v = number(args[1], 1, 86400)) < 0)
		return usage();
	seconds = v;
	if (nargs == 3) {
		if ((v = number(args[2], 2, MAX_THREADS)) < 0)
			return usage();
		threads = v;
	}
	if (on_demand && madvise(NULL, 0, MADV_PT_RECLAIM)) {
		printf("missing=MADV_PT_RECLAIM (%s)\n", strerror(errno));
		return 77;
	}
	for (m = 0; m < NMODES; m++) {
		int ret;

		if (strcmp(args[0], "all") && strcmp(args[0], modes[m].name))
			continue;
		found = 1;
		ret = run_mode(&modes[m], threads);
		if (ret == 1 || (ret == 77 && worst == 0))
			worst = ret;
	}
	return found ? worst : usage();
}
