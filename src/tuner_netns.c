// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace state of tuners: namespaces a tuner was disabled in,
 * namespaces that refused a tunable (logged once, not tried again until
 * SIGHUP or until the namespace goes), and re-enabling them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "netns.h"
#include "notify.h"
#include "sysctl.h"
#include "tuner_netns.h"

/* Forget failures in one netns, or in all when every_netns. */
static int clear_failed(struct bpftune_tunable *t, unsigned long long cookie,
			bool every_netns)
{
	struct bpftune_failed **pp = &t->failed, *f;
	int cleared = 0;

	while ((f = *pp)) {
		if (!every_netns && f->cookie != cookie) {
			pp = &f->next;
			continue;
		}
		*pp = f->next;
		free(f);
		cleared++;
	}
	return cleared;
}

bool bpftune_netns_enabled(struct bpftune_tuner *tuner,
			   unsigned long long cookie)
{
	struct bpftune_disabled *d;

	if (cookie == BPFTUNE_GLOBAL_NETNS)
		cookie = bpftune_netns_global_cookie();
	for (d = tuner->disabled; d; d = d->next)
		if (d->cookie == cookie)
			return false;
	return true;
}

void bpftune_netns_disable(struct bpftune_tuner *tuner,
			   unsigned long long cookie, const char *why)
{
	struct bpftune_disabled *d;
	char ns[64];

	if (cookie == BPFTUNE_GLOBAL_NETNS)
		cookie = bpftune_netns_global_cookie();
	if (!bpftune_netns_enabled(tuner, cookie))
		return;
	d = calloc(1, sizeof(*d));
	if (!d)
		return;
	d->cookie = cookie;
	d->next = tuner->disabled;
	tuner->disabled = d;
	bpftune_info("%s: stops tuning in %s: %s", tuner->name,
		     bpftune_netns_str(cookie, ns, sizeof(ns)), why);
	bpftune_state_changed();
}

void bpftune_tuner_enable_all(void)
{
	struct bpftune_disabled *d;
	struct bpftune_tuner *tuner;
	unsigned int i;

	for (tuner = bpftune_tuners(); tuner; tuner = tuner->next) {
		while ((d = tuner->disabled)) {
			tuner->disabled = d->next;
			free(d);
		}
		for (i = 0; i < tuner->ntunables; i++) {
			tuner->tunables[i].disabled_global = false;
			clear_failed(&tuner->tunables[i], 0, true);
		}
	}
	bpftune_info("all tuners re-enabled in every namespace");
	bpftune_state_changed();
}

int bpftune_tuner_enable(struct bpftune_tuner *tuner, unsigned long long cookie,
			 bool every_netns)
{
	struct bpftune_disabled **pp = &tuner->disabled, *d;
	unsigned int i;
	int cleared = 0;

	if (cookie == BPFTUNE_GLOBAL_NETNS)
		cookie = bpftune_netns_global_cookie();
	while ((d = *pp)) {
		if (!every_netns && d->cookie != cookie) {
			pp = &d->next;
			continue;
		}
		*pp = d->next;
		free(d);
		cleared++;
	}
	for (i = 0; i < tuner->ntunables; i++) {
		struct bpftune_tunable *t = &tuner->tunables[i];

		cleared += clear_failed(t, cookie, every_netns);
		if (every_netns && t->disabled_global) {
			t->disabled_global = false;
			cleared++;
		}
	}
	if (cleared)
		bpftune_state_changed();
	return cleared;
}

static bool failed_in(struct bpftune_tunable *t, unsigned long long cookie)
{
	struct bpftune_failed *f;

	for (f = t->failed; f; f = f->next)
		if (f->cookie == cookie)
			return true;
	return false;
}

/*
 * Remember that a netns refused this tunable; log it once.  One entry
 * per failing netns, freed when the netns goes, so that namespaces
 * coming and going never add up to turning the tunable off elsewhere.
 */
