/* SPDX-License-Identifier: MIT */
/*
 * VT-d in-memory structures, legacy mode (VT-d spec §9.1, §9.3, §6.5.2):
 * the root table (one 128-bit entry per bus), context tables (one 128-bit
 * entry per devfn) and 128-bit invalidation-queue descriptors.
 */
#ifndef IOMON_VTD_TABLES_H
#define IOMON_VTD_TABLES_H

#include "kernel/types.h"

struct vtd_entry128 {
	uint64_t lo;
	uint64_t hi;
};
_Static_assert(sizeof(struct vtd_entry128) == 16, "root/context entries and QI descriptors are 128-bit");

#define VTD_ROOT_ENTRIES      256
#define VTD_CONTEXT_ENTRIES   256

/* Root entry. */
#define VTD_ROOT_LO_P         BIT(0)
#define VTD_ROOT_LO_CTP       GENMASK(63, 12)   /* context-table pointer */

/* Context entry. */
#define VTD_CTX_LO_P          BIT(0)
#define VTD_CTX_LO_FPD        BIT(1)            /* fault processing disable: we never set it */
#define VTD_CTX_LO_TT         GENMASK(3, 2)
#define  VTD_CTX_TT_TRANSLATE 0                 /* untranslated requests walk the SL tables */
#define  VTD_CTX_TT_PASSTHRU  2
#define VTD_CTX_LO_SLPTPTR    GENMASK(63, 12)
#define VTD_CTX_HI_AW         GENMASK(2, 0)     /* levels - 2: 1 = 3-level, 2 = 4-level */
#define VTD_CTX_HI_DID        GENMASK(23, 8)

/* Invalidation descriptors (legacy, 128-bit). */
#define VTD_QI_TYPE           GENMASK(3, 0)
#define  VTD_QI_TYPE_CC       1                 /* context cache */
#define  VTD_QI_TYPE_IOTLB    2
#define  VTD_QI_TYPE_WAIT     5
#define VTD_QI_GRAN           GENMASK(5, 4)     /* 1 global, 2 domain, 3 device / page */
#define VTD_QI_CC_DID         GENMASK(31, 16)
#define VTD_QI_CC_SID         GENMASK(47, 32)
#define VTD_QI_CC_FM          GENMASK(49, 48)
#define VTD_QI_IOTLB_DW       BIT(6)
#define VTD_QI_IOTLB_DR       BIT(7)
#define VTD_QI_IOTLB_DID      GENMASK(31, 16)
#define VTD_QI_IOTLB_HI_AM    GENMASK(5, 0)
#define VTD_QI_IOTLB_HI_IH    BIT(6)
#define VTD_QI_IOTLB_HI_ADDR  GENMASK(63, 12)
#define VTD_QI_WAIT_IF        BIT(4)            /* never with SW: QEMU 7.2 asserts */
#define VTD_QI_WAIT_SW        BIT(5)            /* write status data to the status address */
#define VTD_QI_WAIT_FN        BIT(6)
#define VTD_QI_WAIT_DATA      GENMASK(63, 32)
#define VTD_QI_WAIT_HI_ADDR   GENMASK(63, 2)

#define VTD_INV_GLOBAL        1
#define VTD_INV_DOMAIN        2
#define VTD_INV_DEVICE        3                 /* context cache */
#define VTD_INV_PAGE          3                 /* IOTLB */

#endif
