// SPDX-License-Identifier: GPL-2.0
/*
 * Logging: syslog by default, stderr with -s or when no syslog socket.
 * --log-format json makes every line one JSON object (for journald and
 * log shippers); each change then carries its fields separately, see
 * bpftune_log_change().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdarg.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "log.h"

static bool log_stderr = true;
static bool log_json;
static int log_level = LOG_INFO;
static char log_host[256];

#define LOG_LINE_MAX 2048

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

/* A JSON string (with quotes) of S appended to BUF at *off. */
static void json_str(char *buf, size_t len, size_t *off, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c;

	if (*off + 2 >= len)
		return;
	buf[(*off)++] = '"';
	for (; (c = (unsigned char)*s) && *off + 8 < len; s++) {
		if (c == '"' || c == '\\') {
			buf[(*off)++] = '\\';
			buf[(*off)++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			*off += (size_t)snprintf(buf + *off, len - *off,
						 "\\u00%c%c", hex[c >> 4],
						 hex[c & 15]);
		} else {
			buf[(*off)++] = (char)c;
		}
	}
	buf[(*off)++] = '"';
	buf[*off] = '\0';
}

/* ,"NAME":"VALUE" */
static void json_field(char *buf, size_t len, size_t *off, const char *name,
		       const char *value)
{
	*off += (size_t)snprintf(buf + *off, len - *off, ",\"%s\":", name);
	if (*off < len)
		json_str(buf, len, off, value);
}

/* {"time":"...","host":"...","level":"..." -- the caller goes on */
static size_t json_head(char *buf, size_t len, int level)
{
	struct timespec ts;
	struct tm tm;
	size_t off;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	off = strftime(buf, len, "{\"time\":\"%Y-%m-%dT%H:%M:%S", &tm);
	off += (size_t)snprintf(buf + off, len - off, ".%03ldZ\"",
				ts.tv_nsec / 1000000);
	json_field(buf, len, &off, "host", log_host);
	json_field(buf, len, &off, "level", level_name(level));
	return off;
}

static void emit(int level, const char *line)
{
	if (!log_stderr) {
		syslog(level, "%s", line);
		return;
	}
	if (log_json)
		fprintf(stderr, "%s\n", line);
	else
		fprintf(stderr, "bpftune: %s: %s\n", level_name(level), line);
	fflush(stderr);
}

static void log_vprint(int level, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX], line[LOG_LINE_MAX * 2];
	size_t len, off;

	if (level > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	while (len && msg[len - 1] == '\n')
		msg[--len] = '\0';
	if (!log_json) {
		emit(level, msg);
		return;
	}
	off = json_head(line, sizeof(line), level);
	json_field(line, sizeof(line), &off, "msg", msg);
	snprintf(line + off, sizeof(line) - off, "}");
	emit(level, line);
}

bool bpftune_log_json(void)
{
	return log_json;
}

/* FNV-1a, 64 bits: the same words give the same id on every host */
static unsigned long long fnv1a(unsigned long long h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	h ^= 0x1f; /* separator, so "ab"+"c" differs from "a"+"bc" */
	return h * 0x100000001b3ULL;
}

unsigned long long bpftune_decision_id(const char *tuner,
				       const char *scenario,
				       const char *sysctl)
{
	unsigned long long h = 0xcbf29ce484222325ULL;

	h = fnv1a(h, tuner);
	h = fnv1a(h, scenario);
	return fnv1a(h, sysctl);
}

void bpftune_log_change(const struct bpftune_log_change *c)
{
	char line[LOG_LINE_MAX * 2], id[20];
	size_t off;

	if (log_level < LOG_INFO)
		return;
	snprintf(id, sizeof(id), "%016llx",
		 bpftune_decision_id(c->tuner, c->scenario, c->sysctl));
	off = json_head(line, sizeof(line), LOG_INFO);
	json_field(line, sizeof(line), &off, "event", "change");
	json_field(line, sizeof(line), &off, "tuner", c->tuner);
	json_field(line, sizeof(line), &off, "scenario", c->scenario);
	json_field(line, sizeof(line), &off, "netns", c->netns);
	json_field(line, sizeof(line), &off, "sysctl", c->sysctl);
	json_field(line, sizeof(line), &off, "old", c->old);
	json_field(line, sizeof(line), &off, "new", c->new);
	json_field(line, sizeof(line), &off, "why", c->why);
	json_field(line, sizeof(line), &off, "id", id);
	snprintf(line + off, sizeof(line) - off, ",\"dry_run\":%s}",
		 c->dry_run ? "true" : "false");
	emit(LOG_INFO, line);
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

void bpftune_log_set_json(bool json)
{
	log_json = json;
	if (gethostname(log_host, sizeof(log_host) - 1))
		snprintf(log_host, sizeof(log_host), "unknown");
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
