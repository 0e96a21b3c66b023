/* SPDX-License-Identifier: MIT */
/*
 * The direct-attach sharing contract (iommu/share.c): when may a VT-d
 * context entry point at a partition's stage-2 (NPT or EPT) instead of a
 * mirrored IOMMU table? Every clause of the contract is broken once.
 */
#include <string.h>

#include "tests/unit/harness.h"
#include "iommu/iommu.h"

static void dummy_flush(void *va, size_t len) { (void)va; (void)len; }

static struct iommu_limits unit48(void)
{
	return (struct iommu_limits){ .pt_levels = 4, .addr_width = 48,
				      .page_sizes = PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G,
				      .coherent = true, .domain_ids = 256 };
}

static struct pt_table s2_of(const struct pt_format *fmt)
{
	return (struct pt_table){ .fmt = fmt, .root = 0x1000, .levels = 4,
				  .iova_limit = 1ull << 48, .pa_limit = 1ull << 48,
				  .page_sizes = PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G };
}

static void test_npt_and_ept_are_shared_by_vtd(void **state)
{
	struct iommu_limits l = unit48();
	struct pt_table npt = s2_of(&pt_fmt_x86), ept = s2_of(&pt_fmt_ept);

	(void)state;
	assert_null(iommu_share_refusal(&l, true, &npt));
	assert_null(iommu_share_refusal(&l, true, &ept));
}

static void test_amdvi_and_foreign_formats_are_mirrored(void **state)
{
	struct iommu_limits l = unit48();
	struct pt_table npt = s2_of(&pt_fmt_x86), v1 = s2_of(&pt_fmt_amdvi_v1);

	(void)state;
	assert_non_null(iommu_share_refusal(&l, false, &npt));   /* AMD-Vi walks its own v1 format */
	assert_non_null(iommu_share_refusal(&l, true, &v1));     /* level field in table pointers */
}

static void test_depth_and_page_sizes_must_match(void **state)
{
	struct iommu_limits l = unit48();
	struct pt_table npt = s2_of(&pt_fmt_x86);

	(void)state;
	l.pt_levels = 3;   /* intel-iommu aw-bits=39 */
	l.addr_width = 39;
	assert_non_null(iommu_share_refusal(&l, true, &npt));
	l = unit48();
	l.alt_levels = 3;  /* a second unit walks only 3 levels */
	assert_non_null(iommu_share_refusal(&l, true, &npt));
	l = unit48();
	l.page_sizes = PT_SIZE_4K | PT_SIZE_2M;   /* no 1 GiB pages on the unit */
	assert_non_null(iommu_share_refusal(&l, true, &npt));
	npt.page_sizes = PT_SIZE_4K | PT_SIZE_2M;
	assert_null(iommu_share_refusal(&l, true, &npt));
}

static void test_reserved_bits_refuse(void **state)
{
	struct iommu_limits l = unit48();
	struct pt_format f = pt_fmt_x86;
	struct pt_table t = s2_of(&f);

	(void)state;
	f.table_bits |= BIT(11);
	assert_non_null(iommu_share_refusal(&l, true, &t));
	f = pt_fmt_x86;
	f.leaf_bits |= BIT(62);
	assert_non_null(iommu_share_refusal(&l, true, &t));
	f = pt_fmt_x86;
	f.large_bits |= BIT(12);   /* PAT in a 2M/1G leaf is an address bit to VT-d */
	assert_non_null(iommu_share_refusal(&l, true, &t));
	f = pt_fmt_x86;
	assert_null(iommu_share_refusal(&l, true, &t));
}

static void test_width_and_coherency(void **state)
{
	struct iommu_limits l = unit48();
	struct pt_table npt = s2_of(&pt_fmt_x86);

	(void)state;
	npt.pa_limit = 1ull << 52;   /* could map above the unit's width */
	assert_non_null(iommu_share_refusal(&l, true, &npt));
	npt.pa_limit = 1ull << 48;
	l.coherent = false;          /* ECAP.C=0 and a stage-2 written without write-back */
	assert_non_null(iommu_share_refusal(&l, true, &npt));
	npt.flush_cache = dummy_flush;
	assert_null(iommu_share_refusal(&l, true, &npt));
	npt.root = 0;
	assert_non_null(iommu_share_refusal(&l, true, &npt));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_npt_and_ept_are_shared_by_vtd),
		cmocka_unit_test(test_amdvi_and_foreign_formats_are_mirrored),
		cmocka_unit_test(test_depth_and_page_sizes_must_match),
		cmocka_unit_test(test_reserved_bits_refuse),
		cmocka_unit_test(test_width_and_coherency),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
