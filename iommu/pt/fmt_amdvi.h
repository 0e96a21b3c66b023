/* SPDX-License-Identifier: MIT */
/*
 * AMD-Vi v1 host page-table entries (AMD IOMMU spec 2.2.3). A table pointer
 * carries the level of the table it points to in Next Level; a leaf carries
 * Next Level 0, so a level-2 leaf maps 2 MiB and a level-3 leaf 1 GiB.
 */
#ifndef IOMON_PT_FMT_AMDVI_H
#define IOMON_PT_FMT_AMDVI_H

#include "kernel/types.h"

#define AMDVI_PTE_PR          BIT(0)          /* present */
#define AMDVI_PTE_NEXT_LEVEL  GENMASK(11, 9)  /* 0 = leaf, 7 = page-size override (unused) */
#define AMDVI_PTE_ADDR        GENMASK(51, 12)
#define AMDVI_PTE_IR          BIT(61)         /* DMA read allowed (checked at every level) */
#define AMDVI_PTE_IW          BIT(62)         /* DMA write allowed (checked at every level) */

#define AMDVI_NEXT_LEVEL_LEAF 0

#endif
