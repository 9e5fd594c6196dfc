// SPDX-License-Identifier: GPL-2.0
/*
 * delay: a relay that joins two network namespaces through a TUN device in
 * each and holds every packet for a fixed time, optionally behind a rate
 * limit, for tests and benchmarks (this kernel has no netem).
 *
 * Packets read from one TUN device are written to the other once their
 * release time has come.  The release time of a packet is its arrival
 * time plus the delay (plus its wait behind earlier packets when a rate is
 * set), so within one direction release times never decrease: a FIFO per
 * direction is already ordered by deadline, and the head of each FIFO is
 * the only timer needed.  One timerfd is armed at the earlier of the two
 * heads; epoll waits on it, both devices and a signalfd.  Nothing spins.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define SLOT_BYTES 2048		/* largest packet: MTU up to 2000 */
#define READ_BATCH 256		/* packets read per wakeup per device */
#define SLACK_NS 20000ULL	/* release packets due within 20 us together */
#define NSEC_PER_SEC 1000000000ULL

struct packet {
	uint64_t release_ns;
	uint16_t len;
	unsigned char data[SLOT_BYTES];
};

/* One direction: packets read from in_fd wait here, then go to out_fd. */
struct direction {
	const char *name;
	int in_fd, out_fd;
	struct packet *ring;
	unsigned int cap, head, count;
	uint64_t link_free_ns;	/* when the rate-limited link is idle again */
	uint64_t forwarded, bytes, dropped_full, dropped_write, truncated;
};

struct relay {
	uint64_t delay_ns;
	uint64_t rate_bps;	/* 0: no limit */
	struct direction dir[2];
	int timer_fd;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: delay -a NETNS_A -b NETNS_B -d MS [options]\n"
		"Creates a TUN device in each namespace and relays packets between them,\n"
		"holding each one for MS milliseconds (decimals allowed) in each direction,\n"
		"so a round trip takes about 2*MS.  Runs until SIGINT/SIGTERM/SIGHUP; the\n"
		"devices disappear when it exits.  Configure addresses and routes on the\n"
		"devices after it prints \"delay: ready\" on stdout.\n"
		"  -a NETNS   first namespace (a name in /run/netns, or a path)\n"
		"  -b NETNS   second namespace\n"
		"  -A DEV     TUN device name in A (default tdelay0)\n"
		"  -B DEV     TUN device name in B (default tdelay0)\n"
		"  -d MS      one-way delay in milliseconds (0..60000)\n"
		"  -r MBIT    rate limit per direction in Mbit/s (default: none)\n"
		"  -l PKTS    queue limit per direction in packets (default 8192);\n"
		"             packets beyond it are dropped, like a full router queue\n"
		"  -q         no statistics on exit\n"
		"  -h         this help\n"
		"Device MTU must not exceed %d.\n", SLOT_BYTES - 48);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static int open_netns(const char *name)
{
	char path[512];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "delay: netns %s: %s\n", name, strerror(errno));
	return fd;
}

/* Create TUN device dev inside netns, return its fd; come back home. */
static int tun_in_netns(const char *netns, const char *dev, int home_fd)
{
	struct ifreq ifr = { .ifr_flags = IFF_TUN | IFF_NO_PI };
	int ns_fd, fd = -1;

	if (strlen(dev) >= IFNAMSIZ) {
		fprintf(stderr, "delay: device name '%s' is longer than %d\n", dev,
			IFNAMSIZ - 1);
		return -1;
	}
	ns_fd = open_netns(netns);
	if (ns_fd < 0)
		return -1;
	if (setns(ns_fd, CLONE_NEWNET)) {
		fprintf(stderr, "delay: cannot enter netns %s: %s\n", netns,
			strerror(errno));
		goto out;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "delay: /dev/net/tun: %s\n", strerror(errno));
		goto back;
	}
	strcpy(ifr.ifr_name, dev);
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		fprintf(stderr, "delay: cannot create TUN device %s in %s: %s\n",
			dev, netns, strerror(errno));
		close(fd);
		fd = -1;
	}
