// SPDX-License-Identifier: GPL-2.0
/* udp_buffer: the safety bounds. */
#include <bpftune/bpftune.h>
#include "../../tuners/udp_buffer/udp_buffer.h"
#include "unit.h"

static void test_udp_mem_cap(void)
{
	unsigned long long pages = (24ULL << 30) / 4096; /* 24 GiB */

	CHECK_EQ(udp_buffer_mem_cap(pages, 0), pages / 16);
	CHECK_EQ(udp_buffer_mem_cap(pages, 1), pages / 8);
	CHECK_EQ(udp_buffer_mem_cap(pages, 2), pages / 4);
	CHECK_EQ(udp_buffer_mem_cap(0, 2), 1);
	CHECK_EQ(udp_buffer_mem_cap(pages, 3), 1);
	/* the Debian default udp_mem here is below the caps: room to grow */
	CHECK(udp_buffer_mem_cap(pages, 2) > 1151604);
	CHECK_EQ(bpftune_grow(pages / 4 - 10, udp_buffer_mem_cap(pages, 2), 4),
		 pages / 4);
}

static void test_rmem_bounds(void)
{
	CHECK_EQ(UDP_BUFFER_RMEM_CAP, 268435456);
	CHECK_EQ(UDP_BUFFER_RMEM_FLOOR, 8192);
	/* 25 % steps from the default reach the cap and stop there */
	CHECK_EQ(bpftune_grow(250000000, UDP_BUFFER_RMEM_CAP, 4),
		 UDP_BUFFER_RMEM_CAP);
	CHECK_EQ(bpftune_grow(UDP_BUFFER_RMEM_CAP, UDP_BUFFER_RMEM_CAP, 4),
		 UDP_BUFFER_RMEM_CAP);
}

int main(void)
{
	test_udp_mem_cap();
	test_rmem_bounds();
	return unit_report();
}
