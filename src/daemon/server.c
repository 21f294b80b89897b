// SPDX-License-Identifier: GPL-2.0
/* The query socket inside the epoll loop (server.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

struct d_client {
	struct d_ev ev; /* first: the epoll tag */
	struct d_client *next;
	struct ucred peer;
	char in[D_PROTO_MAX_REQUEST + 1];
	size_t in_len;
	char *out; /* answer being written */
	size_t out_len, out_off;
	bool writing;	     /* answer queued: only EPOLLOUT now */
	int64_t deadline_ms; /* CLOCK_MONOTONIC */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int d_server_check(const char *path, pid_t *owner)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ucred peer = { 0 };
	socklen_t len = sizeof(peer);
	struct stat sb;
	int fd, rc = 0;

	*owner = 0;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	if (lstat(path, &sb))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(sb.st_mode))
		return -ENOTSOCK; /* not ours to delete */
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* EAGAIN: a listener with a full backlog is alive too */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ||
	    errno == EAGAIN) {
		static const char req[] = "{\"cmd\":\"status\"}\n";

		rc = -EADDRINUSE;
		if (!getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len))
			*owner = peer.pid;
		/* a request, so the daemon does not count a refusal */
		if (write(fd, req, sizeof(req) - 1) < 0)
			(void)0; /* the verdict stands either way */
	} else if (errno != ECONNREFUSED) {
		rc = -errno;
	}
	close(fd);
	return rc;
}

int d_server_open(struct d_server *srv, const char *path, int epfd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event e = { .events = EPOLLIN };
	struct stat sb;
	pid_t owner;
	int fd, err;

	memset(srv, 0, sizeof(*srv));
	srv->listen.fd = -1;
	srv->epfd = epfd;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	strcpy(srv->path, path);
	if ((err = d_server_check(path, &owner)))
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path); /* a socket left by a crashed run: nobody answers */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0666) ||
	    listen(fd, 64) || stat(path, &sb)) {
		err = -errno;
		close(fd);
		return err;
	}
	srv->dev = sb.st_dev;
	srv->ino = sb.st_ino;
	srv->listen = (struct d_ev){ D_EV_LISTEN, fd };
	e.data.ptr = &srv->listen;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e)) {
		err = -errno;
		close(fd);
		srv->listen.fd = -1;
		return err;
	}
	return 0;
}

static void client_free(struct d_server *srv, struct d_client *c)
{
	struct d_client **pp = &srv->clients;

	while (*pp && *pp != c)
		pp = &(*pp)->next;
	if (*pp)
		*pp = c->next;
	close(c->ev.fd);
	free(c->out);
	free(c);
	srv->nr_clients--;
}

void d_server_close(struct d_server *srv)
{
	while (srv->clients)
		client_free(srv, srv->clients);
	if (srv->listen.fd >= 0) {
		struct stat sb;

		close(srv->listen.fd);
		/* only the socket this run bound, never a successor's */
		if (!stat(srv->path, &sb) && sb.st_dev == srv->dev &&
		    sb.st_ino == srv->ino)
			unlink(srv->path);
		srv->listen.fd = -1;
	}
}

/* Queues `text` (malloc'd, taken over) as the answer and switches to
 * writing; NULL closes the connection. */
static void client_send(struct d_server *srv, struct d_client *c, char *text,
			size_t len)
{
	struct epoll_event e = { .events = EPOLLOUT, .data.ptr = &c->ev };

	c->out = text;
	c->out_len = text ? len : 0;
	c->writing = true;
	c->deadline_ms = now_ms() + D_SERVER_WRITE_MS;
	epoll_ctl(srv->epfd, EPOLL_CTL_MOD, c->ev.fd, &e);
}

static void client_answer(struct d_server *srv, struct d_client *c,
			  json_object *o)
{
	const char *t =
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(t);
	char *text = malloc(len + 2);

	if (text) {
		memcpy(text, t, len);
		text[len++] = '\n';
		text[len] = 0;
	}
	json_object_put(o);
	client_send(srv, c, text, len);
}

