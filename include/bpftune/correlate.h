/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small sliding window of (x, y) samples and their Pearson correlation,
 * for rules of the form "stop raising a limit when what we fear rises with
 * it".  User space only (uses double).  Header-only so that tuners and unit
 * tests can use it without linking anything (not even libm).
 */
#ifndef BPFTUNE_CORRELATE_H
#define BPFTUNE_CORRELATE_H

#include <stdbool.h>

#define BPFTUNE_CORR_SAMPLES 16

struct bpftune_corr {
	double x[BPFTUNE_CORR_SAMPLES];
	double y[BPFTUNE_CORR_SAMPLES];
	unsigned int next;	/* slot the next sample goes to */
	unsigned int count;	/* valid samples, at most BPFTUNE_CORR_SAMPLES */
};

/* Square root by Newton's method; v > 0.  Enough for a correlation. */
static inline double bpftune_corr_sqrt(double v)
{
	double r = v > 1 ? v : 1;
	int i;

	for (i = 0; i < 64; i++)
		r = (r + v / r) / 2;
	return r;
}

static inline void bpftune_corr_reset(struct bpftune_corr *c)
{
	c->next = 0;
	c->count = 0;
}

static inline void bpftune_corr_add(struct bpftune_corr *c, double x, double y)
{
	c->x[c->next] = x;
	c->y[c->next] = y;
	c->next = (c->next + 1) % BPFTUNE_CORR_SAMPLES;
	if (c->count < BPFTUNE_CORR_SAMPLES)
		c->count++;
}

/*
 * Pearson's r over the window; 0 when it is undefined (fewer than two
 * samples, or x or y never varied: a constant says nothing about the
 * other series).
 */
static inline double bpftune_corr_value(const struct bpftune_corr *c)
{
	double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
	unsigned int i;

	if (c->count < 2)
		return 0;
	for (i = 0; i < c->count; i++) {
		mx += c->x[i];
		my += c->y[i];
	}
	mx /= c->count;
	my /= c->count;
	for (i = 0; i < c->count; i++) {
		sxy += (c->x[i] - mx) * (c->y[i] - my);
		sxx += (c->x[i] - mx) * (c->x[i] - mx);
		syy += (c->y[i] - my) * (c->y[i] - my);
	}
	if (sxx <= 0 || syy <= 0)
		return 0;
	return sxy / bpftune_corr_sqrt(sxx * syy);
}

/* Enough samples, and r above the threshold (e.g. 0.75)? */
static inline bool bpftune_corr_strong(const struct bpftune_corr *c,
				       unsigned int min_samples,
				       double threshold)
{
	return c->count >= min_samples && bpftune_corr_value(c) > threshold;
}

#endif /* BPFTUNE_CORRELATE_H */
