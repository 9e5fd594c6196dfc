/* SPDX-License-Identifier: GPL-2.0 */
/* The journal of original sysctl values, and restoring them. */
#ifndef BPFTUNE_JOURNAL_H
#define BPFTUNE_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include "sysctl.h"

#define JOURNAL_NAME_SIZE (BPFTUNE_NAME_LEN * 2)

struct journal_entry {
	struct journal_entry *next;
	unsigned long long cookie;
	char name[JOURNAL_NAME_SIZE];
	char orig[BPFTUNE_VALUE_LEN];
	char last[BPFTUNE_VALUE_LEN]; /* bpftune's latest write, "" if none */
};

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

/* For journal_restore.c: the entries loaded, in no particular order. */
const struct journal_entry *bpftune_journal_entries(void);
bool bpftune_journal_is_open(void);
/* Load the journal of state_dir (not open in this process), checked and
 * locked; *dirfd is the directory, to pass to bpftune_journal_clear(). */
int bpftune_journal_load_dir(const char *state_dir, const char *boot_id,
			     int *dirfd);
/* Forget every entry; empty the open journal or remove dirfd's. */
int bpftune_journal_clear(int dirfd, const char *boot_id);
/* A value as the journal keeps it (tabs and newlines as spaces). */
void bpftune_journal_clean_value(char *dst, const char *src);

#endif
