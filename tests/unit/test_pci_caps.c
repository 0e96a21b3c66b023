/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/fake_pci.h"
#include "pci/caps.h"
#include "pci/regs.h"

static struct pci_caps caps;

static int setup(void **state)
{
	(void)state;
	fake_pci_reset();
	log_capture_reset();
	memset(&caps, 0xa5, sizeof(caps));   /* pci_caps_read must clear everything */
	return 0;
}

static struct fake_fn *endpoint(void)
{
	return fake_pci_endpoint(0, 1, 0, 0x8086, 0x1234, 0x020000);
}

static void read_caps(void)
{
	pci_caps_read(0, 1, 0, PCI_HEADER_TYPE_NORMAL, &caps);
}

static void test_full_decode(void **state)
{
	struct fake_fn *f = endpoint();
	uint8_t pm, msi, msix, pcie;
	uint16_t aer, ari, acs, ats, pri, pasid, sriov, dsn;

	(void)state;
	pm = fake_pci_cap(f, PCI_CAP_ID_PM, PCI_PM_CAP_LEN);
	fake_pci_poke(f, pm + PCI_PM_PMC, 2, 0xc803);
	msi = fake_pci_cap(f, PCI_CAP_ID_MSI, 0x18);
	fake_pci_poke(f, msi + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT | 3 << 1);
	msix = fake_pci_cap(f, PCI_CAP_ID_MSIX, PCI_MSIX_CAP_LEN);
	fake_pci_poke(f, msix + PCI_MSIX_FLAGS, 2, 31);
	fake_pci_poke(f, msix + PCI_MSIX_TABLE, 4, 0x2000 | 2);
	pcie = fake_pci_pcie(f, PCI_EXP_TYPE_ENDPOINT, false);
	aer = fake_pci_ext_cap(f, PCI_EXT_CAP_ID_AER, 0x48);
	ari = fake_pci_ari(f, 3);
	acs = fake_pci_ext_cap(f, PCI_EXT_CAP_ID_ACS, PCI_ACS_CAP_LEN);
	fake_pci_poke(f, acs + PCI_ACS_CAP, 2, PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF);
	ats = fake_pci_ext_cap(f, PCI_EXT_CAP_ID_ATS, PCI_ATS_CAP_LEN);
	pri = fake_pci_ext_cap(f, PCI_EXT_CAP_ID_PRI, PCI_PRI_CAP_LEN);
	fake_pci_poke(f, pri + PCI_PRI_MAX_REQ, 4, 512);
	pasid = fake_pci_ext_cap(f, PCI_EXT_CAP_ID_PASID, PCI_PASID_CAP_LEN);
	fake_pci_poke(f, pasid + PCI_PASID_CAP, 2, 20 << 8 | PCI_PASID_CAP_EXEC | PCI_PASID_CAP_PRIV);
	sriov = fake_pci_ext_cap(f, PCI_EXT_CAP_ID_SRIOV, PCI_SRIOV_CAP_LEN);
	dsn = fake_pci_dsn(f, 0x0011223344556677ULL);
	read_caps();

	assert_int_equal(caps.warnings, 0);
	assert_int_equal(caps.pm, pm);
	assert_int_equal(caps.pm_pmc, 0xc803);
	assert_int_equal(caps.msi, msi);
	assert_true(caps.msi_64bit);
	assert_true(caps.msi_maskable);
	assert_int_equal(caps.msi_max_vectors, 8);
	assert_int_equal(caps.msix, msix);
	assert_int_equal(caps.msix_table_size, 32);
	assert_int_equal(caps.msix_table_bir, 2);
	assert_int_equal(caps.msix_table_offset, 0x2000);
	assert_int_equal(caps.pcie, pcie);
	assert_int_equal(caps.pcie_type, PCI_EXP_TYPE_ENDPOINT);
	assert_int_equal(caps.pcix, 0);
	assert_int_equal(caps.aer, aer);
	assert_int_equal(caps.ari, ari);
	assert_int_equal(caps.ari_next_fn, 3);
	assert_int_equal(caps.acs, acs);
	assert_int_equal(caps.acs_caps, PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF);
	assert_int_equal(caps.ats, ats);
	assert_int_equal(caps.ats_queue_depth, 32);   /* 0 encodes 32 */
	assert_int_equal(caps.pri, pri);
	assert_int_equal(caps.pri_max_requests, 512);
	assert_int_equal(caps.pasid, pasid);
	assert_int_equal(caps.pasid_width, 20);
	assert_true(caps.pasid_exec && caps.pasid_priv);
	assert_int_equal(caps.sriov, sriov);
	assert_int_equal(caps.dsn, dsn);
	assert_int_equal(caps.serial, 0x0011223344556677ULL);
	assert_int_equal(log_captured_count(LOG_WARN), 0);
	assert_int_equal(pci_ext_cap_find(0, 1, 0, PCI_EXT_CAP_ID_DSN), dsn);
	assert_int_equal(pci_ext_cap_find(0, 1, 0, PCI_EXT_CAP_ID_MRIOV), 0);
}