static void mark_failed(struct bpftune_tuner *tuner, struct bpftune_tunable *t,
			unsigned long long cookie, const char *what, int err)
{
	struct bpftune_failed *f;

	char ns[64];

	bpftune_netns_str(cookie, ns, sizeof(ns));
	if (err == -ESRCH) {
		/* not (or no longer) found by a scan: nothing to retry */
		bpftune_debug("%s: %s not found; %s not changed there",
			      tuner->name, ns, t->desc.name);
		return;
	}
	bpftune_warn("%s: cannot %s %s in %s: %s; not tuning it there",
		     tuner->name, what, t->desc.name, ns, strerror(-err));
	if (failed_in(t, cookie))
		return;
	f = calloc(1, sizeof(*f));
	if (!f)
		return;
	f->cookie = cookie;
	f->next = t->failed;
	t->failed = f;
}

bool bpftune_tunable_usable(struct bpftune_tuner *tuner, unsigned int id,
			    unsigned long long cookie)
{
	struct bpftune_tunable *t = bpftune_tunable_get(tuner, id);

	if (!t || t->absent || t->disabled_global)
		return false;
	if (t->desc.flags & BPFTUNE_GLOBAL)
		cookie = bpftune_netns_global_cookie();
	if (cookie == BPFTUNE_GLOBAL_NETNS)
		cookie = bpftune_netns_global_cookie();
	return bpftune_netns_enabled(tuner, cookie) && !failed_in(t, cookie);
}

unsigned long long bpftune_tunable_cookie(const struct bpftune_tunable *t,
					  unsigned long long cookie)
{
	if ((t->desc.flags & BPFTUNE_GLOBAL) || cookie == BPFTUNE_GLOBAL_NETNS)
		return bpftune_netns_global_cookie();
	return cookie;
}

void bpftune_tunable_mark_failed(struct bpftune_tuner *tuner, unsigned int id,
				 unsigned long long cookie, const char *what,
				 int err)
{
	struct bpftune_tunable *t = bpftune_tunable_get(tuner, id);

	if (!t)
		return;
	mark_failed(tuner, t, bpftune_tunable_cookie(t, cookie), what, err);
}

int bpftune_sysctl_get(struct bpftune_tuner *tuner, unsigned long long cookie,
		       unsigned int id, long long *values)
{
	struct bpftune_tunable *t = bpftune_tunable_get(tuner, id);
	char buf[BPFTUNE_VALUE_LEN];
	int err;

	if (!t)
		return -EINVAL;
	if (t->absent)
		return -ENOENT;
	cookie = bpftune_tunable_cookie(t, cookie);
	err = bpftune_sysctl_read_raw(cookie, t->desc.name, buf, sizeof(buf));
	if (!err)
		err = bpftune_sysctl_parse(buf, values, t->desc.nvalues);
	/* a netns that refuses the read is logged once and skipped after */
	if (err && !t->disabled_global && !failed_in(t, cookie))
		mark_failed(tuner, t, cookie, "read", err);
	return err;
}

void bpftune_tuner_netns_forget(struct bpftune_tuner *tuner,
				unsigned long long cookie)
{
	struct bpftune_disabled **pp = &tuner->disabled, *d;
	unsigned int i;

	while ((d = *pp)) {
		if (d->cookie != cookie) {
			pp = &d->next;
			continue;
		}
		*pp = d->next;
		free(d);
	}
	for (i = 0; i < tuner->ntunables; i++)
		clear_failed(&tuner->tunables[i], cookie, false);
}

void bpftune_tuner_netns_free(struct bpftune_tuner *tuner)
{
	struct bpftune_disabled *d;
	unsigned int i;

	for (i = 0; i < tuner->ntunables; i++)
		clear_failed(&tuner->tunables[i], 0, true);
	while ((d = tuner->disabled)) {
		tuner->disabled = d->next;
		free(d);
	}
}
