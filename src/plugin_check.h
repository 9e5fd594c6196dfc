/* SPDX-License-Identifier: GPL-2.0 */
/* Is a plugin directory or file safe to load from? */
#ifndef BPFTUNE_PLUGIN_CHECK_H
#define BPFTUNE_PLUGIN_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#define PLUGIN_SUFFIX "_tuner.so"

int bpftune_plugin_check_dir(const char *dir, char *why, size_t len);
int bpftune_plugin_check_file(int dirfd, const char *name, int *fd_out,
			      char *why, size_t len);
bool bpftune_plugin_name_ok(const char *name);
int bpftune_plugin_check_complete(int fd, char *why, size_t len);

#endif
