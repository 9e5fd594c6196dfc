// SPDX-License-Identifier: GPL-2.0
/* The "worse beyond noise" rule of the assessment. */
#include <math.h>
#include "../../src/core.h"
#include "unit.h"

int main(void)
{
	const double flat[] = { 100, 100, 100, 100 };
	const double noisy[] = { 80, 120, 90, 110 };
	const double zero[] = { 0, 0 };
	double gain, noise;

	/* flat baseline: noise is 5 % of the mean */
	CHECK(bpftune_assess_harmful(flat, 4, 90, true, &gain, &noise));
	CHECK(fabs(noise - 5) < 1e-9);
	CHECK(fabs(gain + 0.10) < 1e-9);
	CHECK(!bpftune_assess_harmful(flat, 4, 96, true, &gain, &noise));
	CHECK(!bpftune_assess_harmful(flat, 4, 150, true, &gain, &noise));
	CHECK(fabs(gain - 0.5) < 1e-9);
	/* lower is better: a rise is harm */
	CHECK(bpftune_assess_harmful(flat, 4, 110, false, &gain, &noise));
	CHECK(gain < 0);
	CHECK(!bpftune_assess_harmful(flat, 4, 50, false, &gain, &noise));
	CHECK(gain > 0);
	/* noisy baseline (sd ~18): a 20 % drop is within 2 sd */
	CHECK(!bpftune_assess_harmful(noisy, 4, 80, true, &gain, &noise));
	CHECK(noise > 30 && noise < 40);
	CHECK(bpftune_assess_harmful(noisy, 4, 50, true, &gain, &noise));
	/* one sample: no sd, the 5 % floor applies */
	CHECK(bpftune_assess_harmful(flat, 1, 94, true, &gain, &noise));
	/* zero baseline: any rise of a lower-is-better count is harm */
	CHECK(bpftune_assess_harmful(zero, 2, 3, false, &gain, &noise));
	CHECK(gain == -1);
	CHECK(!bpftune_assess_harmful(zero, 2, 0, false, &gain, &noise));
	return unit_report();
}
