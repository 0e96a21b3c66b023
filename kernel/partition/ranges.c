// SPDX-License-Identifier: MIT
#include <string.h>

#include "kernel/partition/ranges.h"

#define RANGES_WORK_MAX 256

unsigned ranges_normalize(struct phys_range *r, unsigned n)
{
	unsigned out = 0;

	/* Insertion sort: the lists are short and this runs at boot. */
	for (unsigned i = 1; i < n; i++) {
		struct phys_range x = r[i];
		unsigned j = i;

		for (; j > 0 && r[j - 1].base > x.base; j--)
			r[j] = r[j - 1];
		r[j] = x;
	}
	for (unsigned i = 0; i < n; i++) {
		if (r[i].end <= r[i].base)
			continue;
		if (out && r[i].base <= r[out - 1].end) {
			r[out - 1].end = MAX(r[out - 1].end, r[i].end);
			continue;
		}
		r[out++] = r[i];
	}
	return out;
}

int ranges_subtract(const struct phys_range *in, unsigned n, const struct phys_range *holes,
		    unsigned nh, struct phys_range *out, unsigned max)
{
	struct phys_range h[RANGES_WORK_MAX], src[RANGES_WORK_MAX];
	unsigned count = 0;

	if (nh > RANGES_WORK_MAX || n > RANGES_WORK_MAX)
		return -1;
	memcpy(h, holes, nh * sizeof(h[0]));
	memcpy(src, in, n * sizeof(src[0]));
	nh = ranges_normalize(h, nh);
	n = ranges_normalize(src, n);
	for (unsigned i = 0; i < n; i++) {
		uint64_t cur = src[i].base;

		for (unsigned j = 0; j < nh && cur < src[i].end; j++) {
			if (h[j].end <= cur || h[j].base >= src[i].end)
				continue;
			if (h[j].base > cur) {
				if (count == max)
					return -1;
				out[count++] = (struct phys_range){ cur, h[j].base };
			}
			cur = h[j].end;
		}
		if (cur < src[i].end) {
			if (count == max)
				return -1;
			out[count++] = (struct phys_range){ cur, src[i].end };
		}
	}
	return (int)count;
}

bool ranges_contain(const struct phys_range *r, unsigned n, uint64_t addr)
{
	for (unsigned i = 0; i < n; i++)
		if (addr >= r[i].base && addr < r[i].end)
			return true;
	return false;
}