static void test_port_ari_forwarding(void **state)
{
	struct fake_fn *f = fake_pci_bridge(0, 0, PCI_DEVFN(2, 0), 1, 1);
	uint8_t pcie = fake_pci_pcie(f, PCI_EXP_TYPE_ROOT_PORT, true);

	(void)state;
	pci_caps_read(0, 0, PCI_DEVFN(2, 0), PCI_HEADER_TYPE_BRIDGE, &caps);
	assert_int_equal(caps.pcie_type, PCI_EXP_TYPE_ROOT_PORT);
	assert_true(caps.ari_fwd_supported);
	assert_false(caps.ari_fwd_enabled);
	fake_pci_poke(f, pcie + PCI_EXP_DEVCTL2, 2, PCI_EXP_DEVCTL2_ARI);
	pci_caps_read(0, 0, PCI_DEVFN(2, 0), PCI_HEADER_TYPE_BRIDGE, &caps);
	assert_true(caps.ari_fwd_enabled);
	/* A version-1 PCIe capability has no Device Capabilities 2: not read. */
	fake_pci_poke(f, pcie + PCI_EXP_FLAGS, 2, 1 | PCI_EXP_TYPE_ROOT_PORT << 4);
	pci_caps_read(0, 0, PCI_DEVFN(2, 0), PCI_HEADER_TYPE_BRIDGE, &caps);
	assert_false(caps.ari_fwd_supported);
	assert_false(caps.ari_fwd_enabled);
	assert_string_equal(pci_exp_type_name(caps.pcie_type), "root port");
	assert_string_equal(pci_exp_type_name(PCI_EXP_TYPE_PCI_BRIDGE), "pcie-to-pci bridge");
	assert_string_equal(pci_exp_type_name(0xf), "reserved pcie type");
}

static void test_no_cap_list_bit(void **state)
{
	struct fake_fn *f = endpoint();

	(void)state;
	fake_pci_cap(f, PCI_CAP_ID_PM, PCI_PM_CAP_LEN);
	fake_pci_poke(f, PCI_STATUS, 2, 0);     /* pointer stays, the status bit says ignore it */
	read_caps();
	assert_int_equal(caps.pm, 0);
	assert_int_equal(caps.warnings, 0);
}

static void test_absent_function(void **state)
{
	(void)state;
	pci_caps_read(0, 9, 0, PCI_HEADER_TYPE_NORMAL, &caps);   /* all-ones everywhere */
	assert_int_equal(caps.pm + caps.msi + caps.msix + caps.pcie, 0);
	assert_int_equal(caps.warnings, 0);
}

static void test_conventional_has_no_ext_space(void **state)
{
	struct fake_fn *f = endpoint();

	(void)state;
	fake_pci_cap(f, PCI_CAP_ID_PM, PCI_PM_CAP_LEN);
	fake_pci_ari(f, 0);                     /* bytes at 0x100, but no PCIe capability */
	read_caps();
	assert_int_not_equal(caps.pm, 0);
	assert_int_equal(caps.ari, 0);
}

static void test_std_loop(void **state)
{
	struct fake_fn *f = endpoint();
	uint8_t a, b;

	(void)state;
	a = fake_pci_cap(f, PCI_CAP_ID_PM, PCI_PM_CAP_LEN);
	b = fake_pci_cap(f, PCI_CAP_ID_MSIX, PCI_MSIX_CAP_LEN);
	fake_pci_poke(f, b + PCI_CAP_NEXT, 1, a);
	read_caps();
	assert_int_equal(caps.pm, a);
	assert_int_equal(caps.msix, b);
	assert_int_equal(caps.warnings, 1);
	assert_true(log_captured("W/pci: 0000:01:00.0: capability list loops back to 0x40, list ends"));
}

