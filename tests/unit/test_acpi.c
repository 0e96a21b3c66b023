/* SPDX-License-Identifier: MIT */
/*
 * ACPI discovery against simulated physical memory: a firmware area at
 * MEM_PA holding the RSDT, XSDT and a few tables (with real checksums), the
 * RSDP handed over as a loader copy or placed in the BIOS areas.
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "arch/x86/acpi.h"

#define MEM_PA   0x7ffe0000ULL
#define RSDT_PA  (MEM_PA + 0x100)
#define XSDT_PA  (MEM_PA + 0x200)
#define FACP_PA  (MEM_PA + 0x1000)
#define APIC_PA  (MEM_PA + 0x2000)
#define MCFG_PA  (MEM_PA + 0x3000)
#define DMAR_PA  (MEM_PA + 0x4000)
#define MANY_PA  (MEM_PA + 0x5000)

static uint8_t mem[0x10000];             /* MEM_PA .. MEM_PA + 64 KiB */
static uint8_t bios[0x20000];            /* 0xE0000 .. 0xFFFFF */
static uint8_t bda[0x100];               /* 0x400 .. 0x4FF */
static uint8_t ebda[0x400];              /* 0x9FC00 .. 0x9FFFF */

static void *at(paddr_t pa)
{
	assert_true(pa >= MEM_PA && pa < MEM_PA + sizeof(mem));
	return mem + (pa - MEM_PA);
}

static void sdt_fix(paddr_t pa)
{
	struct acpi_header *h = at(pa);

	h->checksum = 0;
	h->checksum = (uint8_t)-acpi_checksum(h, h->length);
}

static void sdt_make(paddr_t pa, const char *sig, uint32_t len)
{
	struct acpi_header *h = at(pa);

	memset(h, 0, len);
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = 1;
	memcpy(h->oem_id, "BOCHS ", 6);
	memcpy(h->oem_table_id, "BXPC    ", 8);
	sdt_fix(pa);
}

/* A root table listing `n` entries, plus `extra` stray bytes. */
static void root_make(paddr_t pa, const char *sig, unsigned esz, const paddr_t *e, unsigned n,
		      unsigned extra)
{
	uint8_t *p = at(pa);

	sdt_make(pa, sig, 36 + n * esz + extra);
	for (unsigned i = 0; i < n; i++)
		memcpy(p + 36 + i * esz, &e[i], esz);   /* little-endian: low bytes first */
	sdt_fix(pa);
}

static const paddr_t std_tables[] = { FACP_PA, APIC_PA, MCFG_PA, DMAR_PA };

/* The four tables, an RSDT and an XSDT listing them. */
static void platform_make(void)
{
	sdt_make(FACP_PA, "FACP", 244);
	sdt_make(APIC_PA, "APIC", 120);
	sdt_make(MCFG_PA, "MCFG", 60);
	sdt_make(DMAR_PA, "DMAR", 104);
	root_make(RSDT_PA, "RSDT", 4, std_tables, 4, 0);
	root_make(XSDT_PA, "XSDT", 8, std_tables, 4, 0);
}

static struct acpi_rsdp rsdp_make(uint8_t rev)
{
	struct acpi_rsdp r;

	memset(&r, 0, sizeof(r));
	memcpy(r.signature, "RSD PTR ", 8);
	memcpy(r.oem_id, "BOCHS ", 6);
	r.revision = rev;
	r.rsdt_address = (uint32_t)RSDT_PA;
	if (rev >= 2) {
		r.length = sizeof(r);
		r.xsdt_address = XSDT_PA;
	}
	r.checksum = (uint8_t)-acpi_checksum(&r, 20);
	r.extended_checksum = (uint8_t)-acpi_checksum(&r, sizeof(r));
	return r;
}

static int setup(void **state)
{
	(void)state;
	phys_arena_reset();
	memset(mem, 0, sizeof(mem));
	memset(bios, 0, sizeof(bios));
	memset(bda, 0, sizeof(bda));
	memset(ebda, 0, sizeof(ebda));
	phys_arena_add(MEM_PA, mem, sizeof(mem));
	log_capture_reset();
	platform_make();
	return 0;
}

static struct acpi_info ai;

