/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The AF_UNIX query socket: non-blocking, inside the daemon's epoll loop.
 * One request and one answer per connection. A request must arrive whole
 * within D_SERVER_READ_MS and be at most D_PROTO_MAX_REQUEST bytes; at most
 * D_SERVER_MAX_CLIENTS connections are served at once. Anything else is
 * refused with a JSON error and counted, never blocking the loop.
 */
#ifndef PTWATCH_D_SERVER_H
#define PTWATCH_D_SERVER_H

#include <stdint.h>
#include <sys/types.h>

#include "state.h"

#define D_SERVER_MAX_CLIENTS 32
#define D_SERVER_READ_MS 2000
#define D_SERVER_WRITE_MS 10000

/* Tag at the start of everything registered in the epoll set. */
enum d_ev_kind { D_EV_TIMER, D_EV_SIGNAL, D_EV_LISTEN, D_EV_CLIENT, D_EV_HTTP };
struct d_ev {
	enum d_ev_kind kind;
	int fd;
};

struct d_client;

struct d_server {
	struct d_ev listen;
	char path[108];
	dev_t dev; /* the socket file bound, removed at close if still it */
	ino_t ino;
	int epfd;
	struct d_client *clients; /* list */
	unsigned int nr_clients;
};

/* Whether path is free to take: 0 when nothing is there or a socket
 * nobody answers on (left by a crashed run); -EADDRINUSE when a live
 * daemon answers (*owner: its pid when known, else 0); -ENOTSOCK when
 * something that is not a socket is there; another -errno otherwise. */
int d_server_check(const char *path, pid_t *owner);

/* Binds and listens at path after d_server_check() (a stale socket file
 * is replaced, a live one or a non-socket refused with its -errno; the
 * mode is 0666: peer credentials, not file modes, decide who may change
 * knobs). 0 or -errno. d_server_close() removes the file only if it is
 * still the one bound here. */
int d_server_open(struct d_server *srv, const char *path, int epfd);
void d_server_close(struct d_server *srv);

/* Handles readiness of the listening socket or a client. */
void d_server_event(struct d_server *srv, struct d_state *st, struct d_ev *ev,
		    uint32_t events);

/* Refuses clients past their deadline; returns ms until the next
 * deadline, -1 if none. */
int d_server_expire(struct d_server *srv, struct d_state *st);

#endif