static void test_std_self_loop(void **state)
{
	struct fake_fn *f = endpoint();
	uint8_t a;

	(void)state;
	a = fake_pci_cap(f, PCI_CAP_ID_PM, PCI_PM_CAP_LEN);
	fake_pci_poke(f, a + PCI_CAP_NEXT, 1, a | 3);   /* reserved low bits are masked */
	read_caps();
	assert_true(log_captured("capability list loops back to 0x40"));
}

static void test_std_pointer_below_header_end(void **state)
{
	struct fake_fn *f = endpoint();
	uint8_t a;

	(void)state;
	a = fake_pci_cap(f, PCI_CAP_ID_PM, PCI_PM_CAP_LEN);
	fake_pci_poke(f, a + PCI_CAP_NEXT, 1, 0x20);
	read_caps();
	assert_int_equal(caps.pm, a);
	assert_true(log_captured("W/pci: 0000:01:00.0: capability pointer 0x20 outside 0x40-0xfc, list ends"));
	/* The head itself may be bad too. */
	log_capture_reset();
	fake_pci_poke(f, PCI_CAPABILITY_LIST, 1, 0x3c);
	read_caps();
	assert_int_equal(caps.pm, 0);
	assert_true(log_captured("capability pointer 0x3c outside 0x40-0xfc"));
}

static void test_std_cap_past_end(void **state)
{
	struct fake_fn *f = endpoint();

	(void)state;
	/* 0xff masks to 0xfc: an MSI-X capability there would run to 0x107. */
	fake_pci_poke(f, PCI_STATUS, 2, PCI_STATUS_CAP_LIST);
	fake_pci_poke(f, PCI_CAPABILITY_LIST, 1, 0xff);
	fake_pci_poke(f, 0xfc, 1, PCI_CAP_ID_MSIX);
	fake_pci_poke(f, 0xfd, 1, 0);
	read_caps();
	assert_int_equal(caps.msix, 0);
	assert_true(log_captured("MSI-X capability at 0xfc runs past 0xff, ignored"));
}

static void test_std_longest_chain(void **state)
{
	struct fake_fn *f = endpoint();

	(void)state;
	/* 48 capabilities, one in every dword slot: a legal list, not a loop. */
	fake_pci_poke(f, PCI_STATUS, 2, PCI_STATUS_CAP_LIST);
	fake_pci_poke(f, PCI_CAPABILITY_LIST, 1, 0x40);
	for (unsigned off = 0x40; off <= 0xfc; off += 4) {
		fake_pci_poke(f, off, 1, PCI_CAP_ID_VNDR);
		fake_pci_poke(f, off + 1, 1, off == 0xfc ? 0 : off + 4);
	}
	fake_pci_poke(f, 0xfc, 1, PCI_CAP_ID_PM);   /* the last one must still be reached */
	read_caps();
	assert_false(log_captured("loops back"));
	/* The 48th was reached: PM does not fit at 0xfc, which is the one warning. */
	assert_int_equal(caps.warnings, 1);
	assert_int_equal(caps.pm, 0);
	assert_true(log_captured("PM capability at 0xfc runs past 0xff"));
}

static void test_msi_reserved_and_msix_bad_bir(void **state)
{
	struct fake_fn *f = endpoint();
	uint8_t msi, msix;

	(void)state;
	msi = fake_pci_cap(f, PCI_CAP_ID_MSI, PCI_MSI_CAP_LEN);
	fake_pci_poke(f, msi + PCI_MSI_FLAGS, 2, 6 << 1);
	msix = fake_pci_cap(f, PCI_CAP_ID_MSIX, PCI_MSIX_CAP_LEN);
	fake_pci_poke(f, msix + PCI_MSIX_FLAGS, 2, 0x7ff);
	fake_pci_poke(f, msix + PCI_MSIX_TABLE, 4, 7);
	read_caps();
	assert_int_equal(caps.msi_max_vectors, 32);
	assert_false(caps.msi_64bit);
	assert_int_equal(caps.msix_table_size, 2048);
	assert_true(log_captured("MSI multiple-message field 6 is reserved, using 32"));
	assert_true(log_captured("MSI-X table in BAR indicator 7, which does not exist"));
}

static void test_duplicate_caps_keep_first(void **state)
{
	struct fake_fn *f = endpoint();
	uint8_t first;

	(void)state;
	first = fake_pci_cap(f, PCI_CAP_ID_PM, PCI_PM_CAP_LEN);
	fake_pci_cap(f, PCI_CAP_ID_PM, PCI_PM_CAP_LEN);
	read_caps();
	assert_int_equal(caps.pm, first);
}

static struct fake_fn *pcie_endpoint(void)
{
	struct fake_fn *f = endpoint();

