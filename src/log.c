// SPDX-License-Identifier: GPL-2.0
/* Logging: syslog by default, stderr with -s or when no syslog socket. */
#include <errno.h>
#include <stdio.h>
#include <stdarg.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "core.h"

static bool log_stderr = true;
static int log_level = LOG_INFO;

static const char *level_name(int level)
{
	switch (level) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
	case LOG_ERR:
		return "error";
	case LOG_WARNING:
		return "warning";
	case LOG_NOTICE:
	case LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

static void log_vprint(int level, const char *fmt, va_list ap)
{
	if (level > log_level)
		return;
	if (!log_stderr) {
		vsyslog(level, fmt, ap);
		return;
	}
	size_t len = strlen(fmt);

	fprintf(stderr, "bpftune: %s: ", level_name(level));
	vfprintf(stderr, fmt, ap);
	if (len == 0 || fmt[len - 1] != '\n')
		fputc('\n', stderr);
	fflush(stderr);
}

void bpftune_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint(level, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	/* libbpf's own messages (verifier logs, probe failures) are only
	 * useful when debugging; our callers report what failed. */
	if (level == LIBBPF_DEBUG || log_level < LOG_DEBUG)
		return 0;
	log_vprint(LOG_DEBUG, fmt, ap);
	return 0;
}

void bpftune_log_init(bool to_stderr, bool debug)
{
	log_level = debug ? LOG_DEBUG : LOG_INFO;
	log_stderr = to_stderr;
	libbpf_set_print(libbpf_print);
	if (to_stderr)
		return;
	if (access("/dev/log", W_OK) != 0) {
		log_stderr = true;
		bpftune_warn("no syslog socket at /dev/log (%s); logging to stderr",
			     strerror(errno));
		return;
	}
	openlog("bpftune", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void bpftune_log_fini(void)
{
	if (!log_stderr)
		closelog();
}
