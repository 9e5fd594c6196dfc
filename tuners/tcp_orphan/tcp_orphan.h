/* SPDX-License-Identifier: GPL-2.0 */
/* tcp_orphan: definitions shared by tcp_orphan.bpf.c and tcp_orphan.c */
#ifndef TCP_ORPHAN_H
#define TCP_ORPHAN_H

enum tcp_orphan_scenario {
	TCP_ORPHAN_TOO_MANY,
	TCP_ORPHAN_SCENARIOS,
};

enum tcp_orphan_tunable {
	TCP_ORPHAN_MAX_ORPHANS,
	TCP_ORPHAN_TUNABLES,
};

/*
 * An orphan (a socket closed by its process, still sending its data or
 * its FIN) can pin up to about 64 KiB of unswappable memory (the kernel's
 * ip-sysctl documentation of tcp_max_orphans).  tcp_max_orphans is at most
 * what lets orphans hold half of RAM: RAM / 2 / 64 KiB (196608 with
 * 24 GiB; the kernel's own default there is 131072).  tcp_mem still
 * limits all TCP memory together.
 */
#define TCP_ORPHAN_PIN_BYTES (64ULL * 1024)
#define TCP_ORPHAN_RAM_SHARE 2
/* when RAM is unknown: the kernel's default on a machine of 24 GiB */
#define TCP_ORPHAN_CAP_FALLBACK 131072

static inline long long tcp_orphan_cap(unsigned long long ram)
{
	unsigned long long cap = ram / TCP_ORPHAN_RAM_SHARE / TCP_ORPHAN_PIN_BYTES;

	if (!cap)
		return TCP_ORPHAN_CAP_FALLBACK;
	if (cap > 0x7fffffffULL)
		return 0x7fffffff;
	return (long long)cap;
}

#endif
