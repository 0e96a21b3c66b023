/* SPDX-License-Identifier: MIT */
/*
 * Physical frame allocator. Built once from the loader's memory map minus
 * everything that must not be handed out (the first MiB, the monitor image,
 * the multiboot2 info, modules, ACPI tables). A bitmap with one bit per 4 KiB
 * frame over each usable range; supports aligned contiguous allocations
 * (IOMMU device tables, command buffers need them).
 */
#ifndef IOMON_FRAMES_H
#define IOMON_FRAMES_H

#include "kernel/types.h"
#include "boot/mb2.h"

#define FRAMES_MAX_RANGES   128
#define FRAMES_MAX_RESERVED 64

struct phys_range {
	uint64_t base;   /* 4 KiB aligned */
	uint64_t end;    /* exclusive, 4 KiB aligned */
};

/*
 * Pure part, unit-tested on its own: from `map` (any order, overlapping,
 * unaligned) compute the sorted, disjoint, page-aligned usable ranges:
 * MEM_AVAILABLE ranges shrunk inward to 4 KiB, minus every non-available
 * range that overlaps them (the more restrictive type wins), minus
 * `reserved`. Returns the number of ranges written to `out` (at most
 * `max_out`; extra ranges are dropped with a warning).
 */
unsigned frames_compute_usable(const struct mem_range *map, unsigned nmap,
			       const struct phys_range *reserved, unsigned nreserved,
			       struct phys_range *out, unsigned max_out);

/*
 * Build the allocator over `usable`. The bitmaps are placed inside the
 * usable memory itself (and marked used), reached through phys_map().
 * Returns 0 or -ENOMEM when no range can hold the bitmaps.
 */
int frames_init(const struct phys_range *usable, unsigned n);

/* One 4 KiB frame, or 0 when memory is exhausted. Never returns frame 0. */
paddr_t frame_alloc(void);
/* `count` contiguous frames aligned to `align` bytes (a power of two >= 4 KiB), or 0. */
paddr_t frames_alloc_contig(uint64_t count, uint64_t align);
void frames_free(paddr_t pa, uint64_t count);
/* Mark an already-usable range as used (e.g. a table found late). 0, or -EBUSY if any frame was allocated. */
int frames_reserve(paddr_t pa, uint64_t len);

struct frames_stats {
	uint64_t total_frames;
	uint64_t free_frames;
	uint64_t bitmap_bytes;
	paddr_t lowest, highest_end;
	unsigned ranges;
};
void frames_get_stats(struct frames_stats *st);
/* The usable ranges the allocator manages (for the boot report and self-tests). */
unsigned frames_ranges(const struct phys_range **out);

#endif
