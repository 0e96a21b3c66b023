// SPDX-License-Identifier: MIT
/*
 * DMAR/IVRS hiding: after the rename every table still checksums, a fresh
 * discovery (what the root's kernel does, through the RSDT or the XSDT)
 * finds no table by the old signatures, and nothing else changed.
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "arch/x86/acpi_hide.h"

#define MEM_PA   0x7ffe0000ULL
#define RSDT_PA  (MEM_PA + 0x100)
#define XSDT_PA  (MEM_PA + 0x200)
#define FACP_PA  (MEM_PA + 0x1000)
#define DMAR_PA  (MEM_PA + 0x2000)
#define IVRS_PA  (MEM_PA + 0x3000)
#define DMAR2_PA (MEM_PA + 0x4000)

static uint8_t mem[0x8000];
static uint8_t pristine[sizeof(mem)];
static struct acpi_info ai;

static void *at(paddr_t pa)
{
	assert_true(pa >= MEM_PA && pa < MEM_PA + sizeof(mem));
	return mem + (pa - MEM_PA);
}

static void sdt_make(paddr_t pa, const char *sig, uint32_t len)
{
	struct acpi_header *h = at(pa);
	uint8_t *body = at(pa);

	memset(h, 0, len);
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = 1;
	memcpy(h->oem_id, "BOCHS ", 6);
	for (uint32_t i = 36; i < len; i++)
		body[i] = (uint8_t)(i * 31 + sig[0]);
	h->checksum = (uint8_t)-acpi_checksum(h, len);
}

static const paddr_t tables[] = { FACP_PA, DMAR_PA, IVRS_PA, DMAR2_PA };

static void root_make(paddr_t pa, const char *sig, unsigned esz)
{
	struct acpi_header *h = at(pa);

	sdt_make(pa, sig, 36 + ARRAY_SIZE(tables) * esz);
	for (unsigned i = 0; i < ARRAY_SIZE(tables); i++)
		memcpy((uint8_t *)h + 36 + i * esz, &tables[i], esz);
	h->checksum = 0;
	h->checksum = (uint8_t)-acpi_checksum(h, h->length);
}

static struct acpi_rsdp rsdp_make(uint8_t rev)
{
	struct acpi_rsdp r;

	memset(&r, 0, sizeof(r));
	memcpy(r.signature, "RSD PTR ", 8);
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
	phys_arena_add(MEM_PA, mem, sizeof(mem));
	sdt_make(FACP_PA, "FACP", 244);
	sdt_make(DMAR_PA, "DMAR", 88);
	sdt_make(IVRS_PA, "IVRS", 200);
	sdt_make(DMAR2_PA, "DMAR", 48);
	root_make(RSDT_PA, "RSDT", 4);
	root_make(XSDT_PA, "XSDT", 8);
	memcpy(pristine, mem, sizeof(mem));
	log_capture_reset();
	return 0;
}

static void test_rename_one(void **state)
{
	struct acpi_header *h = at(DMAR_PA);

	(void)state;
	assert_true(acpi_hide_table(h));
	assert_memory_equal(h->signature, "RMAD", 4);
	assert_int_equal(acpi_checksum(h, h->length), 0);
	assert_false(acpi_hide_table(h));                     /* already hidden: untouched */
	assert_memory_equal(h->signature, "RMAD", 4);
	h = at(IVRS_PA);
	assert_true(acpi_hide_table(h));
	assert_memory_equal(h->signature, "SRVI", 4);
	assert_int_equal(acpi_checksum(h, h->length), 0);
	h = at(FACP_PA);
	assert_false(acpi_hide_table(h));
	assert_memory_equal(h->signature, "FACP", 4);
}

static void test_hidden_from_a_fresh_discovery(void **state)
{
	static const uint8_t revs[] = { 0, 2 };
	struct acpi_rsdp r;

	(void)state;
	r = rsdp_make(2);
	assert_int_equal(acpi_discover(&r, sizeof(r), &ai), 0);
	assert_int_equal(ai.count, 4);
	assert_int_equal(acpi_hide_iommu_tables(&ai), 3);
	assert_true(log_captured("DMAR at 0x7ffe2000 hidden from the root (renamed RMAD)"));
	/* The monitor's list keeps the original names. */
	assert_string_equal(ai.tables[1].signature, "DMAR");

	for (unsigned k = 0; k < ARRAY_SIZE(revs); k++) {
		struct acpi_info guest;

		r = rsdp_make(revs[k]);                          /* via the RSDT, then the XSDT */
		log_capture_reset();
		assert_int_equal(acpi_discover(&r, sizeof(r), &guest), 0);
		assert_int_equal(guest.count, 4);
		assert_int_equal(guest.rejected, 0);                  /* every checksum still valid */
		assert_null(acpi_find(&guest, "DMAR", 0, NULL));
		assert_null(acpi_find(&guest, "IVRS", 0, NULL));
		assert_non_null(acpi_find(&guest, "RMAD", 1, NULL));
		assert_non_null(acpi_find(&guest, "SRVI", 0, NULL));
		assert_non_null(acpi_find(&guest, "FACP", 0, NULL));
	}
	/* Only the three signatures changed, nothing else in memory. */
	for (unsigned i = 0; i < sizeof(mem); i++) {
		paddr_t pa = MEM_PA + i;
		bool sig = (pa >= DMAR_PA && pa < DMAR_PA + 4) || (pa >= IVRS_PA && pa < IVRS_PA + 4) ||
			   (pa >= DMAR2_PA && pa < DMAR2_PA + 4);

		if (!sig)
			assert_int_equal(mem[i], pristine[i]);
	}
	/* Running it again finds nothing more to hide. */
	assert_int_equal(acpi_hide_iommu_tables(&ai), 0);
}

