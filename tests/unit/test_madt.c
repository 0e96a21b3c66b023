/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/table_builder.h"
#include "arch/x86/madt.h"

/* A MADT under construction: the header, then entries appended in order. */
static void madt_begin(struct tb *t, uint32_t lapic)
{
	struct acpi_madt m = { .lapic_address = lapic, .flags = MADT_FLAG_PCAT_COMPAT };

	tb_begin(t, &m, sizeof(m), "APIC", 3);
}

static uint32_t madt_end(struct tb *t)
{
	return tb_end(t);
}

static void add_lapic(struct tb *t, uint8_t uid, uint8_t id, uint32_t flags)
{
	struct madt_lapic e = { { MADT_TYPE_LAPIC, sizeof(e) }, uid, id, flags };

	tb_put(t, &e, sizeof(e));
}

static void add_x2apic(struct tb *t, uint32_t uid, uint32_t id, uint32_t flags)
{
	struct madt_x2apic e = { { MADT_TYPE_X2APIC, sizeof(e) }, 0, id, flags, uid };

	tb_put(t, &e, sizeof(e));
}

static void add_ioapic(struct tb *t, uint8_t id, uint32_t addr, uint32_t gsi)
{
	struct madt_ioapic e = { { MADT_TYPE_IOAPIC, sizeof(e) }, id, 0, addr, gsi };

	tb_put(t, &e, sizeof(e));
}

static void add_iso(struct tb *t, uint8_t src, uint32_t gsi, uint16_t flags)
{
	struct madt_iso e = { { MADT_TYPE_ISO, sizeof(e) }, 0, src, gsi, flags };

	tb_put(t, &e, sizeof(e));
}

static void add_lapic_nmi(struct tb *t)
{
	struct madt_lapic_nmi e = { { MADT_TYPE_LAPIC_NMI, sizeof(e) }, 0xff, 0, 1 };

	tb_put(t, &e, sizeof(e));
}

/* What QEMU q35 with 2 CPUs builds: 2 LAPICs, 1 IOAPIC, 5 overrides, 1 LAPIC NMI. */
static void q35_madt(struct tb *t)
{
	madt_begin(t, 0xfee00000);
	add_lapic(t, 0, 0, MADT_LAPIC_ENABLED);
	add_lapic(t, 1, 1, MADT_LAPIC_ENABLED);
	add_ioapic(t, 0, 0xfec00000, 0);
	add_iso(t, 0, 2, 0);
	add_iso(t, 5, 5, 0xd);
	add_iso(t, 9, 9, 0xd);
	add_iso(t, 10, 10, 0xd);
	add_iso(t, 11, 11, 0xd);
	add_lapic_nmi(t);
}

static struct tb t;
static struct madt_info mi;

static int setup(void **state)
{
	(void)state;
	memset(&t, 0, sizeof(t));
	log_capture_reset();
	return 0;
}

static void test_q35(void **state)
{
	(void)state;
	q35_madt(&t);
	assert_int_equal(madt_parse(t.buf, madt_end(&t), &mi), 0);
	assert_int_equal(t.len, 128);
	assert_int_equal(mi.lapic_address, 0xfee00000);
	assert_false(mi.lapic_overridden);
	assert_int_equal(mi.flags, MADT_FLAG_PCAT_COMPAT);
	assert_int_equal(mi.cpu_count, 2);
	assert_int_equal(mi.cpus_enabled, 2);
	assert_int_equal(mi.cpus[1].apic_id, 1);
	assert_int_equal(mi.cpus[1].uid, 1);
	assert_false(mi.cpus[1].x2apic);
	assert_int_equal(mi.ioapic_count, 1);
	assert_int_equal(mi.ioapics[0].address, 0xfec00000);
	assert_int_equal(mi.ioapics[0].gsi_base, 0);
	assert_int_equal(mi.iso_count, 5);
	assert_int_equal(mi.iso_total, 5);
	assert_int_equal(mi.isos[0].source, 0);
	assert_int_equal(mi.isos[0].gsi, 2);
	assert_int_equal(mi.isos[4].flags, 0xd);
	assert_int_equal(mi.nmi_count, 1);
	assert_false(mi.truncated);
	assert_int_equal(log_captured_count(LOG_WARN), 0);

	madt_report(&mi);
	assert_true(log_captured("I/madt: 2 CPUs (2 enabled), LAPIC at 0xfee00000"));
	assert_true(log_captured("I/madt:   CPU uid 1 APIC id 1 enabled"));
	assert_true(log_captured("I/madt:   IOAPIC id 0 at 0xfec00000 GSI base 0"));
}

static void test_zero_length_entry_stops(void **state)
{
	const uint8_t zero[2] = { MADT_TYPE_LAPIC, 0 };

	(void)state;
	madt_begin(&t, 0xfee00000);
	add_lapic(&t, 0, 0, MADT_LAPIC_ENABLED);
	tb_put(&t, zero, sizeof(zero));
	add_lapic(&t, 1, 1, MADT_LAPIC_ENABLED);   /* unreachable */
	assert_int_equal(madt_parse(t.buf, madt_end(&t), &mi), 0);
	assert_true(mi.truncated);
	assert_int_equal(mi.cpu_count, 1);
	assert_true(log_captured("W/madt: entry type 0 at offset 52 has length 0 (10 bytes left), walk stopped"));
}

