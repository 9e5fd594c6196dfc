/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tuner API: what a tuner plugin (<name>_tuner.so) may call, and the
 * one thing it must export, its descriptor:
 *
 *	BPFTUNE_PLUGIN("sample", .init = init, .fini = fini,
 *		       .event_handler = event_handler,
 *		       .summary = summary);	(summary is optional)
 *
 * The descriptor carries the tuner ABI version the plugin was built for;
 * the daemon refuses a plugin built for another one.
 *
 * init() declares tunables and scenarios, opens its BPF skeleton with
 * bpftune_bpf_open(), adjusts it and calls bpftune_bpf_attach().  The core
 * owns every sysctl read and write, the netns map, logging, the journal
 * and the summary; a tuner never writes /proc/sys itself.
 *
 * libbpftune.so exports what this header declares and nothing else.
 */
#ifndef BPFTUNE_LIBBPFTUNE_H
#define BPFTUNE_LIBBPFTUNE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>
#include <bpf/libbpf.h>
#include <bpftune/bpftune.h>

#define BPFTUNE_VERSION "0.1.0"
/*
 * Version of the tuner ABI: struct bpftune_plugin and the calls below.
 * Raised on any incompatible change to either.
 */
#define BPFTUNE_ABI_VERSION 1
#define BPFTUNE_MAX_VALUES 3
#define BPFTUNE_NAME_LEN 64
#define BPFTUNE_MAX_HOOKS 16
#define BPFTUNE_GLOBAL_NETNS 0ULL

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

struct bpftune_tuner;
struct btf_type;

/* What the daemon calls in a tuner. */
struct bpftune_tuner_ops {
	int (*init)(struct bpftune_tuner *tuner);
	void (*fini)(struct bpftune_tuner *tuner);
	void (*event_handler)(struct bpftune_tuner *tuner,
			      const struct bpftune_event *event);
	void (*summary)(struct bpftune_tuner *tuner); /* optional */
};

/* A plugin's descriptor, exported as BPFTUNE_PLUGIN_SYMBOL. */
struct bpftune_plugin {
	unsigned int abi_version; /* first, in every ABI version */
	const char *name;	  /* the tuner's name: <name>_tuner.so */
	struct bpftune_tuner_ops ops;
};

#define BPFTUNE_PLUGIN_SYMBOL "bpftune_plugin"
#define BPFTUNE_PLUGIN(tuner_name, ...)                                        \
	const struct bpftune_plugin bpftune_plugin = {                         \
		.abi_version = BPFTUNE_ABI_VERSION,                            \
		.name = tuner_name,                                            \
		.ops = { __VA_ARGS__ },                                        \
	}

/* What follows is the API: exported even from objects built with
 * -fvisibility=hidden (the core and the in-tree tuners are). */
#pragma GCC visibility push(default)

extern const struct bpftune_plugin bpftune_plugin;

/* Attach tiers, best first. */
enum bpftune_tier {
	BPFTUNE_TIER_FENTRY,
	BPFTUNE_TIER_TRACEPOINT,
	BPFTUNE_TIER_KPROBE,
	BPFTUNE_TIER_NONE,
	BPFTUNE_TIER_COUNT = BPFTUNE_TIER_NONE,
};

/* Tunable flags. */
#define BPFTUNE_NETNS (1U << 0)	   /* per network namespace */
#define BPFTUNE_GLOBAL (1U << 1)   /* one value for the whole system */
#define BPFTUNE_OPTIONAL (1U << 2) /* may be absent (e.g. IPv6 off) */
#define BPFTUNE_STRING (1U << 3)   /* written as text, not numbers */

struct bpftune_tunable_desc {
	unsigned int id;	/* tuner's own index, 0..n-1 */
	const char *name;	/* sysctl name, e.g. "net.ipv4.tcp_rmem" */
	unsigned int flags;
	unsigned int nvalues;	/* numbers in the sysctl (1..3) */
	/* Safety bounds per value; the core clamps every write to them. */
	long long min[BPFTUNE_MAX_VALUES];
	long long max[BPFTUNE_MAX_VALUES];
	/* Optional: write by other means (e.g. netlink); NULL = sysctl. */
	int (*write)(struct bpftune_tuner *tuner, unsigned long long netns_cookie,
		     const long long *values);
};

struct bpftune_scenario_desc {
	unsigned int id;
	const char *name;	 /* short, e.g. "rmem nearly full" */
	const char *description; /* one sentence: why this rule exists */
};

