/* SPDX-License-Identifier: MIT */
/* Lists of physical ranges [base, end): the arithmetic stage-2 layouts are made of. */
#ifndef IOMON_PART_RANGES_H
#define IOMON_PART_RANGES_H

#include "kernel/frames.h"

/* Sort by base, drop empty ranges, merge overlapping or touching ones. Returns the new count. */
unsigned ranges_normalize(struct phys_range *r, unsigned n);
/*
 * out = in minus holes (both any order). Returns the number of ranges
 * written, or -1 when `max` is too small (nothing useful is in out then).
 */
int ranges_subtract(const struct phys_range *in, unsigned n, const struct phys_range *holes,
		    unsigned nh, struct phys_range *out, unsigned max);
bool ranges_contain(const struct phys_range *r, unsigned n, uint64_t addr);

#endif