static json_object *refusal(const char *msg)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	json_object_object_add(o, "errno", json_object_new_string("EINVAL"));
	return o;
}

static void refuse(struct d_server *srv, struct d_state *st, struct d_client *c,
		   const char *msg)
{
	st->stats.refused++;
	/* stop reading: a flood of garbage must not keep us busy */
	shutdown(c->ev.fd, SHUT_RD);
	client_answer(srv, c, refusal(msg));
}

static void accept_one(struct d_server *srv, struct d_state *st)
{
	struct epoll_event e = { .events = EPOLLIN };
	socklen_t len = sizeof(struct ucred);
	struct d_client *c;
	int fd = accept4(srv->listen.fd, NULL, NULL,
			 SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (srv->nr_clients >= D_SERVER_MAX_CLIENTS ||
	    !(c = calloc(1, sizeof(*c)))) {
		static const char busy[] = "{\"ok\":false,\"error\":\"too many "
					   "clients\",\"errno\":\"EBUSY\"}\n";

		st->stats.refused++;
		if (write(fd, busy, sizeof(busy) - 1) < 0)
			(void)0; /* best effort; the client sees EOF anyway */
		close(fd);
		return;
	}
	c->ev = (struct d_ev){ D_EV_CLIENT, fd };
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->peer, &len))
		c->peer.uid = (uid_t)-1; /* unknown: treated as unprivileged */
	c->deadline_ms = now_ms() + D_SERVER_READ_MS;
	c->next = srv->clients;
	srv->clients = c;
	srv->nr_clients++;
	e.data.ptr = &c->ev;
	if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &e))
		client_free(srv, c);
}

static void client_read(struct d_server *srv, struct d_state *st,
			struct d_client *c)
{
	struct d_request req;
	char err[256], *text;
	size_t len = 0;
	ssize_t n;

	n = read(c->ev.fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			client_free(srv, c);
		return;
	}
	c->in_len += n;
	switch (d_proto_parse(c->in, c->in_len, &req, err, sizeof(err))) {
	case D_PARSE_OK:
		st->stats.requests++;
		shutdown(c->ev.fd, SHUT_RD);
		text = d_handle(st, &req, &c->peer, &len);
		client_send(srv, c, text, len);
		return;
	case D_PARSE_ERR:
		refuse(srv, st, c, err);
		return;
	case D_PARSE_MORE:
		break;
	}
	if (c->in_len > D_PROTO_MAX_REQUEST)
		refuse(srv, st, c, "request too large");
	else if (n == 0)
		refuse(srv, st, c,
		       c->in_len ? "incomplete request" : "empty request");
}

static void client_write(struct d_server *srv, struct d_client *c)
{
	ssize_t n;

	if (!c->out) {
		client_free(srv, c);
		return;
	}
	n = write(c->ev.fd, c->out + c->out_off, c->out_len - c->out_off);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_free(srv, c);
		return;
	}
	c->out_off += n;
	if (c->out_off == c->out_len)
		client_free(srv, c);
}

void d_server_event(struct d_server *srv, struct d_state *st, struct d_ev *ev,
		    uint32_t events)
{
	struct d_client *c = (struct d_client *)ev;

	if (ev->kind == D_EV_LISTEN) {
		/* several may be waiting; accept a bounded batch */
		for (int i = 0; i < 16; i++)
			accept_one(srv, st);
		return;
	}
	if (c->writing)
		client_write(srv, c);
	else if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		client_read(srv, st, c);
}

int d_server_expire(struct d_server *srv, struct d_state *st)
{
	int64_t now = now_ms(), next = -1;
	struct d_client *c = srv->clients, *nx;

	for (; c; c = nx) {
		nx = c->next;
		if (c->deadline_ms <= now) {
			if (c->writing) { /* a reader too slow for its answer */
				client_free(srv, c);
				continue;
			}
			refuse(srv, st, c, "request not received in time");
		}
		if (next < 0 || c->deadline_ms - now < next)
			next = c->deadline_ms - now;
	}
	return next < 0 ? -1 : (int)next;
}
