/* SPDX-License-Identifier: MIT */
/*
 * Device groups (pci/group.c): which functions the IOMMU cannot isolate from
 * each other. Functions are registered straight from descriptors; ACS
 * control registers live in the fake config space.
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/fake_pci.h"
#include "pci/dev.h"
#include "pci/group.h"
#include "pci/regs.h"

#define ACS_OFF     0x100
#define ACS_ALL     (PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF)

static struct pci_dev *add(struct pci_dev_desc *desc)
{
	struct pci_dev *d = NULL;

	if (!desc->nr_rids) {
		desc->rids[0] = PCI_RID(desc->bus, desc->devfn);
		desc->nr_rids = 1;
	}
	assert_int_equal(pci_dev_add(desc, &d), 0);
	pci_dev_put(d);
	return d;
}

/* A PCIe function of `type`; acs_ctrl < 0: no ACS capability. */
static struct pci_dev *pcie_fn(uint8_t bus, uint8_t devfn, uint8_t type, int acs_ctrl,
			       const struct pci_dev *parent, bool multifunction)
{
	struct fake_fn *f = fake_pci_endpoint(0, bus, devfn, 0x8086, 0x1234, 0x020000);
	struct pci_dev_desc desc = { .bus = bus, .devfn = devfn, .vendor = 0x8086, .device = 0x1234,
				     .class = 0x020000, .multifunction = multifunction };

	desc.caps.pcie = 0x40;
	desc.caps.pcie_type = type;
	if (acs_ctrl >= 0) {
		desc.caps.acs = ACS_OFF;
		desc.caps.acs_caps = ACS_ALL;
		fake_pci_poke(f, ACS_OFF + PCI_ACS_CTRL, 2, (uint32_t)acs_ctrl);
	}
	if (parent) {
		desc.has_parent = true;
		desc.parent_bus = parent->bus;
		desc.parent_devfn = parent->devfn;
	}
	return add(&desc);
}

static struct pci_dev *port(uint8_t bus, uint8_t devfn, uint8_t type, int acs_ctrl, uint8_t sec,
			    const struct pci_dev *parent)
{
	struct fake_fn *f = fake_pci_bridge(0, bus, devfn, sec, sec);
	struct pci_dev_desc desc = { .bus = bus, .devfn = devfn, .vendor = 0x8086, .device = 0x4321,
				     .class = 0x060400, .header_type = PCI_HEADER_TYPE_BRIDGE,
				     .primary_bus = bus, .secondary_bus = sec, .subordinate_bus = sec };

	desc.caps.pcie = 0x40;
	desc.caps.pcie_type = type;
	if (acs_ctrl >= 0) {
		desc.caps.acs = ACS_OFF;
		desc.caps.acs_caps = ACS_ALL;
		fake_pci_poke(f, ACS_OFF + PCI_ACS_CTRL, 2, (uint32_t)acs_ctrl);
	}
	if (parent) {
		desc.has_parent = true;
		desc.parent_bus = parent->bus;
		desc.parent_devfn = parent->devfn;
	}
	return add(&desc);
}

static int setup(void **state)
{
	(void)state;
	fake_pci_reset();
	pci_dev_registry_reset();
	return 0;
}

/* A root port without ACS (or with ACS left off by firmware) does not isolate what is below it. */
static void test_root_port_without_acs_shares_its_group(void **state)
{
	struct pci_dev *rp_none, *rp_off, *rp_on, *a, *b, *c;

	(void)state;
	rp_none = port(0, PCI_DEVFN(1, 0), PCI_EXP_TYPE_ROOT_PORT, -1, 1, NULL);
	rp_off = port(0, PCI_DEVFN(2, 0), PCI_EXP_TYPE_ROOT_PORT, 0, 2, NULL);
	rp_on = port(0, PCI_DEVFN(3, 0), PCI_EXP_TYPE_ROOT_PORT, ACS_ALL, 3, NULL);
	a = pcie_fn(1, 0, PCI_EXP_TYPE_ENDPOINT, -1, rp_none, false);
	b = pcie_fn(2, 0, PCI_EXP_TYPE_ENDPOINT, -1, rp_off, false);
	c = pcie_fn(3, 0, PCI_EXP_TYPE_ENDPOINT, -1, rp_on, false);
	assert_ptr_equal(a->group, rp_none->group);
	assert_ptr_equal(b->group, rp_off->group);
	assert_ptr_not_equal(c->group, rp_on->group);
	assert_int_equal(c->group->nr_devs, 1);
	assert_ptr_not_equal(a->group, b->group);
	assert_false(pci_bridge_isolates(rp_off));
	assert_true(pci_bridge_isolates(rp_on));
}

