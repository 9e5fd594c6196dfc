/* SPDX-License-Identifier: GPL-2.0 */
/* The state directory and the journal file: opened and trusted. */
#ifndef BPFTUNE_JOURNAL_STATE_H
#define BPFTUNE_JOURNAL_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define JOURNAL_NAME "journal"
#define JOURNAL_TMP_NAME "journal.new"

/* Open (creating when asked) and check the state directory; *owner is
 * whom the journal must belong to.  Returns the directory's fd. */
int bpftune_state_open(const char *dir, bool create, bool any_owner,
		       uid_t *owner);
/* One process at a time per state directory; who says what to do. */
int bpftune_state_lock(int fd, const char *who);
/* The journal file in the state directory, checked through its fd. */
int bpftune_journal_file_open(int dirfd, int flags, uid_t owner);
/* The state directory last opened, for messages. */
const char *bpftune_state_path(void);
int bpftune_journal_boot_id(char *buf, size_t len);
void bpftune_journal_set_boot_id_path(const char *path);

#endif
