/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal unit-test harness.  CHECK() counts assertions; a test case is
 * the function the CHECK()s sit in (test_foo(), or main for a file that
 * checks everything there), and passes when all its assertions pass.
 * unit_report() prints both counts for tests/run.sh:
 *	unit: 42 checks passed, 0 failed
 *	unit: 7 cases passed, 0 failed
 */
#ifndef BPFTUNE_UNIT_H
#define BPFTUNE_UNIT_H

#include <stdio.h>
#include <string.h>

#define UNIT_MAX_CASES 256

static int unit_passed, unit_failed;
static struct {
	const char *name;
	int failed;
} unit_cases[UNIT_MAX_CASES];
static int unit_ncases;

/* count one assertion of the case named func */
static inline void unit_count(const char *func, int ok)
{
	int i;

	if (ok)
		unit_passed++;
	else
		unit_failed++;
	for (i = 0; i < unit_ncases; i++)
		if (!strcmp(unit_cases[i].name, func))
			break;
	if (i == unit_ncases) {
		/* more cases than slots: the last slot takes the rest */
		if (unit_ncases == UNIT_MAX_CASES)
			i = UNIT_MAX_CASES - 1;
		else
			unit_cases[unit_ncases++].name = func;
	}
	if (!ok)
		unit_cases[i].failed = 1;
}

#define CHECK(cond)                                                            \
	do {                                                                   \
		int __ok = !!(cond);                                           \
		unit_count(__func__, __ok);                                    \
		if (!__ok)                                                     \
			printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	} while (0)

#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		unsigned long long __a = (a), __b = (b);                       \
		unit_count(__func__, __a == __b);                              \
		if (__a != __b)                                                \
			printf("FAIL %s:%d: %s == %s (%llu != %llu)\n",        \
			       __FILE__, __LINE__, #a, #b, __a, __b);          \
	} while (0)

#define CHECK_STR(a, b)                                                        \
	do {                                                                   \
		const char *__a = (a), *__b = (b);                             \
		int __ok = __a && __b && !strcmp(__a, __b);                    \
		unit_count(__func__, __ok);                                    \
		if (!__ok)                                                     \
			printf("FAIL %s:%d: %s == \"%s\" (got \"%s\")\n",      \
			       __FILE__, __LINE__, #a, __b ? __b : "(null)",   \
			       __a ? __a : "(null)");                          \
	} while (0)

static inline int unit_report(void)
{
	int i, failed = 0;

	for (i = 0; i < unit_ncases; i++) {
		if (unit_cases[i].failed)
			printf("FAIL case %s\n", unit_cases[i].name);
		failed += unit_cases[i].failed;
	}
	printf("unit: %d checks passed, %d failed\n", unit_passed, unit_failed);
	printf("unit: %d cases passed, %d failed\n", unit_ncases - failed, failed);
	return unit_failed ? 1 : 0;
}

#endif
