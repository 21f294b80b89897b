/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Optional loopback HTTP listener for Prometheus (GET /metrics), served by
 * libmicrohttpd inside the daemon's epoll loop (no extra threads): its
 * epoll fd is registered in ours and MHD_run() is called when it is ready.
 */
#ifndef PTWATCH_D_HTTP_H
#define PTWATCH_D_HTTP_H

#include "server.h"

struct d_http;

/* listen is "127.0.0.1:9417" or "[::1]:9417". NULL on failure (logged). */
struct d_http *d_http_start(const char *listen, struct d_state *st, int epfd);
void d_http_stop(struct d_http *h);

/* Its epoll tag was ready: serve. */
void d_http_run(struct d_http *h);

/* ms until libmicrohttpd needs a call for timeouts, -1 none */
int d_http_timeout(struct d_http *h);

#endif
