// SPDX-License-Identifier: GPL-2.0
/*
 * connburst: TCP loads for overhead measurements.
 *
 * Many short connections:
 *   connburst server PORT                 accept, read to EOF, close (forever)
 *   connburst client IP PORT N BYTES      N connections, each sends BYTES;
 *                                          prints "connections N seconds S rate R"
 * Request/response on one persistent connection: each transaction writes
 * SIZE bytes and waits for the SIZE-byte echo; its latency is recorded.
 *   connburst rr-server PORT              echo every connection (forever)
 *   connburst rr-client IP PORT SECONDS SIZE
 *                                          prints "transactions N seconds S
 *                                          rate R p50_us A p99_us B"
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* a socket listening on port (any address); -1 after printing why */
static int listen_tcp(int port, int backlog, const char *who)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_port = htons(port) };
	int one = 1, lfd;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(lfd, backlog)) {
		perror(who);
		if (lfd >= 0)
			close(lfd);
		return -1;
	}
	return lfd;
}

static int accept_retry(int lfd)
{
	int fd;

	do
		fd = accept(lfd, NULL, NULL);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		perror("accept");
	return fd;
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

#define RR_MAX_SIZE 65536
#define RR_MAX_SAMPLES (8 << 20)

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* read or write exactly len bytes; 0 on success, -1 on EOF or error */
static int full_io(int fd, char *buf, size_t len, int writing)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = writing ? write(fd, buf + done, len - done) :
			      read(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

static void set_nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* echo whatever arrives, as it arrives, until EOF */
static void echo(int fd)
{
	char buf[RR_MAX_SIZE];
	ssize_t n;

	set_nodelay(fd);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (full_io(fd, buf, n, 1))
			break;
	close(fd);
}

static void drain(int fd)
{
	char buf[65536];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

/* accept forever; each connection is drained in turn, or echoed by a child */
static int serve(int port, int echoing)
{
	int lfd, fd;

	/* the client runs ahead of the draining server by up to a whole run
	 * (3000 connections by default): a full accept queue drops the
	 * handshake's last ACK and stalls that client for the 1 s SYN-ACK
	 * retry, which made connections/s bimodal; 4096 is somaxconn's
	 * default cap */
	lfd = listen_tcp(port, 4096, "connburst server");
	if (lfd < 0)
		return 1;
	for (;;) {
		fd = accept_retry(lfd);
		if (fd < 0)
			return 1;
		if (!echoing) {
			drain(fd);
			continue;
		}
		if (fork() == 0) {
			close(lfd);
			echo(fd);
			_exit(0);
		}
		close(fd);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

static int connect_to(const char *ip, int port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_port = htons(port) };
	int fd;

	if (inet_pton(AF_INET, ip, &addr.sin_addr) != 1) {
		fprintf(stderr, "connburst rr: bad address '%s'\n", ip);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		perror("connburst rr connect");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	set_nodelay(fd);
	return fd;
}

static int rr_client(const char *ip, int port, double seconds, size_t size)
{
	unsigned long long start, t0, t1, end;
	unsigned int *lat;
	char buf[RR_MAX_SIZE];
	size_t n = 0;
	int fd;

	if (size == 0 || size > RR_MAX_SIZE || seconds <= 0) {
		fprintf(stderr, "connburst rr: SIZE must be 1..%d, SECONDS > 0\n",
			RR_MAX_SIZE);
		return 2;
	}
	lat = calloc(RR_MAX_SAMPLES, sizeof(*lat));
	fd = lat ? connect_to(ip, port) : -1;
	if (fd < 0) {
		free(lat);
		return 1;
	}
	memset(buf, 'r', size);
	start = now_ns();
	end = start + (unsigned long long)(seconds * 1e9);
	for (t1 = start; t1 < end && n < RR_MAX_SAMPLES; n++) {
		t0 = t1;
		if (full_io(fd, buf, size, 1) || full_io(fd, buf, size, 0)) {
			fprintf(stderr, "connburst rr: connection lost after %zu\n", n);
			close(fd);
			free(lat);
			return 1;
		}
		t1 = now_ns();
		lat[n] = (t1 - t0) > ~0U ? ~0U : (unsigned int)(t1 - t0);
	}
	close(fd);
	qsort(lat, n, sizeof(*lat), cmp_u32);
	printf("transactions %zu seconds %.3f rate %.1f p50_us %.2f p99_us %.2f\n",
	       n, (t1 - start) / 1e9, n / ((t1 - start) / 1e9),
	       lat[n / 2] / 1e3, lat[n * 99 / 100] / 1e3);
	free(lat);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "server"))
		return serve(atoi(argv[2]), 0);
	if (argc == 6 && !strcmp(argv[1], "client"))
		return client(argv[2], atoi(argv[3]), atol(argv[4]),
			      strtoul(argv[5], NULL, 10));
	if (argc == 3 && !strcmp(argv[1], "rr-server"))
		return serve(atoi(argv[2]), 1);
	if (argc == 6 && !strcmp(argv[1], "rr-client"))
		return rr_client(argv[2], atoi(argv[3]), atof(argv[4]),
				 strtoul(argv[5], NULL, 10));
	fprintf(stderr, "usage: connburst server PORT\n"
			"       connburst client IP PORT COUNT BYTES\n"
			"       connburst rr-server PORT\n"
			"       connburst rr-client IP PORT SECONDS SIZE\n");
	return 2;
}
