/* SPDX-License-Identifier: MIT */
/* Between the files of the domain layer (iommu.c, unity.c, fault.c, flush.c); nobody else. */
#ifndef IOMON_IOMMU_INTERNAL_H
#define IOMON_IOMMU_INTERNAL_H

#include "iommu/iommu.h"
#include "iommu/rangeset.h"
#include "kernel/spinlock.h"

extern const struct iommu_ops *iommu_vendor;
/* The domain layer's one lock (iommu.h, "Locking"). */
extern spinlock_t iommu_lock;

/* Map / unmap in every table of d (one per depth); iommu_lock held. */
int iommu_dom_map(struct iommu_domain *d, uint64_t iova, paddr_t pa, uint64_t size,
		  unsigned perms, uint64_t *mapped);
int iommu_dom_unmap(struct iommu_domain *d, uint64_t iova, uint64_t size, uint64_t *unmapped);
int iommu_dom_map_identity_outside(struct iommu_domain *d, const struct rangeset *skip,
				   paddr_t base, paddr_t end);

/*
 * Unity ranges (unity.c): read from the vendor, checked, merged, and mapped
 * into the default domain once; paging domains hold them while an attached
 * function needs them. iommu_lock held for all but init.
 */
void iommu_unity_init(struct iommu_domain *def, const struct rangeset *dma_ram,
		      const struct rangeset *monitor);
int iommu_unity_get(struct iommu_domain *d, const struct pci_dev *dev);
void iommu_unity_put(struct iommu_domain *d, const struct pci_dev *dev);
int iommu_unity_get_group(struct iommu_domain *d, const struct pci_group *g);
void iommu_unity_put_group(struct iommu_domain *d, const struct pci_group *g);
bool iommu_unity_held(const struct iommu_domain *d, uint64_t iova, uint64_t size);
/*
 * Whether [base, base+size) overlaps a firmware unity range: devices reach
 * those at their own address for good (the default domain keeps them, and
 * every paging domain of a device that needs one maps it), so such a page
 * must never become monitor memory.
 */
bool iommu_unity_overlaps(paddr_t base, uint64_t size);
/*
 * Per-page counts of paging-domain mappings (mapcount.c), iommu_lock held:
 * prepare makes a page countable (0, -ERANGE above what is counted, -ENOMEM),
 * add counts one mapping more (delta > 0) or less, any says whether some
 * page of a range is mapped, adjust walks t over a range and adds delta
 * for every page it maps there.
 */
void iommu_mapcount_reset(void);   /* iommu_init: nothing mapped yet */
int iommu_mapcount_prepare(paddr_t pa);
void iommu_mapcount_add(paddr_t pa, int delta);
bool iommu_mapcount_any(paddr_t base, uint64_t size);
void iommu_mapcount_adjust(const struct pt_table *t, uint64_t iova, uint64_t size, int delta);
/* iommu_dom_map / iommu_dom_unmap that keep the counts (iommu_lock held). */
int iommu_map_counted(struct iommu_domain *d, uint64_t iova, paddr_t pa, uint64_t size,
		      unsigned perms, uint64_t *mapped);
int iommu_unmap_counted(struct iommu_domain *d, uint64_t iova, uint64_t size, uint64_t *unmapped);

/*
 * Pending flushes (flush.c), iommu_lock held: add a span to d's, commit d's
 * (1 issued, 0 nothing pending, or the vendor's error with the span kept),
 * commit every domain's (how many issued, or the first error).
 */
void iommu_pending_add_locked(struct iommu_domain *d, uint64_t iova, uint64_t size);
int iommu_pending_commit_locked(struct iommu_domain *d);
int iommu_pending_commit_all_locked(void);

/* How many distinct unity ranges are in use (tests, report). */
unsigned iommu_unity_count(void);

#endif
