// SPDX-License-Identifier: GPL-2.0
/*
 * bpftune -q: sends one request to the daemon's query socket (UNIX, or
 * the TCP port on loopback) and prints the answer; exit 1 when the answer
 * is an error or none came, 2 when the request is bad.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "core.h"
#include "query_parse.h"

#define CLIENT_REPLY_TIMEOUT_S 10

static int client_connect(const char *path, int tcp_port)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct sockaddr_in in = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)tcp_port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	struct timeval tv = { CLIENT_REPLY_TIMEOUT_S, 0 };
	int fd, err;

	fd = socket(tcp_port > 0 ? AF_INET : AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (tcp_port > 0) {
		err = connect(fd, (struct sockaddr *)&in, sizeof(in));
	} else {
		if (strlen(path) >= sizeof(un.sun_path)) {
			close(fd);
			return -ENAMETOOLONG;
		}
		snprintf(un.sun_path, sizeof(un.sun_path), "%s", path);
		err = connect(fd, (struct sockaddr *)&un, sizeof(un));
	}
	if (err) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static bool reply_is_error(const char *s, size_t len)
{
	static const char *const prefixes[] = { "error: ", "{\"error\":",
						"unknown query " };
	size_t i, plen;

	for (i = 0; i < ARRAY_SIZE(prefixes); i++) {
		plen = strlen(prefixes[i]);
		if (len >= plen && !memcmp(s, prefixes[i], plen))
			return true;
	}
	return false;
}

int bpftune_query_client(const char *path, int tcp_port, const char *request)
{
	char where[sizeof(((struct sockaddr_un *)0)->sun_path) + 32], buf[8192], err[160];
	char line[BPFTUNE_QUERY_MAX + 2];
	struct bpftune_query q;
	struct bpftune_qbuf reply;
	ssize_t n;
	size_t len;
	int fd, rc;

	/* the daemon checks again; this catches bad input without a daemon */
	len = (size_t)snprintf(line, sizeof(line), "%s\n", request);
	if (len >= sizeof(line))
		len = sizeof(line); /* too long: the parser says so */
	if (bpftune_query_parse(line, len, &q, err, sizeof(err))) {
		fprintf(stderr, "bpftune: bad query: %s\n", err);
		return 2;
	}
	if (tcp_port > 0)
		snprintf(where, sizeof(where), "127.0.0.1:%d", tcp_port);
	else
		snprintf(where, sizeof(where), "%s", path);
	fd = client_connect(path, tcp_port);
	if (fd < 0) {
		fprintf(stderr, "bpftune: cannot connect to %s: %s (is the daemon running?)\n",
			where, strerror(-fd));
		return 1;
	}
	if (send(fd, line, len, MSG_NOSIGNAL) != (ssize_t)len) {
		fprintf(stderr, "bpftune: cannot send the query to %s: %s\n", where,
			strerror(errno));
		close(fd);
		return 1;
	}
	qbuf_init(&reply);
	while ((n = recv(fd, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = '\0';
		qbuf_printf(&reply, "%s", buf);
	}
	rc = 0;
	if (n < 0) {
		fprintf(stderr, "bpftune: no complete answer from %s: %s\n", where,
			strerror(errno));
		rc = 1;
	} else if (!reply.len) {
		fprintf(stderr, "bpftune: %s closed the connection without an answer\n",
			where);
		rc = 1;
	} else if (reply_is_error(reply.data, reply.len)) {
		rc = 1;
	}
	if (reply.len)
		fwrite(reply.data, 1, reply.len, rc && !strncmp(reply.data, "error: ", 7) ?
				    stderr : stdout);
	qbuf_free(&reply);
	close(fd);
	return rc;
}
