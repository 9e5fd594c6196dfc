/* SPDX-License-Identifier: GPL-2.0 */
/* sys_limits: definitions shared by sys_limits.bpf.c and sys_limits.c */
#ifndef SYS_LIMITS_H
#define SYS_LIMITS_H

enum sys_limits_scenario {
	SYS_LIMITS_TASKS_NEAR_THREADS_MAX,
	SYS_LIMITS_TASKS_NEAR_PID_MAX,
	SYS_LIMITS_SCENARIOS,
};

enum sys_limits_tunable {
	SYS_LIMITS_PID_MAX,
	SYS_LIMITS_THREADS_MAX,
	SYS_LIMITS_TUNABLES,
};

/* pid_namespace.pid_allocated carries this flag while the ns accepts pids */
#define SYS_LIMITS_PIDNS_ADDING 0x80000000U

/* event values[0]: pids allocated in the initial pid namespace */
#define SYS_LIMITS_EV_TASKS 0

/* Kernel limits: PID_MAX_LIMIT on 64-bit, FUTEX_TID_MASK for threads. */
#define SYS_LIMITS_PID_MAX_LIMIT (4 * 1024 * 1024ULL)
#define SYS_LIMITS_THREADS_LIMIT 0x3fffffffULL
/* Memory a task costs at least: a 16 KiB kernel stack plus task_struct
 * and friends; round to 32 KiB. */
#define SYS_LIMITS_TASK_BYTES (32 * 1024ULL)

/*
 * Safety bounds, documented in bpftune-sys_limits(8):
 *  pid_max     <= min(PID_MAX_LIMIT, RAM / 32 KiB): every pid can be a task
 *              whose kernel memory fits in RAM;
 *  threads-max <= min(FUTEX_TID_MASK, RAM / 64 KiB): at most half of RAM in
 *              task kernel memory (the kernel's default is an eighth).
 */
/* pids below this are not reused once allocation wraps (kernel/pid.c) */
#define SYS_LIMITS_RESERVED_PIDS 300

static inline unsigned long long sys_limits_pid_max_cap(unsigned long long ram)
{
	unsigned long long cap = ram / SYS_LIMITS_TASK_BYTES;

	return cap < SYS_LIMITS_PID_MAX_LIMIT ? cap : SYS_LIMITS_PID_MAX_LIMIT;
}

static inline unsigned long long
sys_limits_threads_max_cap(unsigned long long ram)
{
	unsigned long long cap = ram / (2 * SYS_LIMITS_TASK_BYTES);

	return cap < SYS_LIMITS_THREADS_LIMIT ? cap : SYS_LIMITS_THREADS_LIMIT;
}

#endif
