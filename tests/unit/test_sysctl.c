// SPDX-License-Identifier: GPL-2.0
/* sysctl names, parsing and formatting. */
#include <limits.h>
#include "../../src/core.h"
#include "unit.h"

int main(void)
{
	long long v[3];
	char buf[PATH_MAX];

	CHECK(bpftune_sysctl_path("net.ipv4.tcp_rmem", buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "/proc/sys/net/ipv4/tcp_rmem");
	CHECK(bpftune_sysctl_path("net/ipv4/conf/eth0.100/forwarding", buf,
				  sizeof(buf)) == 0);
	CHECK_STR(buf, "/proc/sys/net/ipv4/conf/eth0.100/forwarding");
	CHECK(bpftune_sysctl_path("../etc/passwd", buf, sizeof(buf)) < 0);
	CHECK(bpftune_sysctl_path("net..x", buf, sizeof(buf)) < 0);
	CHECK(bpftune_sysctl_path("", buf, sizeof(buf)) < 0);
	CHECK(bpftune_sysctl_path("/abs", buf, sizeof(buf)) < 0);
	CHECK(bpftune_sysctl_path("net.ipv4.tcp_rmem", buf, 12) < 0);

	CHECK(bpftune_sysctl_parse("4096\t131072\t6291456\n", v, 3) == 0);
	CHECK_EQ(v[2], 6291456);
	CHECK(bpftune_sysctl_parse("4096 131072", v, 3) < 0); /* too few */
	CHECK(bpftune_sysctl_parse("1 2 3 4", v, 3) < 0);      /* too many */
	CHECK(bpftune_sysctl_parse("1 x 3", v, 3) < 0);
	CHECK(bpftune_sysctl_parse("99999999999999999999", v, 1) < 0);
	CHECK(bpftune_sysctl_parse("-5", v, 1) == 0 && v[0] == -5);
	CHECK(bpftune_sysctl_parse("", v, 1) < 0);

	v[0] = 4096, v[1] = 131072, v[2] = LLONG_MAX;
	bpftune_sysctl_format(v, 3, buf, sizeof(buf));
	CHECK_STR(buf, "4096 131072 9223372036854775807");
	bpftune_sysctl_format(v, 3, buf, 8);
	CHECK(strlen(buf) < 8);
	return unit_report();
}
