/* SPDX-License-Identifier: MIT */
/*
 * AMD-Vi v1 entries. The walk follows Next Level rather than counting
 * levels, so a table pointer must name exactly level - 1: the hardware would
 * otherwise skip levels (allowed by the spec, never used here). IR/IW are
 * checked in table pointers too, so pointers grant both.
 */
#include "iommu/pt/fmt.h"
#include "iommu/pt/fmt_amdvi.h"

static bool amdvi_perms_valid(unsigned perms)
{
	return (perms & (PT_READ | PT_WRITE)) != 0;
}

static uint64_t amdvi_make_table(paddr_t table, unsigned level)
{
	return (table & AMDVI_PTE_ADDR) | AMDVI_PTE_PR |
	       FIELD_PREP(AMDVI_PTE_NEXT_LEVEL, level - 1) |
	       AMDVI_PTE_IR | AMDVI_PTE_IW;
}

static uint64_t amdvi_make_leaf(paddr_t pa, unsigned level, unsigned perms)
{
	uint64_t e = (pa & AMDVI_PTE_ADDR) | AMDVI_PTE_PR |
		     FIELD_PREP(AMDVI_PTE_NEXT_LEVEL, AMDVI_NEXT_LEVEL_LEAF);

	(void)level;
	if (perms & PT_READ)
		e |= AMDVI_PTE_IR;
	if (perms & PT_WRITE)
		e |= AMDVI_PTE_IW;
	return e;
}

static bool amdvi_is_present(uint64_t e, unsigned level)
{
	(void)level;
	return (e & AMDVI_PTE_PR) != 0;
}

static bool amdvi_is_leaf(uint64_t e, unsigned level)
{
	return level == 1 || FIELD_GET(AMDVI_PTE_NEXT_LEVEL, e) == AMDVI_NEXT_LEVEL_LEAF;
}

static unsigned amdvi_entry_perms(uint64_t e, unsigned level)
{
	(void)level;
	return ((e & AMDVI_PTE_IR) ? PT_READ : 0) | ((e & AMDVI_PTE_IW) ? PT_WRITE : 0);
}

const struct pt_format pt_fmt_amdvi_v1 = {
	.name = "amdvi-v1",
	.min_levels = 3,                   /* DTE Mode 3 */
	.max_levels = 4,                   /* DTE Mode 4 */
	.pa_bits = 52,
	.pa_bounded_by_width = false,
	.page_sizes = PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G,
	.perms_valid = amdvi_perms_valid,
	.make_table = amdvi_make_table,
	.make_leaf = amdvi_make_leaf,
	.is_present = amdvi_is_present,
	.is_leaf = amdvi_is_leaf,
	.entry_perms = amdvi_entry_perms,
};
