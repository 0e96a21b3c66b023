/* SPDX-License-Identifier: MIT */
/*
 * How many paging-domain mappings reach each physical page, so that a page
 * a device can still write is never handed to the monitor (DEPOSIT_MEMORY
 * asks iommu_page_dma_mapped) and so never becomes a page table the
 * device could rewrite (invariant 1). The IOMMU tables are not
 * reverse-mapped, hence this count, kept by every map and unmap of a
 * paging domain and dropped when a domain is destroyed.
 *
 * Storage: a 16-bit counter per 4 KiB page, in counter pages of 2048
 * (8 MiB of RAM each) taken from the monitor's frames the first time a
 * page of that 8 MiB is mapped: at most one page per 8 MiB of DMA-able RAM,
 * whatever the guest does; and a directory of them (56 frames), taken with
 * the first and given back with the last. A counter that reaches its maximum stays there
 * (the page is then never depositable again), never wraps. Pages above
 * MAPCOUNT_LIMIT (128 GiB) cannot be counted and are not mapped (-ERANGE).
 * A counter page goes back when its last count drops to zero.
 * All under the domain layer's lock.
 */
#include <errno.h>
#include <string.h>

#include "iommu/internal.h"
#include "kernel/frames.h"
#include "kernel/phys.h"
#include "kernel/spinlock.h"

#define CHUNK_SHIFT     23                          /* 8 MiB of pages per counter page */
#define CHUNK_PAGES     (1u << (CHUNK_SHIFT - PAGE_SHIFT))
#define MAPCOUNT_LIMIT  (128 * GiB)
#define NR_CHUNKS       (MAPCOUNT_LIMIT >> CHUNK_SHIFT)
#define COUNT_MAX       UINT16_MAX

_Static_assert(CHUNK_PAGES * sizeof(uint16_t) == PAGE_SIZE, "one counter page per chunk");

/* The directory of counter pages: monitor frames, taken when the first page is mapped. */
struct mapcount_dir {
	uint16_t *chunk[NR_CHUNKS];          /* counter pages, by 8 MiB of physical address */
	uint32_t pfn[NR_CHUNKS];             /* their frames */
	uint16_t live[NR_CHUNKS];            /* nonzero counters in each */
};
#define DIR_PAGES (ALIGN_UP(sizeof(struct mapcount_dir), PAGE_SIZE) / PAGE_SIZE)

static struct mapcount_dir *dir;
static paddr_t dir_pa;
static unsigned dir_chunks;              /* counter pages allocated */

void iommu_mapcount_reset(void)
{
	dir = NULL;   /* iommu_init: nothing is mapped, every frame is the allocator's again */
	dir_chunks = 0;
}

static uint16_t *counter(paddr_t pa)
{
	uint16_t *c = dir && pa < MAPCOUNT_LIMIT ? dir->chunk[pa >> CHUNK_SHIFT] : NULL;

	return c ? &c[(pa >> PAGE_SHIFT) & (CHUNK_PAGES - 1)] : NULL;
}

/* Nothing counted any more: the directory goes back too. */
static void dir_release_if_empty(unsigned chunks)
{
	if (chunks || !dir)
		return;
	frames_free(dir_pa, DIR_PAGES);
	dir = NULL;
}

static int dir_alloc(void)
{
	paddr_t pa = frames_alloc_contig(DIR_PAGES, PAGE_SIZE);

	if (!pa)
		return -ENOMEM;
	dir_pa = pa;
	dir = phys_map(pa, DIR_PAGES * PAGE_SIZE, PHYS_WB);
	memset(dir, 0, DIR_PAGES * PAGE_SIZE);
	return 0;
}

int iommu_mapcount_prepare(paddr_t pa)
{
	paddr_t page;
	uint16_t *c;

	if (pa >= MAPCOUNT_LIMIT)
		return -ERANGE;
	if (!dir && dir_alloc() < 0)
		return -ENOMEM;
	if (dir->chunk[pa >> CHUNK_SHIFT]) {
		/* The count is updated once the page is mapped: start fetching its line now. */
		__builtin_prefetch(counter(pa), 1);
		return 0;
	}
	page = frame_alloc();
	if (!page || page >> PAGE_SHIFT > UINT32_MAX) {
		if (page)
			frames_free(page, 1);
		dir_release_if_empty(dir_chunks);
		return -ENOMEM;
	}
	dir_chunks++;
	dir->pfn[pa >> CHUNK_SHIFT] = (uint32_t)(page >> PAGE_SHIFT);
	c = phys_map(page, PAGE_SIZE, PHYS_WB);
	memset(c, 0, PAGE_SIZE);
	dir->chunk[pa >> CHUNK_SHIFT] = c;
	return 0;
}

