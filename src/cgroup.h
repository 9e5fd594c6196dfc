/* SPDX-License-Identifier: GPL-2.0 */
/* The cgroup v2 directory of the daemon's cgroup programs (cgroup.c). */
#ifndef BPFTUNE_CGROUP_H
#define BPFTUNE_CGROUP_H

/* where existing bpftune set-ups mount cgroup2 ("-c" default there) */
#define BPFTUNE_DEFAULT_CGROUP "/var/run/bpftune/cgroupv2"

/* Fill bpftune_cfg.cgroup_fd/_path; 0 or -errno (logged). */
int bpftune_cgroup_open(const char *requested);
/* Close it; unmount and remove what bpftune_cgroup_open() made. */
void bpftune_cgroup_close(void);

#endif