static void test_unmappable_table(void **state)
{
	struct acpi_rsdp r = rsdp_make(2);

	(void)state;
	assert_int_equal(acpi_discover(&r, sizeof(r), &ai), 0);
	ai.tables[2].pa = 0x1000;                               /* outside every arena */
	assert_int_equal(acpi_hide_iommu_tables(&ai), -EFAULT);
	assert_true(log_captured("cannot be mapped"));
	assert_memory_equal(((struct acpi_header *)at(DMAR_PA))->signature, "RMAD", 4);
}

/* The permutation keeps the checksum for any table contents. */
static void test_checksum_kept_for_any_bytes(void **state)
{
	static uint8_t t[64];
	uint32_t x = 1;

	(void)state;
	for (unsigned iter = 0; iter < 1000; iter++) {
		for (unsigned i = 0; i < sizeof(t); i++) {
			x = x * 1103515245u + 12345u;
			t[i] = (uint8_t)(x >> 16);
		}
		memcpy(t, iter & 1 ? "DMAR" : "IVRS", 4);
		uint8_t before = acpi_checksum(t, sizeof(t));

		assert_true(acpi_hide_table((struct acpi_header *)t));
		assert_int_equal(acpi_checksum(t, sizeof(t)), before);
	}
}

static bool hide_odd(uint32_t apic_id, void *ctx)
{
	(*(unsigned *)ctx)++;
	return apic_id & 1;
}

/* Other partitions' CPUs disabled in the root's MADT; the checksum still sums to zero. */
static void test_madt_hide_cpus(void **state)
{
	uint8_t t[44 + 4 * 8 + 16 + 12 + 2] = { 0 };
	struct acpi_header *h = (struct acpi_header *)t;
	uint32_t off = 44, f;
	unsigned calls = 0;

	(void)state;
	memcpy(h->signature, "APIC", 4);
	h->length = sizeof(t) - 2;       /* two stray bytes past the table: never read as an entry */
	for (unsigned id = 0; id < 4; id++, off += 8) {
		uint8_t e[8] = { 0, 8, (uint8_t)id, (uint8_t)id, id == 3 ? 0 : 1, 0, 0, 0 };

		memcpy(t + off, e, 8);   /* CPU 3 is disabled already */
	}
	{
		uint8_t x[16] = { 9, 16, 0, 0, 0x05, 0x01, 0, 0, 0x03, 0, 0, 0, 7, 0, 0, 0 };

		memcpy(t + off, x, 16);   /* x2APIC id 0x105, enabled + online capable */
		off += 16;
	}
	{
		uint8_t io[12] = { 1, 12, 0, 0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0 };

		memcpy(t + off, io, 12);
	}
	h->checksum = (uint8_t)(0x100 - acpi_checksum(t, h->length));
	assert_int_equal(acpi_checksum(t, h->length), 0);
	assert_int_equal(acpi_madt_hide_cpus(h, h->length, hide_odd, &calls), 2);   /* ids 1 and 0x105 */
	assert_int_equal(calls, 5);
	assert_int_equal(acpi_checksum(t, h->length), 0);
	assert_int_equal(t[44 + 0 * 8 + 4], 1);
	assert_int_equal(t[44 + 1 * 8 + 4], 0);
	assert_int_equal(t[44 + 2 * 8 + 4], 1);
	memcpy(&f, t + 44 + 32 + 8, 4);
	assert_int_equal(f, 0);
	/* A truncated entry stops the walk without reading past the table. */
	t[44 + 1] = 200;
	assert_int_equal(acpi_madt_hide_cpus(h, h->length, hide_odd, &calls), 0);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_rename_one),
		T(test_hidden_from_a_fresh_discovery),
		T(test_unmappable_table),
		T(test_checksum_kept_for_any_bytes),
		T(test_madt_hide_cpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
