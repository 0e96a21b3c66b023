/* SPDX-License-Identifier: MIT */
/*
 * AMD-Vi (AMD I/O Virtualization Technology, pub. 48882) MMIO registers:
 * offsets first, then each register's fields named under it.
 */
#ifndef IOMON_AMDVI_REGS_H
#define IOMON_AMDVI_REGS_H

#include "kernel/types.h"

#define AMDVI_MMIO_SIZE             0x4000   /* the unit's register window (16 KiB) */

/* Register offsets from the unit's base (IVHD base address). */
#define AMDVI_REG_DEV_TABLE_BASE    0x0000
#define AMDVI_REG_CMD_BUF_BASE      0x0008
#define AMDVI_REG_EVT_LOG_BASE      0x0010
#define AMDVI_REG_CONTROL           0x0018
#define AMDVI_REG_EXCL_BASE         0x0020
#define AMDVI_REG_EXCL_LIMIT        0x0028
#define AMDVI_REG_EXT_FEATURE       0x0030
#define AMDVI_REG_PPR_LOG_BASE      0x0038
#define AMDVI_REG_CMD_HEAD          0x2000
#define AMDVI_REG_CMD_TAIL          0x2008
#define AMDVI_REG_EVT_HEAD          0x2010
#define AMDVI_REG_EVT_TAIL          0x2018
#define AMDVI_REG_STATUS            0x2020
#define AMDVI_REG_PPR_HEAD          0x2030
#define AMDVI_REG_PPR_TAIL          0x2038

/* Device Table Base: 4 KiB-aligned address, size in 4 KiB pages - 1. */
#define AMDVI_DEV_TABLE_SIZE        GENMASK(8, 0)
#define AMDVI_DEV_TABLE_ADDR        GENMASK(51, 12)

/* Command Buffer / Event Log Base: 4 KiB-aligned address, 2^LEN entries. */
#define AMDVI_RING_ADDR             GENMASK(51, 12)
#define AMDVI_RING_LEN              GENMASK(59, 56)

/* Head and tail pointers: byte offsets into the ring, 16-byte entries. */
#define AMDVI_RING_PTR              GENMASK(18, 4)

/* Control */
#define AMDVI_CTRL_IOMMU_EN         BIT(0)
#define AMDVI_CTRL_HT_TUN_EN        BIT(1)
#define AMDVI_CTRL_EVT_LOG_EN       BIT(2)
#define AMDVI_CTRL_EVT_INT_EN       BIT(3)
#define AMDVI_CTRL_COM_WAIT_INT_EN  BIT(4)
#define AMDVI_CTRL_INV_TIMEOUT      GENMASK(7, 5)
#define AMDVI_CTRL_PASS_PW          BIT(8)
#define AMDVI_CTRL_RES_PASS_PW      BIT(9)
#define AMDVI_CTRL_COHERENT         BIT(10)
#define AMDVI_CTRL_ISOC             BIT(11)
#define AMDVI_CTRL_CMD_BUF_EN       BIT(12)
#define AMDVI_CTRL_PPR_LOG_EN       BIT(13)
#define AMDVI_CTRL_PPR_INT_EN       BIT(14)
#define AMDVI_CTRL_PPR_EN           BIT(15)
#define AMDVI_CTRL_GT_EN            BIT(16)
#define AMDVI_CTRL_GA_EN            BIT(17)   /* 128-bit IRTE format */
#define AMDVI_CTRL_XT_EN            BIT(50)   /* x2APIC interrupt destinations */

/* Exclusion range base (the limit register holds the limit in the same bits). */
#define AMDVI_EXCL_EN               BIT(0)
#define AMDVI_EXCL_ALLOW_ALL        BIT(1)
#define AMDVI_EXCL_ADDR             GENMASK(51, 12)

/* Extended Feature Register */
#define AMDVI_EFR_PREFSUP           BIT(0)          /* prefetch commands */
#define AMDVI_EFR_PPRSUP            BIT(1)          /* peripheral page requests */
#define AMDVI_EFR_XTSUP             BIT(2)          /* x2APIC */
#define AMDVI_EFR_NXSUP             BIT(3)          /* no-execute protection */
#define AMDVI_EFR_GTSUP             BIT(4)          /* guest (v2) translation */
#define AMDVI_EFR_IASUP             BIT(6)          /* INVALIDATE_IOMMU_ALL */
#define AMDVI_EFR_GASUP             BIT(7)          /* guest virtual APIC */
#define AMDVI_EFR_HESUP             BIT(8)          /* hardware error registers */
#define AMDVI_EFR_PCSUP             BIT(9)          /* performance counters */
#define AMDVI_EFR_HATS              GENMASK(11, 10) /* host table levels: 0=4, 1=5, 2=6 */
#define AMDVI_EFR_GATS              GENMASK(13, 12) /* guest table levels: 0=4, 1=5 */
#define AMDVI_EFR_GLXSUP            GENMASK(15, 14) /* guest CR3 table levels */
#define AMDVI_EFR_SMIFSUP           GENMASK(17, 16) /* SMI filter */
#define AMDVI_EFR_SMIFRC            GENMASK(20, 18) /* SMI filter register count */
#define AMDVI_EFR_GAMSUP            GENMASK(23, 21) /* guest APIC modes */
#define AMDVI_EFR_PASMAX            GENMASK(36, 32) /* PASID width - 1 */
#define AMDVI_EFR_GIOSUP            BIT(48)         /* guest I/O protection */
#define AMDVI_EFR_HASUP             BIT(49)         /* host access */
#define AMDVI_EFR_EPHSUP            BIT(50)         /* enhanced PPR handling */
#define AMDVI_EFR_HDSUP             BIT(52)         /* host dirty */
#define AMDVI_EFR_SNPSUP            BIT(63)         /* SEV-SNP */

/* Status */
#define AMDVI_STATUS_EVT_OVERFLOW   BIT(0)
#define AMDVI_STATUS_EVT_INT        BIT(1)
#define AMDVI_STATUS_COM_WAIT_INT   BIT(2)
#define AMDVI_STATUS_EVT_RUN        BIT(3)
#define AMDVI_STATUS_CMD_BUF_RUN    BIT(4)
#define AMDVI_STATUS_PPR_OVERFLOW   BIT(5)
#define AMDVI_STATUS_PPR_INT        BIT(6)
#define AMDVI_STATUS_PPR_RUN        BIT(7)

#endif
