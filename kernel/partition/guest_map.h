/* SPDX-License-Identifier: MIT */
/*
 * A partition's memory map, the one its multiboot2 information carries.
 *
 * Root: the firmware's map with every "available" byte replaced by the
 * root's RAM set (so the monitor's memory and every child's RAM are simply
 * absent), while the firmware's non-available entries (reserved, ACPI,
 * NVS, bad) are kept as the firmware gave them. Where firmware entries of
 * different non-available types overlap, the more restrictive type wins
 * (bad > reserved > ACPI NVS > ACPI reclaim). A reserved byte never turns
 * into available: a RAM set that touches a non-available entry, or that is
 * not inside the firmware's available memory, is refused.
 *
 * Child: one available range [0, size), with any caller-reserved ranges
 * shown as reserved instead.
 *
 * Both results are sorted, disjoint, and adjacent entries of one type are
 * merged.
 */
#ifndef IOMON_PARTITION_GUEST_MAP_H
#define IOMON_PARTITION_GUEST_MAP_H

#include "kernel/types.h"
#include "boot/mb2.h"
#include "kernel/frames.h"

#define GUEST_MAP_MAX_IN        BOOT_MMAP_MAX   /* firmware entries / RAM ranges accepted */

/*
 * 0 and *nout entries in out; -EINVAL (one log line) when the inputs are
 * inconsistent (too many entries, a RAM range outside available firmware
 * memory or over a non-available entry); -ENOSPC when max_out is too small.
 */
int __must_check guest_map_root(const struct mem_range *fw, unsigned nfw,
				const struct phys_range *ram, unsigned nram,
				struct mem_range *out, unsigned max_out, unsigned *nout);

/*
 * A child's map over `size` bytes of RAM from GPA 0 (page aligned, non-zero);
 * `reserved` (may be NULL when nreserved is 0) are shown as MEM_RESERVED
 * where they fall inside [0, size). 0, -EINVAL or -ENOSPC.
 */
int __must_check guest_map_child(uint64_t size, const struct phys_range *reserved,
				 unsigned nreserved, struct mem_range *out, unsigned max_out,
				 unsigned *nout);

#endif
