// SPDX-License-Identifier: GPL-2.0
/* GET /metrics on a loopback address through libmicrohttpd. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "http.h"
#include "metrics.h"

struct d_http {
	struct d_ev ev; /* first: the epoll tag */
	struct MHD_Daemon *mhd;
	struct d_state *st;
	int epfd;
	bool started; /* until then the caller reports a failure, once */
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int code,
			     const char *type, char *body, size_t len,
			     enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn,
			       const char *url, const char *method,
			       const char *version, const char *upload,
			       size_t *upload_size, void **req_cls)
{
	struct d_http *h = cls;
	static char not_found[] = "ptwatchd serves /metrics only\n";
	static char not_allowed[] = "method not allowed\n";
	char *text;
	size_t len;

	(void)version, (void)upload, (void)req_cls;
	if (*upload_size)
		return MHD_NO; /* no request bodies */
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
			     not_allowed, strlen(not_allowed),
			     MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", not_found,
			     strlen(not_found), MHD_RESPMEM_PERSISTENT);
	if (d_metrics_render(h->st, &text, &len))
		return MHD_NO;
	return reply(conn, MHD_HTTP_OK,
		     "text/plain; version=0.0.4; charset=utf-8", text, len,
		     MHD_RESPMEM_MUST_FREE);
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
	static struct d_fault f = { .what = "http" };
	struct d_http *h = cls;
	char msg[256];

	if (!h->started)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = 0;
	d_fault_fail(&f, "http listener: %s", msg);
}

struct d_http *d_http_start(const char *listen, struct d_state *st, int epfd)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	struct epoll_event e = { .events = EPOLLIN };
	const union MHD_DaemonInfo *info;
	unsigned short port;
	struct d_http *h;
	char host[64];

	if (d_config_parse_listen(listen, host, sizeof(host), &port))
		return NULL;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
	} else {
		inet_pton(AF_INET6, host, &s6->sin6_addr);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		flags |= MHD_USE_IPv6;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->st = st;
	h->epfd = epfd;
	h->mhd = MHD_start_daemon(flags, port, NULL, NULL, handler, h,
				  MHD_OPTION_EXTERNAL_LOGGER, log_mhd, h,
				  MHD_OPTION_SOCK_ADDR, &ss,
				  MHD_OPTION_CONNECTION_LIMIT, 16U,
				  MHD_OPTION_CONNECTION_TIMEOUT, 5U,
				  MHD_OPTION_END);
	if (!h->mhd)
		goto fail;
	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info)
		goto fail;
	h->ev = (struct d_ev){ D_EV_HTTP, info->epoll_fd };
	e.data.ptr = &h->ev;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, h->ev.fd, &e))
		goto fail;
	h->started = true;
	return h;
fail:
	if (h->mhd)
		MHD_stop_daemon(h->mhd);
	free(h);
	return NULL;
}

void d_http_stop(struct d_http *h)
{
	if (!h)
		return;
	epoll_ctl(h->epfd, EPOLL_CTL_DEL, h->ev.fd, NULL);
	MHD_stop_daemon(h->mhd);
	free(h);
}

void d_http_run(struct d_http *h)
{
	MHD_run(h->mhd);
}

int d_http_timeout(struct d_http *h)
{
	MHD_UNSIGNED_LONG_LONG t;

	if (!h || MHD_get_timeout(h->mhd, &t) != MHD_YES)
		return -1;
	return t > 60000 ? 60000 : (int)t;
}
