// SPDX-License-Identifier: GPL-2.0
/* udp_buffer: the safety bounds. */
#include <stdint.h>
#include <linux/types.h>
#include <bpftune/bpftune.h>
#include "../../tuners/tcp_buffer/tcp_buffer.h"
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
	long long cap = udp_buffer_rmem_cap(24ULL << 30);
	unsigned long long ram;

	CHECK_EQ(cap, 268435456);
	CHECK_EQ(UDP_BUFFER_RMEM_FLOOR, 8192);
	/* a per-socket bound: 1/32 of RAM below 8 GiB */
	CHECK_EQ(udp_buffer_rmem_cap(2ULL << 30), 64ULL << 20);
	CHECK_EQ(udp_buffer_rmem_cap(8ULL << 30), 256ULL << 20);
	CHECK_EQ(udp_buffer_rmem_cap(0), UDP_BUFFER_RMEM_LIMIT);
	CHECK_EQ(udp_buffer_rmem_cap(64ULL << 10), UDP_BUFFER_RMEM_FLOOR);
	/* the same cap on rmem_max as tcp_buffer's, whatever the RAM */
	for (ram = 1ULL << 28; ram <= 1ULL << 40; ram <<= 1)
		CHECK_EQ(udp_buffer_rmem_cap(ram), tcp_buffer_core_max_cap(ram));
	/* 25 % steps from the default reach the cap and stop there */
	CHECK_EQ(bpftune_grow(250000000, cap, 4), cap);
	CHECK_EQ(bpftune_grow(cap, cap, 4), cap);
}

int main(void)
{
	test_udp_mem_cap();
	test_rmem_bounds();
	return unit_report();
}
