// SPDX-License-Identifier: GPL-2.0
/*
 * syn_flood: TCP SYNs from addresses that never answer, for the tcp_listen
 * tests.  Run it in a namespace whose route back from the target leads
 * nowhere (the target routes SRC_NET via this namespace, which does not
 * forward): the target's SYN-ACKs are lost and its requests stay half-open.
 *
 *   syn_flood -d DST -p PORT [-r RATE] [-t SECONDS]
 *	RATE SYNs per second (default 200) for SECONDS (default 1), each
 *	from a new source address of SRC_NET and a new port.
 *   syn_flood -d DST -p PORT -a MS -i IFACE [-n COUNT] [-f FILL]
 *	handshakes: COUNT SYNs (default 32), their SYN-ACKs captured on
 *	IFACE (at most 1 s each round); then FILL more handshakes completed
 *	at once; then after MS milliseconds the ACKs that complete the
 *	COUNT first ones, all at once: connections that arrive at a
 *	listener whose accept queue the FILL ones filled.
 *
 * Only to addresses of namespaces the test made: the sources are in
 * 198.18.0.0/15 (RFC 2544, benchmarking), never reachable from outside.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SRC_NET 0xc6120000U	/* 198.18.0.0 */
#define SRC_HOSTS (1U << 17)	/* a /15 */
#define RATE_MAX 100000
#define SECONDS_MAX 60
#define COUNT_MAX 4096
#define DELAY_MAX_MS 10000
#define CAPTURE_MS 1000

/* both headers are 20 bytes: no padding between them */
struct syn_packet {
	struct iphdr ip;
	struct tcphdr tcp;
};

struct handshake {
	unsigned int saddr;	/* network order */
	unsigned short sport;	/* network order */
	unsigned int isn;	/* ours, host order */
	unsigned int peer_isn;	/* theirs, host order */
	int answered;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: syn_flood -d DST -p PORT [-r RATE] [-t SECONDS]\n"
		"       syn_flood -d DST -p PORT -a MS -i IFACE [-n COUNT] [-f FILL]\n"
		"  -r RATE    SYNs per second (default 200, at most %d)\n"
		"  -t SECS    how long (default 1, at most %d)\n"
		"  -a MS      complete handshakes, ACKs after MS ms (at most %d)\n"
		"  -i IFACE   where the SYN-ACKs arrive (with -a)\n"
		"  -n COUNT   handshakes held until MS (default 32, at most %d)\n"
		"  -f FILL    handshakes completed at once before (default 0)\n"
		"Sources are random addresses of 198.18.0.0/15.\n",
		RATE_MAX, SECONDS_MAX, DELAY_MAX_MS, COUNT_MAX);
}

static long parse_num(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "syn_flood: %s must be %ld..%ld, not '%s'\n",
			what, min, max, s);
		exit(2);
	}
	return v;
}

static unsigned short csum_add(unsigned int sum, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len > 1) {
		sum += (p[0] << 8) | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (unsigned short)sum;
}

static unsigned short tcp_csum(const struct iphdr *ip, const struct tcphdr *tcp)
{
	struct {
		unsigned int saddr, daddr;
		unsigned char zero, proto;
		unsigned short len;
	} __attribute__((packed)) pseudo = {
		ip->saddr, ip->daddr, 0, IPPROTO_TCP, htons(sizeof(*tcp))
	};
	unsigned int sum = csum_add(0, &pseudo, sizeof(pseudo));

	return htons(~csum_add(sum, tcp, sizeof(*tcp)) & 0xffff);
}

