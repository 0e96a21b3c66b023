// SPDX-License-Identifier: MIT
/*
 * The monitor's side of the deposit pools' bookkeeping (pool.c): a
 * partition's frame map, one byte per 4 KiB of its RAM, from the monitor's
 * frames at its first deposit. Monitor only: host tests provide their own.
 */
#include "kernel/hvcall/pool.h"
#include "kernel/frames.h"
#include "kernel/phys.h"

void *hv_pool_map_alloc(const struct partition *p, uint64_t bytes)
{
	uint64_t pages = (bytes + PAGE_SIZE - 1) >> PAGE_SHIFT;
	paddr_t pa;
	void *va;

	(void)p;
	pa = pages ? frames_alloc_contig(pages, PAGE_SIZE) : 0;
	if (!pa)
		return NULL;
	va = phys_map(pa, pages << PAGE_SHIFT, PHYS_WB);
	if (!va)
		frames_free(pa, pages);
	return va;
}
