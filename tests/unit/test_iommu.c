/* SPDX-License-Identifier: MIT */
/*
 * The domain layer (iommu/iommu.c) over a fake vendor: every device in
 * exactly one domain, one set_rid per requester id on a move, unity ranges
 * refcounted and immune to callers, destroy refused while in use, fault
 * storms stopped at the device.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/fake_pci.h"
#include "iommu/iommu.h"
#include "kernel/frames.h"
#include "pci/dev.h"
#include "pci/regs.h"

#define ARENA_BASE 0x10000000ULL
#define ARENA_SIZE (8 * MiB)
#define UNIT_BASE  0xfed90000ULL
#define RID_EDU    0x0008       /* 00:01.0: has a unity range */
#define RID_NIC    0x0010       /* 00:02.0: two requester ids */
#define RID_ALIAS  0x0300
#define RID_ORPHAN 0x0500       /* 05:00.0: no unit covers it */
#define UNITY_BASE 0x200000ULL
#define UNITY_END  0x204000ULL

static uint8_t *arena;
static int fake_unit;
static const struct iommu_domain *rid_domain[65536];
static unsigned set_rid_calls, flush_calls;
static uint16_t failing_rid = 0xffff;
static uint32_t fake_domain_ids = 1u << 16;
static struct phys_range root_ram[] = { { 0x100000, 0x8000000 } };   /* 1-128 MiB */

static bool fake_probe(const struct acpi_info *ai, struct iommu_limits *lim)
{
	(void)ai;
	*lim = (struct iommu_limits){ 4, 48, PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G, true, fake_domain_ids };
	return true;
}
static void *fake_unit_for(uint16_t seg, uint16_t rid) { (void)seg; return rid == RID_ORPHAN ? NULL : &fake_unit; }
static paddr_t fake_unit_base(const void *u) { (void)u; return UNIT_BASE; }
static int fake_set_rid(void *unit, uint16_t rid, const struct iommu_domain *d)
{
	assert_ptr_equal(unit, &fake_unit);
	set_rid_calls++;
	if (rid == failing_rid)
		return -EIO;
	rid_domain[rid] = d;
	return 0;
}
static int fake_flush(const struct iommu_domain *d, uint64_t iova, uint64_t size) { (void)d; (void)iova; (void)size; flush_calls++; return 0; }
static int fake_enable(void) { return 0; }
static unsigned fake_poll(void) { return 0; }
static void fake_report(void) {}
static unsigned fake_unity(struct iommu_unity *out, unsigned max)
{
	assert_true(max >= 1);
	out[0] = (struct iommu_unity){ 0, RID_EDU, RID_NIC, UNITY_BASE, UNITY_END };
	return 1;
}

const struct iommu_ops vtd_iommu_ops = {
	.name = "fake", .pt_format = &pt_fmt_vtd_sl, .probe = fake_probe, .unit_for = fake_unit_for,
	.unit_base = fake_unit_base, .set_rid = fake_set_rid, .flush = fake_flush,
	.enable = fake_enable, .fault_poll = fake_poll, .report = fake_report,
	.unity_ranges = fake_unity,
};
static bool no_probe(const struct acpi_info *ai, struct iommu_limits *l) { (void)ai; (void)l; return false; }
const struct iommu_ops amdvi_iommu_ops = { .name = "none", .probe = no_probe };

static struct pci_dev *add_dev(uint8_t bus, uint8_t devfn, const uint16_t *rids, unsigned n)
{
	struct pci_dev_desc desc = { .bus = bus, .devfn = devfn, .vendor = 0x1234, .device = 0x11e8,
				     .class = 0x00ff00, .nr_rids = (uint8_t)n };
	struct pci_dev *d = NULL;

	fake_pci_endpoint(0, bus, devfn, 0x1234, 0x11e8, 0x00ff00);
	memcpy(desc.rids, rids, n * sizeof(*rids));
	assert_int_equal(pci_dev_add(&desc, &d), 0);
	return d;   /* the test's reference */
}

static struct pci_dev *edu, *nic, *orphan;

