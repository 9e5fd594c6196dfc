// SPDX-License-Identifier: GPL-2.0
/*
 * Restoring the journal's originals (-R on exit, --restore): only
 * sysctls a tuner declares, within its bounds, and only where the value
 * is still what bpftune last wrote (someone else's later write is left).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"
#include "journal_restore.h"
#include "journal_state.h"
#include "log.h"
#include "netns.h"
#include "sysctl.h"

/* Values equal as the sysctl reads them (tabs) and as recorded (spaces)? */
static bool same_value(const struct bpftune_tunable_desc *d, const char *a,
		       const char *b)
{
	long long va[BPFTUNE_MAX_VALUES], vb[BPFTUNE_MAX_VALUES];

	if (!(d->flags & BPFTUNE_STRING) && d->nvalues &&
	    !bpftune_sysctl_parse(a, va, d->nvalues) &&
	    !bpftune_sysctl_parse(b, vb, d->nvalues))
		return !memcmp(va, vb, d->nvalues * sizeof(va[0]));
	while (*a || *b) {
		if (isspace((unsigned char)*a) && isspace((unsigned char)*b)) {
			while (isspace((unsigned char)*a))
				a++;
			while (isspace((unsigned char)*b))
				b++;
			continue;
		}
		if (*a++ != *b++)
			return false;
	}
	return true;
}

static bool is_global(unsigned long long cookie)
{
	return cookie == BPFTUNE_GLOBAL_NETNS ||
	       cookie == bpftune_netns_global_cookie();
}

/* May this entry be written: a sysctl a tuner declares, in its scope,
 * with a value within its bounds? */
static bool entry_allowed(const struct journal_entry *e,
			  struct bpftune_tunable_desc *d)
{
	long long v[BPFTUNE_MAX_VALUES];
	unsigned int i;

	if (!bpftune_sysctl_known(e->name, d)) {
		bpftune_warn("journal names %s, which no tuner declares; not restored",
			     e->name);
		return false;
	}
	if ((d->flags & BPFTUNE_GLOBAL) && !is_global(e->cookie)) {
		bpftune_warn("journal has global %s in netns %llu; not restored",
			     e->name, e->cookie);
		return false;
	}
	if (d->flags & BPFTUNE_STRING)
		return true;
	if (bpftune_sysctl_parse(e->orig, v, d->nvalues)) {
		bpftune_warn("journal value '%s' of %s is not %u number(s); not restored",
			     e->orig, e->name, d->nvalues);
		return false;
	}
	for (i = 0; i < d->nvalues; i++) {
		if (v[i] >= d->min[i] && (!d->max[i] || v[i] <= d->max[i]))
			continue;
		bpftune_warn("journal value '%s' of %s is outside the bounds bpftune may write (value %u: %lld..%lld); not restored, set it yourself if it is right",
			     e->orig, e->name, i + 1, d->min[i], d->max[i]);
		return false;
	}
	return true;
}

enum restore_result { RESTORED, LEFT, REFUSED, FAILED };

static enum restore_result restore_entry(const struct journal_entry *e)
{
	struct bpftune_tunable_desc d;
	char cur[BPFTUNE_VALUE_LEN], ns[64];
	int err;

	if (!is_global(e->cookie) && !bpftune_netns_find(e->cookie)) {
		bpftune_info("netns %llu no longer exists; %s not restored there",
			     e->cookie, e->name);
		return LEFT;
	}
	if (!entry_allowed(e, &d))
		return REFUSED;
	bpftune_netns_str(e->cookie, ns, sizeof(ns));
	err = bpftune_sysctl_read_raw(e->cookie, e->name, cur, sizeof(cur));
	bpftune_journal_clean_value(cur, cur);
	if (!err && same_value(&d, cur, e->orig))
		return LEFT;
	if (!err && e->last[0] && !same_value(&d, cur, e->last)) {
		bpftune_info("%s in %s is '%s', not '%s' as bpftune last set it: someone changed it since; left alone (original '%s')",
			     e->name, ns, cur, e->last, e->orig);
		return LEFT;
	}
	err = bpftune_sysctl_write_raw(e->cookie, e->name, e->orig);
	if (err) {
		bpftune_warn("could not restore %s = '%s' in %s: %s", e->name,
			     e->orig, ns, strerror(-err));
		return FAILED;
	}
	if (is_global(e->cookie))
		bpftune_info("restored %s = '%s' (global netns)", e->name,
			     e->orig);
	else
		bpftune_info("restored %s = '%s' in netns %llu", e->name,
			     e->orig, e->cookie);
	return RESTORED;
}

int bpftune_journal_restore(const char *state_dir)
{
	int err, dirfd = -1, counts[FAILED + 1] = { 0 };
	const struct journal_entry *e;
	char boot_id[64];

	err = bpftune_journal_boot_id(boot_id, sizeof(boot_id));
	if (err)
		return err;
	if (!bpftune_journal_is_open()) {
		err = bpftune_journal_load_dir(state_dir, boot_id, &dirfd);
		if (err == -ENOENT) {
			bpftune_info("no journal in %s: nothing to restore",
				     state_dir);
			return 0;
		}
		if (err < 0)
			return err;
		err = 0; /* 1: from another boot, nothing loaded */
	}
	bpftune_netns_scan();
	for (e = bpftune_journal_entries(); e; e = e->next)
		counts[restore_entry(e)]++;
	bpftune_debug("journal: %d restored, %d left, %d refused, %d failed",
		      counts[RESTORED], counts[LEFT], counts[REFUSED],
		      counts[FAILED]);
	if (counts[FAILED]) {
		bpftune_warn("%d value(s) could not be restored; journal kept",
			     counts[FAILED]);
		err = -EIO;
		goto out;
	}
	err = bpftune_journal_clear(dirfd, boot_id);
	if (!err && counts[REFUSED]) {
		bpftune_warn("%d journal entr%s refused (see above); journal cleared",
			     counts[REFUSED], counts[REFUSED] == 1 ? "y" : "ies");
		err = -EPERM;
	}
out:
	if (dirfd >= 0)
		close(dirfd);
	return err;
}
