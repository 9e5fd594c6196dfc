/* SPDX-License-Identifier: GPL-2.0 */
/* Logging: syslog or stderr, text or JSON; bpftune_log() is in the API. */
#ifndef BPFTUNE_LOG_H
#define BPFTUNE_LOG_H

#include <stdbool.h>
#include <bpftune/libbpftune.h>

void bpftune_log_init(bool to_stderr, bool debug);
void bpftune_log_set_json(bool json); /* --log-format json; before init */
void bpftune_log_fini(void);
bool bpftune_log_json(void);
/* One change, for --log-format json (text lines are the caller's). */
struct bpftune_log_change {
	const char *tuner, *scenario, *netns, *sysctl, *old, *new, *why;
	bool dry_run;
};
void bpftune_log_change(const struct bpftune_log_change *c);
/* Same tuner, scenario and sysctl give the same id on every host. */
unsigned long long bpftune_decision_id(const char *tuner, const char *scenario,
				       const char *sysctl);

#endif
