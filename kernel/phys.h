/* SPDX-License-Identifier: MIT */
/*
 * The physical-memory seam. Logic never dereferences a physical address:
 * it asks for a mapping. In the monitor every physical address pa lives at
 * DIRECT_MAP_BASE + pa once mapped; usable RAM is mapped write-back at boot,
 * anything else (firmware tables in reserved ranges, MMIO) on request. Unit
 * tests provide the same functions over a simulated arena.
 */
#ifndef IOMON_PHYS_H
#define IOMON_PHYS_H

#include "kernel/types.h"

enum phys_cache {
	PHYS_WB,   /* RAM and firmware tables */
	PHYS_UC,   /* device registers: strong uncacheable */
};

/*
 * Map [pa, pa+len) and return its virtual address, or NULL when the range
 * cannot be mapped (wraps, beyond the physical address width, out of
 * page-table memory; on the host: outside every arena).
 */
void *phys_map(paddr_t pa, uint64_t len, enum phys_cache cache);

#endif
