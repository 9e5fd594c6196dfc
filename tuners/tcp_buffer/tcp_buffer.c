// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_buffer, user side: tunables, scenarios, init/fini and the dispatch
 * of events to the rules, one file each (see tcp_buffer_rules.h; bounds
 * in tcp_buffer.h):
 * - growth: raise tcp_rmem[2] / tcp_wmem[2] in a namespace when its
 *   sockets' buffers reach them, by the learning rate, at most RAM/32;
 * - memory pressure: raise the global tcp_mem, at most tcp_mem[2] = RAM/4;
 * - memory exhaustion: when raising tcp_mem cannot help, cut tcp_rmem[2] /
 *   tcp_wmem[2] (never below [1]), hold growth and clamp new small flows
 *   until the strain has been over for a while;
 * - latency: when buffer size and srtt rise together (correlation >= 0.7
 *   over >= 10 samples) stop growing there, and shrink back if it persists;
 * - SO_RCVBUF / SO_SNDBUF above net.core.[rw]mem_max: raise the core max
 *   to what was asked, at most min(256 MiB, RAM/32);
 * - initial windows learned per service port (sockops; bounded in BPF);
 * - tcp_moderate_rcvbuf turned on unless an administrator set it;
 * - tcp_no_metrics_save set to 1 while TCP is under memory pressure, and
 *   put back 3 s after it ended.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "tcp_buffer_rules.h"
#include "tcp_buffer.skel.h"

#define TCP_BUFFER_TICK_MS 500

static const struct bpftune_scenario_desc scenarios[] = {
	{ TCP_BUFFER_RMEM_NEARLY_FULL, "receive buffer nearly full",
	  "a socket's receive buffer reached tcp_rmem max, so the receive window cannot open further" },
	{ TCP_BUFFER_WMEM_NEARLY_FULL, "send buffer nearly full",
	  "a socket's send buffer reached tcp_wmem max, so the sender cannot keep more data in flight" },
	{ TCP_BUFFER_MEM_PRESSURE, "tcp memory pressure",
	  "TCP memory use neared tcp_mem's pressure threshold, where the kernel starts shrinking every socket's buffers" },
	{ TCP_BUFFER_MEM_EXHAUSTION, "tcp memory exhaustion",
	  "sockets are being refused memory and tcp_mem cannot usefully grow, so smaller per-socket maxima let more connections fit" },
	{ TCP_BUFFER_LATENCY, "buffer growth is adding latency",
	  "bigger buffers only queued more data in front of each packet, raising round-trip time without raising throughput" },
	{ TCP_BUFFER_SOCKBUF_REQUEST, "application buffer request above core max",
	  "the kernel silently clamps SO_RCVBUF/SO_SNDBUF to net.core.rmem_max/wmem_max, so the application does not get the buffer it asked for" },
	{ TCP_BUFFER_SMALL_FLOW_CLAMP, "small-flow clamping",
	  "while TCP memory is nearly exhausted, new flows start with small windows so that established large flows keep their share" },
	{ TCP_BUFFER_INITIAL_WINDOW, "learned initial window",
	  "connections to a service that usually moves much data start with the window earlier connections grew to" },
	{ TCP_BUFFER_MODERATE_RCVBUF, "receive buffer autotuning off",
	  "with tcp_moderate_rcvbuf off the kernel never grows receive buffers, so tcp_rmem tuning has no effect" },
	{ TCP_BUFFER_WINDOW_SCALE, "receive window scale room",
	  "a connection's receive window scale is fixed at its handshake from max(tcp_rmem max, net.core.rmem_max), so a tcp_rmem max raised later helps only connections opened with a scale large enough for it" },
	{ TCP_BUFFER_NO_METRICS, "route metrics under memory pressure",
	  "connections closing while TCP is under memory pressure would save route metrics (RTT, reordering) that describe the shortage, not the path, and later connections to the same hosts start from them" },
	{ TCP_BUFFER_PRESSURE_OVER, "tcp memory pressure over",
	  "TCP memory pressure has been over for a while, so what was changed only for its duration goes back to its value from before" },
};


static void tick(void *ctx)
{
	struct bpftune_tuner *tuner = ctx;
	struct tcp_buffer_state *st = bpftune_tuner_priv(tuner);
	struct tcp_mem_now m;
	bool ok = !tcp_mem_now_read(tuner, &m);

	if (ok)
		sockstat_check(tuner, &m);
	strain_check(tuner, st);
	nometrics_check(tuner, st, ok ? &m : NULL);
	core_max_refresh(tuner, st);
}

static int state_init(struct tcp_buffer_state *st)
{
	unsigned long long ram = bpftune_ram_bytes();
	long page = sysconf(_SC_PAGESIZE);

	st->cap = (long long)tcp_buffer_socket_cap(ram);
	snprintf(st->cap_why, sizeof(st->cap_why),
		 "bytes = min(INT_MAX, RAM/%d)", TCP_BUFFER_RAM_FRACTION);
	st->tcp_mem_cap = tcp_buffer_tcp_mem_cap(ram, page > 0 ? page : 4096);
	st->core_max_cap = tcp_buffer_core_max_cap(ram);
	st->moderate_configured = admin_configured("tcp_moderate_rcvbuf");
	st->nometrics_configured = admin_configured("tcp_no_metrics_save");
	st->timer = -1;
	return st->tcp_mem_cap ? 0 : -EINVAL;
}

