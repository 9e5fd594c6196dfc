/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcp_buffer, user side: what the rules share.  tcp_buffer.c holds the
 * tunables, scenarios, init/fini and dispatch; one file per rule:
 *   growth.c    tcp_rmem/tcp_wmem max grown to the flows' needs
 *   memory.c    tcp_mem under pressure; exhaustion: cuts and strain
 *   latency.c   growth stopped (and undone) when it only adds latency
 *   core_max.c  net.core.[rw]mem_max: SO_RCVBUF/SO_SNDBUF requests and
 *               window scale room
 *   sockops.c   small-flow clamps and learned initial windows (reports)
 *   moderate.c  tcp_moderate_rcvbuf
 *   nometrics.c tcp_no_metrics_save while TCP is under memory pressure
 */
#ifndef TCP_BUFFER_RULES_H
#define TCP_BUFFER_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <bpftune/libbpftune.h>

#include "tcp_buffer.h"
#include "tcp_buffer_corr.h"

/* What the tuner remembers about one namespace (the core's per-namespace
 * state: allocated on first use, freed when the namespace goes). */
struct ns_state {
	unsigned long long cookie;
	struct tcp_buffer_corr corr;
	bool latency_blocked;
	unsigned long long blocked_ms;
	unsigned int samples_since_check;
	long long before_growth[2]; /* [2] before our latest growth; 0 none */
	unsigned long long last_cut_ms[2];
	bool moderate_forced;
	bool moderate_hands_off;
	bool iw_logged;
	bool wscale_logged;
	bool nometrics_held;	  /* we set tcp_no_metrics_save to 1 here */
	long long nometrics_orig; /* its value before that */
};

struct tcp_buffer_state {
	struct tcp_buffer_bpf *skel;
	long long cap;
	char cap_why[48]; /* how cap is derived, for the "at its cap" line */
	unsigned long long tcp_mem_cap;
	unsigned long long core_max_cap;
	bool moderate_configured; /* found in sysctl.d: administrator's */
	int timer;
	bool strain;
	unsigned long long strain_last_ms;
	bool clamp_logged[TCP_BUFFER_CLAMP_KINDS]; /* once per strain, each */
	bool growth_hold_logged;
	unsigned int latency_blocks;
	bool nometrics_configured; /* found in sysctl.d: administrator's */
	bool nometrics_holds;	   /* some namespace has it held */
	unsigned long long pressure_last_ms;
};

extern struct bpftune_tunable_desc tcp_buffer_tunables[];

/* The namespace's state; NULL when the namespace is not known. */
struct ns_state *ns_get(struct bpftune_tuner *tuner, unsigned long long cookie);
void tcp_buffer_ns_init(struct bpftune_tuner *tuner, unsigned long long cookie,
			void *state);

static inline const char *ns_str(unsigned long long cookie, char *buf,
				 size_t len)
{
	return bpftune_netns_str(cookie, buf, len);
}

/* growth.c */
void grow_max(struct bpftune_tuner *tuner, const struct bpftune_event *ev,
	      unsigned int tunable, const char *what);
/* memory.c */
bool strain_active(struct tcp_buffer_state *st);
void strain_check(struct bpftune_tuner *tuner, struct tcp_buffer_state *st);
void exhaustion(struct bpftune_tuner *tuner, const struct bpftune_event *ev,
		bool pressure_only);
void pressure(struct bpftune_tuner *tuner, const struct bpftune_event *ev);
/* TCP's memory now: pages allocated (sockstat, global) and tcp_mem */
struct tcp_mem_now {
	unsigned long long pages;
	long long mem[3];
};
int tcp_mem_now_read(struct bpftune_tuner *tuner, struct tcp_mem_now *m);
void sockstat_check(struct bpftune_tuner *tuner, const struct tcp_mem_now *m);
/* latency.c */
void latency_sample(struct bpftune_tuner *tuner, const struct bpftune_event *ev);
/* core_max.c */
void core_max_refresh(struct bpftune_tuner *tuner, struct tcp_buffer_state *st);
void sockbuf_request(struct bpftune_tuner *tuner, const struct bpftune_event *ev);
void wscale_room(struct bpftune_tuner *tuner, struct tcp_buffer_state *st);
/* sockops.c */
void small_flow(struct bpftune_tuner *tuner, const struct bpftune_event *ev);
void initial_window(struct bpftune_tuner *tuner, const struct bpftune_event *ev);
/* moderate.c */
bool admin_configured(const char *key);
void moderate_rcvbuf(struct bpftune_tuner *tuner, const struct bpftune_event *ev);
/* nometrics.c */
void nometrics_pressure(struct bpftune_tuner *tuner, unsigned long long cookie,
			unsigned long long pages, long long mem1);
/* m: NULL when it could not be read (no sign of pressure then) */
void nometrics_check(struct bpftune_tuner *tuner, struct tcp_buffer_state *st,
		     const struct tcp_mem_now *m);

#endif /* TCP_BUFFER_RULES_H */
