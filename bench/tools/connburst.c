// SPDX-License-Identifier: GPL-2.0
/*
 * connburst: many short TCP connections, for overhead measurements.
 *
 *   connburst server PORT                 accept, read to EOF, close (forever)
 *   connburst client IP PORT N BYTES      N connections, each sends BYTES;
 *                                          prints "connections N seconds S rate R"
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int serve(int port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_port = htons(port) };
	char buf[65536];
	int one = 1, lfd, fd;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 1024)) {
		perror("connburst server");
		return 1;
	}
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			perror("accept");
			return 1;
		}
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
	}
}

static int one_connection(const struct sockaddr_in *addr, const char *data,
			  size_t bytes)
{
	size_t sent = 0;
	ssize_t n;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr))) {
		n = -errno;
		close(fd);
		return n;
	}
	while (sent < bytes) {
		n = write(fd, data + sent, bytes - sent);
		if (n <= 0)
			break;
		sent += n;
	}
	shutdown(fd, SHUT_WR);
	close(fd);
	return 0;
}

static int client(const char *ip, int port, long count, size_t bytes)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_port = htons(port) };
	double start, secs;
	long i, failed = 0;
	char *data;

	if (inet_pton(AF_INET, ip, &addr.sin_addr) != 1) {
		fprintf(stderr, "connburst: bad address '%s'\n", ip);
		return 2;
	}
	data = calloc(1, bytes ? bytes : 1);
	if (!data)
		return 1;
	start = now_s();
	for (i = 0; i < count; i++)
		failed += one_connection(&addr, data, bytes) != 0;
	secs = now_s() - start;
	printf("connections %ld failed %ld seconds %.3f rate %.1f\n", count,
	       failed, secs, (count - failed) / secs);
	free(data);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "server"))
		return serve(atoi(argv[2]));
	if (argc == 6 && !strcmp(argv[1], "client"))
		return client(argv[2], atoi(argv[3]), atol(argv[4]),
			      strtoul(argv[5], NULL, 10));
	fprintf(stderr, "usage: connburst server PORT\n"
			"       connburst client IP PORT COUNT BYTES\n");
	return 2;
}
