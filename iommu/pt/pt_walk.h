/* SPDX-License-Identifier: MIT */
/*
 * Inside the page-table engine: reaching table pages and reading entries.
 * The read-only walks (pt_lookup, pt_walk) live in pt_walk.c, the updates in
 * pt.c; both include this header, nothing else does.
 */
#ifndef IOMON_PT_WALK_H
#define IOMON_PT_WALK_H

#include "iommu/pt/pt.h"

/* One entry on a walk: where it is and what it held when read. */
struct pt_slot {
	uint64_t *entries;     /* the table page, through the direct map */
	unsigned index;
	unsigned level;
	uint64_t entry;
};

/* A table page through the direct map; every page was checked on entry. */
static inline uint64_t *pt_table_va(const struct pt_table *t, paddr_t table)
{
	return (uint64_t *)(t->dm + table);
}

static inline paddr_t pt_table_pa(const struct pt_table *t, const uint64_t *entries)
{
	return (uintptr_t)entries - t->dm;
}

static inline unsigned pt_level_index(uint64_t iova, unsigned level)
{
	return (iova >> pt_level_shift(level)) & (PT_ENTRIES - 1);
}

/*
 * Acquire pairs with the release of the engine's entry stores: whoever reads a table
 * pointer also sees the table's contents. The value is read once, as CPU
 * walkers may set accessed/dirty bits in EPT and NPT entries meanwhile.
 */
static inline uint64_t pt_entry_load(const uint64_t *entry)
{
	return __atomic_load_n(entry, __ATOMIC_ACQUIRE);
}

#endif
