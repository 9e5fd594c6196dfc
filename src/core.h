/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interfaces between the core's files; not installed. */
#ifndef BPFTUNE_CORE_H
#define BPFTUNE_CORE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <bpftune/libbpftune.h>

#define BPFTUNE_VALUE_LEN 256
#define BPFTUNE_DEFAULT_STATE_DIR "/var/lib/bpftune"
#define BPFTUNE_DEFAULT_SOCKET "/run/bpftune/bpftune.sock"
#define BPFTUNE_LOCAL_LIBDIR "/usr/local/lib64/bpftune"
#ifndef BPFTUNE_LIBDIR
#define BPFTUNE_LIBDIR "/usr/lib64/bpftune"
#endif

/* Daemon-wide settings, filled by main.c from the options. */
struct bpftune_config {
	unsigned int learning_rate;
	bool dry_run;
	bool rollback;
	bool support_only;
	bool debug;
	enum bpftune_tier max_tier;
	int cgroup_fd;
	char cgroup_path[PATH_MAX];
	char state_dir[PATH_MAX];
	unsigned int log_window_s; /* coalesce identical log lines within */
	unsigned int assess_window_ms; /* before/after window of assessment */
};
extern struct bpftune_config bpftune_cfg;

/* --- main.c: the bpftune program (src/bpftune.c calls it); the one
 * symbol libbpftune.so exports beyond the tuner API --- */
__attribute__((visibility("default"))) int bpftune_daemon_main(int argc,
								char **argv);

/* --- log.c --- */
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

/* --- caps.c --- */
int bpftune_caps_init(void);
void bpftune_cap_raise(void);
void bpftune_cap_lower(void);

/* --- netns.c --- */
/* "/run/netns/" + a file name: the longest path a namespace is found at */
#define BPFTUNE_NETNS_PATH_LEN (16 + NAME_MAX + 1)
struct bpftune_netns {
	struct bpftune_netns *next;
	struct bpftune_netns *next_cookie; /* hash chains (netns.c) */
	struct bpftune_netns *next_ino;
	unsigned long long cookie;
	ino_t ino;
	int fd; /* pins the namespace (and so its inode number) while known */
	bool seen; /* found by the latest scan */
	char path[BPFTUNE_NETNS_PATH_LEN]; /* /run/netns names preferred */
};
int bpftune_netns_init(void);
void bpftune_netns_fini(void);
unsigned long long bpftune_netns_global_cookie(void);
/* Rescan /proc and /run/netns: add new namespaces, drop vanished ones. */
int bpftune_netns_scan(void);
struct bpftune_netns *bpftune_netns_find(unsigned long long cookie);
/* find, rescanning once if the cookie is not known yet */
struct bpftune_netns *bpftune_netns_lookup(unsigned long long cookie);
void bpftune_netns_forget(unsigned long long cookie);
struct bpftune_netns *bpftune_netns_list(void);
unsigned int bpftune_netns_count(void);
/* Run in another netns: enter returns 1 when it switched, 0 when already
 * there, <0 on error; pass its result to leave. */
int bpftune_netns_enter(unsigned long long cookie);
void bpftune_netns_leave(int entered);
/* Cookie of the namespace an fd (of /proc/X/ns/net) refers to. */
int bpftune_netns_fd_cookie(int ns_fd, unsigned long long *cookie);

/* --- sysctl.c --- */
int bpftune_sysctl_path(const char *name, char *path, size_t len);
int bpftune_sysctl_read_raw(unsigned long long cookie, const char *name,
			    char *buf, size_t len);
int bpftune_sysctl_write_raw(unsigned long long cookie, const char *name,
			     const char *value);
int bpftune_sysctl_parse(const char *text, long long *values,
			 unsigned int nvalues);
void bpftune_sysctl_format(const long long *values, unsigned int nvalues,
			   char *buf, size_t len);

/* --- journal.c --- */
int bpftune_journal_open(const char *state_dir);
void bpftune_journal_close(void);
bool bpftune_journal_has(unsigned long long cookie, const char *name);
int bpftune_journal_record(unsigned long long cookie, const char *name,
			   const char *orig);
/* After a write: what bpftune set (restore leaves a value that differs). */
int bpftune_journal_wrote(unsigned long long cookie, const char *name,
			  const char *value);
/* The recorded original of (cookie, name), NULL if none. */
const char *bpftune_journal_original(unsigned long long cookie,
				     const char *name);
/* Restore every recorded original that is still bpftune's; clears the
 * journal unless a write failed. */
int bpftune_journal_restore(const char *state_dir);
int bpftune_journal_boot_id(char *buf, size_t len);
void bpftune_journal_set_boot_id_path(const char *path);

/* --- tuner.c --- */
struct bpftune_change {
	struct bpftune_change *next;
	unsigned long long cookie;
	char orig[BPFTUNE_VALUE_LEN];
	char cur[BPFTUNE_VALUE_LEN];
	unsigned int nchanges;
	unsigned int *scenario_counts;
	time_t last_log;
	unsigned int suppressed;
	unsigned int last_scenario;
};

