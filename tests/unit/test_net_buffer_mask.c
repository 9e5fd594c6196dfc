// SPDX-License-Identifier: GPL-2.0
/* net_buffer: the hex cpumask of net.core.flow_limit_cpu_bitmap. */
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

int main(void)
{
	test_format();
	test_bits();
	test_bad();
	return unit_report();
}
