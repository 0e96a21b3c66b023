/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/table_builder.h"
#include "pci/mcfg.h"

static struct tb t;
static struct mcfg_info mi;

static void mcfg_begin(void)
{
	struct acpi_mcfg m;

	memset(&m, 0, sizeof(m));
	tb_begin(&t, &m, sizeof(m), "MCFG", 1);
}

static void add(uint64_t base, uint16_t seg, uint8_t start, uint8_t end)
{
	struct acpi_mcfg_entry e = { base, seg, start, end, 0 };

	tb_put(&t, &e, sizeof(e));
}

static uint32_t mcfg_end(void)
{
	return tb_end(&t);
}

static int setup(void **state)
{
	(void)state;
	memset(&t, 0, sizeof(t));
	log_capture_reset();
	acpi_mmio_forbid_reset();
	return 0;
}

static void test_q35(void **state)
{
	(void)state;
	mcfg_begin();
	add(0xb0000000, 0, 0, 255);
	assert_int_equal(mcfg_end(), 60);
	assert_int_equal(mcfg_parse(t.buf, t.len, &mi), 0);
	assert_int_equal(mi.count, 1);
	assert_int_equal(mi.rejected, 0);
	assert_int_equal(mi.ranges[0].base, 0xb0000000);
	assert_int_equal(mi.ranges[0].segment, 0);
	assert_int_equal(mi.ranges[0].bus_start, 0);
	assert_int_equal(mi.ranges[0].bus_end, 255);
	assert_int_equal(log_captured_count(LOG_WARN), 0);
	mcfg_report(&mi);
	assert_true(log_captured("I/pci: ECAM segment 0 buses 00-ff at 0x00000000b0000000"));
	assert_int_equal(log_captured_count(LOG_INFO), 1);
}

static void test_bus_range_reversed(void **state)
{
	(void)state;
	mcfg_begin();
	add(0xb0000000, 0, 0x20, 0x10);
	assert_int_equal(mcfg_parse(t.buf, mcfg_end(), &mi), 0);
	assert_int_equal(mi.count, 0);
	assert_int_equal(mi.rejected, 1);
	assert_true(log_captured("W/pci: MCFG entry 0 (segment 0 buses 20-10 base 0xb0000000) rejected: bus range reversed"));
	assert_true(log_captured("W/pci: MCFG lists no usable ECAM range"));
}

static void test_unaligned_base(void **state)
{
	(void)state;
	mcfg_begin();
	add(0xb0080000, 0, 0, 255);
	add(0xc0000000, 1, 0, 255);
	assert_int_equal(mcfg_parse(t.buf, mcfg_end(), &mi), 0);
	assert_int_equal(mi.count, 1);
	assert_int_equal(mi.ranges[0].segment, 1);
	assert_true(log_captured("rejected: base not 1 MiB aligned"));
}

static void test_null_base(void **state)
{
	(void)state;
	mcfg_begin();
	add(0, 0, 0, 255);
	assert_int_equal(mcfg_parse(t.buf, mcfg_end(), &mi), 0);
	assert_int_equal(mi.count, 0);
	assert_true(log_captured("rejected: null base"));
}

static void test_window_wraps(void **state)
{
	(void)state;
	mcfg_begin();
	add(0xfffffffff0000000ULL, 0, 0, 255);   /* 256 MiB from 16 EiB - 256 MiB: ends exactly at 2^64 */
	add(0xfffffffff0100000ULL, 1, 0, 255);   /* one MiB further: wraps */
	assert_int_equal(mcfg_parse(t.buf, mcfg_end(), &mi), 0);
	assert_int_equal(mi.count, 1);
	assert_int_equal(mi.ranges[0].segment, 0);
	assert_true(log_captured("MCFG entry 1 (segment 1 buses 00-ff base 0xfffffffff0100000) rejected: window wraps"));
}

static void test_overlapping_entries(void **state)
{
	(void)state;
	mcfg_begin();
	add(0xb0000000, 0, 0x00, 0x7f);
	add(0xc0000000, 0, 0x64, 0xc8);          /* shares buses 64-7f with entry 0 */
	add(0xd0000000, 1, 0x00, 0xff);          /* other segment: fine */
	add(0xb0000000, 0, 0x80, 0xff);          /* adjacent to entry 0: fine */
	add(0xe0000000, 0, 0x7f, 0x7f);          /* one shared bus is enough */
	assert_int_equal(mcfg_parse(t.buf, mcfg_end(), &mi), 0);
	assert_int_equal(mi.count, 3);
	assert_int_equal(mi.rejected, 2);
	assert_int_equal(mi.ranges[1].segment, 1);
	assert_int_equal(mi.ranges[2].bus_start, 0x80);
	assert_true(log_captured("W/pci: MCFG entry 1 (segment 0 buses 64-c8) overlaps buses 00-7f, rejected"));
	assert_true(log_captured("W/pci: MCFG entry 4 (segment 0 buses 7f-7f) overlaps buses 00-7f, rejected"));
	mcfg_report(&mi);
	assert_true(log_captured("I/pci: ECAM segment 1 buses 00-ff at 0x00000000d0000000"));
	assert_true(log_captured("I/pci: ECAM segment 0 buses 80-ff at 0x00000000b0000000"));
}

