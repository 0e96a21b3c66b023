/* SPDX-License-Identifier: MIT */
/*
 * Page-table entry formats. The walker in pt.c knows only the radix shape
 * every format shares: 4 KiB tables of 512 eight-byte entries, 9 index bits
 * per level, level 1 mapping 4 KiB, level 2 2 MiB, level 3 1 GiB. Everything
 * a format decides about the bits of one entry sits behind this descriptor
 * (the role of Jailhouse's per-level `struct paging`; here one descriptor per
 * format, with the level passed in, because the four formats differ per level
 * only in whether a leaf there needs a page-size bit).
 *
 * Levels are numbered as the VT-d and AMD-Vi specifications number them:
 * 1 is the table of 4 KiB leaves, `levels` is the root.
 */
#ifndef IOMON_PT_FMT_H
#define IOMON_PT_FMT_H

#include "kernel/types.h"

/* What a mapping lets a device (or a guest) do; each format has its own bits. */
enum pt_perm {
	PT_READ  = 1u << 0,
	PT_WRITE = 1u << 1,
	PT_EXEC  = 1u << 2,   /* only EPT and x86-64 can withhold it; others ignore it */
};
#define PT_PERMS_ALL (PT_READ | PT_WRITE | PT_EXEC)

/* Leaf sizes, as bits of a page_sizes mask (the bit number is the page shift). */
#define PT_SIZE_4K  BIT(12)
#define PT_SIZE_2M  BIT(21)
#define PT_SIZE_1G  BIT(30)

/* No format here puts a leaf above level 3 (1 GiB). */
#define PT_MAX_LEAF_LEVEL 3

struct pt_format {
	const char *name;
	uint8_t min_levels, max_levels;   /* table depths the hardware walks */
	uint8_t pa_bits;                  /* widest output address an entry encodes */
	/*
	 * VT-d reserves address bits at and above the address width in every
	 * entry, so output addresses are bounded by the table's width too.
	 */
	bool pa_bounded_by_width;
	uint32_t page_sizes;              /* PT_SIZE_* the format can encode */

	/* Can a mapping grant exactly `perms` in this format? */
	bool (*perms_valid)(unsigned perms);
	/* An entry at `level` pointing at the table of level - 1 at `table`. */
	uint64_t (*make_table)(paddr_t table, unsigned level);
	/* A leaf at `level` mapping `pa` (aligned to the level's page size). */
	uint64_t (*make_leaf)(paddr_t pa, unsigned level, unsigned perms);
	/* Does the hardware walk through / translate with this entry at all? */
	bool (*is_present)(uint64_t entry, unsigned level);
	/* Is a present entry a leaf (as opposed to a pointer to a table)? */
	bool (*is_leaf)(uint64_t entry, unsigned level);
	/* Permissions a present entry grants at its level. */
	unsigned (*entry_perms)(uint64_t entry, unsigned level);
};

/* The formats (one file each: fmt_vtd.c, fmt_amdvi.c, fmt_ept.c, fmt_x86.c). */
extern const struct pt_format pt_fmt_vtd_sl;    /* VT-d second level, legacy mode */
extern const struct pt_format pt_fmt_amdvi_v1;  /* AMD-Vi v1 host page table */
extern const struct pt_format pt_fmt_ept;       /* Intel EPT */
extern const struct pt_format pt_fmt_x86;       /* x86-64 long mode as AMD NPT */

/* Entry address field shared by all four formats: bits 51:12. */
#define PT_ENTRY_ADDR GENMASK(51, 12)

/*
 * Address field of a present entry: the next table, or the page. In large
 * leaves the bits below the page size are not address bits (x86 PAT bit 12,
 * VT-d reserved bits); the walker masks them to the page size.
 */
static inline paddr_t pt_entry_addr(uint64_t entry)
{
	return entry & PT_ENTRY_ADDR;
}

static inline unsigned pt_level_shift(unsigned level)
{
	return PAGE_SHIFT + 9 * (level - 1);
}

static inline uint64_t pt_level_size(unsigned level)
{
	return BIT(pt_level_shift(level));
}

#endif