static void set_caps(struct bpftune_tuner *tuner, struct tcp_buffer_state *st)
{
	unsigned int i, v;

	for (i = TCP_BUFFER_RMEM; i <= TCP_BUFFER_WMEM; i++)
		for (v = 0; v < 3; v++)
			bpftune_tunable_set_max(tuner, i, v, st->cap);
	for (v = 0; v < 3; v++)
		bpftune_tunable_set_max(tuner, TCP_BUFFER_TCP_MEM, v,
					(long long)st->tcp_mem_cap);
	bpftune_tunable_set_max(tuner, TCP_BUFFER_CORE_RMEM_MAX, 0,
				(long long)st->core_max_cap);
	bpftune_tunable_set_max(tuner, TCP_BUFFER_CORE_WMEM_MAX, 0,
				(long long)st->core_max_cap);
}

static int attach_cgroup_progs(struct bpftune_tuner *tuner,
			       struct tcp_buffer_state *st)
{
	int err;

	err = bpftune_cgroup_attach(tuner, st->skel->progs.tcp_buffer_sockops);
	if (err)
		return err;
	return bpftune_cgroup_attach(tuner, st->skel->progs.tcp_buffer_setsockopt);
}

int init(struct bpftune_tuner *tuner)
{
	struct tcp_buffer_state *st;
	int err;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	bpftune_tuner_set_priv(tuner, st);
	err = state_init(st);
	if (err)
		return err;
	err = bpftune_tunables_declare(tuner, tcp_buffer_tunables,
				       TCP_BUFFER_TUNABLES, scenarios,
				       ARRAY_SIZE(scenarios));
	if (!err)
		err = bpftune_netns_state_declare(tuner, sizeof(struct ns_state),
						  tcp_buffer_ns_init);
	if (err)
		return err;
	set_caps(tuner, st);
	if (st->moderate_configured)
		bpftune_info("%s: tcp_moderate_rcvbuf is set in a sysctl configuration file; left to the administrator",
			     bpftune_tuner_name(tuner));
	if (st->nometrics_configured)
		bpftune_info("%s: tcp_no_metrics_save is set in a sysctl configuration file; left to the administrator",
			     bpftune_tuner_name(tuner));
	st->skel = bpftune_bpf_open(tuner, tcp_buffer_bpf);
	if (!st->skel)
		return -errno ? -errno : -EINVAL;
	st->skel->rodata->dry_run = bpftune_dry_run();
	if (bpftune_dry_run())
		bpftune_info("%s: dry run: small-flow clamps and learned initial windows are not applied",
			     bpftune_tuner_name(tuner));
	err = bpftune_bpf_attach(tuner);
	if (err || bpftune_support_only())
		return err;
	err = attach_cgroup_progs(tuner, st);
	if (err)
		return err;
	core_max_refresh(tuner, st);
	wscale_room(tuner, st);
	st->timer = bpftune_timer_add(TCP_BUFFER_TICK_MS, tick, tuner);
	return st->timer < 0 ? st->timer : 0;
}

void fini(struct bpftune_tuner *tuner)
{
	struct tcp_buffer_state *st = bpftune_tuner_priv(tuner);

	if (!st)
		return;
	if (st->timer >= 0)
		bpftune_timer_del(st->timer);
	tcp_buffer_bpf__destroy(st->skel);
	free(st);
	bpftune_tuner_set_priv(tuner, NULL);
}

void summary(struct bpftune_tuner *tuner)
{
	struct tcp_buffer_state *st = bpftune_tuner_priv(tuner);

	if (!st || !st->skel || !st->skel->bss)
		return;
	bpftune_info("summary: %s: %llu new flows clamped during memory strain, %llu clamps lifted, %llu lifted early (not small), %llu flows of big services left unclamped, %llu connections started with a learned initial window, %u latency stops",
		     bpftune_tuner_name(tuner),
		     (unsigned long long)st->skel->bss->clamped_flows,
		     (unsigned long long)st->skel->bss->lifted_clamps,
		     (unsigned long long)st->skel->bss->big_flows_lifted,
		     (unsigned long long)st->skel->bss->big_services_spared,
		     (unsigned long long)st->skel->bss->iw_applied,
		     st->latency_blocks);
}

void event_handler(struct bpftune_tuner *tuner, const struct bpftune_event *ev)
{
	switch (ev->scenario) {
	case TCP_BUFFER_RMEM_NEARLY_FULL:
		grow_max(tuner, ev, TCP_BUFFER_RMEM, "receive");
		break;
	case TCP_BUFFER_WMEM_NEARLY_FULL:
		grow_max(tuner, ev, TCP_BUFFER_WMEM, "send");
		break;
	case TCP_BUFFER_MEM_PRESSURE:
		pressure(tuner, ev);
		break;
	case TCP_BUFFER_MEM_EXHAUSTION:
		exhaustion(tuner, ev, false);
		break;
	case TCP_BUFFER_LATENCY:
		latency_sample(tuner, ev);
		break;
	case TCP_BUFFER_SOCKBUF_REQUEST:
		sockbuf_request(tuner, ev);
		break;
	case TCP_BUFFER_SMALL_FLOW_CLAMP:
		small_flow(tuner, ev);
		break;
	case TCP_BUFFER_INITIAL_WINDOW:
		initial_window(tuner, ev);
		break;
	case TCP_BUFFER_MODERATE_RCVBUF:
		moderate_rcvbuf(tuner, ev);
		break;
	default:
		break;
	}
}

BPFTUNE_PLUGIN("tcp_buffer", .init = init, .fini = fini,
	       .event_handler = event_handler, .summary = summary);

