/* SPDX-License-Identifier: MIT */
/*
 * EPT entries. Laid out so a VT-d unit can walk the very same table: R/W sit
 * where VT-d has them, bits 11 and 62 are never set, and the fields VT-d
 * ignores (memory type, IPAT, X) carry only EPT meaning. Leaves are
 * write-back with IPAT clear, so the guest's PAT still chooses UC/WC for
 * its device mappings. Write without read is an EPT misconfiguration, and
 * execute-only needs a VMX capability not assumed here: every mapping is
 * readable.
 */
#include "iommu/pt/fmt.h"
#include "iommu/pt/fmt_ept.h"

const struct pt_format pt_fmt_ept = {
	.name = "ept",
	.min_levels = 4,                   /* EPTP page-walk length 4; 5-level not supported */
	.max_levels = 4,
	.pa_bits = 52,
	.pa_bounded_by_width = false,
	.page_sizes = PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G,
	.present = EPT_R | EPT_W | EPT_X,
	.leaf_mask = EPT_PS,
	.leaf_match = EPT_PS,
	.table_bits = EPT_R | EPT_W | EPT_X,
	.leaf_bits = FIELD_PREP(EPT_MEMTYPE, EPT_MEMTYPE_WB),
	.large_bits = EPT_PS,
	.grant = { EPT_R, EPT_W, EPT_X },
	.perms_need = PT_READ,
};
