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

#define MONITOR_POOL_DEFAULT (64 * MiB)

#endif
