/* SPDX-License-Identifier: MIT */
/*
 * A fake partition RAM for the loader tests: `pages` guest pages from GPA 0,
 * each its own heap allocation (so ASan catches any access that assumes two
 * guest pages are adjacent on the host), with holes that can be punched.
 * Counts page look-ups.
 */
#ifndef IOMON_TEST_FAKE_GMEM_H
#define IOMON_TEST_FAKE_GMEM_H

#include "kernel/partition/gmem.h"

struct fake_gmem {
	struct gmem gm;
	uint8_t **pages;
	uint64_t npages;
	uint64_t lookups;
};

void fake_gmem_init(struct fake_gmem *f, uint64_t npages);
void fake_gmem_free(struct fake_gmem *f);
/* Make the page holding `gpa` not RAM. */
void fake_gmem_hole(struct fake_gmem *f, uint64_t gpa);
/* Host pointer to the byte at gpa (must be RAM). */
uint8_t *fake_gmem_at(struct fake_gmem *f, uint64_t gpa);

#endif
