/* SPDX-License-Identifier: MIT */
/*
 * The domain layer (iommu/iommu.c, unity.c, fault.c) over a fake vendor
 * that records, per requester id, which domain and which table root the
 * "hardware" holds, and that fails set_rid on demand. After every move,
 * failed or not, the tests check that hardware and software agree for every
 * function (assert_hw_agrees).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/harness.h"
#include "tests/unit/fake_pci.h"
#include "iommu/iommu.h"
#include "iommu/internal.h"
#include "kernel/frames.h"
#include "pci/dev.h"
#include "pci/group.h"
#include "pci/regs.h"

#define ARENA_BASE 0x10000000ULL  /* the monitor pool */
#define ARENA_SIZE (8 * MiB)
#define UNIT_BASE  0xfed90000ULL
#define RID_EDU    0x0008       /* 00:01.0: has a unity range */
#define RID_NIC    0x0010       /* 00:02.0: two requester ids */
#define RID_ALIAS  0x0300
#define RID_BRIDGE 0x0018       /* 00:03.0: PCIe-to-PCI bridge to bus 2 */
#define RID_CONV1  0x0218       /* 02:03.0, alias 02:00.0 */
#define RID_CONV2  0x0220       /* 02:04.0, alias 02:00.0 */
#define RID_SEC    0x0200
#define RID_ORPHAN 0x0500       /* 05:00.0: no unit covers it */
#define RID_FAILED 0x0600       /* 06:00.0: its unit failed bring-up */
#define RID_B      0x1000       /* 10:00.0: behind unit B */
#define UNITY_BASE 0x200000ULL
#define UNITY_END  0x204000ULL
#define RAM_END    0x8000000ULL

struct fake_unit { unsigned levels; };

/* What a test wants of the platform; set before setup (prestate). */
struct platform {
	unsigned levels_a, levels_b;     /* 0: 4 */
	uint32_t domain_ids;             /* 0: 65536 */
	const struct iommu_unity *unity; /* NULL: the default range for edu and nic */
	unsigned nunity;
	const struct phys_range *ram;    /* NULL: 1-128 MiB */
	unsigned nram;
};

static uint8_t *arena;
static struct fake_unit unit_a, unit_b;
static struct platform plat;
static const struct iommu_domain *hw_dom[65536];
static paddr_t hw_root[65536];
static unsigned set_rid_calls;
/* set_rid on fail_rid succeeds fail_skip more times, then fails fail_times times. */
static uint16_t fail_rid = 0xffff;
static unsigned fail_skip, fail_times;
static bool fail_leaves_blocked;
static uint16_t fail_always_rid = 0xffff;
static struct phys_range default_ram[] = { { 0x100000, RAM_END } };
static const struct iommu_unity default_unity[] = { { 0, RID_EDU, RID_NIC, UNITY_BASE, UNITY_END } };

static bool fake_probe(const struct acpi_info *ai, struct iommu_limits *lim)
{
	(void)ai;
	*lim = (struct iommu_limits){ .pt_levels = unit_a.levels, .addr_width = unit_a.levels == 4 ? 48 : 39,
				      .page_sizes = PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G, .coherent = true,
				      .domain_ids = plat.domain_ids ? plat.domain_ids : 1u << 16 };
	if (unit_b.levels != unit_a.levels) {
		lim->pt_levels = 4;
		lim->addr_width = 48;
		lim->alt_levels = 3;
		lim->alt_addr_width = 39;
	}
	return true;
}
static void *fake_unit_for(uint16_t seg, uint16_t rid, bool *failed)
{
	(void)seg;
	*failed = rid == RID_FAILED;
	if (rid == RID_ORPHAN || rid == RID_FAILED)
		return NULL;
	return rid >= RID_B ? &unit_b : &unit_a;
}
static paddr_t fake_unit_base(const void *u) { return u == &unit_a ? UNIT_BASE : UNIT_BASE + 0x1000; }
static int fake_set_rid(void *unit, uint16_t rid, const struct iommu_domain *d)
{
	const struct fake_unit *u = unit;
	const struct pt_table *t = NULL;

	assert_non_null(d);
	set_rid_calls++;
	if (rid == fail_always_rid)
		return -EIO;
	if (rid == fail_rid && fail_skip) {
		fail_skip--;
	} else if (rid == fail_rid && fail_times) {
		fail_times--;
		if (fail_leaves_blocked) {
			hw_dom[rid] = iommu_domain_null();
			hw_root[rid] = 0;
		}
		return -EIO;
	}
	if (d->kind != IOMMU_DOMAIN_BLOCKED) {
		t = iommu_domain_table(d, u->levels);
		if (!t)
			return -EINVAL;
	} else {
		assert_int_equal(d->hw_id, IOMMU_DOMAIN_NULL_HW_ID);
	}
	hw_dom[rid] = d;
	hw_root[rid] = t ? t->root : 0;
	return 0;
}
static unsigned flush_calls;
static int fake_flush(const struct iommu_domain *d, uint64_t iova, uint64_t size) { (void)d; (void)iova; (void)size; flush_calls++; return 0; }
static int fake_enable(void) { return 0; }
static unsigned fake_poll(void) { return 0; }
static void fake_report(void) {}
static unsigned fake_unity(struct iommu_unity *out, unsigned max)
{
	const struct iommu_unity *u = plat.unity ? plat.unity : default_unity;
	unsigned n = plat.unity ? plat.nunity : 1;

	for (unsigned i = 0; i < n && i < max; i++)
		out[i] = u[i];
	return MIN(n, max);
}

const struct iommu_ops vtd_iommu_ops = {
	.name = "fake", .pt_format = &pt_fmt_vtd_sl, .walks_x86_tables = true, .probe = fake_probe, .unit_for = fake_unit_for,
	.unit_base = fake_unit_base, .set_rid = fake_set_rid, .flush = fake_flush,
	.enable = fake_enable, .fault_poll = fake_poll, .report = fake_report,
	.unity_ranges = fake_unity,
};
static bool no_probe(const struct acpi_info *ai, struct iommu_limits *l) { (void)ai; (void)l; return false; }
const struct iommu_ops amdvi_iommu_ops = { .name = "none", .probe = no_probe };

static struct pci_dev *edu, *nic, *orphan, *bridge, *conv1, *conv2, *failed_dev, *dev_b;
static struct pci_dev *all[16];
static unsigned nall;

static struct pci_dev *add_desc(struct pci_dev_desc *desc, const uint16_t *rids, unsigned n)
{
	struct pci_dev *d = NULL;

	memcpy(desc->rids, rids, n * sizeof(*rids));
	desc->nr_rids = (uint8_t)n;
	assert_int_equal(pci_dev_add(desc, &d), 0);
	all[nall++] = d;
	return d;   /* the test's reference */
}

