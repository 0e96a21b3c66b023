/* SPDX-License-Identifier: MIT */
/*
 * VT-d behind the domain layer's seam (iommu/vtd/vtd.c) with the units
 * themselves stubbed: which unit translates a requester id when one unit
 * failed bring-up, and which table depth each unit walks when the units
 * disagree (one 4-level only, one 3-level only).
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/table_builder.h"
#include "tests/unit/fake_pci.h"
#include "iommu/iommu.h"
#include "iommu/vtd/dmar.h"
#include "iommu/vtd/regs.h"
#include "iommu/vtd/unit.h"

#define BASE_A      0xfed90000ULL     /* explicit scope: 00:01.0 */
#define BASE_B      0xfed91000ULL     /* INCLUDE_PCI_ALL */
#define DMAR_PA     0x7fe0000ULL
/* QEMU's CAP for aw-bits=39 (SAGAW 3-level) and 48 (3- and 4-level); SAGAW is bits 12:8. */
#define CAP_AW39    0x00d2008c22260206ULL
#define CAP_AW48    0x00d2008c222f0606ULL
#define CAP_SAGAW   (0x1fULL << 8)
#define CAP_4_ONLY  ((CAP_AW48 & ~CAP_SAGAW) | (0x4ULL << 8))
#define ECAP_QEMU   0xf00f4aULL

static struct tb t;
static struct acpi_info ai;
static uint64_t cap_a, cap_b;
static paddr_t failing_base;

/* The last context entry written, per unit. */
static struct { paddr_t slpt; unsigned levels; uint16_t did; } ctx_a, ctx_b;

int vtd_unit_init(struct vtd_unit *u, const struct dmar_drhd *d)
{
	memset(u, 0, sizeof(*u));
	u->base = d->base;
	u->segment = d->segment;
	vtd_caps_decode(0x10, d->base == BASE_A ? cap_a : cap_b, ECAP_QEMU, &u->caps);
	if (d->base == failing_base)
		return -ETIMEDOUT;
	u->levels = vtd_caps_has_levels(&u->caps, 4) ? 4 : 3;
	u->addr_width = MIN(12 + 9 * u->levels, u->caps.mgaw);
	return 0;
}
int vtd_unit_enable_translation(struct vtd_unit *u) { (void)u; return 0; }
int vtd_context_set(struct vtd_unit *u, uint8_t bus, uint8_t devfn, uint16_t did, paddr_t slpt)
{
	(void)bus; (void)devfn;
	if (u->base == BASE_A)
		ctx_a.slpt = slpt, ctx_a.levels = u->levels, ctx_a.did = did;
	else
		ctx_b.slpt = slpt, ctx_b.levels = u->levels, ctx_b.did = did;
	return 0;
}
int vtd_flush_iotlb(struct vtd_unit *u, uint16_t did, uint64_t iova, uint64_t size) { (void)u; (void)did; (void)iova; (void)size; return 0; }
void vtd_unit_describe(const struct vtd_unit *u, struct iommu_unit_info *out) { (void)u; (void)out; }
unsigned vtd_fault_poll(struct vtd_unit *u) { (void)u; return 0; }

/* The domain layer's side of the seam. */
const struct pt_table *iommu_domain_table(const struct iommu_domain *d, unsigned levels)
{
	if (d->pt.root && d->pt.levels == levels)
		return &d->pt;
	if (d->pt_alt.root && d->pt_alt.levels == levels)
		return &d->pt_alt;
	return NULL;
}

static uint32_t open_at;
static void put(const void *p, uint32_t n) { tb_put(&t, p, n); }
static void drhd(uint8_t flags, uint64_t base, int scope_dev)
{
	struct dmar_drhd_hw d = { { DMAR_TYPE_DRHD, 0 }, flags, 0, 0, base };
	uint16_t len;

	open_at = t.len;
	put(&d, sizeof(d));
	if (scope_dev >= 0) {
		const uint8_t s[8] = { DMAR_SCOPE_ENDPOINT, 8, 0, 0, 0, 0, (uint8_t)scope_dev, 0 };

		put(s, sizeof(s));
	}
	len = (uint16_t)(t.len - open_at);
	memcpy(t.buf + open_at + 2, &len, 2);
}

