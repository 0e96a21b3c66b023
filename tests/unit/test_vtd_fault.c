/* SPDX-License-Identifier: MIT */
/* VT-d fault-record decoding, on a record QEMU 7.2 wrote (edu DMA to an unmapped page). */
#include "tests/unit/harness.h"
#include "iommu/vtd/fault.h"

static void test_qemu_read_fault(void **state)
{
	struct vtd_fault f;

	(void)state;
	/* "FRCD[0] lo=0x15a000 hi=0xc0ffff0600000018 -> F=1 T=1(read) FR=0x6 SID=00:03.0" */
	assert_true(vtd_fault_decode(0x000000000015a000ULL, 0xc0ffff0600000018ULL, &f));
	assert_int_equal(f.sid, 0x0018);
	assert_int_equal(f.reason, 6);
	assert_true(f.is_read);
	assert_int_equal(f.addr, 0x15a000);
	assert_string_equal(vtd_fault_reason_name(f.reason), "read from a page without read permission");
}

static void test_write_fault_and_low_bits(void **state)
{
	struct vtd_fault f;

	(void)state;
	/* FI holds a page address: the low 12 bits of the low qword are not address bits. */
	assert_true(vtd_fault_decode(0x12345fffULL, (1ULL << 63) | (5ULL << 32) | 0x0300, &f));
	assert_false(f.is_read);
	assert_int_equal(f.reason, 5);
	assert_int_equal(f.sid, 0x0300);
	assert_int_equal(f.addr, 0x12345000);
	assert_string_equal(vtd_fault_reason_name(5), "write to a page without write permission");
}

static void test_empty_record(void **state)
{
	struct vtd_fault f = { 0 };

	(void)state;
	assert_false(vtd_fault_decode(0x1000, 0x40ffff0600000018ULL, &f));   /* F clear */
	assert_int_equal(f.sid, 0);
}

static void test_reason_names(void **state)
{
	(void)state;
	assert_string_equal(vtd_fault_reason_name(0x2), "context entry not present");
	assert_string_equal(vtd_fault_reason_name(0xC), "reserved bit set in a second-level entry");
	assert_string_equal(vtd_fault_reason_name(0x22), "interrupt-remapping fault");
	assert_string_equal(vtd_fault_reason_name(0), "unknown reason");
	assert_string_equal(vtd_fault_reason_name(0xff), "unknown reason");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_read_fault),
		cmocka_unit_test(test_write_fault_and_low_bits),
		cmocka_unit_test(test_empty_record),
		cmocka_unit_test(test_reason_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
