// SPDX-License-Identifier: GPL-2.0
/* sys_limits bounds at their edges. */
#include "../../tuners/sys_limits/sys_limits.h"
#include "unit.h"

int main(void)
{
	const unsigned long long GiB = 1ULL << 30;

	/* 24 GiB: pid_max <= 786432, threads-max <= 393216 */
	CHECK_EQ(sys_limits_pid_max_cap(24 * GiB), 786432);
	CHECK_EQ(sys_limits_threads_max_cap(24 * GiB), 393216);
	/* huge machines: the kernel's own limits win */
	CHECK_EQ(sys_limits_pid_max_cap(1ULL << 50), SYS_LIMITS_PID_MAX_LIMIT);
	CHECK_EQ(sys_limits_threads_max_cap(1ULL << 60), SYS_LIMITS_THREADS_LIMIT);
	/* exactly at the edge */
	CHECK_EQ(sys_limits_pid_max_cap(SYS_LIMITS_PID_MAX_LIMIT * 32768),
		 SYS_LIMITS_PID_MAX_LIMIT);
	CHECK_EQ(sys_limits_pid_max_cap(SYS_LIMITS_PID_MAX_LIMIT * 32768 - 1),
		 SYS_LIMITS_PID_MAX_LIMIT - 1);
	/* tiny machines get tiny bounds, never zero-divides */
	CHECK_EQ(sys_limits_pid_max_cap(0), 0);
	CHECK_EQ(sys_limits_threads_max_cap(64 * 1024), 1);
	return unit_report();
}