static void test_entry_past_end(void **state)
{
	struct madt_ioapic e = { { MADT_TYPE_IOAPIC, sizeof(e) }, 0, 0, 0xfec00000, 0 };

	(void)state;
	madt_begin(&t, 0xfee00000);
	add_lapic(&t, 0, 0, MADT_LAPIC_ENABLED);
	tb_put(&t, &e, 8);                              /* table ends 4 bytes into it */
	assert_int_equal(madt_parse(t.buf, madt_end(&t), &mi), 0);
	assert_true(mi.truncated);
	assert_int_equal(mi.ioapic_count, 0);
	assert_int_equal(mi.cpu_count, 1);
	assert_true(log_captured("W/madt: entry type 1 at offset 52 has length 12 (8 bytes left), walk stopped"));
}

static void test_entry_shorter_than_its_structure(void **state)
{
	const uint8_t short_lapic[4] = { MADT_TYPE_LAPIC, 4, 0, 0 };

	(void)state;
	madt_begin(&t, 0xfee00000);
	tb_put(&t, short_lapic, sizeof(short_lapic));
	add_lapic(&t, 0, 0, MADT_LAPIC_ENABLED);
	assert_int_equal(madt_parse(t.buf, madt_end(&t), &mi), 0);
	assert_true(mi.truncated);
	assert_int_equal(mi.cpu_count, 0);
	assert_true(log_captured("W/madt: local APIC entry at offset 44 has length 4, needs 8"));
}

static void test_trailing_byte(void **state)
{
	const uint8_t one = 0;

	(void)state;
	madt_begin(&t, 0xfee00000);
	add_lapic(&t, 0, 0, MADT_LAPIC_ENABLED);
	tb_put(&t, &one, 1);
	assert_int_equal(madt_parse(t.buf, madt_end(&t), &mi), 0);
	assert_int_equal(mi.cpu_count, 1);
	assert_true(log_captured("W/madt: 1 trailing bytes at offset 52"));
}

static void test_unknown_entry_skipped(void **state)
{
	const uint8_t gicc[6] = { 0x0b, 6, 1, 2, 3, 4 };   /* an ARM entry, skipped by length */

	(void)state;
	madt_begin(&t, 0xfee00000);
	tb_put(&t, gicc, sizeof(gicc));
	add_lapic(&t, 0, 0, MADT_LAPIC_ENABLED);
	assert_int_equal(madt_parse(t.buf, madt_end(&t), &mi), 0);
	assert_false(mi.truncated);
	assert_int_equal(mi.cpu_count, 1);
}

static void test_x2apic_and_disabled_cpus(void **state)
{
	(void)state;
	madt_begin(&t, 0xfee00000);
	add_lapic(&t, 0, 0, MADT_LAPIC_ENABLED);
	add_lapic(&t, 1, 1, 0);                                   /* disabled, unusable */
	add_x2apic(&t, 300, 0x100, MADT_LAPIC_ENABLED);
	add_x2apic(&t, 301, 0x101, MADT_LAPIC_ONLINE_CAPABLE);    /* can be brought up later */
	assert_int_equal(madt_parse(t.buf, madt_end(&t), &mi), 0);
	assert_int_equal(mi.cpu_count, 4);
	assert_int_equal(mi.cpus_enabled, 2);
	assert_false(mi.cpus[1].enabled);
	assert_false(mi.cpus[1].online_capable);
	assert_true(mi.cpus[2].x2apic);
	assert_int_equal(mi.cpus[2].apic_id, 0x100);
	assert_int_equal(mi.cpus[2].uid, 300);
	assert_true(mi.cpus[3].online_capable);
	madt_report(&mi);
	assert_true(log_captured("I/madt: 4 CPUs (2 enabled)"));
	assert_true(log_captured("I/madt:   CPU uid 300 x2APIC id 256 enabled"));
	assert_true(log_captured("I/madt:   CPU uid 301 x2APIC id 257 online-capable"));
	assert_true(log_captured("I/madt:   CPU uid 1 APIC id 1 disabled"));
}

static void test_duplicate_apic_id(void **state)
{
	(void)state;
	madt_begin(&t, 0xfee00000);
	add_lapic(&t, 0, 0, MADT_LAPIC_ENABLED);
	add_x2apic(&t, 0, 0, MADT_LAPIC_ENABLED);
	assert_int_equal(madt_parse(t.buf, madt_end(&t), &mi), 0);
	assert_int_equal(mi.cpu_count, 1);
	assert_int_equal(mi.cpus_dropped, 1);
	assert_true(log_captured("W/madt: APIC id 0 listed twice"));
}

