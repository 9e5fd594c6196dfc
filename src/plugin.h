/* SPDX-License-Identifier: GPL-2.0 */
/* Tuner plugins: checking files, loading and starting them, unloading,
 * and watching the plugin directories for new ones. */
#ifndef BPFTUNE_PLUGIN_H
#define BPFTUNE_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include "plugin_check.h"
#include "tuner.h"

/* plugin.c */
int bpftune_tuner_start(struct bpftune_tuner *tuner);
void bpftune_tuner_stop(struct bpftune_tuner *tuner);
int bpftune_plugins_load_dir(const char *dir, char *const *allow, int nallow);
int bpftune_plugin_load(const char *dir, const char *file);
/* Start-up is done: log "ready: N tuner(s) running ..." with its timing. */
void bpftune_plugins_ready(int started);
void bpftune_plugins_unload_all(void);
/* Finalize one running tuner: summary, detach, ring buffers, dlclose. */
void bpftune_plugin_unload(struct bpftune_tuner *tuner, const char *why);
/* Is file in the -a list (or is there none)? */
bool bpftune_plugin_allowed(const char *file, char *const *allow, int nallow);
/* The running tuner loaded from dir/file, NULL if none. */
struct bpftune_tuner *bpftune_plugin_by_path(const char *dir, const char *file);

/* plugin_watch.c: run-time discovery (inotify; needs the loop) */
int bpftune_plugins_watch(const char *dir, char *const *allow, int nallow);
void bpftune_plugins_unwatch(void);

#endif
