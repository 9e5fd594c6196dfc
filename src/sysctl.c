// SPDX-License-Identifier: GPL-2.0
/*
 * Reading and writing sysctls in a given network namespace.  /proc/sys/net
 * shows the namespace of the task that opens the file, so we setns() into
 * the target namespace, open, and setns() back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caps.h"
#include "netns.h"
#include "sysctl.h"

/* "net.ipv4.tcp_rmem" -> "/proc/sys/net/ipv4/tcp_rmem"; a name given with
 * slashes (needed when a component holds a dot, e.g. a VLAN device) is
 * used as it is. */
int bpftune_sysctl_path(const char *name, char *path, size_t len)
{
	bool slashes = strchr(name, '/') != NULL;
	size_t i, off;

	if (!*name || strstr(name, "..") || name[0] == '.' || name[0] == '/')
		return -EINVAL;
	off = snprintf(path, len, "/proc/sys/");
	for (i = 0; name[i]; i++) {
		if (off + 1 >= len)
			return -ENAMETOOLONG;
		path[off++] = (!slashes && name[i] == '.') ? '/' : name[i];
	}
	path[off] = '\0';
	return 0;
}

static int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int write_file(const char *path, const char *value)
{
	size_t len = strlen(value);
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

/* Read (value == NULL) or write a sysctl inside the netns of cookie. */
static int sysctl_io(unsigned long long cookie, const char *name, char *buf,
		     size_t len, const char *value)
{
	char path[PATH_MAX];
	int entered, err;

	err = bpftune_sysctl_path(name, path, sizeof(path));
	if (err)
		return err;
	entered = bpftune_netns_enter(cookie);
	if (entered < 0)
		return entered;
	if (value) {
		bpftune_cap_raise();
		err = write_file(path, value);
		bpftune_cap_lower();
	} else {
		err = read_file(path, buf, len);
	}
	bpftune_netns_leave(entered);
	return err;
}

int bpftune_sysctl_read_raw(unsigned long long cookie, const char *name,
			    char *buf, size_t len)
{
	return sysctl_io(cookie, name, buf, len, NULL);
}

int bpftune_sysctl_write_raw(unsigned long long cookie, const char *name,
			     const char *value)
{
	return sysctl_io(cookie, name, NULL, 0, value);
}

/* Parse exactly nvalues integers separated by white space. */
int bpftune_sysctl_parse(const char *text, long long *values,
			 unsigned int nvalues)
{
	const char *p = text;
	unsigned int i;
	char *end;

	for (i = 0; i < nvalues; i++) {
		errno = 0;
		values[i] = strtoll(p, &end, 10);
		if (end == p || errno)
			return -EINVAL;
		p = end;
	}
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	return *p ? -EINVAL : 0;
}

void bpftune_sysctl_format(const long long *values, unsigned int nvalues,
			   char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < nvalues && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%lld", i ? " " : "",
				values[i]);
}

/*
 * Sysctls declared by a tuner that started in this process, with their
 * bounds; kept when the tuner is unloaded, so that -R and --restore know
 * what bpftune may write.  One entry per name: a handful.
 */
struct known_sysctl {
	struct known_sysctl *next;
	char name[BPFTUNE_NAME_LEN * 2];
	struct bpftune_tunable_desc desc; /* name points to the field above */
};

static struct known_sysctl *known;

static struct known_sysctl *known_find(const char *name)
{
	struct known_sysctl *k;

	for (k = known; k; k = k->next)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}

void bpftune_sysctl_remember(const struct bpftune_tunable_desc *desc)
{
	struct known_sysctl *k = known_find(desc->name);

	if (!k) {
		k = calloc(1, sizeof(*k));
		if (!k)
			return;
		snprintf(k->name, sizeof(k->name), "%s", desc->name);
		k->next = known;
		known = k;
	}
	k->desc = *desc;
	k->desc.name = k->name;
	k->desc.write = NULL;
}

bool bpftune_sysctl_known(const char *name, struct bpftune_tunable_desc *desc)
{
	struct known_sysctl *k = known_find(name);

	if (!k)
		return false;
	if (desc)
		*desc = k->desc;
	return true;
}

void bpftune_sysctl_remember_again(const struct bpftune_tunable_desc *desc)
{
	if (known_find(desc->name))
		bpftune_sysctl_remember(desc);
}