static void platform(uint64_t a, uint64_t b, paddr_t failing)
{
	struct acpi_dmar hdr;

	memset(&hdr, 0, sizeof(hdr));
	hdr.haw = 47;
	tb_begin(&t, &hdr, sizeof(hdr), "DMAR", 1);
	drhd(0, BASE_A, 1);
	drhd(DMAR_DRHD_INCLUDE_PCI_ALL, BASE_B, -1);
	tb_end(&t);
	phys_arena_reset();
	phys_arena_add(DMAR_PA, t.buf, sizeof(t.buf));
	memset(&ai, 0, sizeof(ai));
	memcpy(ai.tables[0].signature, "DMAR", 5);
	ai.tables[0].pa = DMAR_PA;
	ai.tables[0].length = t.len;
	ai.count = 1;
	cap_a = a;
	cap_b = b;
	failing_base = failing;
	fake_pci_reset();
	log_capture_reset();
}

/* Item 9: each unit walks a depth it supports; the domain offers a table of each depth. */
static void test_units_that_disagree_on_depth(void **state)
{
	struct iommu_limits lim;
	struct iommu_domain d = { .kind = IOMMU_DOMAIN_PAGING, .hw_id = 7 };
	bool failed;
	void *ua, *ub;

	(void)state;
	platform(CAP_4_ONLY, CAP_AW39, 0);
	assert_true(vtd_iommu_ops.probe(&ai, &lim));
	assert_int_equal(lim.pt_levels, 4);
	assert_int_equal(lim.addr_width, 48);
	assert_int_equal(lim.alt_levels, 3);
	assert_int_equal(lim.alt_addr_width, 39);
	ua = vtd_iommu_ops.unit_for(0, 0x0008, &failed);
	ub = vtd_iommu_ops.unit_for(0, 0x0010, &failed);
	assert_non_null(ua);
	assert_non_null(ub);
	d.pt = (struct pt_table){ .root = 0x1000, .levels = 4 };
	d.pt_alt = (struct pt_table){ .root = 0x2000, .levels = 3 };
	assert_int_equal(vtd_iommu_ops.set_rid(ua, 0x0008, &d), 0);
	assert_int_equal(vtd_iommu_ops.set_rid(ub, 0x0010, &d), 0);
	assert_int_equal(ctx_a.levels, 4);
	assert_int_equal(ctx_a.slpt, 0x1000);
	assert_int_equal(ctx_b.levels, 3);
	assert_int_equal(ctx_b.slpt, 0x2000);
	/* A domain without a table of the unit's depth is refused, never given a wrong AW. */
	d.pt_alt.root = 0;
	assert_int_equal(vtd_iommu_ops.set_rid(ub, 0x0010, &d), -EINVAL);
}

/* Units that all walk 4 levels keep one depth and no second table. */
static void test_units_that_agree(void **state)
{
	struct iommu_limits lim;

	(void)state;
	platform(CAP_AW48, CAP_4_ONLY, 0);
	assert_true(vtd_iommu_ops.probe(&ai, &lim));
	assert_int_equal(lim.pt_levels, 4);
	assert_int_equal(lim.alt_levels, 0);
	platform(CAP_AW48, CAP_AW39, 0);
	assert_true(vtd_iommu_ops.probe(&ai, &lim));
	assert_int_equal(lim.pt_levels, 3);
	assert_int_equal(lim.alt_levels, 0);
}

/* Item 10: a device in a failed unit's scope is not handed to the INCLUDE_PCI_ALL unit. */
static void test_failed_unit_keeps_its_devices(void **state)
{
	struct iommu_limits lim;
	bool failed = false;

	(void)state;
	platform(CAP_AW48, CAP_AW48, BASE_A);
	assert_true(vtd_iommu_ops.probe(&ai, &lim));
	assert_null(vtd_iommu_ops.unit_for(0, 0x0008, &failed));
	assert_true(failed);
	assert_non_null(vtd_iommu_ops.unit_for(0, 0x0010, &failed));
	assert_false(failed);
}

/* The null domain blocks with its one hardware id. */
static void test_null_domain_blocks(void **state)
{
	struct iommu_limits lim;
	struct iommu_domain null = { .kind = IOMMU_DOMAIN_BLOCKED, .hw_id = IOMMU_DOMAIN_NULL_HW_ID };
	bool failed;

	(void)state;
	platform(CAP_AW48, CAP_AW48, 0);
	assert_true(vtd_iommu_ops.probe(&ai, &lim));
	assert_int_equal(vtd_iommu_ops.set_rid(vtd_iommu_ops.unit_for(0, 0x0008, &failed), 0x0008, &null), 0);
	assert_int_equal(ctx_a.slpt, 0);
	assert_int_equal(ctx_a.did, IOMMU_DOMAIN_NULL_HW_ID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units_that_disagree_on_depth),
		cmocka_unit_test(test_units_that_agree),
		cmocka_unit_test(test_failed_unit_keeps_its_devices),
		cmocka_unit_test(test_null_domain_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
