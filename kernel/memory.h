/* SPDX-License-Identifier: MIT */
#ifndef IOMON_MEMORY_H
#define IOMON_MEMORY_H

#include "boot/mb2.h"
#include "arch/x86/acpi.h"
#include "kernel/frames.h"

/*
 * Report the loader's memory map, build the frame allocator from it minus
 * everything the monitor must not hand out, and map usable RAM into the
 * direct map. Panics only when no memory at all is usable.
 */
void memory_init(const struct boot_info *bi, const struct acpi_info *ai);

/*
 * Usable RAM is split once, at boot: the monitor's own pool (the frame
 * allocator: page tables, IOMMU structures) and the root partition's RAM.
 * Monitor memory is never mapped for DMA nor into any partition.
 */
unsigned memory_root_ram(const struct phys_range **out);
bool memory_is_monitor(paddr_t pa);
/* The monitor's own memory: its image and its pool (never DMA-able, never in a partition). */
unsigned memory_monitor_ranges(const struct phys_range **out);

/*
 * Take `size` bytes (a multiple of 2 MiB) of root RAM for a child partition,
 * from the top of the highest ranges down, in at most `max` pieces each
 * 2 MiB aligned. Returns the number of pieces, or 0 (nothing taken) when
 * root RAM cannot supply it. Call before the IOMMU builds the default domain.
 */
unsigned memory_take_from_root(uint64_t size, struct phys_range *out, unsigned max);
/* Hand memory the monitor no longer needs (loaded boot modules) to the root. */
void memory_give_to_root(paddr_t base, paddr_t end);

#define MONITOR_POOL_DEFAULT (64 * MiB)

#endif