static void packet_fill(struct syn_packet *pkt, const struct handshake *h,
			unsigned int daddr, unsigned short dport, int ack)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->ip.version = 4;
	pkt->ip.ihl = 5;
	pkt->ip.ttl = 64;
	pkt->ip.protocol = IPPROTO_TCP;
	pkt->ip.tot_len = htons(sizeof(*pkt));
	pkt->ip.saddr = h->saddr;
	pkt->ip.daddr = daddr;
	pkt->tcp.source = h->sport;
	pkt->tcp.dest = dport;
	pkt->tcp.doff = 5;
	pkt->tcp.window = htons(65535);
	if (ack) {
		pkt->tcp.seq = htonl(h->isn + 1);
		pkt->tcp.ack_seq = htonl(h->peer_isn + 1);
		pkt->tcp.ack = 1;
	} else {
		pkt->tcp.seq = htonl(h->isn);
		pkt->tcp.syn = 1;
	}
	pkt->tcp.check = tcp_csum(&pkt->ip, &pkt->tcp);
}

static void handshake_new(struct handshake *h)
{
	h->saddr = htonl(SRC_NET + 1 + (unsigned int)random() % (SRC_HOSTS - 2));
	h->sport = htons(1024 + random() % 60000);
	h->isn = (unsigned int)random();
	h->answered = 0;
}

static int send_packet(int fd, const struct syn_packet *pkt)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_addr.s_addr = pkt->ip.daddr };

	if (sendto(fd, pkt, sizeof(*pkt), 0, (struct sockaddr *)&to,
		   sizeof(to)) < 0) {
		perror("syn_flood: sendto");
		return -1;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int flood(int fd, unsigned int daddr, unsigned short dport, long rate,
		 long seconds)
{
	long i, total = rate * seconds;
	struct syn_packet pkt;
	struct handshake h;
	double start = now_s(), due;

	for (i = 0; i < total; i++) {
		handshake_new(&h);
		packet_fill(&pkt, &h, daddr, dport, 0);
		if (send_packet(fd, &pkt))
			return 1;
		due = start + (double)(i + 1) / rate;
		while (now_s() < due)
			usleep(200);
	}
	printf("syn_flood: %ld SYNs in %.2f s\n", total, now_s() - start);
	return 0;
}

/* Match a captured frame to one of our handshakes: a SYN-ACK to it. */
static void synack_match(const unsigned char *frame, ssize_t len,
			 unsigned int daddr, unsigned short dport,
			 struct handshake *hs, long n)
{
	const struct iphdr *ip = (const void *)frame;
	const struct tcphdr *tcp;
	long i;

	if (len < (ssize_t)sizeof(*ip) || ip->version != 4 ||
	    ip->protocol != IPPROTO_TCP || ip->saddr != daddr ||
	    len < ip->ihl * 4 + (ssize_t)sizeof(*tcp))
		return;
	tcp = (const void *)(frame + ip->ihl * 4);
	if (!tcp->syn || !tcp->ack || tcp->source != dport)
		return;
	for (i = 0; i < n; i++) {
		if (hs[i].answered || hs[i].saddr != ip->daddr ||
		    hs[i].sport != tcp->dest ||
		    ntohl(tcp->ack_seq) != hs[i].isn + 1)
			continue;
		hs[i].peer_isn = ntohl(tcp->seq);
		hs[i].answered = 1;
		return;
	}
}

static long capture(int pfd, unsigned int daddr, unsigned short dport,
		    struct handshake *hs, long n)
{
	unsigned char frame[2048];
	struct pollfd p = { .fd = pfd, .events = POLLIN };
	double end = now_s() + CAPTURE_MS / 1000.0;
	long i, got;
	ssize_t len;

	for (;;) {
		for (got = 0, i = 0; i < n; i++)
			got += hs[i].answered;
		if (got == n || now_s() >= end)
			return got;
		if (poll(&p, 1, 50) <= 0)
			continue;
		len = recv(pfd, frame, sizeof(frame), MSG_DONTWAIT);
		if (len > 0)
			synack_match(frame, len, daddr, dport, hs, n);
	}
}

static int packet_socket(const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_IP) };
	int fd;

	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "syn_flood: no interface %s\n", ifname);
		return -1;
	}
	/* SOCK_DGRAM: frames without their link-layer header */
	fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("syn_flood: packet socket");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Send the SYNs of k handshakes; returns how many SYN-ACKs came back. */
