/* SPDX-License-Identifier: MIT */
/* Deposit pool internals for memory.c (the public side is in hvcall.h). */
#ifndef IOMON_HVCALL_POOL_H
#define IOMON_HVCALL_POOL_H

#include <errno.h>

#include "kernel/hvcall/hvcall.h"
#include "iommu/pt/pt.h"

/*
 * Record a page deposited (dma: it was DMA-able before) into p's pool by
 * partition `depositor`: its own RAM page at gpa -> hpa (else -EINVAL).
 * -EEXIST when it is in a pool already, -ENOSPC when the depositor's
 * bookkeeping cannot be allocated.
 */
int __must_check hv_pool_add(struct partition *p, unsigned depositor, uint64_t gpa, paddr_t hpa, bool dma);
/* Take a free page `depositor` deposited into p's pool out of it. -ENOENT when there is none. */
int __must_check hv_pool_take_free(struct partition *p, unsigned depositor, uint64_t *gpa, paddr_t *hpa,
				   bool *dma);
/* Undo hv_pool_take_free. */
int __must_check hv_pool_put_back(struct partition *p, unsigned depositor, uint64_t gpa, paddr_t hpa, bool dma);


#endif