	fake_pci_pcie(f, PCI_EXP_TYPE_ENDPOINT, false);
	return f;
}

static void test_ext_loop(void **state)
{
	struct fake_fn *f = pcie_endpoint();
	uint16_t a, b;

	(void)state;
	a = fake_pci_ari(f, 0);
	b = fake_pci_ext_cap(f, PCI_EXT_CAP_ID_ACS, PCI_ACS_CAP_LEN);
	fake_pci_poke(f, b, 4, fake_pci_peek(f, b, 4) | (uint32_t)a << 20);
	read_caps();
	assert_int_equal(caps.ari, a);
	assert_int_equal(caps.acs, b);
	assert_true(log_captured("W/pci: 0000:01:00.0: extended capability list loops back to 0x100, list ends"));
	assert_int_equal(pci_ext_cap_find(0, 1, 0, PCI_EXT_CAP_ID_DSN), 0);   /* quiet, terminates */
}

static void test_ext_self_loop(void **state)
{
	struct fake_fn *f = pcie_endpoint();

	(void)state;
	fake_pci_poke(f, 0x100, 4, 0x100u << 20 | 1 << 16 | PCI_EXT_CAP_ID_ATS);
	read_caps();
	assert_int_not_equal(caps.ats, 0);
	assert_true(log_captured("extended capability list loops back to 0x100"));
	assert_int_equal(pci_ext_cap_find(0, 1, 0, PCI_EXT_CAP_ID_DSN), 0);
}

static void test_ext_bad_pointers(void **state)
{
	struct fake_fn *f = pcie_endpoint();

	(void)state;
	fake_pci_poke(f, 0x100, 4, 0x80u << 20 | 1 << 16 | PCI_EXT_CAP_ID_AER);
	read_caps();
	assert_int_equal(caps.aer, 0x100);
	assert_true(log_captured("extended capability pointer 0x80 at 0x100 is below 0x100, list ends"));
	log_capture_reset();
	fake_pci_poke(f, 0x100, 4, 0x142u << 20 | 1 << 16 | PCI_EXT_CAP_ID_AER);
	read_caps();
	assert_true(log_captured("extended capability pointer 0x142 at 0x100 is misaligned, list ends"));
}

static void test_ext_cap_past_end(void **state)
{
	struct fake_fn *f = pcie_endpoint();

	(void)state;
	fake_pci_poke(f, 0x100, 4, 0xff0u << 20 | 1 << 16 | PCI_EXT_CAP_ID_AER);
	fake_pci_poke(f, 0xff0, 4, 1 << 16 | PCI_EXT_CAP_ID_SRIOV);
	read_caps();
	assert_int_equal(caps.sriov, 0);
	assert_true(log_captured("SR-IOV extended capability at 0xff0 runs past 0xfff, ignored"));
}

static void test_ext_empty_and_all_ones(void **state)
{
	struct fake_fn *f = pcie_endpoint();

	(void)state;
	read_caps();                                /* header 0 at 0x100: no extended caps */
	assert_int_equal(caps.warnings, 0);
	fake_pci_poke(f, 0x100, 4, 0xffffffff);
	read_caps();
	assert_int_equal(caps.warnings, 0);
	assert_int_equal(caps.aer + caps.ari + caps.sriov, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_full_decode, setup),
		cmocka_unit_test_setup(test_port_ari_forwarding, setup),
		cmocka_unit_test_setup(test_no_cap_list_bit, setup),
		cmocka_unit_test_setup(test_absent_function, setup),
		cmocka_unit_test_setup(test_conventional_has_no_ext_space, setup),
		cmocka_unit_test_setup(test_std_loop, setup),
		cmocka_unit_test_setup(test_std_self_loop, setup),
		cmocka_unit_test_setup(test_std_pointer_below_header_end, setup),
		cmocka_unit_test_setup(test_std_cap_past_end, setup),
		cmocka_unit_test_setup(test_std_longest_chain, setup),
		cmocka_unit_test_setup(test_msi_reserved_and_msix_bad_bir, setup),
		cmocka_unit_test_setup(test_duplicate_caps_keep_first, setup),
		cmocka_unit_test_setup(test_ext_loop, setup),
		cmocka_unit_test_setup(test_ext_self_loop, setup),
		cmocka_unit_test_setup(test_ext_bad_pointers, setup),
		cmocka_unit_test_setup(test_ext_cap_past_end, setup),
		cmocka_unit_test_setup(test_ext_empty_and_all_ones, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