/* A counter page whose counters are all zero goes back to the monitor's frames. */
void iommu_mapcount_add(paddr_t pa, int delta)
{
	uint16_t *c = counter(pa);
	unsigned chunk = (unsigned)(pa >> CHUNK_SHIFT);

	if (!c || *c == COUNT_MAX)
		return;
	if (delta > 0 && (*c)++ == 0)
		dir->live[chunk]++;
	else if (delta < 0 && *c && --(*c) == 0 && --dir->live[chunk] == 0) {
		frames_free((paddr_t)dir->pfn[chunk] << PAGE_SHIFT, 1);
		dir->chunk[chunk] = NULL;
		dir_release_if_empty(--dir_chunks);
	}
}

bool iommu_mapcount_any(paddr_t base, uint64_t size)
{
	for (paddr_t pa = ALIGN_DOWN(base, PAGE_SIZE); pa < base + size; pa += PAGE_SIZE) {
		const uint16_t *c = counter(pa);

		if (c && *c)
			return true;
	}
	return false;
}

struct leaf_probe {
	bool present, leaf;
	unsigned level;
	paddr_t addr;
};

static void probe_step(void *ctx, const struct pt_walk_step *s)
{
	struct leaf_probe *p = ctx;

	*p = (struct leaf_probe){ s->present, s->leaf, s->level, s->addr };
}

/*
 * Add delta to the count of every page t maps in [iova, iova+size): each
 * walk ends at a leaf (its pages inside the range) or at an empty slot
 * (skipped whole, at whatever level it is).
 */
void iommu_mapcount_adjust(const struct pt_table *t, uint64_t iova, uint64_t size, int delta)
{
	uint64_t end = MIN(iova + size, t->iova_limit);

	while (iova < end) {
		struct leaf_probe p = { false, false, 1, 0 };
		uint64_t span, base, next;

		if (pt_walk(t, iova, probe_step, &p) <= 0)
			return;
		span = pt_level_size(p.level);
		base = ALIGN_DOWN(iova, span);
		next = MIN(base + span, end);
		if (p.present && p.leaf)
			for (uint64_t va = iova; va < next; va += PAGE_SIZE)
				iommu_mapcount_add(p.addr + (va - base), delta);
		iova = next;
	}
}

/* Every page countable first, so a mapping is never left uncounted. */
int iommu_map_counted(struct iommu_domain *d, uint64_t iova, paddr_t pa, uint64_t size,
		       unsigned perms, uint64_t *mapped)
{
	int rc = 0;

	for (uint64_t off = 0; off < size && rc == 0; off += PAGE_SIZE)
		rc = iommu_mapcount_prepare(pa + off);
	if (rc < 0)
		return rc == -ENOMEM ? -EIO : rc;
	rc = iommu_dom_map(d, iova, pa, size, perms, mapped);
	for (uint64_t off = 0; off < *mapped; off += PAGE_SIZE)
		iommu_mapcount_add(pa + off, 1);
	return rc;
}

/* Unmap and uncount; what a failed split left mapped stays counted. */
int iommu_unmap_counted(struct iommu_domain *d, uint64_t iova, uint64_t size, uint64_t *unmapped)
{
	int rc;

	iommu_mapcount_adjust(&d->pt, iova, size, -1);
	rc = iommu_dom_unmap(d, iova, size, unmapped);
	if (*unmapped < size)
		iommu_mapcount_adjust(&d->pt, iova + *unmapped, size - *unmapped, 1);
	return rc;
}

bool iommu_page_dma_mapped(paddr_t pa)
{
	bool mapped;

	spin_lock(&iommu_lock);
	mapped = iommu_mapcount_any(pa, PAGE_SIZE) || iommu_unity_overlaps(pa, PAGE_SIZE);
	spin_unlock(&iommu_lock);
	return mapped;
}