static void test_v1_rsdt(void **state)
{
	struct acpi_rsdp r = rsdp_make(0);
	const struct acpi_header *h;
	uint32_t len = 0;

	(void)state;
	assert_int_equal(acpi_discover(&r, 20, &ai), 0);
	assert_false(ai.using_xsdt);
	assert_int_equal(ai.rsdp_revision, 0);
	assert_int_equal(ai.rsdp_pa, 0);
	assert_int_equal(ai.root_pa, RSDT_PA);
	assert_string_equal(ai.oem_id, "BOCHS");
	assert_int_equal(ai.count, 4);
	assert_int_equal(ai.rejected, 0);
	h = acpi_find(&ai, "APIC", 0, &len);
	assert_ptr_equal(h, at(APIC_PA));
	assert_int_equal(len, 120);
	assert_string_equal(ai.tables[0].signature, "FACP");
	assert_int_equal(ai.tables[0].length, 244);
	assert_string_equal(ai.tables[0].oem_id, "BOCHS");
	assert_int_equal(log_captured_count(LOG_WARN), 0);
}

static void test_v2_xsdt_and_report(void **state)
{
	struct acpi_rsdp r = rsdp_make(2);

	(void)state;
	assert_int_equal(acpi_rsdp_validate(&r, sizeof(r)), 0);
	assert_int_equal(acpi_discover(&r, sizeof(r), &ai), 0);
	assert_true(ai.using_xsdt);
	assert_int_equal(ai.root_pa, XSDT_PA);
	assert_int_equal(ai.count, 4);
	assert_ptr_equal(acpi_find(&ai, "DMAR", 0, NULL), at(DMAR_PA));
	acpi_report(&ai);
	assert_true(log_captured("I/acpi: RSDP rev 2 OEM BOCHS, XSDT at 0x000000007ffe0200"));
	assert_true(log_captured("I/acpi: FACP 0x000000007ffe1000 len 244 rev 1 OEM BOCHS"));
	assert_true(log_captured("I/acpi: MCFG 0x000000007ffe3000 len 60 rev 1 OEM BOCHS"));
	assert_int_equal(log_captured_count(LOG_WARN), 0);
}

static void test_rsdp_validate(void **state)
{
	struct acpi_rsdp r1 = rsdp_make(0), r2 = rsdp_make(2);

	(void)state;
	assert_int_equal(acpi_rsdp_validate(&r1, 20), 0);
	assert_int_equal(acpi_rsdp_validate(&r1, 19), -EINVAL);
	assert_int_equal(acpi_rsdp_validate(NULL, 36), -EINVAL);
	/* Revision 2 needs the whole 36 bytes for its extended checksum. */
	assert_int_equal(acpi_rsdp_validate(&r2, 20), -EINVAL);
	r2.signature[0] = 'X';
	assert_int_equal(acpi_rsdp_validate(&r2, sizeof(r2)), -EINVAL);
	r2 = rsdp_make(2);
	r2.length = 200;             /* claims more than is there */
	assert_int_equal(acpi_rsdp_validate(&r2, sizeof(r2)), -EINVAL);
}

static void test_rsdp_bad_checksum(void **state)
{
	struct acpi_rsdp r = rsdp_make(0);

	(void)state;
	r.checksum ^= 1;
	assert_int_equal(acpi_rsdp_validate(&r, 20), -EINVAL);
	assert_int_equal(acpi_discover(&r, 20, &ai), -ENOENT);
	assert_true(log_captured("W/acpi: loader's RSDP copy (20 bytes) unusable: checksum mismatch"));
	assert_true(log_captured("W/acpi: no valid RSDP"));
}

static void test_rsdp_bad_extended_checksum(void **state)
{
	struct acpi_rsdp r = rsdp_make(2);

	(void)state;
	r.xsdt_address += 0x1000;    /* outside the v1 checksum, inside the extended one */
	assert_int_equal(acpi_checksum(&r, 20), 0);
	assert_int_equal(acpi_rsdp_validate(&r, sizeof(r)), -EINVAL);
	assert_int_equal(acpi_discover(&r, sizeof(r), &ai), -ENOENT);
	assert_true(log_captured("extended checksum mismatch"));
}

static void test_bad_xsdt_falls_back_to_rsdt(void **state)
{
	struct acpi_rsdp r = rsdp_make(2);

	(void)state;
	((uint8_t *)at(XSDT_PA))[40] ^= 0x55;        /* break the XSDT checksum */
	assert_int_equal(acpi_discover(&r, sizeof(r), &ai), 0);
	assert_false(ai.using_xsdt);
	assert_int_equal(ai.root_pa, RSDT_PA);
	assert_int_equal(ai.count, 4);
	assert_true(log_captured("W/acpi: XSDT at 0x7ffe0200 (signature XSDT, length 68) unusable: checksum mismatch"));
	assert_true(log_captured("W/acpi: falling back to the RSDT"));
}

