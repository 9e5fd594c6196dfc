/* SPDX-License-Identifier: GPL-2.0 */
/* Raw sysctl access in any namespace, parsing, and the registry of the
 * sysctls some tuner declared (what -R and --restore may write). */
#ifndef BPFTUNE_SYSCTL_H
#define BPFTUNE_SYSCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <bpftune/libbpftune.h>

#define BPFTUNE_VALUE_LEN 256

int bpftune_sysctl_path(const char *name, char *path, size_t len);
int bpftune_sysctl_read_raw(unsigned long long cookie, const char *name,
			    char *buf, size_t len);
int bpftune_sysctl_write_raw(unsigned long long cookie, const char *name,
			     const char *value);
int bpftune_sysctl_parse(const char *text, long long *values,
			 unsigned int nvalues);
void bpftune_sysctl_format(const long long *values, unsigned int nvalues,
			   char *buf, size_t len);
/* A sysctl some tuner declared (loaded now or earlier in this process),
 * with its bounds: what -R and --restore may write.  false if none. */
bool bpftune_sysctl_known(const char *name, struct bpftune_tunable_desc *desc);
/* Remember (or update, when already known) a declared sysctl's bounds. */
void bpftune_sysctl_remember(const struct bpftune_tunable_desc *desc);
/* Update only a sysctl remembered already. */
void bpftune_sysctl_remember_again(const struct bpftune_tunable_desc *desc);

#endif