static struct pci_dev *add_dev(uint8_t bus, uint8_t devfn, const uint16_t *rids, unsigned n,
			       const struct pci_dev *parent)
{
	struct pci_dev_desc desc = { .bus = bus, .devfn = devfn, .vendor = 0x1234, .device = 0x11e8,
				     .class = 0x00ff00 };

	fake_pci_endpoint(0, bus, devfn, 0x1234, 0x11e8, 0x00ff00);
	if (parent) {
		desc.has_parent = true;
		desc.parent_bus = parent->bus;
		desc.parent_devfn = parent->devfn;
	}
	return add_desc(&desc, rids, n);
}

static struct pci_dev *add_pcie_to_pci_bridge(uint8_t bus, uint8_t devfn, uint8_t sec)
{
	struct pci_dev_desc desc = { .bus = bus, .devfn = devfn, .vendor = 0x1b36, .device = 0x000e,
				     .class = 0x060400, .header_type = PCI_HEADER_TYPE_BRIDGE,
				     .primary_bus = bus, .secondary_bus = sec, .subordinate_bus = sec };
	uint16_t rid = PCI_RID(bus, devfn);

	fake_pci_bridge(0, bus, devfn, sec, sec);
	desc.caps.pcie = 0x40;
	desc.caps.pcie_type = PCI_EXP_TYPE_PCI_BRIDGE;
	return add_desc(&desc, &rid, 1);
}

