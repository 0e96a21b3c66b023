/* SPDX-License-Identifier: MIT */
/*
 * VT-d second-level paging entries, legacy mode (VT-d spec 9.8). The same
 * layout at every level; bit 7 makes a level-2/3 entry a 2 MiB/1 GiB leaf.
 */
#ifndef IOMON_PT_FMT_VTD_H
#define IOMON_PT_FMT_VTD_H

#include "kernel/types.h"

#define VTD_SL_R     BIT(0)    /* read; checked at every level */
#define VTD_SL_W     BIT(1)    /* write; checked at every level */
#define VTD_SL_X     BIT(2)    /* execute requests only; never set here */
#define VTD_SL_PS    BIT(7)    /* page size: leaf at level 2 or 3; reserved at level 4 */
/*
 * Snoop (leaf only, with ECAP.SC) and transient mapping (leaf only, with
 * ECAP.DT). QEMU faults on either unless the unit has the feature, and a
 * shared EPT/NPT table must not carry them: never set.
 */
#define VTD_SL_SNP   BIT(11)
#define VTD_SL_TM    BIT(62)

#endif