static int setup(void **state)
{
	static const uint16_t r_edu[] = { RID_EDU }, r_nic[] = { RID_NIC, RID_ALIAS },
			      r_orphan[] = { RID_ORPHAN };
	struct phys_range pool = { ARENA_BASE, ARENA_BASE + ARENA_SIZE };
	struct acpi_info ai = { 0 };

	(void)state;
	arena = aligned_alloc(PAGE_SIZE, ARENA_SIZE);
	memset(arena, 0, ARENA_SIZE);
	phys_arena_reset();
	phys_arena_add(ARENA_BASE, arena, ARENA_SIZE);
	assert_int_equal(frames_init(&pool, 1), 0);
	fake_pci_reset();
	pci_dev_registry_reset();
	memset(rid_domain, 0, sizeof(rid_domain));
	set_rid_calls = flush_calls = 0;
	failing_rid = 0xffff;
	log_capture_reset();
	fake_domain_ids = state && *state ? (uint32_t)(uintptr_t)*state : 1u << 16;
	edu = add_dev(0, 0x08, r_edu, 1);
	nic = add_dev(0, 0x10, r_nic, 2);
	orphan = add_dev(5, 0x00, r_orphan, 1);
	assert_int_equal(iommu_init(&ai, root_ram, 1), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(arena);
	return 0;
}

static void test_boot_puts_everyone_in_the_default_domain(void **state)
{
	paddr_t pa;

	(void)state;
	assert_ptr_equal(rid_domain[RID_EDU], iommu_domain_default());
	assert_ptr_equal(rid_domain[RID_NIC], iommu_domain_default());
	assert_ptr_equal(rid_domain[RID_ALIAS], iommu_domain_default());
	assert_ptr_equal(edu->iommu, &fake_unit);
	assert_null(orphan->iommu);
	assert_true(log_captured("W/iommu: 0000:05:00.0 is behind no IOMMU unit"));
	/* Identity over root RAM, nothing else: monitor memory is simply absent. */
	assert_int_equal(pt_lookup(&iommu_domain_default()->pt, 0x4321000, &pa, NULL, NULL), 0);
	assert_int_equal(pa, 0x4321000);
	assert_int_equal(pt_lookup(&iommu_domain_default()->pt, ARENA_BASE, &pa, NULL, NULL), -ENOENT);
	assert_int_equal(pt_lookup(&iommu_domain_default()->pt, 0x8000000, &pa, NULL, NULL), -ENOENT);
	assert_int_equal(iommu_domain_default()->devices, 2);
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
	assert_ptr_equal(rid_domain[RID_NIC], d);
	assert_ptr_equal(rid_domain[RID_ALIAS], d);
	assert_ptr_equal(iommu_domain_of(nic), d);
	assert_int_equal(iommu_attach(d, nic), -EALREADY);
	assert_int_equal(iommu_attach(d, orphan), -ENODEV);
	assert_int_equal(iommu_detach(nic), 0);
	assert_ptr_equal(rid_domain[RID_ALIAS], iommu_domain_default());
	assert_ptr_equal(iommu_domain_of(nic), iommu_domain_default());
	assert_int_equal(d->devices, 0);
}

static void test_failed_attach_changes_nothing(void **state)
{
	int err;
	struct iommu_domain *d = iommu_domain_create(0x101, NULL, &err);
	paddr_t pa;

	(void)state;
	failing_rid = RID_EDU;
	assert_int_equal(iommu_attach(d, edu), -EIO);
	assert_ptr_equal(iommu_domain_of(edu), iommu_domain_default());
	assert_int_equal(d->devices, 0);
	assert_int_equal(d->unity_refs[0], 0);
	assert_int_equal(pt_lookup(&d->pt, UNITY_BASE, &pa, NULL, NULL), -ENOENT);
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
	assert_int_equal(iommu_attach(iommu_domain_null(), edu), 0);
	assert_ptr_equal(rid_domain[RID_EDU], iommu_domain_null());
	assert_int_equal(iommu_detach(edu), 0);
	assert_ptr_equal(rid_domain[RID_EDU], iommu_domain_default());
}

static void test_fault_storm_stops_bus_mastering(void **state)
{
	struct fake_fn *f = fake_pci_find(0, 0, 0x10);
	struct iommu_fault fault = { .seg = 0, .rid = RID_NIC, .addr = 0x1000, .is_write = true,
				     .reason = 5, .reason_name = "write" };
	struct iommu_fault last;

	(void)state;
	fake_pci_set_command(f, PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER);
	log_capture_reset();
	for (unsigned i = 0; i <= IOMMU_FAULT_STORM; i++)
		iommu_fault_report(&fake_unit, UNIT_BASE, &fault);
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

/* A unit with 16 domain ids (CAP.ND = 0): default, null and 13 paging domains, no more. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_boot_puts_everyone_in_the_default_domain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_moves_every_requester_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_attach_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unity_ranges_follow_the_device_and_are_immune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_refused_while_in_use_and_returns_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ids_and_special_domains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_storm_stops_bus_mastering, setup, teardown),
		cmocka_unit_test_prestate_setup_teardown(test_domain_ids_bounded_by_the_units, setup,
							 teardown, (void *)(uintptr_t)16),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