static int setup(void **state)
{
	static const uint16_t r_edu[] = { RID_EDU }, r_nic[] = { RID_NIC, RID_ALIAS },
		r_orphan[] = { RID_ORPHAN }, r_c1[] = { RID_CONV1, RID_SEC }, r_c2[] = { RID_CONV2, RID_SEC },
		r_failed[] = { RID_FAILED }, r_b[] = { RID_B };
	static const struct phys_range monitor[] = { { ARENA_BASE, ARENA_BASE + ARENA_SIZE } };
	struct phys_range pool = { ARENA_BASE, ARENA_BASE + ARENA_SIZE };
	struct iommu_memory mem = { default_ram, 1, monitor, 1 };
	struct acpi_info ai = { 0 };

	plat = state && *state ? *(const struct platform *)*state : (struct platform){ 0 };
	if (plat.ram) {
		mem.ram = plat.ram;
		mem.nr_ram = plat.nram;
	}
	unit_a.levels = plat.levels_a ? plat.levels_a : 4;
	unit_b.levels = plat.levels_b ? plat.levels_b : unit_a.levels;
	arena = aligned_alloc(PAGE_SIZE, ARENA_SIZE);
	memset(arena, 0, ARENA_SIZE);
	phys_arena_reset();
	phys_arena_add(ARENA_BASE, arena, ARENA_SIZE);
	assert_int_equal(frames_init(&pool, 1), 0);
	fake_pci_reset();
	pci_dev_registry_reset();
	memset(hw_dom, 0, sizeof(hw_dom));
	memset(hw_root, 0, sizeof(hw_root));
	set_rid_calls = flush_calls = 0;
	fail_rid = 0xffff;
	fail_skip = fail_times = 0;
	fail_leaves_blocked = false;
	fail_always_rid = 0xffff;
	log_capture_reset();
	nall = 0;
	edu = add_dev(0, 0x08, r_edu, 1, NULL);
	nic = add_dev(0, 0x10, r_nic, 2, NULL);
	bridge = add_pcie_to_pci_bridge(0, 0x18, 2);
	conv1 = add_dev(2, 0x18, r_c1, 2, bridge);
	conv2 = add_dev(2, 0x20, r_c2, 2, bridge);
	orphan = add_dev(5, 0x00, r_orphan, 1, NULL);
	failed_dev = add_dev(6, 0x00, r_failed, 1, NULL);
	dev_b = add_dev(0x10, 0x00, r_b, 1, NULL);
	assert_int_equal(iommu_init(&ai, &mem), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(arena);
	return 0;
}

/* Every function, every requester id: the hardware holds what the software records. */
static void assert_hw_agrees(void)
{
	for (unsigned i = 0; i < nall; i++) {
		const struct pci_dev *d = all[i];
		const struct iommu_domain *dom = iommu_domain_of(d);

		if (!d->iommu || d->state != PCI_DEV_STATE_LIVE)
			continue;
		for (unsigned r = 0; r < d->nr_rids; r++) {
			assert_ptr_equal(hw_dom[d->rids[r]], dom);
			if (dom->kind != IOMMU_DOMAIN_BLOCKED)
				assert_int_equal(hw_root[d->rids[r]],
						 iommu_domain_table(dom, ((const struct fake_unit *)d->iommu)->levels)->root);
		}
	}
}

static void test_boot_puts_everyone_in_the_default_domain(void **state)
{
	paddr_t pa;

	(void)state;
	assert_ptr_equal(hw_dom[RID_EDU], iommu_domain_default());
	assert_ptr_equal(hw_dom[RID_ALIAS], iommu_domain_default());
	assert_ptr_equal(edu->iommu, &unit_a);
	assert_null(orphan->iommu);
	assert_hw_agrees();
	assert_true(log_captured("W/iommu: 0000:05:00.0 is behind no IOMMU unit"));
	/* Identity over root RAM, nothing else: monitor memory is simply absent. */
	assert_int_equal(pt_lookup(&iommu_domain_default()->pt, 0x4321000, &pa, NULL, NULL), 0);
	assert_int_equal(pa, 0x4321000);
	assert_int_equal(pt_lookup(&iommu_domain_default()->pt, ARENA_BASE, &pa, NULL, NULL), -ENOENT);
	assert_int_equal(pt_lookup(&iommu_domain_default()->pt, RAM_END, &pa, NULL, NULL), -ENOENT);
	assert_int_equal(iommu_domain_default()->devices, 6);
	/* The boot report names each function's group. */
	assert_true(log_captured("0000:02:03.0 -> default domain 0x0 via unit 0x00000000fed90000 (2 requester ids, group"));
	assert_true(log_captured(", shared)"));
}

static void test_attach_moves_every_requester_id(void **state)
{
	int err;
	struct iommu_domain *d = iommu_domain_create(0x100, NULL, &err);

	(void)state;
	assert_non_null(d);
	set_rid_calls = 0;
	assert_int_equal(iommu_attach(d, nic), 0);
	assert_int_equal(set_rid_calls, 2);
	assert_ptr_equal(hw_dom[RID_NIC], d);
	assert_ptr_equal(hw_dom[RID_ALIAS], d);
	assert_ptr_equal(iommu_domain_of(nic), d);
	assert_hw_agrees();
	assert_int_equal(iommu_attach(d, nic), -EALREADY);
	assert_int_equal(iommu_attach(d, orphan), -ENODEV);
	assert_int_equal(iommu_detach(nic), 0);
	assert_ptr_equal(hw_dom[RID_ALIAS], iommu_domain_default());
	assert_ptr_equal(iommu_domain_of(nic), iommu_domain_default());
	assert_int_equal(d->devices, 0);
	assert_hw_agrees();
}

/* Item 1: the second id fails; the first is moved back; nothing points at d; d can go. */
static void test_failed_move_is_undone_on_every_id(void **state)
{
	struct iommu_domain *d;
	int err;

	(void)state;
	for (int blocked = 0; blocked < 2; blocked++) {
		d = iommu_domain_create(0x101, NULL, &err);
		fail_rid = RID_ALIAS;
		fail_skip = 0;
		fail_times = 1;
		fail_leaves_blocked = blocked;
		assert_int_equal(iommu_attach(d, nic), -EIO);
		assert_ptr_equal(iommu_domain_of(nic), iommu_domain_default());
		assert_ptr_equal(hw_dom[RID_NIC], iommu_domain_default());
		assert_ptr_equal(hw_dom[RID_ALIAS], iommu_domain_default());
		assert_hw_agrees();
		assert_int_equal(d->devices, 0);
		assert_int_equal(d->unity_refs[0], 0);
		assert_int_equal(iommu_domain_default()->devices, 6);
		assert_int_equal(iommu_domain_destroy(d), 0);
		for (unsigned r = 0; r < 65536; r++)
			assert_ptr_not_equal(hw_dom[r], d);
	}
}

static void alias_moves_first(void)
{
	static const uint16_t alias_first[] = { RID_ALIAS, RID_NIC };

	memcpy(nic->rids, alias_first, sizeof(alias_first));
}

/* Item 1: the way back fails too: null domain, bus mastering off, an error line. */
static void test_failed_undo_blocks_the_group(void **state)
{
	struct fake_fn *f = fake_pci_find(0, 0, 0x10);
	struct iommu_domain *d;
	int err;

	(void)state;
	fake_pci_set_command(f, PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
	d = iommu_domain_create(0x102, NULL, &err);
	alias_moves_first();
	fail_rid = RID_NIC;
	fail_times = 2;           /* the move and its undo both fail; blocking works */
	assert_int_equal(iommu_attach(d, nic), -EIO);
	assert_ptr_equal(iommu_domain_of(nic), iommu_domain_null());
	assert_hw_agrees();
	assert_false(fake_pci_peek(f, PCI_COMMAND, 2) & PCI_COMMAND_BUS_MASTER);
	assert_true(log_captured("could not be undone: null domain, bus mastering off"));
	assert_int_equal(d->devices, 0);
	assert_int_equal(iommu_domain_null()->devices, 1);
	assert_false(d->pinned);
	assert_int_equal(iommu_domain_destroy(d), 0);
	/* Back to work from the null domain. */
	assert_int_equal(iommu_detach(nic), 0);
	assert_hw_agrees();
	assert_int_equal(iommu_domain_default()->unity_refs[0], 2);
}

/* Item 1: not even blocking works: the tables a unit may still walk are never freed. */
static void test_stuck_id_pins_the_tables(void **state)
{
	struct iommu_domain *d;
	int err;

	(void)state;
	d = iommu_domain_create(0x103, NULL, &err);
	alias_moves_first();
	fail_rid = RID_ALIAS;
	fail_skip = 1;            /* moves to d, then never moves again */
	fail_times = ~0u;
	fail_always_rid = RID_NIC;
	assert_int_equal(iommu_attach(d, nic), -EIO);
	assert_ptr_equal(iommu_domain_of(nic), iommu_domain_null());
	assert_ptr_equal(hw_dom[RID_ALIAS], d);
	assert_true(d->pinned);
	assert_int_equal(iommu_domain_destroy(d), -EBUSY);
	assert_true(log_captured("a unit may still walk the old tables, which are kept"));
}

/* Item 3: functions behind a PCIe-to-PCI bridge are one group with the bridge and move as one. */
static void test_group_behind_a_bridge_moves_as_a_unit(void **state)
{
	struct iommu_domain *d;
	int err;

	(void)state;
	assert_non_null(conv1->group);
	assert_ptr_equal(conv1->group, conv2->group);
	assert_ptr_equal(conv1->group, bridge->group);
	assert_int_equal(conv1->group->nr_devs, 3);
	assert_ptr_not_equal(edu->group, nic->group);
	d = iommu_domain_create(0x104, NULL, &err);
	assert_int_equal(iommu_attach(d, conv1), -EXDEV);
	assert_ptr_equal(iommu_domain_of(conv2), iommu_domain_default());
	assert_hw_agrees();
	assert_int_equal(iommu_group_attach(d, conv1->group), 0);
	assert_ptr_equal(iommu_domain_of(conv1), d);
	assert_ptr_equal(iommu_domain_of(conv2), d);
	assert_ptr_equal(iommu_domain_of(bridge), d);
	assert_int_equal(d->devices, 3);
	assert_hw_agrees();
	/* A failure in the middle of the group: all of it stays where it was. */
	assert_int_equal(iommu_group_detach(conv1->group), 0);
	fail_rid = RID_CONV2;
	fail_times = 1;
	assert_int_equal(iommu_group_attach(d, conv2->group), -EIO);
	assert_ptr_equal(iommu_domain_of(conv1), iommu_domain_default());
	assert_hw_agrees();
	assert_int_equal(d->devices, 0);
	assert_int_equal(iommu_domain_destroy(d), 0);
}

/* Item 3: a function that appears later joins its group's domain. */
static void test_new_function_joins_its_groups_domain(void **state)
{
	static const uint16_t r_c3[] = { 0x0228, RID_SEC };
	struct iommu_domain *d;
	struct pci_dev *conv3;
	int err;

	(void)state;
	d = iommu_domain_create(0x105, NULL, &err);
	assert_int_equal(iommu_group_attach(d, bridge->group), 0);
	conv3 = add_dev(2, 0x28, r_c3, 2, bridge);
	assert_ptr_equal(conv3->group, bridge->group);
	assert_ptr_equal(iommu_domain_of(conv3), d);
	assert_int_equal(d->devices, 4);
	assert_hw_agrees();
}

/* Item 3: a new function that links groups in different domains: the whole group is blocked. */
static void test_new_function_linking_domains_blocks_the_group(void **state)
{
	static const uint16_t r_link[] = { 0x0050, RID_ALIAS, RID_EDU };
	struct iommu_domain *d;
	struct pci_dev *link;
	int err;

	(void)state;
	d = iommu_domain_create(0x10b, NULL, &err);
	assert_int_equal(iommu_attach(d, nic), 0);
	link = add_dev(0, 0x50, r_link, 3, NULL);
	assert_ptr_equal(link->group, nic->group);
	assert_ptr_equal(edu->group, nic->group);
	assert_ptr_equal(iommu_domain_of(nic), iommu_domain_null());
	assert_ptr_equal(iommu_domain_of(edu), iommu_domain_null());
	assert_ptr_equal(iommu_domain_of(link), iommu_domain_null());
	assert_hw_agrees();
	assert_true(log_captured("a new function joins functions in different domains: null domain"));
	assert_int_equal(d->devices, 0);
	assert_int_equal(d->unity_refs[0], 0);
	assert_int_equal(iommu_domain_destroy(d), 0);
	/* The merged group can be moved back as one. */
	assert_int_equal(iommu_group_detach(nic->group), 0);
	assert_hw_agrees();
	assert_int_equal(iommu_domain_default()->devices, 7);
}

/* Item 16: removing a function from the default domain drops its count, its unity references, its ids. */
static void test_remove_releases_the_default_domain(void **state)
{
	struct iommu_domain *def = iommu_domain_default();
	struct iommu_domain *d;
	int err;

	(void)state;
	assert_int_equal(def->unity_refs[0], 2);   /* edu and nic */
	assert_int_equal(pci_dev_remove(edu), 0);
	all[0] = nic;                               /* edu is gone */
	assert_int_equal(def->devices, 5);
	assert_int_equal(def->unity_refs[0], 1);
	assert_ptr_equal(hw_dom[RID_EDU], iommu_domain_null());
	/* An alias another function still uses stays where it is. */
	assert_int_equal(pci_dev_remove(conv2), 0);
	assert_ptr_equal(hw_dom[RID_SEC], def);
	assert_ptr_equal(hw_dom[RID_CONV2], iommu_domain_null());
	assert_int_equal(def->devices, 4);
	/* A function in a paging domain cannot be removed. */
	d = iommu_domain_create(0x106, NULL, &err);
	assert_int_equal(iommu_attach(d, nic), 0);
	assert_int_equal(pci_dev_remove(nic), -EBUSY);
}

static void test_unity_ranges_follow_the_device_and_are_immune(void **state)
{
	int err;
	struct iommu_domain *d = iommu_domain_create(0x102, NULL, &err);
	uint64_t done;
	paddr_t pa;

	(void)state;
	assert_int_equal(iommu_attach(d, edu), 0);
	assert_int_equal(pt_lookup(&d->pt, UNITY_BASE + 0x1000, &pa, NULL, NULL), 0);
	assert_int_equal(pa, UNITY_BASE + 0x1000);
	/* Callers cannot map over, nor unmap, what firmware needs. */
	assert_int_equal(iommu_map_range(d, UNITY_BASE, 0x5000000, PAGE_SIZE, PT_READ, &done), -EPERM);
	assert_int_equal(iommu_unmap_range(d, UNITY_BASE - PAGE_SIZE, 2 * PAGE_SIZE, &done), -EPERM);
	/* A second user: the range stays until the last one leaves. */
	assert_int_equal(iommu_attach(d, nic), 0);
	assert_int_equal(d->unity_refs[0], 2);
	assert_int_equal(iommu_detach(edu), 0);
	assert_int_equal(pt_lookup(&d->pt, UNITY_BASE, &pa, NULL, NULL), 0);
	assert_int_equal(iommu_detach(nic), 0);
	assert_int_equal(pt_lookup(&d->pt, UNITY_BASE, &pa, NULL, NULL), -ENOENT);
	assert_int_equal(iommu_map_range(d, UNITY_BASE, 0x5000000, PAGE_SIZE, PT_READ, &done), 0);
}

/* Item 8: firmware ranges are hostile input. */
static const struct iommu_unity hostile_unity[] = {
	{ 0, RID_EDU, RID_EDU, ARENA_BASE + 0x3000, ARENA_BASE + 0x5000 },   /* over the pool */
	{ 0, RID_EDU, RID_EDU, RAM_END - 0x2000, RAM_END + 0x2000 },          /* runs past RAM */
	{ 0, RID_EDU, RID_EDU, UNITY_BASE, UNITY_END },                       /* one range, */
	{ 0, RID_NIC, RID_NIC, UNITY_BASE, UNITY_END },                       /* two devices */
	{ 0, RID_EDU, RID_EDU, 1ULL << 50, (1ULL << 50) + 0x1000 },           /* beyond IOVAs */
	{ 0, RID_NIC, RID_EDU, 0x300000, 0x301000 },                          /* ids reversed */
};
static const struct platform hostile = { .unity = hostile_unity, .nunity = ARRAY_SIZE(hostile_unity) };

static void test_unity_ranges_are_checked_and_merged(void **state)
{
	struct iommu_domain *def = iommu_domain_default(), *d;
	paddr_t pa;
	int err;

	(void)state;
	assert_true(log_captured("unity range 0x10003000-0x10004fff for requester ids 00:01.0-00:01.0 refused: it overlaps monitor memory"));
	assert_int_equal(pt_lookup(&def->pt, ARENA_BASE + 0x3000, &pa, NULL, NULL), -ENOENT);
	/* The tail past RAM is mapped too, not taken for "already mapped". */
	assert_int_equal(pt_lookup(&def->pt, RAM_END + 0x1000, &pa, NULL, NULL), 0);
	assert_int_equal(pa, RAM_END + 0x1000);
	assert_int_equal(pt_lookup(&def->pt, RAM_END + 0x2000, &pa, NULL, NULL), -ENOENT);
	assert_true(log_captured("refused: it lies beyond the IOVA space"));
	assert_true(log_captured("refused: malformed"));
	/* One entry for the shared range: both devices sit in one paging domain. */
	assert_int_equal(iommu_unity_count(), 2);
	d = iommu_domain_create(0x107, NULL, &err);
	assert_int_equal(iommu_attach(d, edu), 0);
	assert_int_equal(iommu_attach(d, nic), 0);
	assert_int_equal(pt_lookup(&d->pt, UNITY_BASE, &pa, NULL, NULL), 0);
	assert_int_equal(pt_lookup(&d->pt, RAM_END + 0x1000, &pa, NULL, NULL), 0);
	assert_hw_agrees();
}

/* Item 8: more pairs than the table holds are reported, never dropped silently. */
static struct iommu_unity many_unity[IOMMU_UNITY_MAX_PAIRS + 4];
static struct platform many = { .unity = many_unity, .nunity = ARRAY_SIZE(many_unity) };

static void test_unity_overflow_is_an_error(void **state)
{
	(void)state;
	assert_true(log_captured("E/iommu: firmware lists 128 or more unity range/device pairs"));
	assert_true(log_captured("refused: the table of unity ranges is full"));
	assert_int_equal(iommu_unity_count(), IOMMU_MAX_UNITY);
}

/* Item 7: only DMA-able RAM can be mapped; pages deposited to the monitor leave that set. */
static void test_map_refuses_memory_that_is_not_dma_able(void **state)
{
	struct iommu_domain *d;
	uint64_t done;
	paddr_t pa;
	int err;

	(void)state;
	d = iommu_domain_create(0x108, NULL, &err);
	assert_int_equal(iommu_map_range(d, 0x40000000, ARENA_BASE, PAGE_SIZE, PT_READ, &done), -EACCES);
	assert_int_equal(iommu_map_range(d, 0x40000000, d->pt.root, PAGE_SIZE, PT_READ | PT_WRITE, &done), -EACCES);
	assert_int_equal(iommu_map_range(d, 0x40000000, UNIT_BASE, PAGE_SIZE, PT_READ, &done), -EACCES);
	assert_int_equal(iommu_map_range(d, 0x40000000, RAM_END - PAGE_SIZE, 2 * PAGE_SIZE, PT_READ, &done), -EACCES);
	assert_int_equal(done, 0);
	assert_int_equal(iommu_map_range(d, 0x40000000, 0x1000000, PAGE_SIZE, PT_READ, &done), 0);
	/* The root deposits a page: no device reaches it any more, and it cannot be mapped. */
	assert_int_equal(iommu_ram_remove(0x2000000, PAGE_SIZE), 0);
	assert_int_equal(pt_lookup(&iommu_domain_default()->pt, 0x2000000, &pa, NULL, NULL), -ENOENT);
	assert_int_equal(pt_lookup(&iommu_domain_default()->pt, 0x2001000, &pa, NULL, NULL), 0);
	assert_false(iommu_ram_is_dma_able(0x2000000, PAGE_SIZE));
	assert_int_equal(iommu_map_range(d, 0x50000000, 0x2000000, PAGE_SIZE, PT_READ, &done), -EACCES);
	/* ... and withdraws it. */
	assert_int_equal(iommu_ram_add(0x2000000, PAGE_SIZE, true), 0);
	assert_int_equal(pt_lookup(&iommu_domain_default()->pt, 0x2000000, &pa, NULL, NULL), 0);
	assert_int_equal(iommu_map_range(d, 0x50000000, 0x2000000, PAGE_SIZE, PT_READ, &done), 0);
	/* Monitor memory never becomes DMA-able; a child's RAM does, outside the default domain. */
	assert_int_equal(iommu_ram_add(ARENA_BASE, PAGE_SIZE, false), -EACCES);
	assert_int_equal(iommu_ram_add(0x20000000, 2 * MiB, false), 0);
	assert_int_equal(pt_lookup(&iommu_domain_default()->pt, 0x20000000, &pa, NULL, NULL), -ENOENT);
	assert_int_equal(iommu_map_range(d, 0x60000000, 0x20000000, 2 * MiB, PT_READ, &done), 0);
}

/* Item 7: root RAM handed over with monitor memory inside is cut, with an error, never mapped. */
static const struct phys_range overlapping_ram[] = { { 0x100000, RAM_END }, { ARENA_BASE - 0x4000, ARENA_BASE + 0x4000 } };
static const struct platform overlap = { .ram = overlapping_ram, .nram = 2 };

static void test_root_ram_over_monitor_memory_is_cut(void **state)
{
	paddr_t pa;

	(void)state;
	assert_true(log_captured("E/iommu: root RAM overlaps monitor memory 0x10000000-0x107fffff: that part is not DMA-able"));
	assert_int_equal(pt_lookup(&iommu_domain_default()->pt, ARENA_BASE - 0x1000, &pa, NULL, NULL), 0);
	assert_int_equal(pt_lookup(&iommu_domain_default()->pt, ARENA_BASE, &pa, NULL, NULL), -ENOENT);
	assert_false(iommu_ram_is_dma_able(ARENA_BASE, PAGE_SIZE));
}

/* Item 9: a 4-level-only unit and a 3-level-only unit: each walks a table of its depth. */
static const struct platform mixed = { .levels_a = 4, .levels_b = 3 };

static void test_units_of_different_depths(void **state)
{
	struct iommu_domain *d, *def = iommu_domain_default();
	uint64_t done;
	paddr_t pa;
	int err;

	(void)state;
	assert_int_equal(def->pt.levels, 4);
	assert_int_equal(def->pt_alt.levels, 3);
	assert_int_equal(hw_root[RID_B], def->pt_alt.root);
	assert_int_equal(hw_root[RID_EDU], def->pt.root);
	assert_int_equal(pt_lookup(&def->pt_alt, 0x4321000, &pa, NULL, NULL), 0);
	d = iommu_domain_create(0x109, NULL, &err);
	assert_int_equal(iommu_attach(d, dev_b), 0);
	assert_int_equal(hw_root[RID_B], d->pt_alt.root);
	assert_int_equal(iommu_map_range(d, 0x40000000, 0x1000000, 2 * MiB, PT_READ | PT_WRITE, &done), 0);
	assert_int_equal(pt_lookup(&d->pt, 0x40001000, &pa, NULL, NULL), 0);
	assert_int_equal(pt_lookup(&d->pt_alt, 0x40001000, &pa, NULL, NULL), 0);
	assert_int_equal(pa, 0x1001000);
	assert_int_equal(iommu_unmap_range(d, 0x40000000, 2 * MiB, &done), 0);
	assert_int_equal(pt_lookup(&d->pt_alt, 0x40001000, &pa, NULL, NULL), -ENOENT);
	assert_hw_agrees();
}

/* A pool that gives `budget` pages, then none. */
static unsigned budget;
static paddr_t budget_alloc(void *ctx) { (void)ctx; return budget ? (budget--, frame_alloc()) : 0; }
static void budget_free(void *ctx, paddr_t pa) { (void)ctx; frames_free(pa, 1); }

/*
 * The second depth's table runs out of pages: the first table's new entries
 * are taken back, and since a walker may have cached them meanwhile that is
 * a narrowing, left pending for the caller's one flush.
 */
static void test_undone_map_leaves_a_flush_pending(void **state)
{
	const struct pt_pool pool = { budget_alloc, budget_free, NULL };
	struct pt_progress p;
	paddr_t page = 0x1000000, pa;
	struct iommu_domain *d;
	int err;

	(void)state;
	budget = 2 + 3;   /* both roots, then the 4-level table's three levels only */
	d = iommu_domain_create(0x10a, &pool, &err);
	assert_non_null(d);
	assert_int_equal(iommu_map_pages(d, 0x40000000, &page, 1, PT_READ | PT_WRITE, &p), -ENOMEM);
	assert_int_equal(p.done, 0);
	assert_int_equal(pt_lookup(&d->pt, 0x40000000, &pa, NULL, NULL), -ENOENT);
	assert_true(iommu_flush_pending(d));
	assert_int_equal(iommu_flush_commit(d, NULL), 1);
	assert_int_equal(iommu_domain_destroy(d), 0);
}

/* Item 10: a device under a unit that failed bring-up is reported untranslated, as an error. */
static void test_failed_unit_devices_are_untranslated(void **state)
{
	(void)state;
	assert_null(failed_dev->iommu);
	assert_true(log_captured("E/iommu: 0000:06:00.0 is in the scope of a unit that failed bring-up: its DMA is NOT translated"));
	assert_true(log_captured("0000:06:00.0 -> no IOMMU unit: untranslated"));
}

/* Item 11: root RAM crossing the IOVA limit is logged like RAM wholly above it. */
static const struct phys_range straddling_ram[] = { { 0x100000, RAM_END }, { (1ULL << 39) - 2 * MiB, (1ULL << 39) + 2 * MiB } };
static const struct platform straddle = { .levels_a = 3, .ram = straddling_ram, .nram = 2 };

static void test_ram_crossing_the_iova_limit_is_logged(void **state)
{
	(void)state;
	assert_true(log_captured("W/iommu: root RAM 0x7fffe00000-0x80001fffff crosses the 39-bit IOVA limit: no DMA to 0x8000000000-0x80001fffff"));
}

static void test_destroy_refused_while_in_use_and_returns_pages(void **state)
{
	struct frames_stats before, after;
	struct iommu_domain *d;
	uint64_t done;
	int err;

	(void)state;
	frames_get_stats(&before);
	d = iommu_domain_create(0x103, NULL, &err);
	assert_int_equal(iommu_map_range(d, 0x40000000, 0x1000000, 4 * MiB, PT_READ | PT_WRITE, &done), 0);
	assert_int_equal(iommu_attach(d, nic), 0);
	assert_int_equal(iommu_domain_destroy(d), -EBUSY);
	assert_int_equal(iommu_detach(nic), 0);
	assert_int_equal(iommu_domain_destroy(d), 0);
	frames_get_stats(&after);
	assert_int_equal(after.free_frames, before.free_frames);
	assert_null(iommu_domain_find(0x103));
	assert_int_equal(iommu_domain_destroy(iommu_domain_default()), -EPERM);
	assert_int_equal(iommu_domain_destroy(d), -EPERM);   /* twice */
}

static void test_ids_and_special_domains(void **state)
{
	uint64_t done;
	int err;

	(void)state;
	assert_null(iommu_domain_create(IOMMU_DOMAIN_DEFAULT_ID, NULL, &err));
	assert_int_equal(err, -EEXIST);
	assert_null(iommu_domain_create(IOMMU_DOMAIN_NULL_ID, NULL, &err));
	assert_int_equal(err, -EEXIST);
	assert_non_null(iommu_domain_create(7, NULL, &err));
	assert_null(iommu_domain_create(7, NULL, &err));
	assert_int_equal(err, -EEXIST);
	assert_int_equal(iommu_map_range(iommu_domain_null(), 0, 0x100000, PAGE_SIZE, PT_READ, &done), -EPERM);
	assert_int_equal(iommu_map_range(iommu_domain_default(), 0x9000000, 0x9000000, PAGE_SIZE, PT_READ, &done), -EPERM);
	assert_int_equal(iommu_domain_null()->hw_id, IOMMU_DOMAIN_NULL_HW_ID);
	assert_int_equal(iommu_attach(iommu_domain_null(), edu), 0);
	assert_ptr_equal(hw_dom[RID_EDU], iommu_domain_null());
	assert_int_equal(iommu_detach(edu), 0);
	assert_ptr_equal(hw_dom[RID_EDU], iommu_domain_default());
	assert_hw_agrees();
}

static void storm(uint16_t rid)
{
	struct iommu_fault fault = { .seg = 0, .rid = rid, .addr = 0x1000, .is_write = true,
				     .reason = 5, .reason_name = "write" };

	for (unsigned i = 0; i <= IOMMU_FAULT_STORM; i++) {
		iommu_fault_report(&unit_a, UNIT_BASE, &fault);
		if (i % 32 == 31)
			iommu_fault_poll();
	}
	iommu_fault_poll();
}

static void test_fault_storm_stops_bus_mastering(void **state)
{
	struct fake_fn *f = fake_pci_find(0, 0, 0x10);
	struct iommu_fault last;

	(void)state;
	fake_pci_set_command(f, PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
	log_capture_reset();
	storm(RID_NIC);
	assert_int_equal(nic->dma_faults, IOMMU_FAULT_STORM + 1);
	assert_false(fake_pci_peek(f, PCI_COMMAND, 2) & PCI_COMMAND_BUS_MASTER);
	assert_true(fake_pci_peek(f, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY);
	assert_true(log_captured("bus mastering turned off"));
	/* Bounded log: 8 faults, one "counted, not logged" line, the storm line. */
	assert_int_equal(log_captured_count(LOG_WARN), 10);
	assert_true(iommu_last_fault(&last));
	assert_int_equal(last.rid, RID_NIC);
	assert_false(iommu_last_fault(&last));
}

/* Item 14: a fault under the alias 02:00.0 belongs to the functions behind the bridge. */
static void test_alias_faults_are_attributed(void **state)
{
	struct fake_fn *f1 = fake_pci_find(0, 2, 0x18), *f2 = fake_pci_find(0, 2, 0x20);
	struct iommu_fault last;

	(void)state;
	fake_pci_set_command(f1, PCI_COMMAND_BUS_MASTER);
	fake_pci_set_command(f2, PCI_COMMAND_BUS_MASTER);
	storm(RID_SEC);
	assert_true(log_captured("DMA fault at unit 0x00000000fed90000: 0000:02:03.0 write 0x1000: reason 0x5, write (alias 02:00.0, group"));
	assert_false(log_captured("0000:02:00.0"));
	assert_int_equal(conv1->dma_faults, IOMMU_FAULT_STORM + 1);
	assert_false(fake_pci_peek(f1, PCI_COMMAND, 2) & PCI_COMMAND_BUS_MASTER);
	assert_false(fake_pci_peek(f2, PCI_COMMAND, 2) & PCI_COMMAND_BUS_MASTER);
	assert_true(iommu_last_fault(&last));
	assert_int_equal(last.rid, RID_SEC);
	assert_int_equal(last.dev_rid, RID_CONV1);
}

/* A unit with 16 domain ids (CAP.ND = 0): default, null and 13 paging domains, no more. */
static const struct platform ids16 = { .domain_ids = 16 };

static void test_domain_ids_bounded_by_the_units(void **state)
{
	unsigned made = 0;
	int err = 0;

	(void)state;
	while (iommu_domain_create(0x200 + made, NULL, &err))
		made++;
	assert_int_equal(err, -ENOSPC);
	assert_int_equal(made, 13);
}

/* Item 16: two CPUs creating the same id: exactly one wins, every round. */
#define RACE_ROUNDS 2000
static pthread_barrier_t race_barrier;
static struct iommu_domain *race_won[2][RACE_ROUNDS];

static unsigned race_winners[RACE_ROUNDS];

static void *race_create(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg;
	int err;

	for (unsigned r = 0; r < RACE_ROUNDS; r++) {
		pthread_barrier_wait(&race_barrier);
		race_won[me][r] = iommu_domain_create(0x1000 + r, NULL, &err);
		pthread_barrier_wait(&race_barrier);
		if (me == 0) {
			race_winners[r] = !!race_won[0][r] + !!race_won[1][r];
			if (race_won[0][r] || race_won[1][r])
				iommu_domain_destroy(race_won[0][r] ? race_won[0][r] : race_won[1][r]);
		}
	}
	return NULL;
}

static void test_concurrent_create_of_one_id(void **state)
{
	pthread_t t[2];

	(void)state;
	pthread_barrier_init(&race_barrier, NULL, 2);
	for (unsigned i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, race_create, (void *)(uintptr_t)i);
	for (unsigned i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&race_barrier);
	for (unsigned r = 0; r < RACE_ROUNDS; r++)
		assert_int_equal(race_winners[r], 1);
}

/* Item 16: two CPUs moving two functions in and out of one domain: the counts add up. */
#define MOVE_ROUNDS 3000
static struct iommu_domain *move_dom;

static void *race_moves(void *arg)
{
	struct pci_dev *dev = arg;

	for (unsigned r = 0; r < MOVE_ROUNDS; r++) {
		assert_int_equal(iommu_attach(move_dom, dev), 0);
		assert_int_equal(iommu_detach(dev), 0);
	}
	return NULL;
}

static void test_concurrent_moves_keep_counts(void **state)
{
	pthread_t t[2];
	int err;

	(void)state;
	move_dom = iommu_domain_create(0x10a, NULL, &err);
	pthread_create(&t[0], NULL, race_moves, edu);
	pthread_create(&t[1], NULL, race_moves, nic);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	assert_int_equal(move_dom->devices, 0);
	assert_int_equal(iommu_domain_default()->devices, 6);
	assert_int_equal(iommu_domain_default()->unity_refs[0], 2);
	assert_int_equal(move_dom->unity_refs[0], 0);
	assert_hw_agrees();
	assert_int_equal(iommu_domain_destroy(move_dom), 0);
}


/* ---- Shared domains (direct attach: a partition's stage-2 as the DMA translation) ---- */

static paddr_t s2_pool_alloc(void *ctx) { (void)ctx; return frame_alloc(); }
static void s2_pool_free(void *ctx, paddr_t pa) { (void)ctx; frames_free(pa, 1); }
static const struct pt_pool s2_pool = { s2_pool_alloc, s2_pool_free, NULL };

/* A child's stage-2 as the partition layer builds it: NPT format, 4 levels, outputs below 2^48. */
static void make_npt(struct pt_table *s2)
{
	assert_int_equal(pt_init(s2, &pt_fmt_x86, 4, 48, PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G, &s2_pool, NULL), 0);
	s2->pa_limit = 1ull << 48;
}

static void test_shared_domain_walks_the_stage2(void **state)
{
	struct pt_table s2;
	const char *how = NULL;
	struct iommu_domain *d;
	unsigned flushes;
	int err;

	(void)state;
	make_npt(&s2);
	d = iommu_domain_share(0xffff0002u, &s2, NULL, &how, &err);
	assert_non_null(d);
	assert_int_equal(d->kind, IOMMU_DOMAIN_SHARED);
	assert_ptr_equal(d->s2, &s2);
	assert_string_equal(how, "the units walk the stage-2 itself");
	assert_null(iommu_domain_find(0xffff0002u));   /* not a domain the ABI can name */
	assert_int_equal(iommu_attach(d, dev_b), 0);
	assert_int_equal(hw_root[RID_B], s2.root);   /* the context entry points at the NPT root */
	assert_hw_agrees();
	/*
	 * Every stage-2 change reaches the units' IOTLB with the one commit of its operation (a
	 * map needs none without caching mode; an unmap always does).
	 */
	flushes = flush_calls;
	assert_int_equal(pt_map_range(&s2, 0x40000000, 0x400000, PAGE_SIZE, PT_READ | PT_WRITE, NULL), 0);
	assert_int_equal(iommu_shared_map(d, 0x40000000, 0x400000, PAGE_SIZE, PT_READ | PT_WRITE), 0);
	assert_false(iommu_flush_pending(d));
	assert_int_equal(iommu_shared_unmap(d, 0x40000000, PAGE_SIZE), 0);
	assert_int_equal(iommu_shared_unmap(d, 0x40002000, PAGE_SIZE), 0);
	assert_true(iommu_flush_pending(d));
	assert_int_equal(flush_calls, flushes);
	assert_int_equal(iommu_flush_commit(d, NULL), 1);
	assert_int_equal(flush_calls, flushes + 1);
	assert_false(iommu_flush_pending(d));
	assert_int_equal(iommu_map_range(d, 0, 0x400000, PAGE_SIZE, PT_READ, &(uint64_t){ 0 }), -EPERM);
	assert_int_equal(iommu_domain_destroy(d), -EBUSY);
	assert_int_equal(iommu_detach(dev_b), 0);
	assert_int_equal(iommu_domain_destroy(d), 0);
	assert_hw_agrees();
	pt_destroy(&s2);
}

static void test_shared_domain_refuses_firmware_unity_devices(void **state)
{
	struct pt_table s2;
	const char *how;
	struct iommu_domain *d;
	int err;

	(void)state;
	make_npt(&s2);
	d = iommu_domain_share(0xffff0002u, &s2, NULL, &how, &err);
	assert_non_null(d);
	/* edu needs a unity range the stage-2 does not hold: it stays where it is. */
	assert_int_equal(iommu_attach(d, edu), -EPERM);
	assert_ptr_equal(iommu_domain_of(edu), iommu_domain_default());
	assert_int_equal(d->devices, 0);
	assert_hw_agrees();
	assert_int_equal(iommu_domain_destroy(d), 0);
	pt_destroy(&s2);
}

static void test_mirror_follows_the_stage2(void **state)
{
	struct pt_table s2;
	const char *how;
	struct iommu_domain *d;
	paddr_t pa = 0;
	unsigned flushes;
	int err;

	(void)state;
	make_npt(&s2);   /* 4 levels; these units walk 3: no sharing */
	d = iommu_domain_share(0xffff0002u, &s2, NULL, &how, &err);
	assert_non_null(d);
	assert_null(d->s2);
	assert_string_equal(how, "the units do not walk the stage-2's depth");
	assert_int_equal(iommu_attach(d, dev_b), 0);
	assert_int_equal(hw_root[RID_B], d->pt.root);
	flushes = flush_calls;
	assert_int_equal(iommu_shared_map(d, 0x1000000, 0x400000, 2 * PAGE_SIZE, PT_READ | PT_WRITE), 0);
	assert_int_equal(pt_lookup(&d->pt, 0x1001000, &pa, NULL, NULL), 0);
	assert_int_equal(pa, 0x401000);
	/* MMIO or monitor memory in the stage-2 is never mirrored for DMA. */
	assert_int_equal(iommu_shared_map(d, 0x2000000, ARENA_BASE, PAGE_SIZE, PT_READ | PT_WRITE), 0);
	assert_int_not_equal(pt_lookup(&d->pt, 0x2000000, &pa, NULL, NULL), 0);
	assert_int_equal(iommu_shared_unmap(d, 0x1000000, PAGE_SIZE), 0);
	assert_int_not_equal(pt_lookup(&d->pt, 0x1000000, &pa, NULL, NULL), 0);
	assert_int_equal(pt_lookup(&d->pt, 0x1001000, &pa, NULL, NULL), 0);
	assert_int_equal(flush_calls, flushes);   /* the caller's one commit is still to come */
	assert_int_equal(iommu_flush_commit(d, NULL), 1);
	assert_int_equal(flush_calls, flushes + 1);
	assert_int_equal(iommu_detach(dev_b), 0);
	assert_int_equal(iommu_domain_destroy(d), 0);
	pt_destroy(&s2);
}

/*
 * The debug shell reads domains while DELETE_DEVICE_DOMAIN may run on another
 * CPU: the walk holds the domain lock, so the destroy waits until the walk is
 * done and no step ever reads a freed table page.
 */
static struct iommu_domain *walk_dom;
static pthread_t destroyer;
static int destroy_rc = 1;
static bool destroyed, destroyed_mid_walk;
static unsigned walk_steps;
static struct pt_walk_step last_step;

static void *destroy_walked(void *arg)
{
	(void)arg;
	__atomic_store_n(&destroy_rc, iommu_domain_destroy(walk_dom), __ATOMIC_SEQ_CST);
	__atomic_store_n(&destroyed, true, __ATOMIC_SEQ_CST);
	return NULL;
}

static void step_racing_a_destroy(void *ctx, const struct pt_walk_step *s)
{
	(void)ctx;
	if (walk_steps++ == 0) {
		pthread_create(&destroyer, NULL, destroy_walked, NULL);
		/* Unserialised, the destroy would be done in microseconds: give it 200 ms. */
		for (unsigned i = 0; i < 200 && !__atomic_load_n(&destroyed, __ATOMIC_SEQ_CST); i++)
			usleep(1000);
		destroyed_mid_walk = __atomic_load_n(&destroyed, __ATOMIC_SEQ_CST);
	}
	last_step = *s;
}

static bool info_of(uint32_t id, struct iommu_domain_info *out)
{
	for (unsigned i = 0; i < IOMMU_MAX_DOMAINS; i++)
		if (iommu_domain_info(i, out) && out->id == id)
			return true;
	return false;
}

static void test_shell_walk_excludes_destroy(void **state)
{
	struct iommu_domain_info info;
	uint64_t done;
	int err, rc;

	(void)state;
	walk_dom = iommu_domain_create(0x10b, NULL, &err);
	assert_non_null(walk_dom);
	assert_int_equal(iommu_map_range(walk_dom, 0x40000000, 0x5000000, PAGE_SIZE, PT_READ | PT_WRITE, &done), 0);
	assert_true(info_of(0x10b, &info));
	assert_int_equal(info.kind, IOMMU_DOMAIN_PAGING);
	assert_non_null(info.format);
	assert_int_equal(info.iova_limit, 1ull << 48);
	assert_true(info.table_pages >= 4);

	rc = iommu_domain_walk(0x10b, 0x40000000, step_racing_a_destroy, NULL);
	pthread_join(destroyer, NULL);
	assert_false(destroyed_mid_walk);
	assert_int_equal(rc, 4);
	assert_int_equal(walk_steps, 4);
	assert_true(last_step.present && last_step.leaf);
	assert_int_equal(last_step.addr, 0x5000000);
	/* Then the destroy went through, and the domain is gone for the shell. */
	assert_int_equal(destroy_rc, 0);
	assert_int_equal(iommu_domain_walk(0x10b, 0x40000000, step_racing_a_destroy, NULL), -ENOENT);
	assert_false(info_of(0x10b, &info));
	/* The null domain has no table; an IOVA past the space is refused by the walker. */
	assert_int_equal(iommu_domain_walk(IOMMU_DOMAIN_NULL_ID, 0, step_racing_a_destroy, NULL), -ENODATA);
	assert_int_equal(iommu_domain_walk(IOMMU_DOMAIN_DEFAULT_ID, 1ull << 48, step_racing_a_destroy, NULL), -ERANGE);
	assert_true(info_of(IOMMU_DOMAIN_NULL_ID, &info));
	assert_null(info.format);
	assert_int_equal(info.iova_limit, 0);
	assert_false(iommu_domain_info(IOMMU_MAX_DOMAINS, &info));
	assert_int_equal(iommu_domain_id_of(edu), IOMMU_DOMAIN_DEFAULT_ID);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define TP(fn, p) cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, (void *)(p))

static const struct platform three_levels = { .levels_a = 3 };

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_boot_puts_everyone_in_the_default_domain),
		T(test_attach_moves_every_requester_id),
		T(test_failed_move_is_undone_on_every_id),
		T(test_failed_undo_blocks_the_group),
		T(test_stuck_id_pins_the_tables),
		T(test_group_behind_a_bridge_moves_as_a_unit),
		T(test_new_function_joins_its_groups_domain),
		T(test_new_function_linking_domains_blocks_the_group),
		T(test_remove_releases_the_default_domain),
		T(test_unity_ranges_follow_the_device_and_are_immune),
		TP(test_unity_ranges_are_checked_and_merged, &hostile),
		TP(test_unity_overflow_is_an_error, &many),
		T(test_map_refuses_memory_that_is_not_dma_able),
		TP(test_root_ram_over_monitor_memory_is_cut, &overlap),
		TP(test_units_of_different_depths, &mixed),
		TP(test_undone_map_leaves_a_flush_pending, &mixed),
		T(test_failed_unit_devices_are_untranslated),
		TP(test_ram_crossing_the_iova_limit_is_logged, &straddle),
		T(test_destroy_refused_while_in_use_and_returns_pages),
		T(test_ids_and_special_domains),
		T(test_fault_storm_stops_bus_mastering),
		T(test_alias_faults_are_attributed),
		TP(test_domain_ids_bounded_by_the_units, &ids16),
		T(test_concurrent_create_of_one_id),
		T(test_concurrent_moves_keep_counts),
		T(test_shell_walk_excludes_destroy),
		T(test_shared_domain_walks_the_stage2),
		T(test_shared_domain_refuses_firmware_unity_devices),
		TP(test_mirror_follows_the_stage2, &three_levels),
	};

	for (unsigned i = 0; i < ARRAY_SIZE(many_unity); i++)
		many_unity[i] = (struct iommu_unity){ 0, RID_EDU, RID_EDU, 0x300000 + i * 0x2000ULL,
						      0x301000 + i * 0x2000ULL };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
