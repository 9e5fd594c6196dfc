// SPDX-License-Identifier: GPL-2.0
/* A plugin is loaded only when its ELF file is complete: copies of
 * libbpftune.so cut at various lengths must all be refused. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../src/core.h"
#include "unit.h"

static char *elf_data;
static size_t elf_size;

/* The first len bytes of the library (or text) as a file; its check. */
static int check_prefix(const char *dir, const void *data, size_t len,
			char *why)
{
	char path[300];
	int fd, err;

	snprintf(path, sizeof(path), "%s/cut_tuner.so", dir);
	fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		return -999;
	err = bpftune_plugin_check_complete(fd, why, 256);
	close(fd);
	unlink(path);
	return err;
}

static int read_library(void)
{
	struct stat st;
	Dl_info info;
	int fd;

	if (!dladdr((void *)bpftune_plugin_check_complete, &info))
		return -1;
	fd = open(info.dli_fname, O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		return -1;
	elf_size = st.st_size;
	elf_data = malloc(elf_size);
	if (!elf_data || read(fd, elf_data, elf_size) != (ssize_t)elf_size)
		return -1;
	close(fd);
	return 0;
}

int main(void)
{
	char dir[] = "/tmp/bpftune-elf-XXXXXX", why[256];
	static const char text[] = "#!/bin/sh\necho not a plugin\n";

	CHECK(read_library() == 0);
	CHECK(mkdtemp(dir) != NULL);
	if (!elf_data)
		return unit_report();

	CHECK_EQ(check_prefix(dir, elf_data, elf_size, why), 0);
	CHECK_EQ(check_prefix(dir, elf_data, 0, why), -EAGAIN);
	CHECK(strstr(why, "incomplete") != NULL);
	CHECK_EQ(check_prefix(dir, elf_data, 40, why), -EAGAIN);
	CHECK_EQ(check_prefix(dir, elf_data, 4096, why), -EAGAIN);
	CHECK_EQ(check_prefix(dir, elf_data, elf_size / 2, why), -EAGAIN);
	CHECK_EQ(check_prefix(dir, elf_data, elf_size - 1, why), -EAGAIN);
	CHECK(strstr(why, "still being written") != NULL);
	CHECK_EQ(check_prefix(dir, text, sizeof(text) - 1, why), -ENOEXEC);
	CHECK(strstr(why, "not an ELF file") != NULL);
	/* an ELF file, but not a shared object: a relocatable object */
	elf_data[16] = 1; /* e_type = ET_REL (little-endian low byte) */
	CHECK_EQ(check_prefix(dir, elf_data, elf_size, why), -ENOEXEC);
	CHECK(strstr(why, "not a shared object") != NULL);

	rmdir(dir);
	free(elf_data);
	return unit_report();
}