static void test_null_xsdt_falls_back(void **state)
{
	struct acpi_rsdp r = rsdp_make(2);

	(void)state;
	r.xsdt_address = 0;
	r.checksum = 0;
	r.extended_checksum = 0;
	r.checksum = (uint8_t)-acpi_checksum(&r, 20);
	r.extended_checksum = (uint8_t)-acpi_checksum(&r, sizeof(r));
	assert_int_equal(acpi_discover(&r, sizeof(r), &ai), 0);
	assert_false(ai.using_xsdt);
	assert_true(log_captured("null address"));
}

static void test_bad_table_checksum_rejected(void **state)
{
	struct acpi_rsdp r = rsdp_make(2);

	(void)state;
	((uint8_t *)at(APIC_PA))[50] ^= 1;
	assert_int_equal(acpi_discover(&r, sizeof(r), &ai), 0);
	assert_int_equal(ai.count, 3);
	assert_int_equal(ai.rejected, 1);
	assert_null(acpi_find(&ai, "APIC", 0, NULL));
	assert_non_null(acpi_find(&ai, "FACP", 0, NULL));
	assert_non_null(acpi_find(&ai, "DMAR", 0, NULL));
	assert_true(log_captured("W/acpi: entry 1: APIC at 0x7ffe2000 (length 120) rejected: checksum mismatch"));
}

/* A table whose own length would be re-checked: put it in the root and rebuild. */
static void list_extra(paddr_t pa)
{
	const paddr_t e[] = { FACP_PA, pa, APIC_PA };

	root_make(XSDT_PA, "XSDT", 8, e, 3, 0);
}

static void test_table_past_mapped_memory(void **state)
{
	struct acpi_rsdp r = rsdp_make(2);
	paddr_t pa = MEM_PA + sizeof(mem) - 0x40;

	(void)state;
	sdt_make(pa, "SSDT", 0x40);
	((struct acpi_header *)at(pa))->length = 0x1000;   /* runs off the arena */
	list_extra(pa);
	assert_int_equal(acpi_discover(&r, sizeof(r), &ai), 0);
	assert_int_equal(ai.count, 2);
	assert_int_equal(ai.rejected, 1);
	assert_true(log_captured("SSDT at 0x7ffeffc0 (length 4096) rejected: length runs past mapped memory"));
}

static void test_table_header_past_mapped_memory(void **state)
{
	struct acpi_rsdp r = rsdp_make(2);

	(void)state;
	list_extra(0x12345000);
	assert_int_equal(acpi_discover(&r, sizeof(r), &ai), 0);
	assert_int_equal(ai.count, 2);
	assert_true(log_captured("???? at 0x12345000 (length 0) rejected: header not in mapped memory"));
}

static void test_table_length_too_short(void **state)
{
	struct acpi_rsdp r = rsdp_make(2);

	(void)state;
	sdt_make(MANY_PA, "HPET", 56);
	((struct acpi_header *)at(MANY_PA))->length = 20;
	list_extra(MANY_PA);
	assert_int_equal(acpi_discover(&r, sizeof(r), &ai), 0);
	assert_int_equal(ai.count, 2);
	assert_null(acpi_find(&ai, "HPET", 0, NULL));
	assert_true(log_captured("HPET at 0x7ffe5000 (length 20) rejected: length shorter than the 36-byte header"));
}

static void test_table_length_absurd(void **state)
{
	struct acpi_rsdp r = rsdp_make(2);

	(void)state;
	sdt_make(MANY_PA, "HPET", 56);
	((struct acpi_header *)at(MANY_PA))->length = 0xfffffff0;
	list_extra(MANY_PA);
	assert_int_equal(acpi_discover(&r, sizeof(r), &ai), 0);
	assert_int_equal(ai.count, 2);
	assert_true(log_captured("rejected: absurd length"));
}

static void test_rsdt_trailing_partial_entry(void **state)
{
	struct acpi_rsdp r = rsdp_make(0);

	(void)state;
	root_make(RSDT_PA, "RSDT", 4, std_tables, 4, 2);
	assert_int_equal(acpi_discover(&r, 20, &ai), 0);
	assert_int_equal(ai.count, 4);
	assert_int_equal(ai.rejected, 0);
	assert_true(log_captured("W/acpi: RSDT length 54 is not 36 + a multiple of 4: trailing 2 bytes ignored"));
}

