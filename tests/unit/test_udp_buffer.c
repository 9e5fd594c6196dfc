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

/* the UDP memory crunch: when udp_mem is stuck, how far a cut goes, and
 * when the crunch is over */
static void test_crunch(void)
{
	unsigned long long pages = (24ULL << 30) / 4096;
	long long cap[3], cur[3];
	unsigned int i;

	for (i = 0; i < 3; i++)
		cap[i] = udp_buffer_mem_cap(pages, i);
	/* at its cap only when every value is (the tuner raises all three) */
	for (i = 0; i < 3; i++)
		cur[i] = cap[i];
	CHECK(udp_buffer_mem_at_cap(cur, cap));
	cur[0] = cap[0] - 1;
	CHECK(!udp_buffer_mem_at_cap(cur, cap));
	cur[0] = cap[0] + 5; /* an administrator's value above the bound */
	CHECK(udp_buffer_mem_at_cap(cur, cap));
	cur[2] = 512;
	CHECK(!udp_buffer_mem_at_cap(cur, cap));

	/* one 25 % step toward the value at start, never below it */
	CHECK_EQ(udp_buffer_rdefault_cut(332800, 212992, 4), 249600);
	CHECK_EQ(udp_buffer_rdefault_cut(249600, 212992, 4), 212992);
	CHECK_EQ(udp_buffer_rdefault_cut(212992, 212992, 4), 212992);
	/* already below it (someone lowered it): never raised by a cut */
	CHECK_EQ(udp_buffer_rdefault_cut(100000, 212992, 4), 100000);
	/* the value at start below the floor: the floor holds */
	CHECK_EQ(udp_buffer_rdefault_cut(9000, 4096, 4), UDP_BUFFER_RMEM_FLOOR);
	CHECK_EQ(udp_buffer_rdefault_cut(8192, 4096, 4), 8192);
	/* learning rate 0: 1 % */
	CHECK_EQ(udp_buffer_rdefault_cut(300000, 212992, 0), 297000);

	/* over: 3 s without a drop and UDP memory below 75 % of udp_mem[0] */
	CHECK(udp_buffer_crunch_over(13000, 10000, 3000, 257, 575781, 4));
	CHECK(!udp_buffer_crunch_over(12999, 10000, 3000, 257, 575781, 4));
	CHECK(!udp_buffer_crunch_over(13000, 10000, 3000, 257, 128, 4));
	CHECK(!udp_buffer_crunch_over(13000, 10000, 3000, 75, 100, 4));
	CHECK(udp_buffer_crunch_over(13000, 10000, 3000, 74, 100, 4));
	/* UDP memory unknown: the drops alone decide */
	CHECK(udp_buffer_crunch_over(13000, 10000, 3000, -1, 128, 4));
	/* a clock step back: not over */
	CHECK(!udp_buffer_crunch_over(9000, 10000, 3000, 0, 128, 4));
}

int main(void)
{
	test_crunch();
	test_udp_mem_cap();
	test_rmem_bounds();
	return unit_report();
}
