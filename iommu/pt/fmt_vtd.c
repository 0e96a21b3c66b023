/* SPDX-License-Identifier: MIT */
/*
 * VT-d second-level entries. There is no present bit: an entry with neither
 * R nor W is "not present", and because permissions are checked at every
 * level, a table pointer must grant R and W for the leaves below it to count.
 * Address bits at or above the unit's address width are reserved, which
 * pa_bounded_by_width makes the walker enforce.
 */
#include "iommu/pt/fmt.h"
#include "iommu/pt/fmt_vtd.h"

static bool vtd_perms_valid(unsigned perms)
{
	/* Write-only is expressible (W without R); an empty grant is not a mapping. */
	return (perms & (PT_READ | PT_WRITE)) != 0;
}

static uint64_t vtd_make_table(paddr_t table, unsigned level)
{
	(void)level;
	return (table & PT_ENTRY_ADDR) | VTD_SL_R | VTD_SL_W;
}

static uint64_t vtd_make_leaf(paddr_t pa, unsigned level, unsigned perms)
{
	uint64_t e = pa & PT_ENTRY_ADDR;

	if (perms & PT_READ)
		e |= VTD_SL_R;
	if (perms & PT_WRITE)
		e |= VTD_SL_W;
	if (level > 1)
		e |= VTD_SL_PS;
	return e;
}

static bool vtd_is_present(uint64_t e, unsigned level)
{
	(void)level;
	return (e & (VTD_SL_R | VTD_SL_W)) != 0;
}

static bool vtd_is_leaf(uint64_t e, unsigned level)
{
	/* Bit 7 of a level-1 entry is ignored: level 1 is always a leaf. */
	return level == 1 || (e & VTD_SL_PS);
}

static unsigned vtd_entry_perms(uint64_t e, unsigned level)
{
	(void)level;
	return ((e & VTD_SL_R) ? PT_READ : 0) | ((e & VTD_SL_W) ? PT_WRITE : 0);
}

const struct pt_format pt_fmt_vtd_sl = {
	.name = "vtd-sl",
	.min_levels = 3,                   /* SAGAW bit 1: 39-bit AGAW */
	.max_levels = 4,                   /* SAGAW bit 2: 48-bit AGAW; 5-level not supported */
	.pa_bits = 52,
	.pa_bounded_by_width = true,
	.page_sizes = PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G,
	.perms_valid = vtd_perms_valid,
	.make_table = vtd_make_table,
	.make_leaf = vtd_make_leaf,
	.is_present = vtd_is_present,
	.is_leaf = vtd_is_leaf,
	.entry_perms = vtd_entry_perms,
};
