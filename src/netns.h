/* SPDX-License-Identifier: GPL-2.0 */
/* Network namespaces: known by cookie, named, entered.  A namespace that
 * goes is published as BPFTUNE_NOTE_NETNS_GONE (notify.h). */
#ifndef BPFTUNE_NETNS_H
#define BPFTUNE_NETNS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <bpftune/libbpftune.h>

/* "/run/netns/" + a file name: the longest path a namespace is found at */
#define BPFTUNE_NETNS_PATH_LEN (16 + NAME_MAX + 1)
struct bpftune_netns {
	struct bpftune_netns *next;
	struct bpftune_netns *next_cookie; /* hash chains (netns.c) */
	struct bpftune_netns *next_ino;
	unsigned long long cookie;
	ino_t ino;
	int fd; /* pins the namespace (and so its inode number) while known */
	bool seen; /* found by the latest scan */
	char path[BPFTUNE_NETNS_PATH_LEN]; /* /run/netns names preferred */
};
int bpftune_netns_init(void);
void bpftune_netns_fini(void);
unsigned long long bpftune_netns_global_cookie(void);
/* Rescan /proc and /run/netns: add new namespaces, drop vanished ones. */
int bpftune_netns_scan(void);
struct bpftune_netns *bpftune_netns_find(unsigned long long cookie);
/* find, rescanning once if the cookie is not known yet */
struct bpftune_netns *bpftune_netns_lookup(unsigned long long cookie);
void bpftune_netns_forget(unsigned long long cookie);
struct bpftune_netns *bpftune_netns_list(void);
unsigned int bpftune_netns_count(void);
/* Run in another netns: enter returns 1 when it switched, 0 when already
 * there, <0 on error; pass its result to leave. */
int bpftune_netns_enter(unsigned long long cookie);
void bpftune_netns_leave(int entered);
/* Cookie of the namespace an fd (of /proc/X/ns/net) refers to. */
int bpftune_netns_fd_cookie(int ns_fd, unsigned long long *cookie);
/* bpftune_netns_str() (the API) names a namespace for log lines. */

#endif