static void test_truncated_table(void **state)
{
	(void)state;
	mcfg_begin();
	add(0xb0000000, 0, 0, 255);
	add(0xc0000000, 1, 0, 255);
	t.len -= 8;                              /* half of the second entry */
	assert_int_equal(mcfg_parse(t.buf, mcfg_end(), &mi), 0);
	assert_int_equal(mi.count, 1);
	assert_true(log_captured("W/pci: MCFG length 68 leaves a partial entry, 8 trailing bytes ignored"));
}

static void test_header_length_bounds_entries(void **state)
{
	(void)state;
	mcfg_begin();
	add(0xb0000000, 0, 0, 255);
	add(0xc0000000, 1, 0, 255);
	mcfg_end();
	((struct acpi_header *)t.buf)->length = 60;  /* the second entry is not part of the table */
	assert_int_equal(mcfg_parse(t.buf, t.len, &mi), 0);
	assert_int_equal(mi.count, 1);
}

static void test_count_capped(void **state)
{
	(void)state;
	mcfg_begin();
	for (unsigned i = 0; i < MCFG_MAX_RANGES + 4; i++)
		add(0x100000000ULL + i * 0x10000000ULL, i, 0, 255);
	assert_int_equal(mcfg_parse(t.buf, mcfg_end(), &mi), 0);
	assert_int_equal(mi.count, MCFG_MAX_RANGES);
	assert_int_equal(mi.rejected, 4);
	assert_true(log_captured("W/pci: MCFG entry 16 (segment 16) beyond the limit of 16 ranges, ignored"));
}

static void test_absurd_entry_count(void **state)
{
	(void)state;
	mcfg_begin();
	for (unsigned i = 0; i < 200; i++)
		add(0, 0, 0, 0);                 /* all bad: each would warn */
	assert_int_equal(mcfg_parse(t.buf, mcfg_end(), &mi), 0);
	assert_int_equal(mi.rejected, 64);
	assert_true(log_captured("W/pci: MCFG lists 200 entries, only the first 64 are examined"));
}

static void test_header_checks(void **state)
{
	(void)state;
	mcfg_begin();
	add(0xb0000000, 0, 0, 255);
	mcfg_end();
	assert_int_equal(mcfg_parse(t.buf, 43, &mi), -EINVAL);
	assert_int_equal(mcfg_parse(NULL, 60, &mi), -EINVAL);
	assert_true(log_captured("W/pci: no MCFG table given"));
	((struct acpi_header *)t.buf)->length = 30;
	assert_int_equal(mcfg_parse(t.buf, 60, &mi), -EINVAL);
	memcpy(t.buf, "APIC", 4);
	assert_int_equal(mcfg_parse(t.buf, 60, &mi), -EINVAL);
	assert_true(log_captured("W/pci: table signature is not MCFG"));
}

/*
 * Item 13 of the IOMMU hardening issue: an ECAM window over RAM or the
 * monitor would have config writes land in memory. Only the window the
 * entry's buses use counts (bus 0 of a segment starting at bus 0x80 may be RAM).
 */
static void test_ecam_over_memory_refused(void **state)
{
	(void)state;
	assert_int_equal(acpi_mmio_forbid("the monitor image", 0x200000, 0x400000), 0);
	assert_int_equal(acpi_mmio_forbid("the monitor pool", 0x1c000000, 0x1e000000), 0);
	assert_int_equal(acpi_mmio_forbid("RAM", 0x100000, 0x20000000), 0);
	mcfg_begin();
	add(0x100000, 0, 0, 0);                  /* bus 0 in RAM below the image */
	add(0x1c000000, 1, 0, 63);               /* the pool */
	add(0x1ff00000, 2, 0, 1);                /* runs from RAM into the hole */
	add(0x18000000, 3, 0x80, 0xff);          /* buses 80-ff at 0x20000000 and up: fine */
	add(0xb0000000, 0, 0, 255);              /* q35: fine */
	assert_int_equal(mcfg_parse(t.buf, mcfg_end(), &mi), 0);
	assert_int_equal(mi.count, 2);
	assert_int_equal(mi.rejected, 3);
	assert_int_equal(mi.ranges[0].segment, 3);
	assert_int_equal(mi.ranges[1].base, 0xb0000000);
	assert_int_equal(log_captured_count(LOG_ERR), 3);
	assert_true(log_captured("E/pci: MCFG entry 0 (segment 0 buses 00-00): ECAM 0x100000-0x1fffff overlaps RAM, rejected"));
	assert_true(log_captured("E/pci: MCFG entry 1 (segment 1 buses 00-3f): ECAM 0x1c000000-0x1fffffff overlaps the monitor pool, rejected"));
	assert_true(log_captured("E/pci: MCFG entry 2 (segment 2 buses 00-01): ECAM 0x1ff00000-0x200fffff overlaps RAM"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_q35, setup),
		cmocka_unit_test_setup(test_ecam_over_memory_refused, setup),
		cmocka_unit_test_setup(test_bus_range_reversed, setup),
		cmocka_unit_test_setup(test_unaligned_base, setup),
		cmocka_unit_test_setup(test_null_base, setup),
		cmocka_unit_test_setup(test_window_wraps, setup),
		cmocka_unit_test_setup(test_overlapping_entries, setup),
		cmocka_unit_test_setup(test_truncated_table, setup),
		cmocka_unit_test_setup(test_header_length_bounds_entries, setup),
		cmocka_unit_test_setup(test_count_capped, setup),
		cmocka_unit_test_setup(test_absurd_entry_count, setup),
		cmocka_unit_test_setup(test_header_checks, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