back:
	if (setns(home_fd, CLONE_NEWNET)) {
		fprintf(stderr, "delay: cannot return to the original netns: %s\n",
			strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
out:
	close(ns_fd);
	return fd;
}

static int parse_number(const char *s, double max, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno || end == s || *end || *out < 0 || *out > max ? -1 : 0;
}

/* Serialisation time of len bytes on the limited link. */
static uint64_t tx_time_ns(const struct relay *r, unsigned int len)
{
	if (!r->rate_bps)
		return 0;
	return (uint64_t)len * 8 * NSEC_PER_SEC / r->rate_bps;
}

/* Read what the device has (a batch at most) into the FIFO. */
static void pull(struct relay *r, struct direction *d)
{
	unsigned char discard[SLOT_BYTES];
	unsigned int i;

	for (i = 0; i < READ_BATCH; i++) {
		struct packet *p = NULL;
		uint64_t now, start;
		ssize_t n;

		if (d->count < d->cap)
			p = &d->ring[(d->head + d->count) % d->cap];
		n = read(d->in_fd, p ? p->data : discard, SLOT_BYTES);
		if (n < 0)
			return;	/* EAGAIN: drained (other errors: retry later) */
		if (!p) {
			d->dropped_full++;
			continue;
		}
		if (n >= SLOT_BYTES) {
			d->truncated++;
			continue;
		}
		now = now_ns();
		/* wait for the link (rate limit), then propagate (delay) */
		start = now > d->link_free_ns ? now : d->link_free_ns;
		d->link_free_ns = start + tx_time_ns(r, n);
		p->release_ns = d->link_free_ns + r->delay_ns;
		p->len = n;
		d->count++;
	}
}

/* Write every packet whose time has come. */
static void push(struct direction *d, uint64_t now)
{
	while (d->count) {
		struct packet *p = &d->ring[d->head];

		if (p->release_ns > now + SLACK_NS)
			return;
		if (write(d->out_fd, p->data, p->len) == p->len) {
			d->forwarded++;
			d->bytes += p->len;
		} else {
			d->dropped_write++;
		}
		d->head = (d->head + 1) % d->cap;
		d->count--;
	}
}

static int arm_timer(struct relay *r)
{
	struct itimerspec its = { 0 };
	uint64_t next = 0;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct direction *d = &r->dir[i];
		uint64_t due;

		if (!d->count)
			continue;
		due = d->ring[d->head].release_ns;
		if (!next || due < next)
			next = due;
	}
	/* all zero disarms; an expired absolute time fires at once */
	if (next) {
		its.it_value.tv_sec = next / NSEC_PER_SEC;
		its.it_value.tv_nsec = next % NSEC_PER_SEC;
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	return timerfd_settime(r->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static int add_fd(int epfd, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

enum { TAG_A, TAG_B, TAG_TIMER, TAG_SIGNAL };

static int run(struct relay *r, int sig_fd)
{
	struct epoll_event evs[4];
	int epfd, n, i, rc = -1;
	uint64_t expirations;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0 || add_fd(epfd, r->dir[0].in_fd, TAG_A) ||
	    add_fd(epfd, r->dir[1].in_fd, TAG_B) ||
	    add_fd(epfd, r->timer_fd, TAG_TIMER) ||
	    add_fd(epfd, sig_fd, TAG_SIGNAL)) {
		fprintf(stderr, "delay: epoll: %s\n", strerror(errno));
		goto out;
	}
	for (;;) {
		n = epoll_wait(epfd, evs, 4, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "delay: epoll_wait: %s\n", strerror(errno));
			goto out;
		}
		for (i = 0; i < n; i++) {
			switch (evs[i].data.u32) {
			case TAG_A:
				pull(r, &r->dir[0]);
				break;
			case TAG_B:
				pull(r, &r->dir[1]);
				break;
			case TAG_TIMER:
				if (read(r->timer_fd, &expirations,
					 sizeof(expirations)) < 0 &&
				    errno != EAGAIN)
					goto out;
				break;
			case TAG_SIGNAL:
				rc = 0;
				goto out;
			}
		}
		push(&r->dir[0], now_ns());
		push(&r->dir[1], now_ns());
		if (arm_timer(r)) {
			fprintf(stderr, "delay: timerfd: %s\n", strerror(errno));
			goto out;
		}
	}
out:
	if (epfd >= 0)
		close(epfd);
	return rc;
}

static void report(const struct relay *r)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		const struct direction *d = &r->dir[i];

		printf("delay: %s: %llu packets (%llu bytes) forwarded, %llu dropped at the queue limit, %llu failed writes, %llu too big\n",
		       d->name, (unsigned long long)d->forwarded,
		       (unsigned long long)d->bytes,
		       (unsigned long long)d->dropped_full,
		       (unsigned long long)d->dropped_write,
		       (unsigned long long)d->truncated);
	}
}

