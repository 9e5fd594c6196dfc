/* SPDX-License-Identifier: GPL-2.0 */
/* Restoring the journal's originals. */
#ifndef BPFTUNE_JOURNAL_RESTORE_H
#define BPFTUNE_JOURNAL_RESTORE_H

/* Restore every recorded original that is still bpftune's; clears the
 * journal unless a write failed. */
int bpftune_journal_restore(const char *state_dir);

#endif
