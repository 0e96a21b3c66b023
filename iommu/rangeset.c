/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "iommu/rangeset.h"

void rangeset_clear(struct rangeset *s)
{
	s->n = 0;
}

static bool bad_range(paddr_t base, paddr_t end)
{
	return end <= base || !IS_ALIGNED(base, PAGE_SIZE) || !IS_ALIGNED(end, PAGE_SIZE);
}

int rangeset_add(struct rangeset *s, paddr_t base, paddr_t end)
{
	unsigned i = 0, j;

	if (bad_range(base, end))
		return -EINVAL;
	while (i < s->n && s->r[i].end < base)
		i++;
	/* Ranges i..j-1 touch or overlap [base, end): they fold into one. */
	for (j = i; j < s->n && s->r[j].base <= end; j++) {
		base = MIN(base, s->r[j].base);
		end = MAX(end, s->r[j].end);
	}
	if (j == i) {
		if (s->n == RANGESET_MAX)
			return -ENOSPC;
		memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof(s->r[0]));
		s->n++;
	} else if (j > i + 1) {
		memmove(&s->r[i + 1], &s->r[j], (s->n - j) * sizeof(s->r[0]));
		s->n -= j - i - 1;
	}
	s->r[i] = (struct phys_range){ base, end };
	return 0;
}

int rangeset_remove(struct rangeset *s, paddr_t base, paddr_t end)
{
	if (bad_range(base, end))
		return -EINVAL;
	for (unsigned i = 0; i < s->n; i++) {
		struct phys_range *r = &s->r[i];

		if (r->end <= base || r->base >= end)
			continue;
		if (r->base < base && r->end > end) {   /* a hole in the middle: split */
			if (s->n == RANGESET_MAX)
				return -ENOSPC;
			memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof(s->r[0]));
			s->n++;
			s->r[i].end = base;
			s->r[i + 1].base = end;
			return 0;
		}
		if (r->base >= base && r->end <= end) {  /* wholly inside: drop it */
			memmove(&s->r[i], &s->r[i + 1], (s->n - i - 1) * sizeof(s->r[0]));
			s->n--;
			i--;
		} else if (r->base < base) {
			r->end = base;
		} else {
			r->base = end;
		}
	}
	return 0;
}

bool rangeset_contains(const struct rangeset *s, paddr_t base, paddr_t end)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->r[i].base <= base && end <= s->r[i].end)
			return true;
	return false;
}

bool rangeset_overlaps(const struct rangeset *s, paddr_t base, paddr_t end)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->r[i].base < end && base < s->r[i].end)
			return true;
	return false;
}