struct bpftune_failed {
	struct bpftune_failed *next;
	unsigned long long cookie;
};

struct bpftune_tunable {
	/* bounds in desc are the sysctl's one bound, shared by every tuner
	 * that declares it; decl_* are what this tuner declared */
	struct bpftune_tunable_desc desc;
	long long decl_min[BPFTUNE_MAX_VALUES];
	long long decl_max[BPFTUNE_MAX_VALUES];
	bool absent;
	bool disabled_global; /* an administrator set this global tunable */
	struct bpftune_change *changes;
	/* namespaces where reading/writing failed (logged once); an entry
	 * goes when its namespace does */
	struct bpftune_failed *failed;
	/* changes in namespaces that have since gone (their records are
	 * freed with the namespace; only the counts stay for the summary) */
	unsigned int gone_netns;
	unsigned int gone_changes;
};

struct bpftune_hook {
	char name[BPFTUNE_NAME_LEN];
	enum bpftune_tier tier;
	const char *why; /* when tier is NONE */
	struct bpf_program *progs[BPFTUNE_TIER_COUNT];
};

struct bpftune_disabled {
	struct bpftune_disabled *next;
	unsigned long long cookie;
};

enum bpftune_tuner_state {
	BPFTUNE_TUNER_INIT,
	BPFTUNE_TUNER_ACTIVE,
	BPFTUNE_TUNER_FAILED,
	BPFTUNE_TUNER_GONE,
};

struct bpftune_tuner {
	struct bpftune_tuner *next;
	char name[BPFTUNE_NAME_LEN];
	char path[PATH_MAX];
	ino_t ino;
	void *handle;
	/* fd the plugin was dlopen()ed through; open while it is loaded,
	 * so that no other plugin gets the same /proc/self/fd/N name (the
	 * dynamic loader would hand back the first library for it) */
	int plugin_fd;
	int (*init)(struct bpftune_tuner *tuner);
	void (*fini)(struct bpftune_tuner *tuner);
	void (*event_handler)(struct bpftune_tuner *tuner,
			      const struct bpftune_event *event);
	void (*summary)(struct bpftune_tuner *tuner);
	enum bpftune_tuner_state state;
	struct bpf_object_skeleton *skeleton;
	struct bpf_object *obj;
	bool attached;
	struct bpftune_hook hooks[BPFTUNE_MAX_HOOKS];
	unsigned int nhooks;
	struct bpf_link *cgroup_links[8];
	unsigned int ncgroup_links;
	struct bpftune_tunable *tunables;
	unsigned int ntunables;
	const struct bpftune_scenario_desc *scenarios;
	unsigned int nscenarios;
	struct bpftune_disabled *disabled;
	/* assessment (assess.c) */
	struct bpftune_measure *measures; /* per scenario, or NULL */
	const char *const *strategies;
	unsigned int nstrategies;
	unsigned int strategy;
	struct bpftune_strategy_score *strategy_scores;
	struct bpftune_assess_key *assess_keys;
	unsigned long long events;
	unsigned long long changes;
	unsigned long long reverts; /* changes put back after assessment */
	struct bpftune_helpers *helpers; /* tuner_helpers.c */
	void *priv;
};

struct bpftune_tuner *bpftune_tuner_alloc(const char *name);
void bpftune_tuner_free(struct bpftune_tuner *tuner);
struct bpftune_tuner *bpftune_tuners(void);
void bpftune_tuner_add(struct bpftune_tuner *tuner);
void bpftune_tuner_remove(struct bpftune_tuner *tuner);
struct bpftune_tuner *bpftune_tuner_find(const char *name);
int bpftune_tuner_start(struct bpftune_tuner *tuner);
void bpftune_tuner_stop(struct bpftune_tuner *tuner);
void bpftune_tuner_print_summary(struct bpftune_tuner *tuner);
int bpftune_tuner_rollback(struct bpftune_tuner *tuner);
void bpftune_tuner_enable_all(void);
/* Re-enable one tuner in one netns, or in every netns when every_netns;
 * returns how many disabled entries were cleared. */
int bpftune_tuner_enable(struct bpftune_tuner *tuner, unsigned long long cookie,
			 bool every_netns);
const char *bpftune_tuner_state_name(enum bpftune_tuner_state state);
/* Find which tuner owns a sysctl name. */
struct bpftune_tunable *bpftune_tunable_by_name(const char *name,
						struct bpftune_tuner **owner);
/* A netns refused a tunable: not tried there again (until SIGHUP or until
 * the netns is gone); logged once.  -ESRCH (netns not found) is not kept. */
void bpftune_tunable_mark_failed(struct bpftune_tuner *tuner, unsigned int id,
				 unsigned long long cookie, const char *what,
				 int err);
/* A sysctl some tuner declared (loaded now or earlier in this process),
 * with its bounds: what -R and --restore may write.  false if none. */
bool bpftune_sysctl_known(const char *name, struct bpftune_tunable_desc *desc);
/* A namespace is gone: forget per-netns disable entries for its cookie. */
void bpftune_tuners_netns_gone(unsigned long long cookie);