int main(int argc, char **argv)
{
	const char *ns_a = NULL, *ns_b = NULL, *dev_a = "tdelay0",
		   *dev_b = "tdelay0";
	double delay_ms = -1, rate_mbit = 0, limit = 8192;
	struct relay r = { .timer_fd = -1 };
	int opt, home_fd, fd_a, fd_b, sig_fd, rc = 1;
	bool quiet = false;
	sigset_t stop;
	unsigned int i;

	while ((opt = getopt(argc, argv, "a:b:A:B:d:r:l:qh")) != -1) {
		switch (opt) {
		case 'a': ns_a = optarg; break;
		case 'b': ns_b = optarg; break;
		case 'A': dev_a = optarg; break;
		case 'B': dev_b = optarg; break;
		case 'd':
			if (parse_number(optarg, 60000, &delay_ms)) {
				fprintf(stderr, "delay: -d '%s': not a delay between 0 and 60000 ms\n",
					optarg);
				return 2;
			}
			break;
		case 'r':
			if (parse_number(optarg, 1e6, &rate_mbit) || rate_mbit == 0) {
				fprintf(stderr, "delay: -r '%s': not a rate in Mbit/s (0 < rate <= 1000000)\n",
					optarg);
				return 2;
			}
			break;
		case 'l':
			if (parse_number(optarg, 1 << 20, &limit) || limit < 1) {
				fprintf(stderr, "delay: -l '%s': not a packet count between 1 and %d\n",
					optarg, 1 << 20);
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
	if (!ns_a || !ns_b || delay_ms < 0 || optind != argc) {
		fprintf(stderr, "delay: -a, -b and -d are required (delay -h for help)\n");
		return 2;
	}
	r.delay_ns = (uint64_t)(delay_ms * 1e6 + 0.5);
	r.rate_bps = (uint64_t)(rate_mbit * 1e6);

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	sig_fd = signalfd(-1, &stop, SFD_CLOEXEC);
	home_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (sig_fd < 0 || home_fd < 0) {
		fprintf(stderr, "delay: setup: %s\n", strerror(errno));
		return 1;
	}
	fd_a = tun_in_netns(ns_a, dev_a, home_fd);
	if (fd_a < 0)
		return 1;
	fd_b = tun_in_netns(ns_b, dev_b, home_fd);
	if (fd_b < 0)
		return 1;
	r.dir[0] = (struct direction){ .name = "A->B", .in_fd = fd_a,
				       .out_fd = fd_b };
	r.dir[1] = (struct direction){ .name = "B->A", .in_fd = fd_b,
				       .out_fd = fd_a };
	for (i = 0; i < 2; i++) {
		r.dir[i].cap = (unsigned int)limit;
		r.dir[i].ring = calloc(r.dir[i].cap, sizeof(struct packet));
		if (!r.dir[i].ring) {
			fprintf(stderr, "delay: no memory for %u packets\n",
				r.dir[i].cap);
			return 1;
		}
	}
	r.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (r.timer_fd < 0) {
		fprintf(stderr, "delay: timerfd: %s\n", strerror(errno));
		return 1;
	}
	printf("delay: ready, %s in %s <-> %s in %s, %.3g ms each way",
	       dev_a, ns_a, dev_b, ns_b, delay_ms);
	if (r.rate_bps)
		printf(", %.6g Mbit/s", rate_mbit);
	printf("\n");
	fflush(stdout);
	if (!run(&r, sig_fd))
		rc = 0;
	if (!quiet)
		report(&r);
	for (i = 0; i < 2; i++)
		free(r.dir[i].ring);
	return rc;
}
