/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/fake_pci.h"
#include "pci/dev.h"
#include "pci/group.h"
#include "pci/enum.h"

static struct mcfg_info mi;

static int setup(void **state)
{
	(void)state;
	fake_pci_reset();
	pci_dev_registry_reset();
	log_capture_reset();
	memset(&mi, 0, sizeof(mi));
	return 0;
}

static void ecam(uint16_t seg, uint8_t start, uint8_t end)
{
	mi.ranges[mi.count++] = (struct mcfg_range){ 0xb0000000ULL + mi.count * 0x10000000ULL,
						     seg, start, end };
}

/* Look a function up; the test keeps no reference (the registry's keeps it alive). */
static struct pci_dev *dev_at(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
{
	struct pci_dev *d = pci_dev_find(seg, bus, PCI_DEVFN(dev, fn));

	if (d)
		pci_dev_put(d);
	return d;
}

static struct fake_fn *root_port(uint8_t dev, uint8_t sec, uint8_t sub, bool ari)
{
	struct fake_fn *f = fake_pci_bridge(0, 0, PCI_DEVFN(dev, 0), sec, sub);

	fake_pci_pcie(f, PCI_EXP_TYPE_ROOT_PORT, ari);
	return f;
}

static struct fake_fn *pcie_endpoint(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t device)
{
	struct fake_fn *f = fake_pci_endpoint(seg, bus, devfn, 0x1b36, device, 0x010802);

	fake_pci_pcie(f, PCI_EXP_TYPE_ENDPOINT, false);
	return f;
}

static void test_q35_like_topology(void **state)
{
	struct fake_fn *rp, *ep;
	struct pci_dev *d;

	(void)state;
	ecam(0, 0, 0xff);
	fake_pci_endpoint(0, 0, PCI_DEVFN(0, 0), 0x8086, 0x29c0, 0x060000);
	rp = root_port(2, 1, 1, false);
	fake_pci_cap(rp, PCI_CAP_ID_PM, PCI_PM_CAP_LEN);
	fake_pci_cap(rp, PCI_CAP_ID_MSIX, PCI_MSIX_CAP_LEN);
	fake_pci_bar(rp, 0, 0, 0xfea00000, 4096);
	ep = pcie_endpoint(0, 1, 0, 0x0010);
	fake_pci_bar(ep, 0, FAKE_BAR_MEM64 | FAKE_BAR_PREFETCH, 0x800000000ULL, 16 * KiB);
	fake_pci_poke(ep, PCI_INTERRUPT_PIN, 1, 1);
	/* ICH9-like multi-function device at 00:1f */
	fake_pci_set_multifunction(fake_pci_endpoint(0, 0, PCI_DEVFN(0x1f, 0), 0x8086, 0x2918, 0x060100));
	fake_pci_endpoint(0, 0, PCI_DEVFN(0x1f, 2), 0x8086, 0x2922, 0x010601);
	fake_pci_endpoint(0, 0, PCI_DEVFN(0x1f, 3), 0x8086, 0x2930, 0x0c0500);

	assert_int_equal(pci_enumerate(&mi), 6);
	assert_true(log_captured("I/pci: 6 functions found on 1 ECAM ranges"));
	assert_int_equal(log_captured_count(LOG_WARN), 0);

	d = dev_at(0, 0, 2, 0);
	assert_non_null(d);
	assert_int_equal(d->header_type, PCI_HEADER_TYPE_BRIDGE);
	assert_int_equal(d->secondary_bus, 1);
	assert_int_equal(d->subordinate_bus, 1);
	assert_int_equal(d->caps.pcie_type, PCI_EXP_TYPE_ROOT_PORT);
	assert_null(d->parent);
	assert_true(d->flags & PCI_DEV_ROOT_BUS);
	assert_int_equal(d->bars[0].size, 4096);
	assert_int_equal(d->bars[0].flags, PCI_BAR_MEM32);

	d = dev_at(0, 1, 0, 0);
	assert_non_null(d);
	assert_ptr_equal(d->parent, dev_at(0, 0, 2, 0));
	assert_int_equal(d->class, 0x010802);
	assert_int_equal(d->revision, 1);
	assert_int_equal(d->irq_pin, 1);
	assert_int_equal(d->nr_rids, 1);
	assert_int_equal(d->rids[0], 0x0100);
	assert_false(d->flags & PCI_DEV_ROOT_BUS);

	d = dev_at(0, 0, 0x1f, 0);
	assert_true(d->multifunction);
	assert_non_null(dev_at(0, 0, 0x1f, 2));
	assert_non_null(dev_at(0, 0, 0x1f, 3));
	assert_null(dev_at(0, 0, 0x1f, 1));
	assert_null(dev_at(0, 0, 3, 0));
}

static void test_several_segments(void **state)
{
	(void)state;
	ecam(0, 0, 0xff);
	ecam(1, 0x80, 0xff);
	ecam(2, 0, 0x0f);
	fake_pci_endpoint(0, 0, PCI_DEVFN(1, 0), 0x8086, 1, 0x020000);
	fake_pci_endpoint(1, 0x80, PCI_DEVFN(1, 0), 0x8086, 2, 0x020000);
	fake_pci_endpoint(1, 0x00, PCI_DEVFN(1, 0), 0x8086, 3, 0x020000);   /* no ECAM: never seen */
	fake_pci_endpoint(2, 0, PCI_DEVFN(4, 0), 0x8086, 4, 0x020000);
	assert_int_equal(pci_enumerate(&mi), 3);
	assert_non_null(dev_at(0, 0, 1, 0));
	assert_non_null(dev_at(1, 0x80, 1, 0));
	assert_null(dev_at(1, 0, 1, 0));
	assert_non_null(dev_at(2, 0, 4, 0));
	assert_int_equal(dev_at(2, 0, 4, 0)->device, 4);
}

static void test_nested_switch(void **state)
{
	struct fake_fn *up, *dn;
	struct pci_dev *ep3, *ep4;

	(void)state;
	ecam(0, 0, 0xff);
	root_port(0x1c, 1, 5, false);
	up = fake_pci_bridge(0, 1, 0, 2, 5);
	fake_pci_pcie(up, PCI_EXP_TYPE_UPSTREAM, false);
	dn = fake_pci_bridge(0, 2, PCI_DEVFN(0, 0), 3, 3);
	fake_pci_pcie(dn, PCI_EXP_TYPE_DOWNSTREAM, false);
	dn = fake_pci_bridge(0, 2, PCI_DEVFN(1, 0), 4, 5);
	fake_pci_pcie(dn, PCI_EXP_TYPE_DOWNSTREAM, false);
	pcie_endpoint(0, 3, 0, 0x11);
	pcie_endpoint(0, 4, 0, 0x12);
	/* Behind a downstream port only device 0 exists: this one ignores the device number. */
	pcie_endpoint(0, 4, PCI_DEVFN(5, 0), 0x13);
	assert_int_equal(pci_enumerate(&mi), 6);
	ep3 = dev_at(0, 3, 0, 0);
	ep4 = dev_at(0, 4, 0, 0);
	assert_ptr_equal(ep3->parent, dev_at(0, 2, 0, 0));
	assert_ptr_equal(ep4->parent, dev_at(0, 2, 1, 0));
	assert_ptr_equal(ep4->parent->parent, dev_at(0, 1, 0, 0));
	assert_ptr_equal(ep4->parent->parent->parent, dev_at(0, 0, 0x1c, 0));
	assert_null(dev_at(0, 4, 5, 0));
	assert_int_equal(ep4->nr_rids, 1);          /* PCIe ports forward ids unchanged */
	assert_int_equal(log_captured_count(LOG_WARN), 0);
}

static void test_legacy_aliases(void **state)
{
	struct fake_fn *br;
	struct pci_dev *d;

	(void)state;
	ecam(0, 0, 0xff);
	root_port(0x1e, 1, 3, false);
	br = fake_pci_bridge(0, 1, 0, 2, 3);
	fake_pci_pcie(br, PCI_EXP_TYPE_PCI_BRIDGE, false);           /* PCIe-to-PCI */
	fake_pci_endpoint(0, 2, PCI_DEVFN(3, 0), 0x1234, 0x11e8, 0x00ff00);
	fake_pci_bridge(0, 2, PCI_DEVFN(4, 0), 3, 3);                 /* conventional PCI-to-PCI */
	fake_pci_endpoint(0, 3, PCI_DEVFN(0, 0), 0x1234, 0x11e9, 0x00ff00);
	fake_pci_bridge(0, 0, PCI_DEVFN(5, 0), 4, 4);                 /* conventional, root bus */
	fake_pci_endpoint(0, 4, PCI_DEVFN(2, 0), 0x1234, 0x11ea, 0x00ff00);
	assert_int_equal(pci_enumerate(&mi), 7);

	/* Behind the PCIe-to-PCI bridge: its own id (PCI-X) and (secondary bus, devfn 0). */
	d = dev_at(0, 2, 3, 0);
	assert_int_equal(d->nr_rids, 2);
	assert_int_equal(d->rids[0], 0x0218);
	assert_int_equal(d->rids[1], 0x0200);
	/* One conventional bridge further down: that bridge's id, then the topmost alias. */
	d = dev_at(0, 3, 0, 0);
	assert_int_equal(d->nr_rids, 3);
	assert_int_equal(d->rids[0], 0x0300);
	assert_int_equal(d->rids[1], 0x0220);
	assert_int_equal(d->rids[2], 0x0200);
	/* A conventional bridge on a root complex: the bridge's own id. */
	d = dev_at(0, 4, 2, 0);
	assert_int_equal(d->nr_rids, 2);
	assert_int_equal(d->rids[0], 0x0410);
	assert_int_equal(d->rids[1], 0x0028);
	pci_report_tree();
	assert_true(log_captured("I/pci:     0000:02:03.0 1234:11e8 00ff00 device [pci] rids 02:03.0 alias 02:00.0"));
	assert_true(log_captured("I/pci:   0000:01:00.0 1b36:000c 060400 bridge [pcie-to-pci bridge] buses 02-03 rid 01:00.0 caps PCIe"));
}

static void test_ari_next_function_chain(void **state)
{
	struct fake_fn *rp, *f;
	uint8_t pcie;
	struct pci_dev *d;

	(void)state;
	ecam(0, 0, 0xff);
	rp = root_port(3, 5, 5, true);
	f = pcie_endpoint(0, 5, 0x00, 0x20);
	fake_pci_ari(f, 0x10);
	f = pcie_endpoint(0, 5, 0x10, 0x21);
	fake_pci_ari(f, 0x81);
	f = pcie_endpoint(0, 5, 0x81, 0x22);
	fake_pci_ari(f, 0);
	pcie_endpoint(0, 5, 0x40, 0x23);             /* not in the chain: not a function of it */
	assert_int_equal(pci_enumerate(&mi), 4);
	pcie = 0x40;
	assert_int_equal(fake_pci_peek(rp, pcie + PCI_EXP_DEVCTL2, 2) & PCI_EXP_DEVCTL2_ARI,
			 PCI_EXP_DEVCTL2_ARI);
	assert_true(dev_at(0, 0, 3, 0)->caps.ari_fwd_enabled);
	d = pci_dev_find(0, 5, 0x81);
	assert_non_null(d);
	assert_true(d->flags & PCI_DEV_ARI);
	assert_int_equal(d->rids[0], 0x0581);
	pci_dev_put(d);
	d = pci_dev_find(0, 5, 0x10);
	assert_non_null(d);
	pci_dev_put(d);
	assert_null(pci_dev_find(0, 5, 0x40));
}

static void test_ari_chain_loop(void **state)
{
	struct fake_fn *f;

	(void)state;
	ecam(0, 0, 0xff);
	root_port(3, 5, 5, true);
	f = pcie_endpoint(0, 5, 0x00, 0x20);
	fake_pci_ari(f, 0x10);
	f = pcie_endpoint(0, 5, 0x10, 0x21);
	fake_pci_ari(f, 0x10);                       /* points at itself */
	assert_int_equal(pci_enumerate(&mi), 3);
	assert_true(log_captured("W/pci: 0000:05:00.0: ARI next-function chain loops back to function 16"));
}

static void test_no_ari_without_port_support(void **state)
{
	struct fake_fn *f;

	(void)state;
	ecam(0, 0, 0xff);
	root_port(3, 5, 5, false);
	f = pcie_endpoint(0, 5, 0x00, 0x20);
	fake_pci_ari(f, 0x10);
	pcie_endpoint(0, 5, 0x10, 0x21);
	assert_int_equal(pci_enumerate(&mi), 2);     /* 05:02.0 is behind a port without ARI */
	assert_null(dev_at(0, 5, 2, 0));
}

static void test_bar_sizing_and_restore(void **state)
{
	struct fake_fn *f;
	uint32_t before[6];
	struct pci_dev *d;

	(void)state;
	ecam(0, 0, 0xff);
	f = fake_pci_endpoint(0, 0, PCI_DEVFN(3, 0), 0x1af4, 0x1000, 0x020000);
	fake_pci_bar(f, 0, FAKE_BAR_IO, 0xc040, 64);
	fake_pci_bar(f, 1, 0, 0xfeb00000, 1 * MiB);
	fake_pci_bar(f, 2, FAKE_BAR_MEM64 | FAKE_BAR_PREFETCH, 0x400000000ULL, 8 * GiB);
	fake_pci_bar(f, 5, FAKE_BAR_PREFETCH, 0xe0000000, 4096);
	fake_pci_set_command(f, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
	for (unsigned i = 0; i < 6; i++)
		before[i] = fake_pci_peek(f, PCI_BASE_ADDRESS_0 + 4 * i, 4);
	assert_int_equal(pci_enumerate(&mi), 1);
	d = dev_at(0, 0, 3, 0);
	assert_int_equal(d->bars[0].flags, PCI_BAR_IO);
	assert_int_equal(d->bars[0].base, 0xc040);
	assert_int_equal(d->bars[0].size, 64);
	assert_int_equal(d->bars[1].flags, PCI_BAR_MEM32);
	assert_int_equal(d->bars[1].size, 1 * MiB);
	assert_int_equal(d->bars[2].flags, PCI_BAR_MEM64 | PCI_BAR_PREFETCH);
	assert_int_equal(d->bars[2].base, 0x400000000ULL);
	assert_int_equal(d->bars[2].size, 8 * GiB);
	assert_int_equal(d->bars[3].flags, PCI_BAR_UPPER);
	assert_int_equal(d->bars[3].size, 0);
	assert_int_equal(d->bars[4].size, 0);       /* not implemented */
	assert_int_equal(d->bars[4].flags, 0);
	assert_int_equal(d->bars[5].flags, PCI_BAR_MEM32 | PCI_BAR_PREFETCH);
	assert_int_equal(d->bars[5].size, 4096);
	/* Sized with decode off, then every BAR and COMMAND restored. */
	assert_int_equal(fake_pci_decode_violations(), 0);
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(fake_pci_peek(f, PCI_BASE_ADDRESS_0 + 4 * i, 4), before[i]);
	assert_int_equal(fake_pci_peek(f, PCI_COMMAND, 2),
			 PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
	pci_report_tree();
	assert_true(log_captured("BARs io 0xc040/64,mem 0xfeb00000/1M,mem64 pref 0x400000000/8G,mem pref 0xe0000000/4K"));
}

static void test_hostile_bars(void **state)
{
	struct fake_fn *f;
	struct pci_dev *d;

	(void)state;
	ecam(0, 0, 0xff);
	f = fake_pci_endpoint(0, 0, PCI_DEVFN(3, 0), 0x1af4, 0x1000, 0x020000);
	fake_pci_bar(f, 0, 0, 0xfeb00000, 4096);
	fake_pci_wmask(f, PCI_BASE_ADDRESS_0, 4, 0xffffffff);   /* type bits change when written */
	fake_pci_bar(f, 5, FAKE_BAR_MEM64, 0xfec00000, 4096);   /* 64-bit in the last slot */
	assert_int_equal(pci_enumerate(&mi), 1);
	d = dev_at(0, 0, 3, 0);
	assert_int_equal(d->bars[0].size, 0);
	assert_true(log_captured("W/pci: 0000:00:03.0: BAR at 0x10 changes its type bits when sized"));
	assert_true(log_captured("W/pci: 0000:00:03.0: 64-bit BAR at 0x24 in the last slot, decoded as 32-bit"));
	assert_int_equal(d->bars[5].size, 4096);
	assert_int_equal(fake_pci_peek(f, PCI_BASE_ADDRESS_0, 4), 0xfeb00000);
}

static void test_bridge_subordinate_below_secondary(void **state)
{
	(void)state;
	ecam(0, 0, 0xff);
	fake_pci_bridge(0, 0, PCI_DEVFN(4, 0), 6, 5);
	fake_pci_endpoint(0, 6, 0, 0x1af4, 1, 0x020000);
	assert_int_equal(pci_enumerate(&mi), 1);
	assert_true(log_captured("W/pci: 0000:00:04.0: bridge (buses 06-05) has a subordinate bus below its secondary bus; buses behind it not scanned"));
	assert_null(dev_at(0, 6, 0, 0));
}

static void test_bridge_outside_mcfg(void **state)
{
	(void)state;
	ecam(0, 0, 0x3f);
	fake_pci_bridge(0, 0, PCI_DEVFN(4, 0), 0x40, 0x40);
	fake_pci_endpoint(0, 0x40, 0, 0x1af4, 1, 0x020000);
	assert_int_equal(pci_enumerate(&mi), 1);
	assert_true(log_captured("(buses 40-40) has a secondary bus outside the segment's MCFG ranges"));
	assert_null(dev_at(0, 0x40, 0, 0));
}

static void test_bridge_loops_back(void **state)
{
	(void)state;
	ecam(0, 0, 0xff);
	fake_pci_bridge(0, 0, PCI_DEVFN(1, 0), 1, 4);
	fake_pci_bridge(0, 1, PCI_DEVFN(0, 0), 1, 4);   /* secondary = own bus */
	fake_pci_bridge(0, 1, PCI_DEVFN(1, 0), 0, 4);   /* points back at the root bus */
	assert_int_equal(pci_enumerate(&mi), 3);
	assert_true(log_captured("W/pci: 0000:01:00.0: bridge (buses 01-04) has a secondary bus not above its own bus (would loop)"));
	assert_true(log_captured("W/pci: 0000:01:01.0: bridge (buses 00-04) has a secondary bus not above its own bus"));
}

static void test_bus_reached_twice(void **state)
{
	(void)state;
	ecam(0, 0, 0xff);
	fake_pci_bridge(0, 0, PCI_DEVFN(1, 0), 1, 1);
	fake_pci_bridge(0, 0, PCI_DEVFN(2, 0), 1, 1);
	fake_pci_endpoint(0, 1, 0, 0x1af4, 1, 0x020000);
	assert_int_equal(pci_enumerate(&mi), 3);
	assert_true(log_captured("W/pci: bus 0000:01 reached a second time through bridge 0000:00:02.0, not rescanned"));
	assert_ptr_equal(dev_at(0, 1, 0, 0)->parent, dev_at(0, 0, 1, 0));
}

static void test_bridge_outside_parent_range(void **state)
{
	(void)state;
	ecam(0, 0, 0xff);
	fake_pci_bridge(0, 0, PCI_DEVFN(1, 0), 1, 2);
	fake_pci_bridge(0, 1, PCI_DEVFN(0, 0), 3, 3);
	fake_pci_endpoint(0, 3, 0, 0x1af4, 1, 0x020000);
	assert_int_equal(pci_enumerate(&mi), 2);
	assert_true(log_captured("0000:01:00.0: bridge (buses 03-03) claims buses outside its parent bridge's range"));
	assert_null(dev_at(0, 3, 0, 0));
}

static void test_unconfigured_bridge(void **state)
{
	(void)state;
	ecam(0, 0, 0xff);
	fake_pci_bridge(0, 0, PCI_DEVFN(1, 0), 0, 0);
	assert_int_equal(pci_enumerate(&mi), 1);
	assert_true(log_captured("has no bus numbers (firmware did not configure it)"));
}

static void test_nesting_limit(void **state)
{
	(void)state;
	ecam(0, 0, 0xff);
	for (unsigned bus = 0; bus <= PCI_ENUM_MAX_DEPTH + 2; bus++)
		fake_pci_bridge(0, (uint8_t)bus, 0, (uint8_t)(bus + 1), 0x60);
	assert_int_equal(pci_enumerate(&mi), PCI_ENUM_MAX_DEPTH + 1);
	assert_true(log_captured("W/pci: 0000:20:00.0: bridge (buses 21-60) is nested too deep"));
}

static void test_device_ignores_function_number(void **state)
{
	struct fake_fn *f;
	struct pci_dev *d;

	(void)state;
	ecam(0, 0, 0xff);
	f = fake_pci_endpoint(0, 0, PCI_DEVFN(6, 0), 0x1af4, 1, 0x020000);
	fake_pci_set_multifunction(f);
	fake_pci_mirror_functions(f);
	assert_int_equal(pci_enumerate(&mi), 1);
	assert_true(log_captured("W/pci: 0000:00:06.0: all 8 functions return identical config space"));
	d = dev_at(0, 0, 6, 0);
	assert_true(d->flags & PCI_DEV_IGNORES_FN);
	assert_null(dev_at(0, 0, 6, 1));
}

static void test_single_function_answers_everywhere(void **state)
{
	struct fake_fn *f;

	(void)state;
	ecam(0, 0, 0xff);
	f = fake_pci_endpoint(0, 0, PCI_DEVFN(6, 0), 0x1af4, 1, 0x020000);
	fake_pci_mirror_functions(f);
	assert_int_equal(pci_enumerate(&mi), 1);
	assert_true(log_captured("W/pci: 0000:00:06.0: function 1 answers but function 0 is not multi-function; functions 1-7 not probed"));
	assert_null(dev_at(0, 0, 6, 1));
}

static void test_unknown_header_and_caps_loop(void **state)
{
	struct fake_fn *f;
	uint8_t a;

	(void)state;
	ecam(0, 0, 0xff);
	f = fake_pci_add(0, 0, PCI_DEVFN(7, 0), 0x1af4, 1, 0x020000, 0x7f);
	a = fake_pci_cap(f, PCI_CAP_ID_PM, PCI_PM_CAP_LEN);
	fake_pci_poke(f, a + PCI_CAP_NEXT, 1, a);
	assert_int_equal(pci_enumerate(&mi), 1);
	assert_true(log_captured("W/pci: 0000:00:07.0: unknown header type 0x7f, registered without BARs"));
	assert_true(log_captured("capability list loops back to 0x40"));
	assert_true(dev_at(0, 0, 7, 0)->flags & PCI_DEV_CAPS_MALFORMED);
}

static void test_pool_exhaustion_stops_cleanly(void **state)
{
	(void)state;
	/* Fill all but two pool entries directly, then enumerate four functions. */
	for (unsigned i = 0; i < PCI_DEV_POOL_SIZE - 2; i++) {
		struct pci_dev_desc d = { .seg = 9, .bus = (uint8_t)(i / 256), .devfn = (uint8_t)i,
					  .vendor = 1, .device = (uint16_t)i };

		assert_int_equal(pci_dev_add(&d, NULL), 0);
	}
	ecam(0, 0, 0xff);
	ecam(1, 0, 0xff);
	fake_pci_bridge(0, 0, PCI_DEVFN(1, 0), 1, 1);
	fake_pci_endpoint(0, 1, 0, 0x1af4, 1, 0x020000);
	fake_pci_endpoint(0, 1, 1, 0x1af4, 2, 0x020000);
	fake_pci_set_multifunction(fake_pci_find(0, 1, 0));
	fake_pci_endpoint(1, 0, 0, 0x1af4, 3, 0x020000);
	log_capture_reset();
	assert_int_equal(pci_enumerate(&mi), -ENOMEM);
	assert_int_equal(pci_dev_count(), PCI_DEV_POOL_SIZE);
	assert_true(log_captured("E/pci: device pool exhausted (512 devices), 0000:01:00.1 not registered"));
	assert_true(log_captured("W/pci: device pool exhausted: enumeration of segment 0000 stopped at 0000:01:00.1"));
	assert_true(log_captured("I/pci: 2 functions found on 2 ECAM ranges"));
	/* The walk stopped: segment 1 was not touched. */
	assert_null(dev_at(1, 0, 0, 0));
}

static void test_report_tree_format(void **state)
{
	struct fake_fn *rp, *ep;

	(void)state;
	ecam(0, 0, 0xff);
	rp = root_port(2, 1, 1, false);
	fake_pci_cap(rp, PCI_CAP_ID_PM, PCI_PM_CAP_LEN);
	fake_pci_cap(rp, PCI_CAP_ID_MSIX, PCI_MSIX_CAP_LEN);
	fake_pci_bar(rp, 0, 0, 0xfea00000, 4096);
	ep = pcie_endpoint(0, 1, 0, 0x0010);
	fake_pci_bar(ep, 0, FAKE_BAR_MEM64, 0xfe800000, 16 * KiB);
	fake_pci_dsn(ep, 1);
	assert_int_equal(pci_enumerate(&mi), 2);
	log_capture_reset();
	pci_report_tree();
	assert_true(log_captured("I/pci: device tree: 2 functions, 0 PFs, 0 VFs"));
	assert_true(log_captured("I/pci: 0000:00:02.0 1b36:000c 060400 bridge [root port] buses 01-01 rid 00:02.0 caps PCIe,PM,MSI-X BARs mem 0xfea00000/4K"));
	assert_true(log_captured("I/pci:   0000:01:00.0 1b36:0010 010802 device [endpoint] rid 01:00.0 caps PCIe,DSN BARs mem64 0xfe800000/16K"));
	assert_int_equal(log_captured_count(LOG_INFO), 3);
}

/* ACS left off by firmware is turned on where implemented; groups then follow the hardware. */
static void test_acs_enabled_at_enumeration(void **state)
{
	struct fake_fn *rp, *rp2, *ep;
	uint16_t acs, acs2;

	(void)state;
	ecam(0, 0, 0xff);
	rp = root_port(2, 1, 1, false);
	acs = fake_pci_ext_cap(rp, PCI_EXT_CAP_ID_ACS, 8);
	fake_pci_poke(rp, acs + PCI_ACS_CAP, 2, PCI_ACS_SV | PCI_ACS_TB | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF);
	fake_pci_wmask(rp, acs + PCI_ACS_CTRL, 2, 0x7f);
	ep = pcie_endpoint(0, 1, 0, 0x0010);
	rp2 = root_port(3, 2, 2, false);             /* ACS implements SV only */
	acs2 = fake_pci_ext_cap(rp2, PCI_EXT_CAP_ID_ACS, 8);
	fake_pci_poke(rp2, acs2 + PCI_ACS_CAP, 2, PCI_ACS_SV);
	fake_pci_wmask(rp2, acs2 + PCI_ACS_CTRL, 2, 0x7f);
	pcie_endpoint(0, 2, 0, 0x0011);
	(void)ep;
	assert_int_equal(pci_enumerate(&mi), 4);
	/* Translation Blocking stays off: it is for untrusted ports only. */
	assert_int_equal(fake_pci_peek(rp, acs + PCI_ACS_CTRL, 2), PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF);
	assert_int_equal(fake_pci_peek(rp2, acs2 + PCI_ACS_CTRL, 2), PCI_ACS_SV);
	assert_ptr_not_equal(dev_at(0, 1, 0, 0)->group, dev_at(0, 0, 2, 0)->group);
	/* What a port lacks it cannot do: missing controls count as hard-wired on (Linux's reading). */
	assert_ptr_not_equal(dev_at(0, 2, 0, 0)->group, dev_at(0, 0, 3, 0)->group);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_q35_like_topology, setup),
		cmocka_unit_test_setup(test_several_segments, setup),
		cmocka_unit_test_setup(test_nested_switch, setup),
		cmocka_unit_test_setup(test_legacy_aliases, setup),
		cmocka_unit_test_setup(test_ari_next_function_chain, setup),
		cmocka_unit_test_setup(test_ari_chain_loop, setup),
		cmocka_unit_test_setup(test_no_ari_without_port_support, setup),
		cmocka_unit_test_setup(test_bar_sizing_and_restore, setup),
		cmocka_unit_test_setup(test_hostile_bars, setup),
		cmocka_unit_test_setup(test_bridge_subordinate_below_secondary, setup),
		cmocka_unit_test_setup(test_bridge_outside_mcfg, setup),
		cmocka_unit_test_setup(test_bridge_loops_back, setup),
		cmocka_unit_test_setup(test_bus_reached_twice, setup),
		cmocka_unit_test_setup(test_bridge_outside_parent_range, setup),
		cmocka_unit_test_setup(test_unconfigured_bridge, setup),
		cmocka_unit_test_setup(test_nesting_limit, setup),
		cmocka_unit_test_setup(test_device_ignores_function_number, setup),
		cmocka_unit_test_setup(test_single_function_answers_everywhere, setup),
		cmocka_unit_test_setup(test_unknown_header_and_caps_loop, setup),
		cmocka_unit_test_setup(test_pool_exhaustion_stops_cleanly, setup),
		cmocka_unit_test_setup(test_report_tree_format, setup),
		cmocka_unit_test_setup(test_acs_enabled_at_enumeration, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
