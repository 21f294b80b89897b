// SPDX-License-Identifier: GPL-2.0
/* top's keys (top_keys.h). */
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "top_keys.h"

double top_keys_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static enum top_key decode(const unsigned char *buf, ssize_t n)
{
	if (n <= 0)
		return TOP_KEY_QUIT; /* end of input: nobody left to type */
	if (buf[0] == 0x1b)
		/* Esc alone quits; an arrow key's sequence does nothing */
		return n == 1 ? TOP_KEY_QUIT : TOP_KEY_OTHER;
	switch (buf[0]) {
	case 'q':
	case 'Q':
	case 0x04: /* Ctrl-D */
		return TOP_KEY_QUIT;
	case '?':
	case 'h':
		return TOP_KEY_HELP;
	case 'w':
	case 'W':
		return TOP_KEY_SORT_WASTE;
	case 'p':
	case 'P':
		return TOP_KEY_SORT_PTE;
	case 'r':
	case 'R':
		return TOP_KEY_SORT_RSS;
	default:
		return TOP_KEY_OTHER;
	}
}

enum top_key top_keys_wait(double seconds)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	unsigned char buf[32];
	int ms = seconds > 0 ? (int)(seconds * 1000) + 1 : 0;
	ssize_t n;

	if (!isatty(STDIN_FILENO)) {
		poll(NULL, 0, ms); /* a signal cuts it short */
		return TOP_KEY_NONE;
	}
	if (poll(&p, 1, ms) <= 0)
		return TOP_KEY_NONE;
	n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n < 0)
		return TOP_KEY_NONE;
	return decode(buf, n);
}

char *top_keys_help(void)
{
	static const char text[] =
		"ptwatch top: keys\n"
		"\n"
		"  w   sort by EST.WASTE (the estimate's upper bound)\n"
		"  p   sort by PTE (page tables held)\n"
		"  r   sort by RSS\n"
		"  ?   or h: this help; any key goes back\n"
		"  q   or Esc, Ctrl-D, Ctrl-C: quit\n"
		"\n"
		"RECLAIMABLE and SPARSE are exact, from a census (\"-\" where\n"
		"none ran); EST.WASTE is an upper bound without a page walk.\n"
		"Columns that do not fit go first: SWAP, ANON, RSS, WASTE "
		"RATE,\n"
		"SPARSE, PTE RATE, EST.WASTE; cgroup paths are shortened in "
		"the\n"
		"middle. ptwatch top -w shows them all (docs/cli.md).\n";

	return strdup(text);
}
