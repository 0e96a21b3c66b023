/* SPDX-License-Identifier: MIT */
/*
 * The monitor's own address space (x86-64 4-level paging):
 *
 *   0xFFFFFFFF80000000 + pa   the monitor image: text RX, rodata R, data/bss RW+NX,
 *                             the page under the boot stack left unmapped (guard)
 *   0xFFFF800000000000 + pa   the direct map: usable RAM write-back at boot,
 *                             firmware tables and MMIO on request (phys_map)
 *
 * Nothing else is mapped; in particular there is no identity map, so a NULL
 * or physical-address dereference faults.
 */
#ifndef IOMON_X86_PAGING_H
#define IOMON_X86_PAGING_H

#include "kernel/types.h"
#include "kernel/frames.h"

#define DIRECT_MAP_BASE 0xFFFF800000000000ULL

/* x86-64 page-table entry bits (SDM Vol. 3 §4.5). */
#define PTE_P     BIT(0)
#define PTE_RW    BIT(1)
#define PTE_US    BIT(2)
#define PTE_PWT   BIT(3)
#define PTE_PCD   BIT(4)
#define PTE_A     BIT(5)
#define PTE_D     BIT(6)
#define PTE_PS    BIT(7)
#define PTE_G     BIT(8)
#define PTE_NX    BIT(63)
#define PTE_ADDR  GENMASK(51, 12)

/* Switch from the boot tables to the monitor's own. */
void paging_init(void);
/* Map every usable RAM range write-back into the direct map, then take page-table pages from the frame allocator. */
void paging_map_ram(const struct phys_range *ranges, unsigned n);
/* Virtual address of RAM that paging_map_ram() mapped. */
static inline void *phys_to_virt(paddr_t pa) { return (void *)(DIRECT_MAP_BASE + pa); }
/* Page-table pages in use, and how many came from the bootstrap pool. */
void paging_stats(unsigned *pool_used, unsigned *pool_size, unsigned *from_frames);

#endif
