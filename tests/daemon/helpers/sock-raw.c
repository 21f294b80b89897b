// SPDX-License-Identifier: GPL-2.0
/*
 * sock-raw PATH [--delay-ms N] [--no-shutdown] [--hold-ms N]: connects to
 * the daemon's socket, sends stdin as is (after the delay), shuts the
 * write side unless told not to, and copies the answer to stdout. With
 * --hold-ms it connects and sends nothing for that long first (a slow
 * client). Exit 0 when an answer arrived, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int delay = 0, hold = 0, do_shutdown = 1, fd, got = 0;
	static char buf[1 << 16];
	ssize_t n;

	if (argc < 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: sock-raw PATH [--delay-ms N] "
				"[--hold-ms N] [--no-shutdown]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--delay-ms") && i + 1 < argc)
			delay = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--hold-ms") && i + 1 < argc)
			hold = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--no-shutdown"))
			do_shutdown = 0;
	}
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("sock-raw: connect");
		return 1;
	}
	usleep(hold * 1000);
	usleep(delay * 1000);
	while ((n = read(0, buf, sizeof(buf))) > 0)
		if (send(fd, buf, n, MSG_NOSIGNAL) != n)
			break;
	if (do_shutdown)
		shutdown(fd, SHUT_WR);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, n, stdout);
		got = 1;
	}
	return got ? 0 : 1;
}
