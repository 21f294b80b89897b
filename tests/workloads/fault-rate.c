// SPDX-License-Identifier: GPL-2.0
/*
 * fault-rate: what freeing a process's empty PTE tables from outside costs
 * that process, as a ratio measured in one run.
 *
 *   fault-rate MIB PHASE_S ROUNDS COMMAND [ARGS...]
 *   fault-rate MIB PHASE_S ROUNDS --toggle PID
 *   fault-rate MIB PHASE_S ROUNDS --switch PID LIVE ON_FILE OFF_FILE
 *
 * The main thread faults pages in a loop: for each 2 MiB block of MIB
 * (THP off), it writes one word to every page (512 faults), then empties
 * the block with two 1 MiB MADV_DONTNEEDs, which leave the PTE table
 * empty. So the table is there to free, and a freed one must be allocated
 * again by the next fault: the worst case for the target.
 * Phases of PHASE_S seconds alternate, ROUNDS times: "off", then "on",
 * during which a child runs COMMAND every second with "%p" in ARGS
 * replaced by our pid (e.g. `ptwatch reclaim pid %p --json`), its output
 * going to our stderr. With --toggle, PID (a running ptwatchd whose
 * [free_tables] policy frees our tables every sample) is stopped with
 * SIGSTOP for the "off" phases and continued with SIGCONT for the "on"
 * ones: its whole cost, sampling included, lands in "on". With --switch,
 * the daemon runs throughout and LIVE (its config, a symlink) is pointed
 * at ON_FILE or OFF_FILE, then the daemon is sent SIGHUP: the configs
 * differ in what is measured (e.g. [free_tables] mode auto vs report), so
 * its sampling lands in both phases and only the freeing in "on". Prints, as key=value lines: faults_off,
 * faults_on, seconds_off, seconds_on, rate_off, rate_on (faults a second),
 * ratio_pct (rate_on / rate_off, in percent), commands (run in "on").
 * Exit status: 0 ok, 1 a call failed, 2 bad usage.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BLOCK (2UL << 20)
#define PAGE 4096UL

/* Points the symlink `live` at `target` atomically and reloads `pid`. */
static void switch_config(pid_t pid, const char *live, const char *target)
{
	char tmp[4200];

	snprintf(tmp, sizeof(tmp), "%s.new", live);
	unlink(tmp);
	if (symlink(target, tmp) || rename(tmp, live) || kill(pid, SIGHUP)) {
		perror("fault-rate: --switch");
		exit(1);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The child of an "on" phase: COMMAND once a second until killed. */
static void run_commands(char **argv, pid_t target, int out_fd)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", (int)target);
	for (int i = 0; argv[i]; i++)
		if (!strcmp(argv[i], "%p"))
			argv[i] = pid;
	for (;;) {
		pid_t c = fork();

		if (c == 0) {
			dup2(out_fd, 1);
			execvp(argv[0], argv);
			_exit(127);
		}
		if (c > 0)
			waitpid(c, NULL, 0);
		sleep(1);
	}
}

/* Faults for `secs` seconds; returns the faults taken. */
static unsigned long fault_for(char *base, unsigned long blocks, double secs)
{
	static unsigned long b;
	unsigned long faults = 0;
	double end = now() + secs;

	while (now() < end) {
		char *p = base + (b++ % blocks) * BLOCK;

		for (unsigned long o = 0; o < BLOCK; o += PAGE)
			p[o] = 1;
		faults += BLOCK / PAGE;
		if (madvise(p, BLOCK / 2, MADV_DONTNEED) ||
		    madvise(p + BLOCK / 2, BLOCK / 2, MADV_DONTNEED)) {
			perror("madvise");
			exit(1);
		}
	}
	return faults;
}

int main(int argc, char **argv)
{
	unsigned long mib, rounds, blocks, off = 0, on = 0, commands = 0;
	double phase, t_off = 0, t_on = 0;
	pid_t toggle, sw;
	char *raw, *base;

	if (argc < 5 || !(mib = strtoul(argv[1], NULL, 10)) ||
	    (phase = atof(argv[2])) <= 0 ||
	    !(rounds = strtoul(argv[3], NULL, 10))) {
		fprintf(stderr, "usage: fault-rate MIB PHASE_S ROUNDS COMMAND "
				"[ARGS...]\n");
		return 2;
	}
	blocks = mib / 2;
	raw = mmap(NULL, (blocks + 1) * BLOCK, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return perror("mmap"), 1;
	base = (char *)(((unsigned long)raw + BLOCK - 1) & ~(BLOCK - 1));
	madvise(base, blocks * BLOCK, MADV_NOHUGEPAGE);
	fflush(stdout);
	toggle = !strcmp(argv[4], "--toggle") && argc == 6 ? atoi(argv[5]) : 0;
	sw = !strcmp(argv[4], "--switch") && argc == 9 ? atoi(argv[5]) : 0;
	for (unsigned long r = 0; r < rounds; r++) {
		double t0 = now();
		pid_t child = 0;

		if (toggle && kill(toggle, SIGSTOP))
			return perror("kill"), 1;
		if (sw)
			switch_config(sw, argv[6], argv[8]);
		off += fault_for(base, blocks, phase);
		t_off += now() - t0;
		if (toggle)
			kill(toggle, SIGCONT);
		else if (sw)
			switch_config(sw, argv[6], argv[7]);
		else if ((child = fork()) == 0)
			run_commands(argv + 4, getppid(), 2);
		t0 = now();
		on += fault_for(base, blocks, phase);
		t_on += now() - t0;
		if (child > 0) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
		}
		commands += (unsigned long)phase;
	}
	printf("faults_off=%lu\nfaults_on=%lu\nseconds_off=%.2f\n"
	       "seconds_on=%.2f\n",
	       off, on, t_off, t_on);
	printf("rate_off=%.0f\nrate_on=%.0f\nratio_pct=%.2f\ncommands=%lu\n",
	       off / t_off, on / t_on, 100.0 * (on / t_on) / (off / t_off),
	       commands);
	return 0;
}
