/* SPDX-License-Identifier: MIT */
/*
 * x86-64 entries as AMD NPT. US is set in every entry because nested walks
 * treat guest accesses as user accesses. P grants read: there is no
 * write-only or execute-only page. NX stays clear in table pointers, so the
 * leaf alone decides execution. The layout also suits a VT-d walker (P and
 * RW sit where R and W are): bits 11 and 62 and the large-leaf PAT bit 12
 * stay clear, so such a table may be shared with a VT-d unit.
 */
#include "iommu/pt/fmt.h"
#include "iommu/pt/fmt_x86.h"

const struct pt_format pt_fmt_x86 = {
	.name = "x86-npt",
	.min_levels = 4,                   /* 4-level paging; 5-level not supported */
	.max_levels = 4,
	.pa_bits = 52,
	.pa_bounded_by_width = false,
	.page_sizes = PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G,
	.present = X86_PTE_P,
	.leaf_mask = X86_PTE_PS,
	.leaf_match = X86_PTE_PS,
	.table_bits = X86_PTE_P | X86_PTE_RW | X86_PTE_US,
	.leaf_bits = X86_PTE_P | X86_PTE_US,
	.large_bits = X86_PTE_PS,
	.grant = { 0, X86_PTE_RW, 0 },
	.deny = { 0, 0, X86_PTE_NX },
	.perms_always = PT_READ,
	.perms_need = PT_READ,
};
