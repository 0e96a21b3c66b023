/* SPDX-License-Identifier: MIT */
/*
 * Page-table entry formats. The walker in pt.c knows only the radix shape
 * every format shares: 4 KiB tables of 512 eight-byte entries, 9 index bits
 * per level, level 1 mapping 4 KiB, level 2 2 MiB, level 3 1 GiB. Everything
 * a format decides about the bits of one entry sits in this descriptor, as
 * masks (the role of Jailhouse's per-level `struct paging`; here one
 * descriptor per format, because the four formats differ per level only in
 * whether a leaf there needs a page-size bit and, for AMD-Vi, in the level a
 * table pointer names).
 *
 * Levels are numbered as the VT-d and AMD-Vi specifications number them:
 * 1 is the table of 4 KiB leaves, `levels` is the root.
 */
#ifndef IOMON_PT_FMT_H
#define IOMON_PT_FMT_H

#include "kernel/types.h"

/* Entry address field shared by all four formats: bits 51:12. */
#define PT_ENTRY_ADDR GENMASK(51, 12)

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

/*
 * A format as data: every question the walker asks about an entry is a mask
 * test, so the map/unmap/lookup loops make no call per entry and one walker
 * serves all four formats.
 */
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

	uint64_t present;                 /* present iff any of these bits is set */
	/* Above level 1, a present entry is a leaf iff (e & leaf_mask) == leaf_match. */
	uint64_t leaf_mask, leaf_match;
	/* A table pointer: table_bits | address | (level - 1) * table_level_unit. */
	uint64_t table_bits, table_level_unit;
	/* A leaf: leaf_bits | address | large_bits above level 1 | permission bits. */
	uint64_t leaf_bits, large_bits;
	/*
	 * Permission bits, indexed by the bit number of PT_READ/WRITE/EXEC: a leaf
	 * granting it sets grant[], one withholding it sets deny[] (x86 NX). Table
	 * pointers carry the same bits (table_bits) granting everything, and a walk
	 * ANDs what every level grants.
	 */
	uint64_t grant[3], deny[3];
	unsigned perms_always;            /* granted by every present entry (x86: read) */
	unsigned perms_need;              /* a mapping must grant one of these */
};

#define PT_PERM_BITS 3

static inline bool pt_fmt_present(const struct pt_format *f, uint64_t e)
{
	return (e & f->present) != 0;
}

/* Level 1 entries are always leaves; bit 7 there is PAT (x86) or ignored. */
static inline bool pt_fmt_leaf(const struct pt_format *f, uint64_t e, unsigned level)
{
	return level == 1 || (e & f->leaf_mask) == f->leaf_match;
}

/* Permissions a present entry grants at its level. */
static inline unsigned pt_fmt_perms(const struct pt_format *f, uint64_t e)
{
	unsigned perms = f->perms_always;

	for (unsigned p = 0; p < PT_PERM_BITS; p++)
		if ((f->grant[p] && (e & f->grant[p])) || (f->deny[p] && !(e & f->deny[p])))
			perms |= 1u << p;
	return perms;
}

/* Can a mapping grant exactly `perms` in this format? */
static inline bool pt_fmt_perms_valid(const struct pt_format *f, unsigned perms)
{
	return !(perms & ~PT_PERMS_ALL) && (perms & f->perms_need);
}

/* An entry at `level` pointing at the table of level - 1 at `table`. */
static inline uint64_t pt_fmt_table(const struct pt_format *f, paddr_t table, unsigned level)
{
	return f->table_bits | (table & PT_ENTRY_ADDR) | (level - 1) * f->table_level_unit;
}

/* The bits of a level-1 leaf granting `perms`, address excluded. */
static inline uint64_t pt_fmt_leaf_bits(const struct pt_format *f, unsigned perms)
{
	uint64_t e = f->leaf_bits;

	for (unsigned p = 0; p < PT_PERM_BITS; p++)
		e |= (perms & (1u << p)) ? f->grant[p] : f->deny[p];
	return e;
}

/* A leaf at `level` mapping `pa` (aligned to the level's page size). */
static inline uint64_t pt_fmt_make_leaf(const struct pt_format *f, paddr_t pa, unsigned level,
					unsigned perms)
{
	return (pa & PT_ENTRY_ADDR) | pt_fmt_leaf_bits(f, perms) |
	       (level > 1 ? f->large_bits : 0);
}

/* The formats (one file each: fmt_vtd.c, fmt_amdvi.c, fmt_ept.c, fmt_x86.c). */
extern const struct pt_format pt_fmt_vtd_sl;    /* VT-d second level, legacy mode */
extern const struct pt_format pt_fmt_amdvi_v1;  /* AMD-Vi v1 host page table */
extern const struct pt_format pt_fmt_ept;       /* Intel EPT */
extern const struct pt_format pt_fmt_x86;       /* x86-64 long mode as AMD NPT */

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