/* --- logging --- */
void bpftune_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define bpftune_err(fmt, ...) bpftune_log(LOG_ERR, fmt, ##__VA_ARGS__)
#define bpftune_warn(fmt, ...) bpftune_log(LOG_WARNING, fmt, ##__VA_ARGS__)
#define bpftune_info(fmt, ...) bpftune_log(LOG_INFO, fmt, ##__VA_ARGS__)
#define bpftune_debug(fmt, ...) bpftune_log(LOG_DEBUG, fmt, ##__VA_ARGS__)

/* --- tuner identity and private data --- */
const char *bpftune_tuner_name(const struct bpftune_tuner *tuner);
void bpftune_tuner_set_priv(struct bpftune_tuner *tuner, void *priv);
void *bpftune_tuner_priv(const struct bpftune_tuner *tuner);

/* --- tunables and scenarios --- */
int bpftune_tunables_declare(struct bpftune_tuner *tuner,
			     const struct bpftune_tunable_desc *tunables,
			     unsigned int ntunables,
			     const struct bpftune_scenario_desc *scenarios,
			     unsigned int nscenarios);
/* Replace the upper bound of one value (e.g. computed from RAM at init). */
int bpftune_tunable_set_max(struct bpftune_tuner *tuner, unsigned int tunable,
			    unsigned int index, long long max);
/* True when the tunable exists on this system and is not disabled. */
bool bpftune_tunable_usable(struct bpftune_tuner *tuner, unsigned int tunable,
			    unsigned long long netns_cookie);

/*
 * Read the current values of a tunable in a netns (0 = global).  A failure
 * (unreadable, unparsable) is logged once and the tunable is skipped in
 * that netns from then on, as a refused write is.
 */
int bpftune_sysctl_get(struct bpftune_tuner *tuner, unsigned long long netns_cookie,
		       unsigned int tunable, long long *values);

/*
 * The single path for every change: checks the tuner is enabled in that
 * netns, clamps to the tunable's bounds, journals the original value,
 * writes (not in dry-run mode), logs what and why, and records it for the
 * summary.  Returns 1 when a change was made (or advised), 0 when nothing
 * needed doing, <0 on error.
 */
int bpftune_sysctl_update(struct bpftune_tuner *tuner,
			  unsigned long long netns_cookie, unsigned int tunable,
			  const long long *values, unsigned int scenario,
			  const char *why_fmt, ...)
	__attribute__((format(printf, 6, 7)));
int bpftune_sysctl_update_str(struct bpftune_tuner *tuner,
			      unsigned long long netns_cookie,
			      unsigned int tunable, const char *value,
			      unsigned int scenario, const char *why_fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* --- per-netns enable state --- */
bool bpftune_netns_enabled(struct bpftune_tuner *tuner,
			   unsigned long long netns_cookie);
void bpftune_netns_disable(struct bpftune_tuner *tuner,
			   unsigned long long netns_cookie, const char *why);
const char *bpftune_netns_str(unsigned long long netns_cookie, char *buf,
			      size_t len);

/* --- namespaces (used by the netns and sysctl tuners) --- */
/* Rescan /proc and /run/netns; returns the number of known namespaces. */
int bpftune_netns_rescan(void);
/* Fill up to max cookies of known namespaces; returns how many are known. */
unsigned int bpftune_netns_cookies(unsigned long long *cookies,
				   unsigned int max);
/* Run fn(ctx) inside a known namespace; -ESRCH when it is not known,
 * -errno when setns fails, else fn's result. */
int bpftune_netns_call(unsigned long long cookie, int (*fn)(void *ctx),
		       void *ctx);
/* Cookie of the namespace process pid is in now. */
int bpftune_netns_pid_cookie(int pid, unsigned long long *cookie);

/* --- who owns a sysctl (used by the sysctl tuner) --- */
/*
 * Several tuners may declare the same sysctl (e.g. net.core.rmem_max);
 * they share one bound (the tightest each value was declared with), and
 * each must step aside when an administrator writes it.  The n-th (from
 * 0) loaded tuner that declared sysctl name (dotted, e.g.
 * "net.ipv4.tcp_rmem"), and its tunable id; NULL past the last.
 */
struct bpftune_tuner *bpftune_sysctl_owner_nth(const char *name,
					       unsigned int n,
					       unsigned int *tunable);
/* The first of them (bpftune_sysctl_owner_nth(name, 0, tunable)). */
struct bpftune_tuner *bpftune_sysctl_owner(const char *name,
					   unsigned int *tunable);
/* BPFTUNE_NETNS / BPFTUNE_GLOBAL / ... of a tunable; 0 if unknown. */
unsigned int bpftune_tunable_flags(struct bpftune_tuner *tuner,
				   unsigned int tunable);
/* Stop changing a tunable in every namespace (until SIGHUP). */
void bpftune_tunable_disable(struct bpftune_tuner *tuner, unsigned int tunable,
			     const char *why);

/* --- global settings --- */
unsigned int bpftune_learning_rate(void);
bool bpftune_dry_run(void);
int bpftune_cgroup_fd(void);
unsigned long long bpftune_ram_bytes(void);

/* --- BPF --- */
/*
 * Open a skeleton, set the core's globals (learning rate, daemon pid),
 * choose the attach tier of each hook.  Use as:
 *	skel = bpftune_bpf_open(tuner, tcp_buffer_bpf);
 */
#define bpftune_bpf_open(tuner, skel_name)                                     \
	({                                                                     \
		struct skel_name *__s = skel_name##__open();                   \
		if (__s && bpftune_bpf_opened(tuner, __s->skeleton, __s->obj)) { \
			skel_name##__destroy(__s);                             \
			__s = NULL;                                            \
		}                                                              \
		__s;                                                           \
	})
int bpftune_bpf_opened(struct bpftune_tuner *tuner,
		       struct bpf_object_skeleton *skeleton,
		       struct bpf_object *obj);
/* Load, attach and register the ring buffer of the opened skeleton. */
int bpftune_bpf_attach(struct bpftune_tuner *tuner);
/* Attach a cgroup program (sockops, sysctl...) to the -c cgroup. */
int bpftune_cgroup_attach(struct bpftune_tuner *tuner,
			  struct bpf_program *prog);
/* Tier chosen for a hook group, BPFTUNE_TIER_NONE if none. */
enum bpftune_tier bpftune_hook_tier(struct bpftune_tuner *tuner,
				    const char *hook);
const char *bpftune_tier_name(enum bpftune_tier tier);
/* May programs of this tier load here (the kernel allows it, --tier too)? */
bool bpftune_tier_allowed(enum bpftune_tier tier);
/*
 * Turn a hook off between bpftune_bpf_open() and bpftune_bpf_attach(),
 * for a reason only the tuner can know (e.g. the kernel no longer
 * enforces the limit the hook watches).  -S then reports the hook as not
 * available with that reason.  why must stay valid (a string literal).
 */
void bpftune_hook_disable(struct bpftune_tuner *tuner, const char *hook,
			  const char *why);
/* True in -S mode: init only reports, nothing is loaded or written. */
bool bpftune_support_only(void);

/* --- assessment: did a change help? --- */
/*
 * The outcome a scenario's changes are meant to improve, in one netns.
 * sample() returns the current value (a gauge or a rate the tuner keeps).
 * The core samples it before and after each change (see bpftune(8),
 * "Assessment"); a change after which the outcome got worse beyond the
 * noise seen before it is reverted and the scenario backs off in that
 * netns.
 */
struct bpftune_measure {
	const char *what; /* e.g. "receive rate of affected sockets (bytes/s)" */
	bool higher_is_better;
	/* sample() returns an ever-growing counter (e.g. drops): the core
	 * assesses its rate per second */
	bool counter;
	int (*sample)(struct bpftune_tuner *tuner,
		      unsigned long long netns_cookie, double *value);
};
int bpftune_scenario_measure(struct bpftune_tuner *tuner, unsigned int scenario,
			     const struct bpftune_measure *measure);
/*
 * Alternative strategies for the same tunables: the core runs one at a
 * time, attributes each assessed change to it, and switches to another
 * when the running one's changes do harm on balance.
 */
int bpftune_strategies_declare(struct bpftune_tuner *tuner,
			       const char *const *names, unsigned int n);
unsigned int bpftune_strategy(struct bpftune_tuner *tuner);

/* --- helpers for the common moves of a tuner (src/tuner_helpers.c) --- */
/*
 * Raise a limit that is nearly full: the one call for "this limit is
 * nearly full in this netns: raise it by the learning rate, within its
 * cap".  Fill in what is known, the core does the rest:
 *  - nothing if the tunable is not usable in that netns;
 *  - reads it; nothing unless used is within the learning rate of value
 *    [index] (the event may predate a raise), or force is set (the caller
 *    saw the limit hit);
 *  - at the cap: logs "<sysctl> is at its safety cap (<cap> <cap_why>) in
 *    <netns>; can no longer grow" once per tuner, tunable and netns;
 *  - else grows [index] (every value with every_value) one learning-rate
 *    step, to at least at_least, within the cap, and updates it.
 * The reason logged is why_fmt's text followed, unless force, by
 * " within <p>% of <sysctl> (<value>)".  cur[] and next[] are filled in.
 * Returns 1 when raised, 0 when not, <0 on error.
 */
struct bpftune_raise {
	unsigned int tunable;
	unsigned int scenario;
	unsigned int index;	 /* the value that is the limit: [2] of tcp_rmem */
	unsigned long long used; /* how much of it is in use */
	bool force;		 /* skip the nearly-full test */
	bool every_value;	 /* grow every value, each within its bound */
	long long cap;		 /* 0: the tunable's bound for [index] */
	long long at_least;	 /* grow to at least this (within the cap) */
	const char *cap_why;	 /* where the cap comes from, e.g. "bytes = RAM/32" */
	long long cur[BPFTUNE_MAX_VALUES];  /* out: the values read */
	long long next[BPFTUNE_MAX_VALUES]; /* out: the values wanted */
};
int bpftune_raise_near_limit(struct bpftune_tuner *tuner,
			     unsigned long long netns_cookie,
			     struct bpftune_raise *raise, const char *why_fmt,
			     ...) __attribute__((format(printf, 4, 5)));
/*
 * The checks of bpftune_raise_near_limit() without the update, for a
 * tuner that computes its own new value from cur[]: 1 when a raise is
 * due (next[] holds one learning-rate step), 0 when not, <0 on error.
 */
int bpftune_raise_check(struct bpftune_tuner *tuner,
			unsigned long long netns_cookie,
			struct bpftune_raise *raise);
/*
 * Log a tuner's own "at its bound" line once per tuner, tunable and netns
 * (the netns is not added to the text); true when it logged now.
 * bpftune_capped_reset() lets it be logged again (the bound moved).
 */
bool bpftune_note_capped(struct bpftune_tuner *tuner,
			 unsigned long long netns_cookie, unsigned int tunable,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void bpftune_capped_reset(struct bpftune_tuner *tuner,
			  unsigned long long netns_cookie, unsigned int tunable);

/*
 * Per-namespace state of a tuner, kept by the core: declare its size in
 * init(); bpftune_netns_state() returns the namespace's zeroed struct
 * (init_state() called on it first, if given), allocated on first use,
 * or NULL when the namespace is not (or no longer) known.  The core
 * frees it when the namespace goes, and all of it after fini().
 */
typedef void (*bpftune_netns_state_init_fn)(struct bpftune_tuner *tuner,
					    unsigned long long netns_cookie,
					    void *state);
int bpftune_netns_state_declare(struct bpftune_tuner *tuner, size_t size,
				bpftune_netns_state_init_fn init_state);
void *bpftune_netns_state(struct bpftune_tuner *tuner,
			  unsigned long long netns_cookie);
/* The namespace's state if it has one; never allocates. */
void *bpftune_netns_state_find(struct bpftune_tuner *tuner,
			       unsigned long long netns_cookie);
/* Forget one namespace's state (e.g. the tuner stops following it). */
void bpftune_netns_state_drop(struct bpftune_tuner *tuner,
			      unsigned long long netns_cookie);
/* Call fn on every namespace's state; fn may drop its own. */
void bpftune_netns_state_each(struct bpftune_tuner *tuner,
			      void (*fn)(struct bpftune_tuner *tuner,
					 unsigned long long netns_cookie,
					 void *state, void *ctx),
			      void *ctx);

/*
 * A tunable's value as text (BPFTUNE_STRING tunables, or any), trailing
 * newline removed; failures are logged once, as bpftune_sysctl_get's.
 */
int bpftune_sysctl_get_str(struct bpftune_tuner *tuner,
			   unsigned long long netns_cookie, unsigned int tunable,
			   char *buf, size_t len);
/* Read any sysctl as text (never written): "net.ipv4.tcp_available_..." */
int bpftune_sysctl_read_str(unsigned long long netns_cookie, const char *name,
			    char *buf, size_t len);

/*
 * The kernel's BTF as the core already holds it (mapped, not parsed: no
 * memory of its own).  Use from init(): a copy read where the kernel
 * cannot map it is freed when start-up ends.  Types are struct btf_type
 * records: libbpf's btf_is_ptr(), btf_vlen(), btf_members(), btf_params()
 * apply to them.
 */
/* Id of the type of that kind and name; -ENOENT if none. */
int bpftune_btf_find(const char *name, unsigned int kind);
const struct btf_type *bpftune_btf_type(unsigned int id);
const char *bpftune_btf_name(unsigned int name_off);
/* The id of the type id refers to past typedefs, modifiers and pointers. */
unsigned int bpftune_btf_resolve(unsigned int id);
/* --- learned state: bpftune -q export, bpftune --import FILE --- */
/*
 * One thing a tuner learned that another host could start from, e.g.
 * tcp_conn's choice of congestion control for a remote host: key names
 * what it is about ("192.0.2.7"), value what was learned ("bbr"), and the
 * metrics why (costs per alternative, in the tuner's own units).
 */
#define BPFTUNE_LEARNED_LEN 64
#define BPFTUNE_LEARNED_NAME_LEN 32
#define BPFTUNE_LEARNED_METRICS 40
struct bpftune_learned_metric {
	char name[BPFTUNE_LEARNED_NAME_LEN];
	long long value;
};
struct bpftune_learned {
	unsigned long long netns_cookie;   /* 0: the global namespace */
	char key[BPFTUNE_LEARNED_LEN];
	char value[BPFTUNE_LEARNED_LEN];
	unsigned long long age_s;	    /* since it was last confirmed */
	unsigned int nmetrics;
	struct bpftune_learned_metric metrics[BPFTUNE_LEARNED_METRICS];
};
struct bpftune_learned_sink;
struct bpftune_learned_ops {
	/* -q export: hand each entry to bpftune_learned_add() */
	void (*export)(struct bpftune_tuner *tuner,
		       struct bpftune_learned_sink *sink);
	/* --import: one entry the core has validated (strings terminated,
	 * namespace found here, not stale); the tuner checks what only it
	 * can and clamps to its own bounds.  0 when taken, else -errno with
	 * *why set to a reason for the log. */
	int (*import)(struct bpftune_tuner *tuner,
		      const struct bpftune_learned *l, const char **why);
};
/* Call from init, once the state the ops read and seed exists. */
int bpftune_learned_register(struct bpftune_tuner *tuner,
			     const struct bpftune_learned_ops *ops);
void bpftune_learned_add(struct bpftune_learned_sink *sink,
			 const struct bpftune_learned *l);
/* Append a metric (false when full); look one up (false when absent). */
bool bpftune_learned_set(struct bpftune_learned *l, const char *name,
			 long long value);
bool bpftune_learned_get(const struct bpftune_learned *l, const char *name,
			 long long *value);

/* --- event loop --- */
/*
 * One loop runs everything: register fds and timers here rather than
 * making a timerfd or an epoll of your own.  Callbacks run in the daemon's
 * thread; a callback may remove itself.  Remove what you added in fini().
 */
typedef void (*bpftune_fd_cb)(int fd, unsigned int events, void *ctx);
typedef void (*bpftune_timer_cb)(void *ctx);
/* Watch fd for input (EPOLLIN). */
int bpftune_loop_add_fd(int fd, bpftune_fd_cb cb, void *ctx);
/* Watch fd for an event mask of <sys/epoll.h> (EPOLLIN, EPOLLOUT...);
 * cb gets the events that happened. */
int bpftune_loop_add_fd_events(int fd, unsigned int events, bpftune_fd_cb cb,
			       void *ctx);
/* Change the event mask of a watched fd. */
int bpftune_loop_mod_fd(int fd, unsigned int events);
void bpftune_loop_del_fd(int fd);
/* Periodic timer; returns an id for bpftune_timer_del(). */
int bpftune_timer_add(unsigned int interval_ms, bpftune_timer_cb cb,
		      void *ctx);
/* A timer that is not armed yet; returns an id. */
int bpftune_timer_new(bpftune_timer_cb cb, void *ctx);
/* Fire first_ms from now, then every interval_ms (0: once); first_ms 0
 * disarms.  Re-arming replaces the previous setting. */
int bpftune_timer_arm(int id, unsigned int first_ms, unsigned int interval_ms);
void bpftune_timer_del(int id);
/* Milliseconds of CLOCK_MONOTONIC, the clock the loop's timers run on:
 * for "how long since", never for the time of day. */
unsigned long long bpftune_now_ms(void);

#pragma GCC visibility pop

#endif /* BPFTUNE_LIBBPFTUNE_H */
