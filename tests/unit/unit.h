/* SPDX-License-Identifier: GPL-2.0 */
/* A minimal unit-test harness: CHECK() counts, main prints the totals. */
#ifndef BPFTUNE_UNIT_H
#define BPFTUNE_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (cond) {                                                    \
			unit_passed++;                                         \
		} else {                                                       \
			unit_failed++;                                         \
			printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		}                                                              \
	} while (0)

#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		unsigned long long __a = (a), __b = (b);                       \
		if (__a == __b) {                                              \
			unit_passed++;                                         \
		} else {                                                       \
			unit_failed++;                                         \
			printf("FAIL %s:%d: %s == %s (%llu != %llu)\n",        \
			       __FILE__, __LINE__, #a, #b, __a, __b);          \
		}                                                              \
	} while (0)

#define CHECK_STR(a, b)                                                        \
	do {                                                                   \
		const char *__a = (a), *__b = (b);                             \
		if (__a && __b && !strcmp(__a, __b)) {                         \
			unit_passed++;                                         \
		} else {                                                       \
			unit_failed++;                                         \
			printf("FAIL %s:%d: %s == \"%s\" (got \"%s\")\n",      \
			       __FILE__, __LINE__, #a, __b ? __b : "(null)",   \
			       __a ? __a : "(null)");                          \
		}                                                              \
	} while (0)

static inline int unit_report(void)
{
	printf("unit: %d passed, %d failed\n", unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}

#endif
