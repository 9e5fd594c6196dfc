// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_buffer, rule "receive buffer autotuning off": turn
 * tcp_moderate_rcvbuf on in a namespace where it is off, unless a sysctl
 * configuration file sets it (the administrator's choice) or someone
 * turns it off again after us.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "tcp_buffer_rules.h"

/* --- tcp_moderate_rcvbuf: set by an administrator in sysctl.d? --- */

static bool file_sets(const char *path, const char *key)
{
	char line[512], *p;
	bool found = false;
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		for (p = line; *p == ' ' || *p == '\t' || *p == '-'; p++)
			;
		if (*p == '#' || *p == ';')
			continue;
		found = strstr(p, key) != NULL;
	}
	fclose(f);
	return found;
}

static bool dir_sets(const char *dir, const char *key)
{
	char path[PATH_MAX];
	struct dirent *de;
	bool found = false;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 5, ".conf"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		found = file_sets(path, key);
	}
	closedir(d);
	return found;
}

bool admin_configured(const char *key)
{
	static const char *const dirs[] = {
		"/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d",
		"/usr/lib/sysctl.d", "/lib/sysctl.d",
	};
	unsigned int i;

	if (file_sets("/etc/sysctl.conf", key))
		return true;
	for (i = 0; i < ARRAY_SIZE(dirs); i++)
		if (dir_sets(dirs[i], key))
			return true;
	return false;
}


void moderate_rcvbuf(struct bpftune_tuner *tuner,
			    const struct bpftune_event *ev)
{
	struct tcp_buffer_state *st = bpftune_tuner_priv(tuner);
	struct ns_state *ns;
	long long on = 1;
	char nsb[64];

	if (st->moderate_configured ||
	    !bpftune_tunable_usable(tuner, TCP_BUFFER_MODERATE, ev->netns_cookie))
		return;
	ns = ns_get(tuner, ev->netns_cookie);
	if (!ns || ns->moderate_hands_off)
		return;
	if (ns->moderate_forced) {
		/* we turned it on and someone turned it off again */
		ns->moderate_hands_off = true;
		bpftune_info("%s: an administrator turned tcp_moderate_rcvbuf off again in %s; leaving it off",
			     bpftune_tuner_name(tuner),
			     ns_str(ev->netns_cookie, nsb, sizeof(nsb)));
		return;
	}
	if (bpftune_sysctl_update(tuner, ev->netns_cookie, TCP_BUFFER_MODERATE,
				  &on, ev->scenario,
				  "receive buffer autotuning is off and no sysctl.d file sets it") > 0)
		ns->moderate_forced = true;
}

