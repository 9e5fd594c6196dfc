// SPDX-License-Identifier: GPL-2.0
/* net_buffer: the hex cpumask of flow_limit_cpu_bitmap, bounds, rules. */
#include <bpftune/bpftune.h>
#include "../../tuners/net_buffer/net_buffer.h"
#include "unit.h"

static const char *roundtrip(const char *in, int cpu, char *buf, size_t len)
{
	unsigned int words[NET_BUFFER_MASK_WORDS];

	if (net_buffer_mask_parse(in, words))
		return "(parse error)";
	if (cpu >= 0)
		net_buffer_mask_set(words, cpu);
	net_buffer_mask_format(words, buf, len);
	return buf;
}

static void test_format(void)
{
	char buf[NET_BUFFER_MASK_LEN];

	CHECK_STR(roundtrip("0", -1, buf, sizeof(buf)), "0");
	CHECK_STR(roundtrip("0\n", 0, buf, sizeof(buf)), "1");
	CHECK_STR(roundtrip("1", 1, buf, sizeof(buf)), "3");
	/* hex, not decimal: CPU 4 alone is 0x10, not "16" */
	CHECK_STR(roundtrip("0", 4, buf, sizeof(buf)), "10");
	CHECK_STR(roundtrip("00000003", 31, buf, sizeof(buf)), "80000003");
	/* above 32 CPUs the kernel groups by 32 bits, most significant first */
	CHECK_STR(roundtrip("0", 32, buf, sizeof(buf)), "1,00000000");
	CHECK_STR(roundtrip("00000000,00000001", 63, buf, sizeof(buf)),
		  "80000000,00000001");
	CHECK_STR(roundtrip("ff", 100, buf, sizeof(buf)),
		  "10,00000000,00000000,000000ff");
	CHECK_STR(roundtrip("AbC", -1, buf, sizeof(buf)), "abc");
}

static void test_bits(void)
{
	unsigned int words[NET_BUFFER_MASK_WORDS];

	CHECK(!net_buffer_mask_parse("1,00000004", words));
	CHECK(net_buffer_mask_test(words, 2));
	CHECK(net_buffer_mask_test(words, 32));
	CHECK(!net_buffer_mask_test(words, 0));
	CHECK(!net_buffer_mask_test(words, 33));
	CHECK(!net_buffer_mask_test(words, NET_BUFFER_MASK_WORDS * 32));
	net_buffer_mask_set(words, NET_BUFFER_MASK_WORDS * 32); /* ignored */
	CHECK(!net_buffer_mask_test(words, NET_BUFFER_MASK_WORDS * 32));
}

static void test_bad(void)
{
	unsigned int words[NET_BUFFER_MASK_WORDS];

	CHECK(net_buffer_mask_parse("", words));
	CHECK(net_buffer_mask_parse("xyz", words));
	CHECK(net_buffer_mask_parse("16,", words));
	CHECK(net_buffer_mask_parse(",1", words));
	CHECK(net_buffer_mask_parse("1,,1", words));
	CHECK(net_buffer_mask_parse("123456789", words)); /* group > 32 bits */
	CHECK(net_buffer_mask_parse("-1", words));
}

static void test_backlog_cap(void)
{
	unsigned long long gib = 1ULL << 30;

	/* this machine: 24 GiB, 2 CPUs -> 24 GiB / 16 / (2 x 2048) */
	CHECK_EQ(net_buffer_backlog_cap(24 * gib, 2), 393216);
	/* more CPUs share the same memory */
	CHECK_EQ(net_buffer_backlog_cap(24 * gib, 64), 12288);
	/* never above 2^20, and a sane value for nonsense input */
	CHECK_EQ(net_buffer_backlog_cap(1ULL << 50, 1), 1LL << 20);
	CHECK_EQ(net_buffer_backlog_cap(0, 4), 1LL << 20);
	CHECK_EQ(net_buffer_backlog_cap(gib, 0), net_buffer_backlog_cap(gib, 1));
	/* growth by the learning rate stops exactly at the cap */
	CHECK_EQ(bpftune_grow(393000, net_buffer_backlog_cap(24 * gib, 2), 4),
		 393216);
	CHECK_EQ(bpftune_grow(393216, net_buffer_backlog_cap(24 * gib, 2), 4),
		 393216);
}

static void test_drop_threshold(void)
{
	CHECK_EQ(net_buffer_drop_threshold(1000), 31);
	CHECK_EQ(net_buffer_drop_threshold(10), 1);
	CHECK_EQ(net_buffer_drop_threshold(0), 1);
	CHECK_EQ(net_buffer_drop_threshold(-5), 1);
}

static void test_budget_decide(void)
{
	struct bpftune_corr corr = { 0 };
	int i;

	/* squeezes below 10 a second: nothing; 10 and more: grow */
	CHECK_EQ(net_buffer_budget_decide(9, 0, false, false, &corr),
		 NET_BUFFER_BUDGET_KEEP);
	CHECK_EQ(net_buffer_budget_decide(10, 0, false, false, &corr),
		 NET_BUFFER_BUDGET_GROW);
	/* CPU pressure rising with the budget over 6 s: back off */
	for (i = 0; i < 6; i++)
		bpftune_corr_add(&corr, 300 + 75 * i, 10000 + 20000 * i);
	CHECK_EQ(net_buffer_budget_decide(100, 110000, true, false, &corr),
		 NET_BUFFER_BUDGET_BACK_OFF);
	/* ... but not when tasks hardly waited (<= 50 ms a second) */
	CHECK_EQ(net_buffer_budget_decide(100, 50000, true, false, &corr),
		 NET_BUFFER_BUDGET_GROW);
	/* ... nor before we changed the budget */
	CHECK_EQ(net_buffer_budget_decide(100, 110000, false, false, &corr),
		 NET_BUFFER_BUDGET_GROW);
	/* once backed off, never grow again */
	CHECK_EQ(net_buffer_budget_decide(1000, 0, true, true, &corr),
		 NET_BUFFER_BUDGET_KEEP);
	/* 5 samples are not enough */
	bpftune_corr_reset(&corr);
	for (i = 0; i < 5; i++)
		bpftune_corr_add(&corr, 300 + 75 * i, 10000 + 20000 * i);
	CHECK_EQ(net_buffer_budget_decide(0, 110000, true, false, &corr),
		 NET_BUFFER_BUDGET_KEEP);
	/* pressure unrelated to the budget: keep growing on squeezes */
	bpftune_corr_reset(&corr);
	for (i = 0; i < 8; i++)
		bpftune_corr_add(&corr, 300 + 75 * i, i % 2 ? 200000 : 60000);
	CHECK_EQ(net_buffer_budget_decide(50, 200000, true, false, &corr),
		 NET_BUFFER_BUDGET_GROW);
}

int main(void)
{
	test_format();
	test_bits();
	test_bad();
	test_backlog_cap();
	test_drop_threshold();
	test_budget_decide();
	return unit_report();
}