static long handshakes_open(int fd, int pfd, unsigned int daddr,
			    unsigned short dport, struct handshake *hs, long k)
{
	struct syn_packet pkt;
	long i;

	for (i = 0; i < k; i++) {
		handshake_new(&hs[i]);
		packet_fill(&pkt, &hs[i], daddr, dport, 0);
		if (send_packet(fd, &pkt))
			return -1;
	}
	return capture(pfd, daddr, dport, hs, k);
}

/* Send the last ACK of each answered handshake; returns how many. */
static long handshakes_complete(int fd, unsigned int daddr,
				unsigned short dport, struct handshake *hs,
				long k)
{
	struct syn_packet pkt;
	long i, acked = 0;

	for (i = 0; i < k; i++) {
		if (!hs[i].answered)
			continue;
		packet_fill(&pkt, &hs[i], daddr, dport, 1);
		if (send_packet(fd, &pkt))
			return -1;
		acked++;
	}
	return acked;
}

/*
 * n handshakes held open, then fill handshakes completed at once (they
 * fill the accept queue), then after delay_ms the n held ones completed.
 */
static int handshakes(int fd, unsigned int daddr, unsigned short dport,
		      long n, long fill, long delay_ms, const char *ifname)
{
	struct handshake *hs;
	long held_got, fill_got, fill_acked, held_acked;
	int pfd, ret = 1;

	pfd = packet_socket(ifname);
	if (pfd < 0)
		return 1;
	hs = calloc((size_t)(n + fill), sizeof(*hs));
	if (!hs)
		goto out;
	held_got = handshakes_open(fd, pfd, daddr, dport, hs, n);
	if (held_got < 0)
		goto out;
	fill_got = handshakes_open(fd, pfd, daddr, dport, hs + n, fill);
	if (fill_got < 0)
		goto out;
	fill_acked = handshakes_complete(fd, daddr, dport, hs + n, fill);
	if (fill_acked < 0)
		goto out;
	usleep((useconds_t)delay_ms * 1000);
	held_acked = handshakes_complete(fd, daddr, dport, hs, n);
	if (held_acked < 0)
		goto out;
	printf("syn_flood: %ld + %ld SYNs, %ld + %ld SYN-ACKs, %ld + %ld ACKs\n",
	       n, fill, held_got, fill_got, held_acked, fill_acked);
	ret = 0;
out:
	free(hs);
	close(pfd);
	return ret;
}

int main(int argc, char **argv)
{
	long rate = 200, seconds = 1, count = 32, fill = 0, delay_ms = -1;
	long port = 0;
	const char *ifname = NULL, *dst = NULL;
	struct in_addr daddr;
	int opt, fd, ret;

	while ((opt = getopt(argc, argv, "d:p:r:t:a:i:n:f:h")) != -1) {
		switch (opt) {
		case 'd':
			dst = optarg;
			break;
		case 'p':
			port = parse_num(optarg, 1, 65535, "PORT");
			break;
		case 'r':
			rate = parse_num(optarg, 1, RATE_MAX, "RATE");
			break;
		case 't':
			seconds = parse_num(optarg, 1, SECONDS_MAX, "SECONDS");
			break;
		case 'a':
			delay_ms = parse_num(optarg, 0, DELAY_MAX_MS, "MS");
			break;
		case 'i':
			ifname = optarg;
			break;
		case 'n':
			count = parse_num(optarg, 1, COUNT_MAX, "COUNT");
			break;
		case 'f':
			fill = parse_num(optarg, 0, COUNT_MAX, "FILL");
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!dst || !port || inet_pton(AF_INET, dst, &daddr) != 1 ||
	    (delay_ms >= 0 && !ifname)) {
		usage(stderr);
		return 2;
	}
	srandom((unsigned int)(getpid() ^ time(NULL)));
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0) {
		perror("syn_flood: raw socket");
		return 1;
	}
	if (delay_ms >= 0)
		ret = handshakes(fd, daddr.s_addr, htons((unsigned short)port),
				 count, fill, delay_ms, ifname);
	else
		ret = flood(fd, daddr.s_addr, htons((unsigned short)port), rate,
			    seconds);
	close(fd);
	return ret;
}
