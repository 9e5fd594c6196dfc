/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For unit tests that need a network namespace other than their own: a
 * child that unshares one and waits to be killed.  Include after
 * ../../src/core.h (bpftune_netns_fd_cookie).
 */
#ifndef UNIT_NETNS_CHILD_H
#define UNIT_NETNS_CHILD_H

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

/* The child's pid with its namespace's cookie in *cookie, or -1. */
static inline pid_t unit_netns_child(unsigned long long *cookie)
{
	int pipefd[2], fd, err = -1;
	char c = 0, path[64];
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		c = unshare(CLONE_NEWNET) ? 'e' : 'k';
		if (write(pipefd[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(pipefd[1]);
	if (pid < 0 || read(pipefd[0], &c, 1) != 1 || c != 'k')
		pid = -1;
	close(pipefd[0]);
	if (pid < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		err = bpftune_netns_fd_cookie(fd, cookie);
		close(fd);
	}
	if (err) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

#endif
