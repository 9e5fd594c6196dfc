/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Correlation between a socket buffer limit and the smoothed RTT (and the
 * delivery rate), over a sliding window of the latest samples (user side
 * only).  Doubles keep
 * every sum finite for any 64-bit input, so huge values cannot overflow
 * the way integer sums of squares would.  Pure and self-contained so the
 * unit test can include it.
 */
#ifndef TCP_BUFFER_CORR_H
#define TCP_BUFFER_CORR_H

#include <stdint.h>

#define TCP_BUFFER_CORR_WINDOW 32

struct tcp_buffer_corr {
	double x[TCP_BUFFER_CORR_WINDOW];
	double y[TCP_BUFFER_CORR_WINDOW];
	double z[TCP_BUFFER_CORR_WINDOW]; /* delivery rate; 0 unknown */
	unsigned int n;	   /* samples held, <= window */
	unsigned int next; /* slot the next sample goes to */
};

static inline void tcp_buffer_corr_add_rate(struct tcp_buffer_corr *c,
					    uint64_t x, uint64_t y, uint64_t z)
{
	c->x[c->next] = (double)x;
	c->y[c->next] = (double)y;
	c->z[c->next] = (double)z;
	c->next = (c->next + 1) % TCP_BUFFER_CORR_WINDOW;
	if (c->n < TCP_BUFFER_CORR_WINDOW)
		c->n++;
}

static inline void tcp_buffer_corr_add(struct tcp_buffer_corr *c, uint64_t x,
				       uint64_t y)
{
	tcp_buffer_corr_add_rate(c, x, y, 0);
}

/* Newton's method; avoids needing libm for one square root. */
static inline double tcp_buffer_sqrt(double v)
{
	double r = v > 1 ? v / 2 : 1;
	int i;

	if (v <= 0)
		return 0;
	for (i = 0; i < 200; i++) {
		double next = (r + v / r) / 2;

		if (next == r)
			break;
		r = next;
	}
	return r;
}

/*
 * Pearson correlation of n samples, -1..1; 0 when either series is
 * constant (no evidence either way) or fewer than two samples exist.
 */
static inline double tcp_buffer_pearson(const double *x, const double *y,
					unsigned int n)
{
	double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0, r;
	unsigned int i;

	if (n < 2)
		return 0;
	for (i = 0; i < n; i++) {
		mx += x[i] / n;
		my += y[i] / n;
	}
	for (i = 0; i < n; i++) {
		double dx = x[i] - mx, dy = y[i] - my;

		sxy += dx * dy;
		sxx += dx * dx;
		syy += dy * dy;
	}
	if (sxx <= 0 || syy <= 0)
		return 0;
	r = sxy / (tcp_buffer_sqrt(sxx) * tcp_buffer_sqrt(syy));
	if (r > 1)
		r = 1;
	if (r < -1)
		r = -1;
	return r;
}

/* Correlation of buffer and srtt. */
static inline double tcp_buffer_corr_value(const struct tcp_buffer_corr *c)
{
	return tcp_buffer_pearson(c->x, c->y, c->n);
}

/* Correlation of buffer and delivery rate (0 when rates are unknown). */
static inline double tcp_buffer_corr_rate_value(const struct tcp_buffer_corr *c)
{
	return tcp_buffer_pearson(c->x, c->z, c->n);
}

/* Enough samples and strong enough positive correlation? */
static inline int tcp_buffer_corr_strong(const struct tcp_buffer_corr *c,
					 unsigned int min_samples,
					 unsigned int permille)
{
	return c->n >= min_samples &&
	       tcp_buffer_corr_value(c) * 1000 >= (double)permille;
}

/*
 * How far y (srtt) rose across the window, in permille of its smallest
 * value: a high correlation with a rise of a few percent (a relay's or
 * a host's own processing) is no latency worth giving throughput for.
 */
static inline unsigned int tcp_buffer_corr_rise_permille(
	const struct tcp_buffer_corr *c)
{
	double lo, hi;
	unsigned int i;

	if (!c->n)
		return 0;
	lo = hi = c->y[0];
	for (i = 1; i < c->n; i++) {
		if (c->y[i] < lo)
			lo = c->y[i];
		if (c->y[i] > hi)
			hi = c->y[i];
	}
	if (lo <= 0)
		return hi > 0 ? 1000000 : 0;
	if ((hi - lo) / lo > 1000.0)
		return 1000000;
	return (unsigned int)((hi - lo) * 1000 / lo);
}

/*
 * Latency is being added: strong correlation and a real rise, while the
 * delivery rate does not follow the buffer as well (when it does, the
 * bigger buffer bought throughput: a flow ramping up fills queues for a
 * few round trips, e.g. bbr's startup, and that is not bufferbloat).
 */
static inline int tcp_buffer_latency_added(const struct tcp_buffer_corr *c,
					   unsigned int min_samples,
					   unsigned int corr_permille,
					   unsigned int rise_permille)
{
	return tcp_buffer_corr_strong(c, min_samples, corr_permille) &&
	       tcp_buffer_corr_rise_permille(c) >= rise_permille &&
	       tcp_buffer_corr_rate_value(c) * 1000 < (double)corr_permille;
}

static inline void tcp_buffer_corr_reset(struct tcp_buffer_corr *c)
{
	c->n = 0;
	c->next = 0;
}

#endif
