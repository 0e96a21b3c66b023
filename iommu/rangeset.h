/* SPDX-License-Identifier: MIT */
/*
 * A set of page-aligned physical ranges, kept sorted and disjoint in a
 * fixed array: the memory the IOMMU may let devices reach (iommu.h). Adding
 * merges neighbours, removing may split a range; when a split needs a slot
 * the array does not have, nothing changes and -ENOSPC is returned.
 */
#ifndef IOMON_IOMMU_RANGESET_H
#define IOMON_IOMMU_RANGESET_H

#include "kernel/types.h"
#include "kernel/frames.h"

#define RANGESET_MAX 256   /* root RAM alone may come in FRAMES_MAX_RANGES + 1 pieces */

struct rangeset {
	struct phys_range r[RANGESET_MAX];
	unsigned n;
};

void rangeset_clear(struct rangeset *s);
/* 0, -EINVAL (not page aligned, empty or wrapping), -ENOSPC (set full; unchanged). */
int __must_check rangeset_add(struct rangeset *s, paddr_t base, paddr_t end);
int __must_check rangeset_remove(struct rangeset *s, paddr_t base, paddr_t end);
/* Every byte of [base, end) is in the set. */
bool rangeset_contains(const struct rangeset *s, paddr_t base, paddr_t end);
/* Some byte of [base, end) is in the set. */
bool rangeset_overlaps(const struct rangeset *s, paddr_t base, paddr_t end);

#endif
