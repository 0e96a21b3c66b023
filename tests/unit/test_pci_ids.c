/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "pci/ids.h"
#include "pci/pci.h"

/* "12345678-9abc-def0-1122-334455667788" in guid_t byte order. */
static const uint8_t guid_text_order[PCI_GUID_LEN] = {
	0x78, 0x56, 0x34, 0x12, 0xbc, 0x9a, 0xf0, 0xde,
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
};

static struct pci_domain_nrs nrs;

static int setup(void **state)
{
	(void)state;
	memset(&nrs, 0, sizeof(nrs));
	log_capture_reset();
	return 0;
}

static void test_guid_format_is_linux_order(void **state)
{
	char s[PCI_GUID_STR_LEN];

	(void)state;
	pci_guid_format(guid_text_order, s);
	assert_string_equal(s, "12345678-9abc-def0-1122-334455667788");
}

static void test_logical_id_formula(void **state)
{
	uint8_t g[PCI_GUID_LEN];

	(void)state;
	/* 0xBBBB << 16 | (0xCCCC & 0xFFF8) | function */
	assert_int_equal(pci_logical_device_id(guid_text_order, PCI_DEVFN(0, 0)), 0x9abcdef0);
	assert_int_equal(pci_logical_device_id(guid_text_order, PCI_DEVFN(5, 3)), 0x9abcdef3);
	/* The low three bits of field c are replaced by the function, not ORed in. */
	memcpy(g, guid_text_order, sizeof(g));
	g[6] = 0xcf;                               /* field c = 0xdecf */
	assert_int_equal(pci_logical_device_id(g, PCI_DEVFN(0, 0)), 0x9abcdec8);
	assert_int_equal(pci_logical_device_id(g, PCI_DEVFN(31, 7)), 0x9abcdecf);
	/* Only bytes 4..7 and the function matter. */
	memset(g, 0xff, 4);
	memset(g + 8, 0, 8);
	assert_int_equal(pci_logical_device_id(g, PCI_DEVFN(0, 1)), 0x9abcdec9);
}

static void test_domain_from_guid(void **state)
{
	(void)state;
	assert_int_equal(pci_domain_from_guid(guid_text_order), 0x9abc);
}

static void test_guid_known_vectors(void **state)
{
	uint8_t g[PCI_GUID_LEN];
	char s[PCI_GUID_STR_LEN];

	(void)state;
	/* Computed independently from the construction documented in pci/ids.h. */
	pci_instance_guid(0, 1, PCI_DEVFN(0, 0), 0x1b36, 0x0010, false, 0, g);
	pci_guid_format(g, s);
	assert_string_equal(s, "03bf9dde-6080-8943-80b1-d5c3e807d872");
	assert_int_equal(pci_logical_device_id(g, PCI_DEVFN(0, 0)), 0x60808940);
	assert_int_equal(pci_domain_from_guid(g), 0x6080);

	pci_instance_guid(0, 1, PCI_DEVFN(0, 1), 0x1b36, 0x0010, false, 0, g);
	pci_guid_format(g, s);
	assert_string_equal(s, "079596c4-0f7f-8152-9919-81b2f925cd57");
	assert_int_equal(pci_logical_device_id(g, PCI_DEVFN(0, 1)), 0x0f7f8151);

	pci_instance_guid(0, 0, PCI_DEVFN(2, 0), 0x8086, 0x10d3, true, 0x0123456789abcdefULL, g);
	pci_guid_format(g, s);
	assert_string_equal(s, "471a511b-ea86-88c5-93ed-a9568cc2d9e3");
}

static void test_guid_version_and_variant(void **state)
{
	uint8_t g[PCI_GUID_LEN];
	char s[PCI_GUID_STR_LEN];

	(void)state;
	for (unsigned bus = 0; bus < 64; bus++) {
		pci_instance_guid(0, (uint8_t)bus, 0, 0x8086, 0x1234, false, 0, g);
		pci_guid_format(g, s);
		assert_int_equal(s[14], '8');                 /* version 8 */
		assert_non_null(strchr("89ab", s[19]));       /* variant 10 */
	}
}

static void test_guid_deterministic(void **state)
{
	uint8_t a[PCI_GUID_LEN], b[PCI_GUID_LEN];

	(void)state;
	pci_instance_guid(3, 0x42, PCI_DEVFN(7, 2), 0x15b3, 0x101b, true, 0xfeedULL, a);
	pci_instance_guid(3, 0x42, PCI_DEVFN(7, 2), 0x15b3, 0x101b, true, 0xfeedULL, b);
	assert_memory_equal(a, b, PCI_GUID_LEN);
	/* Without a DSN the serial argument is ignored. */
	pci_instance_guid(3, 0x42, PCI_DEVFN(7, 2), 0x15b3, 0x101b, false, 0, a);
	pci_instance_guid(3, 0x42, PCI_DEVFN(7, 2), 0x15b3, 0x101b, false, 0x1234, b);
	assert_memory_equal(a, b, PCI_GUID_LEN);
}

