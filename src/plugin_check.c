// SPDX-License-Identifier: GPL-2.0
/*
 * Trusting a tuner plugin (<name>_tuner.so) before it is loaded.
 *
 * A plugin runs as root with BPF privileges, so only files nobody but root
 * could have written are loaded: the directory and the file must be owned
 * by root, not group/other-writable, not symlinks, and the file must carry
 * no POSIX ACL.  The file is opened once (O_NOFOLLOW), checked through
 * that fd, and dlopen()ed through /proc/self/fd, so it cannot be swapped
 * between check and load.  A file is loaded only when its ELF headers say
 * it is complete, because dlopen() of a file that is still being written
 * can map pages past its end and crash the daemon.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "log.h"
#include "plugin_check.h"

bool bpftune_plugin_name_ok(const char *name)
{
	size_t len = strlen(name), slen = strlen(PLUGIN_SUFFIX);

	if (name[0] == '.' || len <= slen || len - slen >= BPFTUNE_NAME_LEN)
		return false;
	if (strcmp(name + len - slen, PLUGIN_SUFFIX))
		return false;
	/* editor and package-manager temporaries */
	return !strpbrk(name, "~#");
}

static int check_stat(const struct stat *st, const char *what, char *why,
		      size_t len)
{
	if (st->st_uid != 0) {
		snprintf(why, len, "%s is owned by uid %u, not root", what,
			 st->st_uid);
		return -EPERM;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, len, "%s is group- or other-writable (mode %o)",
			 what, st->st_mode & 07777);
		return -EPERM;
	}
	return 0;
}

int bpftune_plugin_check_dir(const char *dir, char *why, size_t len)
{
	struct stat st;

	if (lstat(dir, &st)) {
		snprintf(why, len, "cannot access directory: %s",
			 strerror(errno));
		return -errno;
	}
	if (S_ISLNK(st.st_mode)) {
		snprintf(why, len, "directory is a symlink");
		return -EPERM;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, len, "not a directory");
		return -ENOTDIR;
	}
	return check_stat(&st, "directory", why, len);
}

int bpftune_plugin_check_file(int dirfd, const char *name, int *fd_out,
			      char *why, size_t len)
{
	struct stat st;
	int fd, err;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(why, len, err == -ELOOP ? "file is a symlink" :
						   "cannot open: %s",
			 strerror(-err));
		return err == -ELOOP ? -EPERM : err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		goto err;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, len, "not a regular file");
		err = -EPERM;
		goto err;
	}
	err = check_stat(&st, "file", why, len);
	if (err)
		goto err;
	if (fgetxattr(fd, "system.posix_acl_access", NULL, 0) > 0) {
		snprintf(why, len, "file carries a POSIX ACL");
		err = -EPERM;
		goto err;
	}
	*fd_out = fd;
	return 0;
err:
	close(fd);
	return err;
}

#if __SIZEOF_POINTER__ == 8
#define PLUGIN_ELFCLASS ELFCLASS64
typedef Elf64_Ehdr plugin_ehdr;
typedef Elf64_Phdr plugin_phdr;
#else
#define PLUGIN_ELFCLASS ELFCLASS32
typedef Elf32_Ehdr plugin_ehdr;
typedef Elf32_Phdr plugin_phdr;
#endif

static int incomplete(char *why, size_t len, unsigned long long need,
		      long long size)
{
	snprintf(why, len,
		 "file is incomplete (%lld of at least %llu bytes); still being written?",
		 size, need);
	return -EAGAIN;
}

/*
 * Is the shared object behind fd complete?  Linkers write the section
 * header table last, and every loadable segment must lie inside the file;
 * a file cut short fails one of these, where dlopen() would map pages
 * past its end and fault later.
 */
int bpftune_plugin_check_complete(int fd, char *why, size_t len)
{
	unsigned long long end;
	plugin_ehdr eh;
	plugin_phdr ph;
	struct stat st;
	unsigned int i;
	ssize_t got;

	if (fstat(fd, &st)) {
		snprintf(why, len, "cannot stat: %s", strerror(errno));
		return -errno;
	}
	got = pread(fd, &eh, sizeof(eh), 0);
	if (got >= SELFMAG && memcmp(eh.e_ident, ELFMAG, SELFMAG)) {
		snprintf(why, len, "not an ELF file");
		return -ENOEXEC;
	}
	if (got != (ssize_t)sizeof(eh))
		return incomplete(why, len, sizeof(eh), st.st_size);
	if (eh.e_ident[EI_CLASS] != PLUGIN_ELFCLASS || eh.e_type != ET_DYN) {
		snprintf(why, len, "not a shared object of this architecture");
		return -ENOEXEC;
	}
	end = (unsigned long long)eh.e_shoff +
	      (unsigned long long)eh.e_shnum * eh.e_shentsize;
	if (end > (unsigned long long)st.st_size)
		return incomplete(why, len, end, st.st_size);
	end = (unsigned long long)eh.e_phoff +
	      (unsigned long long)eh.e_phnum * sizeof(ph);
	if (eh.e_phentsize != sizeof(ph) ||
	    end > (unsigned long long)st.st_size)
		return incomplete(why, len, end, st.st_size);
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)) !=
		    (ssize_t)sizeof(ph))
			return incomplete(why, len, end, st.st_size);
		end = (unsigned long long)ph.p_offset + ph.p_filesz;
		if (ph.p_type == PT_LOAD &&
		    end > (unsigned long long)st.st_size)
			return incomplete(why, len, end, st.st_size);
	}
	return 0;
}
