// SPDX-License-Identifier: GPL-2.0
/* ptwatchd placeholder until the daemon issue lands. */
#include <stdio.h>

int main(void)
{
	fputs("ptwatchd: the daemon is not built yet; use `ptwatch snapshot`\n",
	      stderr);
	return 5;
}