/* Below a switch, the topmost port that does not isolate decides. */
static void test_topmost_non_isolating_bridge_decides(void **state)
{
	struct pci_dev *rp, *up, *dp1, *dp2, *a, *b;

	(void)state;
	rp = port(0, PCI_DEVFN(1, 0), PCI_EXP_TYPE_ROOT_PORT, 0, 1, NULL);   /* ACS off */
	up = port(1, 0, PCI_EXP_TYPE_UPSTREAM, -1, 2, rp);
	dp1 = port(2, PCI_DEVFN(1, 0), PCI_EXP_TYPE_DOWNSTREAM, ACS_ALL, 3, up);
	dp2 = port(2, PCI_DEVFN(2, 0), PCI_EXP_TYPE_DOWNSTREAM, ACS_ALL, 4, up);
	a = pcie_fn(3, 0, PCI_EXP_TYPE_ENDPOINT, -1, dp1, false);
	b = pcie_fn(4, 0, PCI_EXP_TYPE_ENDPOINT, -1, dp2, false);
	/* The root port lets peers talk: everything below it is one group. */
	assert_ptr_equal(a->group, b->group);
	assert_ptr_equal(a->group, rp->group);
	assert_int_equal(rp->group->nr_devs, 6);
}

/* Functions of a multi-function device share a group unless every one has ACS on. */
static void test_multifunction_devices(void **state)
{
	struct pci_dev *f0, *f1, *g0, *g1, *h0, *h1;

	(void)state;
	f0 = pcie_fn(0, PCI_DEVFN(5, 0), PCI_EXP_TYPE_RC_END, -1, NULL, true);
	f1 = pcie_fn(0, PCI_DEVFN(5, 1), PCI_EXP_TYPE_RC_END, -1, NULL, true);
	g0 = pcie_fn(0, PCI_DEVFN(6, 0), PCI_EXP_TYPE_RC_END, ACS_ALL, NULL, true);
	g1 = pcie_fn(0, PCI_DEVFN(6, 1), PCI_EXP_TYPE_RC_END, ACS_ALL, NULL, true);
	h0 = pcie_fn(0, PCI_DEVFN(7, 0), PCI_EXP_TYPE_RC_END, ACS_ALL, NULL, true);
	h1 = pcie_fn(0, PCI_DEVFN(7, 1), PCI_EXP_TYPE_RC_END, -1, NULL, true);
	assert_ptr_equal(f0->group, f1->group);
	assert_ptr_not_equal(g0->group, g1->group);
	assert_ptr_equal(h0->group, h1->group);       /* more conservative than Linux */
	assert_ptr_not_equal(f0->group, h0->group);
}

/* Shared requester ids join groups, merging them when a newcomer links two. */
static void test_shared_ids_join_and_merge_groups(void **state)
{
	struct pci_dev_desc da = { .bus = 0, .devfn = PCI_DEVFN(8, 0), .rids = { 0x0040, 0x0900 }, .nr_rids = 2 };
	struct pci_dev_desc db = { .bus = 0, .devfn = PCI_DEVFN(9, 0), .rids = { 0x0048, 0x0a00 }, .nr_rids = 2 };
	struct pci_dev_desc dc = { .bus = 0, .devfn = PCI_DEVFN(10, 0), .rids = { 0x0050, 0x0900, 0x0a00 }, .nr_rids = 3 };
	struct pci_dev *a, *b, *c;

	(void)state;
	fake_pci_endpoint(0, 0, da.devfn, 1, 1, 0);
	fake_pci_endpoint(0, 0, db.devfn, 1, 1, 0);
	fake_pci_endpoint(0, 0, dc.devfn, 1, 1, 0);
	a = add(&da);
	b = add(&db);
	assert_ptr_not_equal(a->group, b->group);
	c = add(&dc);
	assert_ptr_equal(a->group, c->group);
	assert_ptr_equal(b->group, c->group);
	assert_int_equal(c->group->nr_devs, 3);
	/* Leaving shrinks the group; the last one out frees it. */
	pci_dev_get(c);
	assert_int_equal(pci_dev_remove(c), 0);
	assert_int_equal(a->group->nr_devs, 2);
}

/* Behind a PCIe-to-PCI bridge everything is one group with the bridge, alias owner included. */
static void test_pcie_to_pci_bridge(void **state)
{
	struct pci_dev *br, *real, *conv;
	struct pci_dev_desc dr = { .bus = 3, .devfn = 0, .rids = { 0x0300 }, .nr_rids = 1,
				   .has_parent = true, .parent_bus = 0, .parent_devfn = PCI_DEVFN(4, 0) };
	struct pci_dev_desc dv = { .bus = 3, .devfn = PCI_DEVFN(2, 0), .rids = { 0x0310, 0x0300 }, .nr_rids = 2,
				   .has_parent = true, .parent_bus = 0, .parent_devfn = PCI_DEVFN(4, 0) };

	(void)state;
	br = port(0, PCI_DEVFN(4, 0), PCI_EXP_TYPE_PCI_BRIDGE, -1, 3, NULL);
	fake_pci_endpoint(0, 3, 0, 1, 1, 0);
	fake_pci_endpoint(0, 3, dv.devfn, 1, 1, 0);
	real = add(&dr);
	conv = add(&dv);
	assert_ptr_equal(real->group, conv->group);
	assert_ptr_equal(br->group, conv->group);
	assert_false(pci_bridge_isolates(br));
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_root_port_without_acs_shares_its_group),
		T(test_topmost_non_isolating_bridge_decides),
		T(test_multifunction_devices),
		T(test_shared_ids_join_and_merge_groups),
		T(test_pcie_to_pci_bridge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
