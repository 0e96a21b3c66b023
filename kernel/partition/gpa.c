// SPDX-License-Identifier: MIT
/*
 * Guest-physical to host-physical, for the monitor's own accesses to guest
 * memory and for the hypercall layer's GPA checks: a GPA is the partition's
 * RAM only when its RAM chunks cover it AND its stage-2 maps it now (pages
 * deposited to the monitor or taken back from a child do not count). Kept
 * apart from the rest of the partition code so host tests and the MAP path
 * benchmark link the very same functions.
 */
#include "kernel/partition/partition.h"

paddr_t part_chunk_hpa(const struct partition *p, uint64_t gpa)
{
	for (unsigned i = 0; i < p->ram_chunks; i++) {
		const struct part_chunk *c = &p->ram[i];

		if (gpa >= c->gpa && gpa - c->gpa < c->size)
			return c->hpa + (gpa - c->gpa);
	}
	return 0;
}

/*
 * RAM of the partition that its stage-2 maps now: a page it deposited to the
 * monitor, or one the root unmapped, is not the partition's to read or write
 * through the monitor either.
 */
paddr_t part_gpa_to_hpa(const struct partition *p, uint64_t gpa)
{
	paddr_t hpa = part_chunk_hpa(p, gpa);

	if (hpa && p->s2.root && pt_lookup(&p->s2, gpa, NULL, NULL, NULL) < 0)
		return 0;
	return hpa;
}

paddr_t part_gpa_to_hpa_span(const struct partition *p, uint64_t gpa, uint64_t *first, uint64_t *span)
{
	uint64_t leaf = PAGE_SIZE, lo = 0, hi = 0, base;
	paddr_t hpa = 0;

	*first = *span = 0;
	for (unsigned i = 0; i < p->ram_chunks && !hpa; i++) {
		const struct part_chunk *c = &p->ram[i];

		if (gpa >= c->gpa && gpa - c->gpa < c->size) {
			hpa = c->hpa + (gpa - c->gpa);
			lo = c->gpa;
			hi = c->gpa + c->size;
		}
	}
	if (hpa && p->s2.root && pt_lookup(&p->s2, gpa, NULL, NULL, &leaf) < 0)
		hpa = 0;
	if (!hpa)
		return 0;
	base = ALIGN_DOWN(gpa, leaf);
	*first = MAX(lo, base);
	*span = MIN(hi, base + leaf) - *first;
	return hpa;
}
