// SPDX-License-Identifier: GPL-2.0
/*
 * notify-listen PATH: binds a datagram socket at PATH (what systemd offers
 * as NOTIFY_SOCKET) and prints every message it receives, one per line,
 * flushing each, until killed. Lets a test see READY=1 and WATCHDOG=1.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	int fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: notify-listen PATH\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	unlink(argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("notify-listen");
		return 1;
	}
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

		if (n < 0)
			return 1;
		buf[n] = 0;
		/* one message may carry several assignments */
		for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
			printf("%s\n", l);
		fflush(stdout);
	}
}
