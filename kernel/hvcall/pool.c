// SPDX-License-Identifier: MIT
/*
 * Deposit pools. Each partition has one: pages it (or the root, on its
 * behalf) gave the monitor with DEPOSIT_MEMORY. While a page is in a pool
 * it is in no stage-2 and not DMA-able (memory.c sees to that before it
 * gets here), so the monitor may use it for page tables. A page remembers
 * who deposited it and at which GPA: WITHDRAW_MEMORY gives free pages back
 * to their depositor only, where they came from.
 *
 * Bookkeeping is a fixed array per partition (page frame numbers fit 32
 * bits: RAM below 16 TiB), so a pool never needs monitor memory to grow.
 */
#include <string.h>

#include "kernel/hvcall/pool.h"
#include "kernel/partition/partition.h"
#include "kernel/spinlock.h"

struct pool_page {
	uint32_t gfn;                /* depositor's GPA >> 12 */
	uint32_t hfn;                /* HPA >> 12 */
	uint8_t depositor;           /* partition id */
	bool used;                   /* a table page now */
	bool dma;                    /* was DMA-able before the deposit */
};

struct hv_pool {
	struct pool_page page[HV_POOL_MAX];
	unsigned n, used;
	spinlock_t lock;
};

static struct hv_pool pools[PART_MAX];

static struct hv_pool *pool_of(const struct partition *p)
{
	return p && p->id >= 1 && p->id <= PART_MAX ? &pools[p->id - 1] : NULL;
}

int hv_pool_add(struct partition *p, unsigned depositor, uint64_t gpa, paddr_t hpa, bool dma)
{
	struct hv_pool *pl = pool_of(p);
	int rc = -ENOSPC;

	if (!pl || (gpa >> PAGE_SHIFT) > UINT32_MAX || (hpa >> PAGE_SHIFT) > UINT32_MAX)
		return -EINVAL;
	spin_lock(&pl->lock);
	if (pl->n < HV_POOL_MAX) {
		pl->page[pl->n++] = (struct pool_page){ .gfn = (uint32_t)(gpa >> PAGE_SHIFT),
							.hfn = (uint32_t)(hpa >> PAGE_SHIFT),
							.depositor = (uint8_t)depositor, .dma = dma };
		rc = 0;
	}
	spin_unlock(&pl->lock);
	return rc;
}

int hv_pool_take_free(struct partition *p, unsigned depositor, uint64_t *gpa, paddr_t *hpa, bool *dma)
{
	struct hv_pool *pl = pool_of(p);
	int rc = -ENOENT;

	if (!pl)
		return -EINVAL;
	spin_lock(&pl->lock);
	/* From the end: the most recent deposits first, and removal is a move of the last entry. */
	for (unsigned i = pl->n; i-- > 0;) {
		struct pool_page *pg = &pl->page[i];

		if (pg->used || pg->depositor != depositor)
			continue;
		*gpa = (uint64_t)pg->gfn << PAGE_SHIFT;
		*hpa = (paddr_t)pg->hfn << PAGE_SHIFT;
		*dma = pg->dma;
		*pg = pl->page[--pl->n];
		rc = 0;
		break;
	}
	spin_unlock(&pl->lock);
	return rc;
}

int hv_pool_put_back(struct partition *p, unsigned depositor, uint64_t gpa, paddr_t hpa, bool dma)
{
	return hv_pool_add(p, depositor, gpa, hpa, dma);
}

static paddr_t pool_alloc(void *ctx)
{
	struct hv_pool *pl = pool_of(ctx);
	paddr_t pa = 0;

	if (!pl)
		return 0;
	spin_lock(&pl->lock);
	for (unsigned i = 0; i < pl->n; i++) {
		if (!pl->page[i].used) {
			pl->page[i].used = true;
			pl->used++;
			pa = (paddr_t)pl->page[i].hfn << PAGE_SHIFT;
			break;
		}
	}
	spin_unlock(&pl->lock);
	return pa;
}

static void pool_free(void *ctx, paddr_t pa)
{
	struct hv_pool *pl = pool_of(ctx);

	if (!pl)
		return;
	spin_lock(&pl->lock);
	for (unsigned i = 0; i < pl->n; i++) {
		if (pl->page[i].used && (paddr_t)pl->page[i].hfn << PAGE_SHIFT == pa) {
			pl->page[i].used = false;
			pl->used--;
			break;
		}
	}
	spin_unlock(&pl->lock);
}

void hv_pool_pt_pool(struct partition *p, struct pt_pool *out)
{
	*out = (struct pt_pool){ .alloc = pool_alloc, .free = pool_free, .ctx = p };
}

bool hv_pool_holds_gpa(const struct partition *p, uint64_t gpa)
{
	for (unsigned k = 0; k < PART_MAX; k++) {
		struct hv_pool *pl = &pools[k];

		for (unsigned i = 0; i < pl->n; i++)
			if (pl->page[i].depositor == p->id && pl->page[i].gfn == gpa >> PAGE_SHIFT)
				return true;
	}
	return false;
}

bool hv_pool_holds_hpa(paddr_t hpa)
{
	for (unsigned k = 0; k < PART_MAX; k++)
		for (unsigned i = 0; i < pools[k].n; i++)
			if (pools[k].page[i].hfn == hpa >> PAGE_SHIFT)
				return true;
	return false;
}

unsigned hv_pool_pages(const struct partition *p)
{
	const struct hv_pool *pl = pool_of(p);

	return pl ? pl->n : 0;
}

unsigned hv_pool_in_use(const struct partition *p)
{
	const struct hv_pool *pl = pool_of(p);

	return pl ? pl->used : 0;
}

void hv_pool_reset(void)
{
	memset(pools, 0, sizeof(pools));
}
