// SPDX-License-Identifier: GPL-2.0
/*
 * sleepers N: forks N processes that sleep until this one gets SIGTERM or
 * SIGINT, then takes them all down. For the daemon benchmarks (how the
 * sample cost grows with the number of processes). Prints "ready N".
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	int n = argc == 2 ? atoi(argv[1]) : -1, made = 0;
	pid_t parent = getpid(), *kids;

	if (n < 0) {
		fprintf(stderr, "usage: sleepers N\n");
		return 2;
	}
	kids = calloc(n + 1, sizeof(*kids));
	if (!kids)
		return 1;
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	for (; made < n; made++) {
		pid_t pid = fork();

		if (pid < 0)
			break;
		if (pid == 0) {
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			/* die with the parent, however it ends */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(0);
			for (;;)
				pause();
		}
		kids[made] = pid;
	}
	printf("ready %d\n", made);
	fflush(stdout);
	while (!stop)
		pause();
	/* only our own children: never a process group we share */
	for (int i = 0; i < made; i++)
		kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	return made == n ? 0 : 1;
}
