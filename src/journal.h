/* SPDX-License-Identifier: GPL-2.0 */
/* The journal of original sysctl values, and restoring them. */
#ifndef BPFTUNE_JOURNAL_H
#define BPFTUNE_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

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

#endif
