/* SPDX-License-Identifier: MIT */
/*
 * VT-d second-level entries. There is no present bit: an entry with neither
 * R nor W is "not present", and because permissions are checked at every
 * level, a table pointer must grant R and W for the leaves below it to count.
 * Write-only is expressible (W without R); an empty grant is not a mapping.
 * Bit 7 of a level-1 entry is ignored (level 1 is always a leaf). Address
 * bits at or above the unit's address width are reserved, which
 * pa_bounded_by_width makes the walker enforce.
 */
#include "iommu/pt/fmt.h"
#include "iommu/pt/fmt_vtd.h"

const struct pt_format pt_fmt_vtd_sl = {
	.name = "vtd-sl",
	.min_levels = 3,                   /* SAGAW bit 1: 39-bit AGAW */
	.max_levels = 4,                   /* SAGAW bit 2: 48-bit AGAW; 5-level not supported */
	.pa_bits = 52,
	.pa_bounded_by_width = true,
	.page_sizes = PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G,
	.present = VTD_SL_R | VTD_SL_W,
	.leaf_mask = VTD_SL_PS,
	.leaf_match = VTD_SL_PS,
	.table_bits = VTD_SL_R | VTD_SL_W,
	.large_bits = VTD_SL_PS,
	.grant = { VTD_SL_R, VTD_SL_W, 0 },   /* execute: never set, requests without it */
	.perms_need = PT_READ | PT_WRITE,
};
