// SPDX-License-Identifier: GPL-2.0
/*
 * bulk: a minimal bulk TCP transfer for tests and benchmarks.  Unlike
 * iperf3 it runs many short transfers from one process (no control
 * connection, no start-up cost per transfer) and reports, per transfer,
 * the congestion control the connection ended up with, so a test can see
 * what a sockops program chose.
 *
 *   bulk -s [-p PORT]                         receive and discard, forever
 *   bulk -c HOST [-p PORT] [-t MS] [-n COUNT] [-C ALG] [-q]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK_DEFAULT (128 * 1024)
#define CHUNK_MAX (16 * 1024 * 1024)

static char *buf;
static size_t chunk = CHUNK_DEFAULT;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bulk -s [-p PORT]\n"
		"       bulk -c HOST [-p PORT] [-t MS] [-n COUNT] [-C ALG] [-l BYTES] [-q]\n"
		"  -s        server: accept connections one after another, read and\n"
		"            discard until the peer closes; runs until killed\n"
		"  -c HOST   client: send for MS milliseconds per connection\n"
		"  -p PORT   TCP port (default 5301)\n"
		"  -t MS     sending time per connection (default 1000)\n"
		"  -n COUNT  connections, one after another (default 1)\n"
		"  -C ALG    set TCP_CONGESTION before connecting\n"
		"  -l BYTES  size of each write (default %d, at most %d)\n"
		"  -q        only the summary line\n"
		"Client output, per connection:\n"
		"  bulk: conn N: BYTES bytes in SECS s = MBIT Mbit/s, cc ALG\n"
		"then: bulk: mean MBIT Mbit/s over COUNT connections\n"
		"The time runs until the receiver has read everything and closed.\n",
		CHUNK_DEFAULT, CHUNK_MAX);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int serve(const char *port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE };
	struct addrinfo *ai;
	int fd, conn, one = 1, err;

	err = getaddrinfo(NULL, port, &hints, &ai);
	if (err) {
		fprintf(stderr, "bulk: port %s: %s\n", port, gai_strerror(err));
		return 1;
	}
	/* prefer the IPv6 wildcard: it also accepts IPv4 */
	while (ai->ai_next && ai->ai_family != AF_INET6)
		ai = ai->ai_next;
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64)) {
		fprintf(stderr, "bulk: cannot listen on port %s: %s\n", port,
			strerror(errno));
		return 1;
	}
	for (;;) {
		conn = accept(fd, NULL, NULL);
		if (conn < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "bulk: accept: %s\n", strerror(errno));
			return 1;
		}
		while (read(conn, buf, chunk) > 0)
			;
		close(conn);
	}
}

static int connect_to(const char *host, const char *port, const char *cc)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	int fd, err;

	err = getaddrinfo(host, port, &hints, &ai);
	if (err) {
		fprintf(stderr, "bulk: %s: %s\n", host, gai_strerror(err));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0) {
		fprintf(stderr, "bulk: socket: %s\n", strerror(errno));
		goto out;
	}
	if (cc && setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc, strlen(cc))) {
		fprintf(stderr, "bulk: cannot use congestion control %s: %s\n",
			cc, strerror(errno));
		close(fd);
		fd = -1;
		goto out;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		fprintf(stderr, "bulk: connect to %s port %s: %s\n", host, port,
			strerror(errno));
		close(fd);
		fd = -1;
	}
out:
	freeaddrinfo(ai);
	return fd;
}

/* One transfer; returns Mbit/s, or -1. */
static double transfer(int fd, double secs, unsigned int n, bool quiet)
{
	char cc[16] = "?";
	socklen_t cclen = sizeof(cc) - 1;
	unsigned long long bytes = 0;
	double start = now_s(), end, mbit;
	ssize_t w;

	while (now_s() - start < secs) {
		w = write(fd, buf, chunk);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "bulk: write: %s\n", strerror(errno));
			return -1;
		}
		bytes += w;
	}
	getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc, &cclen);
	/* wait until the receiver has everything: it closes after EOF */
	shutdown(fd, SHUT_WR);
	while (read(fd, buf, chunk) > 0)
		;
	end = now_s();
	mbit = bytes * 8 / (end - start) / 1e6;
	if (!quiet)
		printf("bulk: conn %u: %llu bytes in %.3f s = %.1f Mbit/s, cc %s\n",
		       n, bytes, end - start, mbit, cc);
	fflush(stdout);
	return mbit;
}

int main(int argc, char **argv)
{
	const char *host = NULL, *port = "5301", *cc = NULL;
	bool server = false, quiet = false;
	long ms = 1000, count = 1, i;
	double sum = 0, mbit;
	char *end;
	int opt, fd;

	while ((opt = getopt(argc, argv, "sc:p:t:n:C:l:qh")) != -1) {
		switch (opt) {
		case 's': server = true; break;
		case 'c': host = optarg; break;
		case 'p': port = optarg; break;
		case 't':
			ms = strtol(optarg, &end, 10);
			if (*end || ms < 1 || ms > 3600000) {
				fprintf(stderr, "bulk: -t '%s': not a time in ms (1..3600000)\n",
					optarg);
				return 2;
			}
			break;
		case 'n':
			count = strtol(optarg, &end, 10);
			if (*end || count < 1 || count > 1000000) {
				fprintf(stderr, "bulk: -n '%s': not a count (1..1000000)\n",
					optarg);
				return 2;
			}
			break;
		case 'C': cc = optarg; break;
		case 'l':
			chunk = strtoul(optarg, &end, 10);
			if (*end || chunk < 1 || chunk > CHUNK_MAX) {
				fprintf(stderr, "bulk: -l '%s': not a write size (1..%d bytes)\n",
					optarg, CHUNK_MAX);
				return 2;
			}
			break;
		case 'q': quiet = true; break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (server == !!host || optind != argc) {
		fprintf(stderr, "bulk: give exactly one of -s and -c HOST (bulk -h for help)\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	buf = malloc(chunk);
	if (!buf) {
		fprintf(stderr, "bulk: no memory for %zu bytes\n", chunk);
		return 1;
	}
	if (server)
		return serve(port);
	memset(buf, 0x5a, chunk);
	for (i = 1; i <= count; i++) {
		fd = connect_to(host, port, cc);
		if (fd < 0)
			return 1;
		mbit = transfer(fd, ms / 1000.0, (unsigned int)i, quiet);
		close(fd);
		if (mbit < 0)
			return 1;
		sum += mbit;
	}
	printf("bulk: mean %.1f Mbit/s over %ld connections\n", sum / count, count);
	return 0;
}
