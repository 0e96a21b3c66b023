/* SPDX-License-Identifier: MIT */
/*
 * Intel EPT paging-structure entries (SDM vol. 3, 29.3.2). Bit 7 makes a
 * level-2/3 entry a 2 MiB/1 GiB leaf; the memory type lives in leaves only.
 */
#ifndef IOMON_PT_FMT_EPT_H
#define IOMON_PT_FMT_EPT_H

#include "kernel/types.h"

#define EPT_R         BIT(0)
#define EPT_W         BIT(1)
#define EPT_X         BIT(2)
#define EPT_MEMTYPE   GENMASK(5, 3)    /* leaf only; reserved (0) in table pointers */
#define EPT_IPAT      BIT(6)           /* leaf only: ignore guest PAT; left 0 */
#define EPT_PS        BIT(7)           /* leaf at level 2 or 3 */

#define EPT_MEMTYPE_UC 0
#define EPT_MEMTYPE_WB 6

/*
 * VT-d reserves these in its second-level entries; they stay clear so the
 * IOMMU can walk the same table (direct attach).
 */
#define EPT_VTD_SNP   BIT(11)
#define EPT_VTD_TM    BIT(62)

#endif
