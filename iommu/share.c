// SPDX-License-Identifier: MIT
/*
 * Shared domains: a device attached to a child partition translates its DMA
 * through the child's own stage-2 (direct attach). Whether the IOMMU can walk
 * the stage-2 table itself is a contract checked here, never assumed.
 *
 * A VT-d second-level table (VT-d spec §9.8) has the x86 long-mode shape: 4
 * KiB tables of 512 8-byte entries, 9 index bits per level, read in bit 0,
 * write in bit 1, a leaf above level 1 flagged by bit 7. AMD NPT and Intel
 * EPT tables have that shape too, so a context entry can point at one when:
 *   - the format has the shape (PS at bit 7, R at bit 0, W at bit 1, no
 *     level field in table pointers the way AMD-Vi's v1 format has);
 *   - every unit walks the stage-2's depth (context AW), and no second depth
 *     is needed;
 *   - every page size the stage-2 may use is one the units accept;
 *   - no bit the format writes is reserved in a second-level entry: bit 11
 *     (snoop, legal in leaves only with ECAP.SC), bit 62 (TM) and, in large
 *     leaves, bit 12 (the x86 PAT bit; address bits in VT-d);
 *   - every output address stays below the units' address width (VT-d
 *     reserves the bits above it);
 *   - the units snoop the CPU caches (the stage-2 is written without cache
 *     write-back).
 * A stage-2 never holds "not present but writable" entries (the page-table
 * engine writes 0 for an absent mapping), which VT-d would read as
 * write-only. When any of this fails, the domain keeps a mirror: an IOMMU-
 * format table the partition layer keeps in step with every stage-2 change.
 */
#define LOG_TAG "iommu"
#include "iommu/internal.h"

#define VTD_SL_RESERVED      (BIT(11) | BIT(62))
#define VTD_SL_LARGE_RESERVED BIT(12)

static bool entry_bits_ok(const struct pt_format *f)
{
	uint64_t all = f->table_bits | f->leaf_bits | f->large_bits;

	for (unsigned p = 0; p < PT_PERM_BITS; p++)
		all |= f->grant[p] | f->deny[p];
	return !(all & VTD_SL_RESERVED) && !(f->large_bits & VTD_SL_LARGE_RESERVED) &&
	       !(f->leaf_bits & VTD_SL_LARGE_RESERVED);
}

static bool has_x86_shape(const struct pt_format *f)
{
	bool read_bit0 = f->present == BIT(0) || f->grant[0] == BIT(0);

	return f->leaf_mask == BIT(7) && f->leaf_match == BIT(7) && read_bit0 &&
	       f->grant[1] == BIT(1) && f->table_level_unit == 0 && f->max_levels <= 5;
}

const char *iommu_share_refusal(const struct iommu_limits *l, bool unit_walks_x86,
				const struct pt_table *s2)
{
	if (!unit_walks_x86)
		return "the unit's table format differs from the stage-2's";
	if (!s2->root || !has_x86_shape(s2->fmt))
		return "the stage-2 format has not the second-level shape";
	if (l->alt_levels || l->pt_levels != s2->levels)
		return "the units do not walk the stage-2's depth";
	if (s2->page_sizes & ~l->page_sizes)
		return "the stage-2 may use page sizes the units lack";
	if (!entry_bits_ok(s2->fmt))
		return "the stage-2 format sets bits the units reserve";
	if (l->addr_width < 64 && s2->pa_limit > (1ull << l->addr_width))
		return "the stage-2 may map addresses above the units' width";
	if (!l->coherent && !s2->flush_cache)
		return "the units do not snoop the stage-2's writes";
	return NULL;
}
