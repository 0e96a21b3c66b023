/* SPDX-License-Identifier: MIT */
/*
 * x86-64 entries as AMD NPT. US is set in every entry because nested walks
 * treat guest accesses as user accesses. The layout also suits a VT-d walker
 * (P and RW sit where R and W are): bits 11 and 62 and the large-leaf PAT
 * bit 12 stay clear, so such a table may be shared with a VT-d unit.
 */
#include "iommu/pt/fmt.h"
#include "iommu/pt/fmt_x86.h"

static bool x86_perms_valid(unsigned perms)
{
	/* P grants read: there is no write-only or execute-only page. */
	return (perms & PT_READ) != 0;
}

static uint64_t x86_make_table(paddr_t table, unsigned level)
{
	/* NX stays clear in table pointers: the leaf alone decides execution. */
	(void)level;
	return (table & PT_ENTRY_ADDR) | X86_PTE_P | X86_PTE_RW | X86_PTE_US;
}

static uint64_t x86_make_leaf(paddr_t pa, unsigned level, unsigned perms)
{
	uint64_t e = (pa & PT_ENTRY_ADDR) | X86_PTE_P | X86_PTE_US;

	if (perms & PT_WRITE)
		e |= X86_PTE_RW;
	if (!(perms & PT_EXEC))
		e |= X86_PTE_NX;
	if (level > 1)
		e |= X86_PTE_PS;
	return e;
}

static bool x86_is_present(uint64_t e, unsigned level)
{
	(void)level;
	return (e & X86_PTE_P) != 0;
}

static bool x86_is_leaf(uint64_t e, unsigned level)
{
	return level == 1 || (e & X86_PTE_PS);
}

static unsigned x86_entry_perms(uint64_t e, unsigned level)
{
	(void)level;
	return PT_READ | ((e & X86_PTE_RW) ? PT_WRITE : 0) |
	       ((e & X86_PTE_NX) ? 0 : PT_EXEC);
}

const struct pt_format pt_fmt_x86 = {
	.name = "x86-npt",
	.min_levels = 4,                   /* 4-level paging; 5-level not supported */
	.max_levels = 4,
	.pa_bits = 52,
	.pa_bounded_by_width = false,
	.page_sizes = PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G,
	.perms_valid = x86_perms_valid,
	.make_table = x86_make_table,
	.make_leaf = x86_make_leaf,
	.is_present = x86_is_present,
	.is_leaf = x86_is_leaf,
	.entry_perms = x86_entry_perms,
};