static void test_missing_table(void **state)
{
	struct acpi_rsdp r = rsdp_make(2);
	uint32_t len = 77;

	(void)state;
	assert_int_equal(acpi_discover(&r, sizeof(r), &ai), 0);
	assert_null(acpi_find(&ai, "HPET", 0, &len));
	assert_null(acpi_find(&ai, "APIC", 1, &len));   /* only one APIC */
	assert_int_equal(len, 77);                      /* untouched on failure */
}

static void test_second_table_of_a_kind(void **state)
{
	struct acpi_rsdp r = rsdp_make(2);
	const paddr_t e[] = { FACP_PA, MANY_PA, MANY_PA + 0x100 };

	(void)state;
	sdt_make(MANY_PA, "SSDT", 40);
	sdt_make(MANY_PA + 0x100, "SSDT", 48);
	root_make(XSDT_PA, "XSDT", 8, e, 3, 0);
	assert_int_equal(acpi_discover(&r, sizeof(r), &ai), 0);
	assert_ptr_equal(acpi_find(&ai, "SSDT", 1, NULL), at(MANY_PA + 0x100));
}

static void test_duplicate_entries(void **state)
{
	struct acpi_rsdp r = rsdp_make(0);
	const paddr_t e[] = { FACP_PA, APIC_PA, FACP_PA, MCFG_PA };

	(void)state;
	root_make(RSDT_PA, "RSDT", 4, e, 4, 0);
	assert_int_equal(acpi_discover(&r, 20, &ai), 0);
	assert_int_equal(ai.count, 3);
	assert_int_equal(ai.rejected, 1);
	assert_true(log_captured("W/acpi: entry 2: table at 0x7ffe1000 is listed twice, duplicate ignored"));
	assert_null(acpi_find(&ai, "FACP", 1, NULL));
}

static void test_null_entry(void **state)
{
	struct acpi_rsdp r = rsdp_make(0);
	const paddr_t e[] = { 0, APIC_PA };

	(void)state;
	root_make(RSDT_PA, "RSDT", 4, e, 2, 0);
	assert_int_equal(acpi_discover(&r, 20, &ai), 0);
	assert_int_equal(ai.count, 1);
	assert_int_equal(ai.rejected, 1);
	assert_true(log_captured("rejected: null address"));
}

static void test_table_count_capped(void **state)
{
	struct acpi_rsdp r = rsdp_make(2);
	paddr_t e[ACPI_MAX_TABLES + 6];

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(e); i++) {
		e[i] = MANY_PA + i * 0x40;
		sdt_make(e[i], "SSDT", 36);
	}
	root_make(XSDT_PA, "XSDT", 8, e, ARRAY_SIZE(e), 0);
	assert_int_equal(acpi_discover(&r, sizeof(r), &ai), 0);
	assert_int_equal(ai.count, ACPI_MAX_TABLES);
	assert_true(log_captured("W/acpi: more than 64 tables: 6 XSDT entries ignored"));
	assert_non_null(acpi_find(&ai, "SSDT", ACPI_MAX_TABLES - 1, NULL));
	assert_null(acpi_find(&ai, "SSDT", ACPI_MAX_TABLES, NULL));
}

static void test_root_wrong_signature(void **state)
{
	struct acpi_rsdp r = rsdp_make(0);

	(void)state;
	memcpy(at(RSDT_PA), "XSDT", 4);
	sdt_fix(RSDT_PA);
	assert_int_equal(acpi_discover(&r, 20, &ai), -ENOENT);
	assert_true(log_captured("W/acpi: RSDT at 0x7ffe0100 (signature XSDT, length 52) unusable: wrong signature"));
}

static void test_root_absurd_length(void **state)
{
	struct acpi_rsdp r = rsdp_make(0);

	(void)state;
	((struct acpi_header *)at(RSDT_PA))->length = 0x7fffffff;
	assert_int_equal(acpi_discover(&r, 20, &ai), -ENOENT);
	assert_true(log_captured("unusable: absurd length"));
}

static void put_rsdp(uint8_t *where, uint8_t rev)
{
	struct acpi_rsdp r = rsdp_make(rev);

	memcpy(where, &r, rev >= 2 ? sizeof(r) : 20);
}

static void test_scan_bios_area(void **state)
{
	(void)state;
	phys_arena_add(0xE0000, bios, sizeof(bios));
	/* A decoy with a broken checksum comes first and must be passed over. */
	put_rsdp(bios + 0x100, 2);
	bios[0x100 + 8] ^= 0xff;
	put_rsdp(bios + 0x1230, 2);
	assert_int_equal(acpi_discover(NULL, 0, &ai), 0);
	assert_int_equal(ai.rsdp_pa, 0xE1230);
	assert_true(ai.using_xsdt);
	assert_int_equal(ai.count, 4);
	assert_true(log_captured("W/acpi: RSDP candidate at 0xe0100 ignored: checksum mismatch"));
}

