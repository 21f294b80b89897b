// SPDX-License-Identifier: GPL-2.0
/* The ptwatch side of the query socket (client.h). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

/* An answer to a full snapshot of a big host is a few MiB; anything far
 * larger is not from ptwatchd. */
#define CLIENT_MAX_ANSWER (256u << 20)

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for fd to be ready for `events` until the deadline. */
static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long long left = deadline - now_ms();
	int n;

	if (left <= 0)
		return -ETIMEDOUT;
	n = poll(&p, 1, (int)left);
	if (n < 0)
		return -errno;
	return n ? 0 : -ETIMEDOUT;
}

static int connect_to(const char *path, long long deadline)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	err = errno;
	/* a full backlog: wait for the daemon to accept */
	if (err == EAGAIN || err == EINPROGRESS) {
		int soerr = 0;
		socklen_t len = sizeof(soerr);

		err = -wait_fd(fd, POLLOUT, deadline);
		if (!err && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len))
			err = errno;
		if (!err && !soerr)
			return fd;
		err = err ? err : soerr;
	}
	close(fd);
	return -err;
}

static int send_all(int fd, const char *buf, size_t len, long long deadline)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EAGAIN) {
			int rc = wait_fd(fd, POLLOUT, deadline);

			if (rc)
				return rc;
			continue;
		}
		if (n < 0)
			return errno == EINTR ? 0 : -errno;
		buf += n;
		len -= n;
	}
	shutdown(fd, SHUT_WR);
	return 0;
}

static int recv_all(int fd, char **out, size_t *out_len, long long deadline)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len + 1 == cap) {
			char *nb = cap >= CLIENT_MAX_ANSWER ?
					   NULL :
					   realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				return -EFBIG;
			}
			buf = nb;
			cap *= 2;
		}
		n = recv(fd, buf + len, cap - 1 - len, 0);
		if (n > 0) {
			len += n;
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			int rc = wait_fd(fd, POLLIN, deadline);

			if (!rc)
				continue;
			free(buf);
			return rc;
		}
		free(buf);
		return -errno;
	}
	buf[len] = 0;
	*out = buf;
	*out_len = len;
	return 0;
}

int client_request(const char *socket_path, json_object *req,
		   json_object **resp, int timeout_ms)
{
	long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 5000);
	const char *text =
		json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	size_t len;
	char *answer = NULL;
	int fd, rc;

	*resp = NULL;
	fd = connect_to(socket_path, deadline);
	if (fd < 0)
		return fd;
	rc = send_all(fd, text, strlen(text), deadline);
	if (!rc)
		rc = recv_all(fd, &answer, &len, deadline);
	close(fd);
	if (rc)
		return rc;
	*resp = json_tokener_parse(answer);
	free(answer);
	if (!*resp || !json_object_is_type(*resp, json_type_object)) {
		json_object_put(*resp);
		*resp = NULL;
		return -EPROTO;
	}
	return 0;
}