/* Scenario id used for reverts made by the assessment. */
#define BPFTUNE_SCENARIO_REVERT 0xffffU
int bpftune_change_revert(struct bpftune_tuner *tuner, unsigned int tunable,
			  unsigned long long cookie, const char *value,
			  const char *why);

/* --- tuner_helpers.c --- */
/* A namespace is gone: free every tuner's state and notes for it. */
void bpftune_helpers_netns_gone(unsigned long long cookie);
void bpftune_helpers_free(struct bpftune_tuner *tuner);

/* --- assess.c --- */
struct bpftune_strategy_score {
	unsigned int assessed;
	double sum_gain; /* relative gains (negative = harm) */
};
/* Before a change: false while the scenario backs off in that netns. */
bool bpftune_assess_allowed(struct bpftune_tuner *tuner, unsigned int scenario,
			    unsigned int tunable, unsigned long long cookie);
void bpftune_assess_changed(struct bpftune_tuner *tuner, unsigned int scenario,
			    unsigned int tunable, unsigned long long cookie,
			    const char *old, const char *new);
void bpftune_assess_summary(struct bpftune_tuner *tuner);
void bpftune_assess_free(struct bpftune_tuner *tuner);
/* pure: is the outcome worse beyond noise?  sets *gain (relative) */
bool bpftune_assess_harmful(const double *before, unsigned int nbefore,
			    double after, bool higher_is_better, double *gain,
			    double *noise);

/* --- bpfload.c --- */
void bpftune_bpf_detach(struct bpftune_tuner *tuner);
void bpftune_bpf_print_tiers(struct bpftune_tuner *tuner);

/* --- support.c --- */
struct bpftune_support {
	bool btf;
	bool tier_ok[BPFTUNE_TIER_COUNT];
	char tier_why[BPFTUNE_TIER_COUNT][128];
	bool netns_cookie;
	enum bpftune_tier best;
};
int bpftune_support_probe(struct bpftune_support *support);
const struct bpftune_support *bpftune_support_get(void);
/* Free what only start-up needed (called once the tuners are loaded). */
void bpftune_support_release(void);
void bpftune_support_print(const struct bpftune_support *support);
enum bpftune_tier bpftune_support_effective(const struct bpftune_support *s);
/* The kernel's BTF, mapped (or read once); NULL if unreadable.  The
 * type records start hdr_len + type_off bytes in. */
struct btf_header;
struct btf_type;
const struct btf_header *bpftune_vmlinux_btf(void);
/* Bytes of type data that follow a struct btf_type of its kind. */
size_t bpftune_btf_extra(const struct btf_type *t);
/* Does a tier's target exist in the running kernel? */
bool bpftune_target_exists(enum bpftune_tier tier, const char *section);

/* --- plugin.c --- */
int bpftune_plugin_check_dir(const char *dir, char *why, size_t len);
int bpftune_plugin_check_file(int dirfd, const char *name, int *fd_out,
			      char *why, size_t len);
bool bpftune_plugin_name_ok(const char *name);
int bpftune_plugins_load_dir(const char *dir, char *const *allow, int nallow);
int bpftune_plugin_load(const char *dir, const char *file);
/* Start-up is done: log "ready: N tuner(s) running ..." with its timing. */
void bpftune_plugins_ready(int started);
void bpftune_plugins_unload_all(void);
int bpftune_plugin_check_complete(int fd, char *why, size_t len);
/* Run-time discovery: inotify on plugin directories (needs the loop). */
int bpftune_plugins_watch(const char *dir, char *const *allow, int nallow);
void bpftune_plugins_unwatch(void);
/* Finalize one running tuner: summary, detach, ring buffers, dlclose. */
void bpftune_plugin_unload(struct bpftune_tuner *tuner, const char *why);

/* --- loop.c --- */
int bpftune_loop_init(void);
void bpftune_loop_fini(void);
int bpftune_loop_run(void);
void bpftune_loop_stop(void);
int bpftune_loop_add_ringbuf(struct bpftune_tuner *tuner, int map_fd);
void bpftune_loop_rebuild_ringbufs(void);
/* Drop fds/timers whose callbacks are in the object mapped at base. */
int bpftune_loop_del_module(const void *base);

/* --- query.c --- */
/* Listen on the UNIX socket (and on 127.0.0.1:tcp_port when > 0). */
int bpftune_query_init(const char *sock_path, int tcp_port);
/* Bind 127.0.0.1:port now (at start-up); a failure is a warning. */
void bpftune_query_bind_tcp(int port);
void bpftune_query_fini(void);
/* The client side of bpftune -q: returns the process exit code. */
int bpftune_query_client(const char *sock_path, int tcp_port,
			 const char *request);

/* --- metrics.c --- */
int bpftune_metrics_init(const char *path);
/* Final rewrite (bpftune_up 0) and stop. */
void bpftune_metrics_fini(void);
/* Something metrics show changed: rewrite the file soon (coalesced). */
void bpftune_state_changed(void);
/* Counts bpftune_state_changed() calls: cached answers compare it. */
unsigned long long bpftune_state_generation(void);

#endif /* BPFTUNE_CORE_H */