static void test_scan_ignores_unaligned_signature(void **state)
{
	(void)state;
	phys_arena_add(0xE0000, bios, sizeof(bios));
	put_rsdp(bios + 0x108, 0);   /* not on a 16-byte boundary */
	assert_int_equal(acpi_discover(NULL, 0, &ai), -ENOENT);
}

static void test_scan_ebda_first(void **state)
{
	uint16_t seg = 0x9FC0;

	(void)state;
	phys_arena_add(0x400, bda, sizeof(bda));
	phys_arena_add(0x9FC00, ebda, sizeof(ebda));
	phys_arena_add(0xE0000, bios, sizeof(bios));
	memcpy(bda + 0x0E, &seg, 2);
	put_rsdp(ebda + 0x20, 0);
	put_rsdp(bios + 0x40, 2);
	assert_int_equal(acpi_discover(NULL, 0, &ai), 0);
	assert_int_equal(ai.rsdp_pa, 0x9FC20);
	assert_false(ai.using_xsdt);
}

static void test_bad_loader_copy_falls_back_to_scan(void **state)
{
	struct acpi_rsdp r = rsdp_make(2);

	(void)state;
	phys_arena_add(0xE0000, bios, sizeof(bios));
	put_rsdp(bios + 0x40, 0);
	r.checksum ^= 0x80;
	assert_int_equal(acpi_discover(&r, sizeof(r), &ai), 0);
	assert_int_equal(ai.rsdp_pa, 0xE0040);
	assert_true(log_captured("scanning BIOS areas"));
}

static void test_no_rsdp_anywhere(void **state)
{
	(void)state;
	phys_arena_add(0xE0000, bios, sizeof(bios));
	assert_int_equal(acpi_discover(NULL, 0, &ai), -ENOENT);
	assert_true(log_captured("W/acpi: no valid RSDP (loader copy absent"));
}

static void test_checksum(void **state)
{
	const uint8_t b[] = { 0x10, 0xf0, 0x01, 0xff };

	(void)state;
	assert_int_equal(acpi_checksum(b, 2), 0);
	assert_int_equal(acpi_checksum(b, 4), 0);
	assert_int_equal(acpi_checksum(b, 3), 1);
	assert_int_equal(acpi_checksum(b, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_checksum, setup),
		cmocka_unit_test_setup(test_v1_rsdt, setup),
		cmocka_unit_test_setup(test_v2_xsdt_and_report, setup),
		cmocka_unit_test_setup(test_rsdp_validate, setup),
		cmocka_unit_test_setup(test_rsdp_bad_checksum, setup),
		cmocka_unit_test_setup(test_rsdp_bad_extended_checksum, setup),
		cmocka_unit_test_setup(test_bad_xsdt_falls_back_to_rsdt, setup),
		cmocka_unit_test_setup(test_null_xsdt_falls_back, setup),
		cmocka_unit_test_setup(test_bad_table_checksum_rejected, setup),
		cmocka_unit_test_setup(test_table_past_mapped_memory, setup),
		cmocka_unit_test_setup(test_table_header_past_mapped_memory, setup),
		cmocka_unit_test_setup(test_table_length_too_short, setup),
		cmocka_unit_test_setup(test_table_length_absurd, setup),
		cmocka_unit_test_setup(test_rsdt_trailing_partial_entry, setup),
		cmocka_unit_test_setup(test_missing_table, setup),
		cmocka_unit_test_setup(test_second_table_of_a_kind, setup),
		cmocka_unit_test_setup(test_duplicate_entries, setup),
		cmocka_unit_test_setup(test_null_entry, setup),
		cmocka_unit_test_setup(test_table_count_capped, setup),
		cmocka_unit_test_setup(test_root_wrong_signature, setup),
		cmocka_unit_test_setup(test_root_absurd_length, setup),
		cmocka_unit_test_setup(test_scan_bios_area, setup),
		cmocka_unit_test_setup(test_scan_ignores_unaligned_signature, setup),
		cmocka_unit_test_setup(test_scan_ebda_first, setup),
		cmocka_unit_test_setup(test_bad_loader_copy_falls_back_to_scan, setup),
		cmocka_unit_test_setup(test_no_rsdp_anywhere, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
