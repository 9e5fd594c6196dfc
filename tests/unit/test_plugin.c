// SPDX-License-Identifier: GPL-2.0
/* Plugin trust checks: names, ownership, modes, symlinks. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../src/core.h"
#include "unit.h"

static int check(int dirfd, const char *name, char *why)
{
	int fd = -1, err;

	err = bpftune_plugin_check_file(dirfd, name, &fd, why, 256);
	if (fd >= 0)
		close(fd);
	return err;
}

int main(void)
{
	char dir[] = "/tmp/bpftune-plugin-XXXXXX", path[300], why[256];
	int dirfd, fd;

	CHECK(bpftune_plugin_name_ok("tcp_buffer_tuner.so"));
	CHECK(!bpftune_plugin_name_ok("_tuner.so"));
	CHECK(!bpftune_plugin_name_ok(".tcp_buffer_tuner.so"));
	CHECK(!bpftune_plugin_name_ok("tcp_buffer_tuner.so.tmp"));
	CHECK(!bpftune_plugin_name_ok("tcp_buffer_tuner.so~"));
	CHECK(!bpftune_plugin_name_ok("#tcp_buffer_tuner.so"));
	CHECK(!bpftune_plugin_name_ok("libfoo.so"));

	if (!mkdtemp(dir))
		return 1;
	chmod(dir, 0755);
	CHECK(bpftune_plugin_check_dir(dir, why, sizeof(why)) == 0);
	chmod(dir, 0775);
	CHECK(bpftune_plugin_check_dir(dir, why, sizeof(why)) < 0);
	CHECK(strstr(why, "group- or other-writable") != NULL);
	chmod(dir, 0755);
	CHECK(bpftune_plugin_check_dir("/nonexistent/x", why, sizeof(why)) < 0);

	snprintf(path, sizeof(path), "%s/ok_tuner.so", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0755);
	close(fd);
	chmod(path, 0755);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(check(dirfd, "ok_tuner.so", why) == 0);
	chmod(path, 0757);
	CHECK(check(dirfd, "ok_tuner.so", why) < 0);
	CHECK(strstr(why, "group- or other-writable") != NULL);
	chmod(path, 0755);
	CHECK(chown(path, 65534, 0) == 0);
	CHECK(check(dirfd, "ok_tuner.so", why) < 0);
	CHECK(strstr(why, "not root") != NULL);
	CHECK(chown(path, 0, 0) == 0);
	snprintf(path, sizeof(path), "%s/link_tuner.so", dir);
	CHECK(symlink("ok_tuner.so", path) == 0);
	CHECK(check(dirfd, "link_tuner.so", why) < 0);
	CHECK(strstr(why, "symlink") != NULL);
	snprintf(path, sizeof(path), "%s/sub_tuner.so", dir);
	mkdir(path, 0755);
	CHECK(check(dirfd, "sub_tuner.so", why) < 0);
	CHECK(strstr(why, "regular") != NULL);
	close(dirfd);

	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	return unit_report();
}