static void test_lapic_address_override(void **state)
{
	struct madt_lapic_override o = { { MADT_TYPE_LAPIC_OVERRIDE, sizeof(o) }, 0,
					 0x1fee00000ULL };

	(void)state;
	madt_begin(&t, 0xfee00000);
	tb_put(&t, &o, sizeof(o));
	add_lapic(&t, 0, 0, MADT_LAPIC_ENABLED);
	assert_int_equal(madt_parse(t.buf, madt_end(&t), &mi), 0);
	assert_int_equal(mi.lapic_address, 0x1fee00000ULL);
	assert_true(mi.lapic_overridden);
}

static void test_nmi_counts(void **state)
{
	struct madt_x2apic_nmi n = { { MADT_TYPE_X2APIC_NMI, sizeof(n) }, 0, 0xffffffff, 1, { 0 } };

	(void)state;
	madt_begin(&t, 0xfee00000);
	add_lapic(&t, 0, 0, MADT_LAPIC_ENABLED);
	add_lapic_nmi(&t);
	tb_put(&t, &n, sizeof(n));
	assert_int_equal(madt_parse(t.buf, madt_end(&t), &mi), 0);
	assert_int_equal(mi.nmi_count, 2);
}

static void test_cpu_cap(void **state)
{
	(void)state;
	madt_begin(&t, 0xfee00000);
	for (uint32_t i = 0; i < MADT_MAX_CPUS + 44; i++)
		add_x2apic(&t, i, i, MADT_LAPIC_ENABLED);
	assert_int_equal(madt_parse(t.buf, madt_end(&t), &mi), 0);
	assert_int_equal(mi.cpu_count, MADT_MAX_CPUS);
	assert_int_equal(mi.cpus_enabled, MADT_MAX_CPUS);
	assert_int_equal(mi.cpus_dropped, 44);
	assert_true(log_captured("W/madt: more than 256 CPUs, the rest are ignored"));
	assert_int_equal(log_captured_count(LOG_WARN), 1);   /* one warning, not 44 */
}

static void test_ioapic_and_iso_caps(void **state)
{
	(void)state;
	madt_begin(&t, 0xfee00000);
	add_lapic(&t, 0, 0, MADT_LAPIC_ENABLED);
	for (uint8_t i = 0; i < MADT_MAX_IOAPICS + 1; i++)
		add_ioapic(&t, i, 0xfec00000 + i * 0x1000, i * 24);
	for (uint8_t i = 0; i < MADT_MAX_ISOS + 3; i++)
		add_iso(&t, i, i, 0);
	assert_int_equal(madt_parse(t.buf, madt_end(&t), &mi), 0);
	assert_int_equal(mi.ioapic_count, MADT_MAX_IOAPICS);
	assert_int_equal(mi.iso_count, MADT_MAX_ISOS);
	assert_int_equal(mi.iso_total, MADT_MAX_ISOS + 3);
	assert_true(log_captured("W/madt: more than 16 IOAPICs, id 16 at 0xfec10000 ignored"));
	assert_true(log_captured("W/madt: more than 16 interrupt source overrides"));
}

static void test_header_checks(void **state)
{
	(void)state;
	q35_madt(&t);
	madt_end(&t);
	assert_int_equal(madt_parse(t.buf, 43, &mi), -EINVAL);
	assert_int_equal(madt_parse(NULL, 128, &mi), -EINVAL);
	assert_true(log_captured("W/madt: no APIC table given"));
	memcpy(t.buf, "APIX", 4);
	assert_int_equal(madt_parse(t.buf, t.len, &mi), -EINVAL);
	assert_true(log_captured("W/madt: table signature is not APIC"));
}

static void test_header_length_bounds_the_walk(void **state)
{
	(void)state;
	q35_madt(&t);
	madt_end(&t);
	/* The header says 60 bytes: only the two LAPICs are inside. */
	((struct acpi_header *)t.buf)->length = 60;
	assert_int_equal(madt_parse(t.buf, t.len, &mi), 0);
	assert_int_equal(mi.cpu_count, 2);
	assert_int_equal(mi.ioapic_count, 0);
	/* The header claims more than the caller could map: the smaller length wins. */
	((struct acpi_header *)t.buf)->length = 4000;
	assert_int_equal(madt_parse(t.buf, 60, &mi), 0);
	assert_int_equal(mi.ioapic_count, 0);
	assert_true(log_captured("W/madt: APIC table claims 4000 bytes, only 60 available"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_q35, setup),
		cmocka_unit_test_setup(test_zero_length_entry_stops, setup),
		cmocka_unit_test_setup(test_entry_past_end, setup),
		cmocka_unit_test_setup(test_entry_shorter_than_its_structure, setup),
		cmocka_unit_test_setup(test_trailing_byte, setup),
		cmocka_unit_test_setup(test_unknown_entry_skipped, setup),
		cmocka_unit_test_setup(test_x2apic_and_disabled_cpus, setup),
		cmocka_unit_test_setup(test_duplicate_apic_id, setup),
		cmocka_unit_test_setup(test_lapic_address_override, setup),
		cmocka_unit_test_setup(test_nmi_counts, setup),
		cmocka_unit_test_setup(test_cpu_cap, setup),
		cmocka_unit_test_setup(test_ioapic_and_iso_caps, setup),
		cmocka_unit_test_setup(test_header_checks, setup),
		cmocka_unit_test_setup(test_header_length_bounds_the_walk, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
