/* SPDX-License-Identifier: MIT */
/*
 * AMD-Vi v1 entries. The walk follows Next Level rather than counting
 * levels, so a table pointer must name exactly level - 1: the hardware would
 * otherwise skip levels (allowed by the spec, never used here). A leaf has
 * Next Level 0 at any level. IR/IW are checked in table pointers too, so
 * pointers grant both.
 */
#include "iommu/pt/fmt.h"
#include "iommu/pt/fmt_amdvi.h"

const struct pt_format pt_fmt_amdvi_v1 = {
	.name = "amdvi-v1",
	.min_levels = 3,                   /* DTE Mode 3 */
	.max_levels = 4,                   /* DTE Mode 4 */
	.pa_bits = 52,
	.pa_bounded_by_width = false,
	.page_sizes = PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G,
	.present = AMDVI_PTE_PR,
	.leaf_mask = AMDVI_PTE_NEXT_LEVEL,
	.leaf_match = FIELD_PREP(AMDVI_PTE_NEXT_LEVEL, AMDVI_NEXT_LEVEL_LEAF),
	.table_bits = AMDVI_PTE_PR | AMDVI_PTE_IR | AMDVI_PTE_IW,
	.table_level_unit = FIELD_PREP(AMDVI_PTE_NEXT_LEVEL, 1),
	.leaf_bits = AMDVI_PTE_PR | FIELD_PREP(AMDVI_PTE_NEXT_LEVEL, AMDVI_NEXT_LEVEL_LEAF),
	.grant = { AMDVI_PTE_IR, AMDVI_PTE_IW, 0 },
	.perms_need = PT_READ | PT_WRITE,
};
