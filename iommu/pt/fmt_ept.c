/* SPDX-License-Identifier: MIT */
/*
 * EPT entries. Laid out so a VT-d unit can walk the very same table: R/W sit
 * where VT-d has them, bits 11 and 62 are never set, and the fields VT-d
 * ignores (memory type, IPAT, X) carry only EPT meaning. Leaves are
 * write-back with IPAT clear, so the guest's PAT still chooses UC/WC for
 * its device mappings.
 */
#include "iommu/pt/fmt.h"
#include "iommu/pt/fmt_ept.h"

static bool ept_perms_valid(unsigned perms)
{
	/*
	 * Write without read is an EPT misconfiguration, and execute-only needs
	 * a VMX capability not assumed here: every mapping is readable.
	 */
	return (perms & PT_READ) != 0;
}

static uint64_t ept_make_table(paddr_t table, unsigned level)
{
	(void)level;
	return (table & PT_ENTRY_ADDR) | EPT_R | EPT_W | EPT_X;
}

static uint64_t ept_make_leaf(paddr_t pa, unsigned level, unsigned perms)
{
	uint64_t e = (pa & PT_ENTRY_ADDR) | FIELD_PREP(EPT_MEMTYPE, EPT_MEMTYPE_WB);

	if (perms & PT_READ)
		e |= EPT_R;
	if (perms & PT_WRITE)
		e |= EPT_W;
	if (perms & PT_EXEC)
		e |= EPT_X;
	if (level > 1)
		e |= EPT_PS;
	return e;
}

static bool ept_is_present(uint64_t e, unsigned level)
{
	(void)level;
	return (e & (EPT_R | EPT_W | EPT_X)) != 0;
}

static bool ept_is_leaf(uint64_t e, unsigned level)
{
	return level == 1 || (e & EPT_PS);
}

static unsigned ept_entry_perms(uint64_t e, unsigned level)
{
	(void)level;
	return ((e & EPT_R) ? PT_READ : 0) | ((e & EPT_W) ? PT_WRITE : 0) |
	       ((e & EPT_X) ? PT_EXEC : 0);
}

const struct pt_format pt_fmt_ept = {
	.name = "ept",
	.min_levels = 4,                   /* EPTP page-walk length 4; 5-level not supported */
	.max_levels = 4,
	.pa_bits = 52,
	.pa_bounded_by_width = false,
	.page_sizes = PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G,
	.perms_valid = ept_perms_valid,
	.make_table = ept_make_table,
	.make_leaf = ept_make_leaf,
	.is_present = ept_is_present,
	.is_leaf = ept_is_leaf,
	.entry_perms = ept_entry_perms,
};
