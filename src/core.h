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
};
extern struct bpftune_config bpftune_cfg;

/* --- log.c --- */
void bpftune_log_init(bool to_stderr, bool debug);
void bpftune_log_fini(void);

/* --- caps.c --- */
int bpftune_caps_init(void);
void bpftune_cap_raise(void);
void bpftune_cap_lower(void);

/* --- netns.c --- */
struct bpftune_netns {
	struct bpftune_netns *next;
	unsigned long long cookie;
	ino_t ino;
	int fd;
	bool seen; /* found by the latest scan */
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
/* Restore every recorded original; clears the journal when all went well. */
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

struct bpftune_tunable {
	struct bpftune_tunable_desc desc;
	bool absent;
	bool disabled_global; /* an administrator set this global tunable */
	struct bpftune_change *changes;
	/* namespaces where reading/writing failed; logged once */
	unsigned long long failed[16];
	unsigned int nfailed;
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
	unsigned long long events;
	unsigned long long changes;
	void *priv;
	int plugin_fd; /* the .so, open while loaded (plugin.c) */
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
/* Find which tuner owns a sysctl name. */
struct bpftune_tunable *bpftune_tunable_by_name(const char *name,
						struct bpftune_tuner **owner);
/* A namespace is gone: forget per-netns disable entries for its cookie. */
void bpftune_tuners_netns_gone(unsigned long long cookie);

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
void bpftune_support_print(const struct bpftune_support *support);
enum bpftune_tier bpftune_support_effective(const struct bpftune_support *s);
/* Does a tier's target exist in the running kernel? */
bool bpftune_target_exists(enum bpftune_tier tier, const char *section);

/* --- plugin.c --- */
int bpftune_plugin_check_dir(const char *dir, char *why, size_t len);
int bpftune_plugin_check_file(int dirfd, const char *name, int *fd_out,
			      char *why, size_t len);
bool bpftune_plugin_name_ok(const char *name);
int bpftune_plugins_load_dir(const char *dir, char *const *allow, int nallow);
int bpftune_plugin_load(const char *dir, const char *file);
void bpftune_plugins_unload_all(void);

/* --- loop.c --- */
int bpftune_loop_init(void);
void bpftune_loop_fini(void);
int bpftune_loop_run(void);
void bpftune_loop_stop(void);
int bpftune_loop_add_ringbuf(struct bpftune_tuner *tuner, int map_fd);
void bpftune_loop_rebuild_ringbufs(void);

#endif /* BPFTUNE_CORE_H */