static void test_guid_sensitive_to_every_input(void **state)
{
	uint8_t base[PCI_GUID_LEN], g[PCI_GUID_LEN];

	(void)state;
	pci_instance_guid(1, 2, 3, 4, 5, true, 6, base);
	pci_instance_guid(9, 2, 3, 4, 5, true, 6, g);
	assert_memory_not_equal(base, g, PCI_GUID_LEN);
	pci_instance_guid(1, 9, 3, 4, 5, true, 6, g);
	assert_memory_not_equal(base, g, PCI_GUID_LEN);
	pci_instance_guid(1, 2, 9, 4, 5, true, 6, g);
	assert_memory_not_equal(base, g, PCI_GUID_LEN);
	pci_instance_guid(1, 2, 3, 9, 5, true, 6, g);
	assert_memory_not_equal(base, g, PCI_GUID_LEN);
	pci_instance_guid(1, 2, 3, 4, 9, true, 6, g);
	assert_memory_not_equal(base, g, PCI_GUID_LEN);
	pci_instance_guid(1, 2, 3, 4, 5, true, 7, g);
	assert_memory_not_equal(base, g, PCI_GUID_LEN);
	pci_instance_guid(1, 2, 3, 4, 5, false, 6, g);
	assert_memory_not_equal(base, g, PCI_GUID_LEN);
	pci_instance_guid_attempt(1, 2, 3, 4, 5, true, 6, 1, g);
	assert_memory_not_equal(base, g, PCI_GUID_LEN);
	/* Every DSN bit matters, including the top one. */
	pci_instance_guid(1, 2, 3, 4, 5, true, 6 | 1ULL << 63, g);
	assert_memory_not_equal(base, g, PCI_GUID_LEN);
}

static void test_logical_ids_spread(void **state)
{
	static uint32_t ids[8 * 32];
	unsigned n = 0;

	(void)state;
	/*
	 * Function 0 of every device on 8 buses: no two share a logical id.
	 * The id carries 25 hashed bits (the version nibble and the function
	 * take 7), so collisions do happen in larger sets; the registry
	 * resolves them (test_pci_registry).
	 */
	for (unsigned bus = 0; bus < 8; bus++) {
		for (unsigned dev = 0; dev < 32; dev++) {
			uint8_t g[PCI_GUID_LEN];

			pci_instance_guid(0, (uint8_t)bus, PCI_DEVFN(dev, 0), 0x1af4, 0x1041, false, 0, g);
			ids[n++] = pci_logical_device_id(g, PCI_DEVFN(dev, 0));
		}
	}
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = i + 1; j < n; j++)
			assert_int_not_equal(ids[i], ids[j]);
}

static void test_domain_nr_requested_free(void **state)
{
	(void)state;
	assert_int_equal(pci_domain_nr_alloc(&nrs, 0x9abc), 0x9abc);
	assert_false(log_captured("collision"));
}

static void test_domain_nr_collision_takes_next(void **state)
{
	(void)state;
	assert_int_equal(pci_domain_nr_alloc(&nrs, 0x9abc), 0x9abc);
	assert_int_equal(pci_domain_nr_alloc(&nrs, 0x9abc), 0x9abd);
	assert_true(log_captured("I/pci: PCI dom# 0x9abc has collision, using 0x9abd"));
	assert_int_equal(pci_domain_nr_alloc(&nrs, 0x9abc), 0x9abe);
	pci_domain_nr_free(&nrs, 0x9abd);
	assert_int_equal(pci_domain_nr_alloc(&nrs, 0x9abc), 0x9abd);
}

static void test_domain_nr_never_zero(void **state)
{
	(void)state;
	assert_int_equal(pci_domain_nr_alloc(&nrs, 0), 1);
	assert_true(log_captured("PCI dom# 0x0 has collision, using 0x1"));
	assert_int_equal(pci_domain_nr_alloc(&nrs, 0xffff), 0xffff);
	/* Wraps past 0xffff to 1 (taken) then 2, skipping 0. */
	assert_int_equal(pci_domain_nr_alloc(&nrs, 0xffff), 2);
	assert_true(log_captured("PCI dom# 0xffff has collision, using 0x2"));
}

static void test_domain_nr_exhausted(void **state)
{
	(void)state;
	for (unsigned i = 1; i <= 0xffff; i++)
		assert_int_equal(pci_domain_nr_alloc(&nrs, (uint16_t)i), (int)i);
	assert_int_equal(pci_domain_nr_alloc(&nrs, 0x1234), -ENOSPC);
	assert_int_equal(pci_domain_nr_alloc(&nrs, 0), -ENOSPC);
	pci_domain_nr_free(&nrs, 0x8000);
	assert_int_equal(pci_domain_nr_alloc(&nrs, 0x1234), 0x8000);
	assert_int_equal(pci_domain_nr_alloc(&nrs, 0), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_guid_format_is_linux_order, setup),
		cmocka_unit_test_setup(test_logical_id_formula, setup),
		cmocka_unit_test_setup(test_domain_from_guid, setup),
		cmocka_unit_test_setup(test_guid_known_vectors, setup),
		cmocka_unit_test_setup(test_guid_version_and_variant, setup),
		cmocka_unit_test_setup(test_guid_deterministic, setup),
		cmocka_unit_test_setup(test_guid_sensitive_to_every_input, setup),
		cmocka_unit_test_setup(test_logical_ids_spread, setup),
		cmocka_unit_test_setup(test_domain_nr_requested_free, setup),
		cmocka_unit_test_setup(test_domain_nr_collision_takes_next, setup),
		cmocka_unit_test_setup(test_domain_nr_never_zero, setup),
		cmocka_unit_test_setup(test_domain_nr_exhausted, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
