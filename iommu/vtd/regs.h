/* SPDX-License-Identifier: MIT */
/*
 * Intel VT-d remapping unit registers (VT-d specification rev 4.x, §11.4).
 * Offsets first, then each register's fields named under it. 32-bit
 * registers must be accessed with 32-bit accesses (an 8-byte write to
 * FECTL/IECTL/IEADDR aborts QEMU 7.2, see docs/ARCHITECTURE.md).
 */
#ifndef IOMON_VTD_REGS_H
#define IOMON_VTD_REGS_H

#include "kernel/types.h"

/* Register offsets from the unit's base (DRHD register base address). */
#define VTD_REG_VER       0x00    /* 32: version */
#define VTD_REG_CAP       0x08    /* 64: capability */
#define VTD_REG_ECAP      0x10    /* 64: extended capability */
#define VTD_REG_GCMD      0x18    /* 32: global command (write-only) */
#define VTD_REG_GSTS      0x1C    /* 32: global status */
#define VTD_REG_RTADDR    0x20    /* 64: root table address */
#define VTD_REG_CCMD      0x28    /* 64: context command */
#define VTD_REG_FSTS      0x34    /* 32: fault status */
#define VTD_REG_FECTL     0x38    /* 32: fault event control */
#define VTD_REG_FEDATA    0x3C    /* 32: fault event data */
#define VTD_REG_FEADDR    0x40    /* 32: fault event address */
#define VTD_REG_FEUADDR   0x44    /* 32: fault event upper address */
#define VTD_REG_AFLOG     0x58    /* 64: advanced fault log */
#define VTD_REG_PMEN      0x64    /* 32: protected memory enable */
#define VTD_REG_PLMBASE   0x68    /* 32: protected low-memory base */
#define VTD_REG_PLMLIMIT  0x6C    /* 32: protected low-memory limit */
#define VTD_REG_PHMBASE   0x70    /* 64: protected high-memory base */
#define VTD_REG_PHMLIMIT  0x78    /* 64: protected high-memory limit */
#define VTD_REG_IQH       0x80    /* 64: invalidation queue head */
#define VTD_REG_IQT       0x88    /* 64: invalidation queue tail */
#define VTD_REG_IQA       0x90    /* 64: invalidation queue address */
#define VTD_REG_ICS       0x9C    /* 32: invalidation completion status */
#define VTD_REG_IECTL     0xA0    /* 32: invalidation event control */
#define VTD_REG_IEDATA    0xA4    /* 32: invalidation event data */
#define VTD_REG_IEADDR    0xA8    /* 32: invalidation event address */
#define VTD_REG_IEUADDR   0xAC    /* 32: invalidation event upper address */
#define VTD_REG_IRTA      0xB8    /* 64: interrupt remapping table address */

/* Relative to ECAP.IRO (the IOTLB invalidation pair) and CAP.FRO (fault records). */
#define VTD_REG_IVA_OFF   0x00    /* 64: invalidate address */
#define VTD_REG_IOTLB_OFF 0x08    /* 64: IOTLB invalidate */
#define VTD_FRCD_SIZE     16      /* one fault recording register */

/* VER */
#define VTD_VER_MINOR     GENMASK(3, 0)
#define VTD_VER_MAJOR     GENMASK(7, 4)

/* CAP */
#define VTD_CAP_ND        GENMASK(2, 0)     /* domain-id bits = 4 + 2*ND */
#define VTD_CAP_AFL       BIT(3)            /* advanced fault logging */
#define VTD_CAP_RWBF      BIT(4)            /* required write-buffer flushing */
#define VTD_CAP_PLMR      BIT(5)            /* protected low-memory region */
#define VTD_CAP_PHMR      BIT(6)            /* protected high-memory region */
#define VTD_CAP_CM        BIT(7)            /* caching mode: not-present entries cached */
#define VTD_CAP_SAGAW     GENMASK(12, 8)    /* supported adjusted guest address widths */
#define VTD_CAP_MGAW      GENMASK(21, 16)   /* maximum guest address width - 1 */
#define VTD_CAP_ZLR       BIT(22)           /* zero-length read */
#define VTD_CAP_ISOCH     BIT(23)           /* deprecated */
#define VTD_CAP_FRO       GENMASK(33, 24)   /* fault-recording offset, in 16-byte units */
#define VTD_CAP_SLLPS     GENMASK(37, 34)   /* second-level large pages: bit0 2M, bit1 1G */
#define VTD_CAP_PSI       BIT(39)           /* page-selective invalidation */
#define VTD_CAP_NFR       GENMASK(47, 40)   /* number of fault-recording registers - 1 */
#define VTD_CAP_MAMV      GENMASK(53, 48)   /* maximum address mask value for PSI */
#define VTD_CAP_DWD       BIT(54)           /* write draining */
#define VTD_CAP_DRD       BIT(55)           /* read draining */
#define VTD_CAP_FL1GP     BIT(56)           /* first-level 1 GiB pages */
#define VTD_CAP_PI        BIT(59)           /* posted interrupts */
#define VTD_CAP_FL5LP     BIT(60)           /* first-level 5-level paging */
#define VTD_CAP_ESIRTPS   BIT(62)           /* SIRTP invalidates the IR caches */
#define VTD_CAP_ESRTPS    BIT(63)           /* SRTP invalidates the context caches */

/* CAP.SAGAW bits, by table depth (bit n: n+2 levels, 30+9n address bits). */
#define VTD_SAGAW_39_3LVL BIT(1)
#define VTD_SAGAW_48_4LVL BIT(2)
#define VTD_SAGAW_57_5LVL BIT(3)

/* CAP.SLLPS bits */
#define VTD_SLLPS_2M      BIT(0)
#define VTD_SLLPS_1G      BIT(1)

/* ECAP */
#define VTD_ECAP_C        BIT(0)            /* page-walk coherency */
#define VTD_ECAP_QI       BIT(1)            /* queued invalidation */
#define VTD_ECAP_DT       BIT(2)            /* device-TLB (ATS) */
#define VTD_ECAP_IR       BIT(3)            /* interrupt remapping */
#define VTD_ECAP_EIM      BIT(4)            /* extended interrupt mode (x2APIC) */
#define VTD_ECAP_PT       BIT(6)            /* pass-through */
#define VTD_ECAP_SC       BIT(7)            /* snoop control */
#define VTD_ECAP_IRO      GENMASK(17, 8)    /* IOTLB registers offset, in 16-byte units */
#define VTD_ECAP_MHMV     GENMASK(23, 20)   /* maximum handle mask value */
#define VTD_ECAP_NEST     BIT(26)           /* nested translation */
#define VTD_ECAP_PRS      BIT(29)           /* page requests */
#define VTD_ECAP_ERS      BIT(30)           /* execute requests */
#define VTD_ECAP_SRS      BIT(31)           /* supervisor requests */
#define VTD_ECAP_NWFS     BIT(33)           /* no write flag */
#define VTD_ECAP_EAFS     BIT(34)           /* extended accessed flag */
#define VTD_ECAP_PSS      GENMASK(39, 35)   /* PASID size - 1 */
#define VTD_ECAP_PASID    BIT(40)
#define VTD_ECAP_DIT      BIT(41)           /* device-TLB invalidation throttling */
#define VTD_ECAP_SMTS     BIT(43)           /* scalable-mode translation */
#define VTD_ECAP_VCS      BIT(44)           /* virtual command */
#define VTD_ECAP_SLADS    BIT(45)           /* second-level accessed/dirty */
#define VTD_ECAP_SLTS     BIT(46)           /* second-level translation (scalable mode) */
#define VTD_ECAP_FLTS     BIT(47)           /* first-level translation */
#define VTD_ECAP_SMPWC    BIT(48)           /* scalable-mode page-walk coherency */
#define VTD_ECAP_RPS      BIT(49)           /* RID_PASID */

/*
 * GCMD and GSTS: a command bit and its status bit share a position. GCMD is
 * compared with GSTS (QEMU toggles TE/QIE/IRE on a difference), so a write
 * must carry the persistent status bits along: GSTS & VTD_GSTS_PERSISTENT.
 */
#define VTD_GCMD_CFI      BIT(23)           /* compatibility format interrupts */
#define VTD_GCMD_SIRTP    BIT(24)           /* set interrupt remap table pointer */
#define VTD_GCMD_IRE      BIT(25)           /* interrupt remapping enable */
#define VTD_GCMD_QIE      BIT(26)           /* queued invalidation enable */
#define VTD_GCMD_WBF      BIT(27)           /* write buffer flush */
#define VTD_GCMD_EAFL     BIT(28)           /* enable advanced fault logging */
#define VTD_GCMD_SFL      BIT(29)           /* set fault log */
#define VTD_GCMD_SRTP     BIT(30)           /* set root table pointer */
#define VTD_GCMD_TE       BIT(31)           /* translation enable */

#define VTD_GSTS_CFIS     BIT(23)
#define VTD_GSTS_IRTPS    BIT(24)
#define VTD_GSTS_IRES     BIT(25)
#define VTD_GSTS_QIES     BIT(26)
#define VTD_GSTS_WBFS     BIT(27)
#define VTD_GSTS_AFLS     BIT(28)
#define VTD_GSTS_FLS      BIT(29)
#define VTD_GSTS_RTPS     BIT(30)
#define VTD_GSTS_TES      BIT(31)
/* The enable bits; the one-shot commands (SRTP, SFL, WBF, SIRTP) are left out. */
#define VTD_GSTS_PERSISTENT (VTD_GSTS_TES | VTD_GSTS_AFLS | VTD_GSTS_QIES | VTD_GSTS_IRES | \
			     VTD_GSTS_CFIS)

/* RTADDR */
#define VTD_RTADDR_TTM    GENMASK(11, 10)   /* 0: legacy root table, 1: scalable mode */
#define VTD_RTADDR_RTA    GENMASK(63, 12)

/* CCMD */
#define VTD_CCMD_DID      GENMASK(15, 0)
#define VTD_CCMD_SID      GENMASK(31, 16)
#define VTD_CCMD_FM       GENMASK(33, 32)
#define VTD_CCMD_CAIG     GENMASK(60, 59)   /* actual granularity */
#define VTD_CCMD_CIRG     GENMASK(62, 61)   /* requested granularity */
#define VTD_CCMD_ICC      BIT(63)           /* invalidate (busy until clear) */
#define VTD_CCMD_GLOBAL   1
#define VTD_CCMD_DOMAIN   2
#define VTD_CCMD_DEVICE   3

/* IOTLB (at ECAP.IRO + 8) and IVA (at ECAP.IRO) */
#define VTD_IOTLB_DID     GENMASK(47, 32)
#define VTD_IOTLB_DW      BIT(48)
#define VTD_IOTLB_DR      BIT(49)
#define VTD_IOTLB_IAIG    GENMASK(58, 57)   /* actual granularity */
#define VTD_IOTLB_IIRG    GENMASK(61, 60)   /* requested granularity */
#define VTD_IOTLB_IVT     BIT(63)           /* invalidate (busy until clear) */
#define VTD_IOTLB_GLOBAL  1
#define VTD_IOTLB_DOMAIN  2
#define VTD_IOTLB_PAGE    3
#define VTD_IVA_AM        GENMASK(5, 0)     /* address mask: 2^AM pages */
#define VTD_IVA_IH        BIT(6)            /* invalidation hint: leaves only */
#define VTD_IVA_ADDR      GENMASK(63, 12)

/* FSTS */
#define VTD_FSTS_PFO      BIT(0)            /* primary fault overflow (W1C) */
#define VTD_FSTS_PPF      BIT(1)            /* primary pending fault (RO) */
#define VTD_FSTS_AFO      BIT(2)
#define VTD_FSTS_APF      BIT(3)
#define VTD_FSTS_IQE      BIT(4)            /* invalidation queue error (W1C) */
#define VTD_FSTS_ICE      BIT(5)            /* invalidation completion error */
#define VTD_FSTS_ITE      BIT(6)            /* invalidation time-out error */
#define VTD_FSTS_FRI      GENMASK(15, 8)    /* fault record index */

/* FECTL and IECTL */
#define VTD_FECTL_IP      BIT(30)           /* interrupt pending */
#define VTD_FECTL_IM      BIT(31)           /* interrupt mask */
#define VTD_IECTL_IP      BIT(30)
#define VTD_IECTL_IM      BIT(31)

/* PMEN */
#define VTD_PMEN_PRS      BIT(0)
#define VTD_PMEN_EPM      BIT(31)

/* IQA */
#define VTD_IQA_QS        GENMASK(2, 0)     /* 2^(QS+8) descriptors */
#define VTD_IQA_DW        BIT(11)           /* 256-bit descriptors (scalable mode) */
#define VTD_IQA_IQA       GENMASK(63, 12)

/* IQH / IQT: descriptor index in bits 18:4 (128-bit descriptors). */
#define VTD_IQ_QH_QT      GENMASK(18, 4)

/* ICS */
#define VTD_ICS_IWC       BIT(0)            /* invalidation wait completed (W1C) */

/* IRTA */
#define VTD_IRTA_S        GENMASK(3, 0)     /* 2^(S+1) entries */
#define VTD_IRTA_EIME     BIT(11)           /* x2APIC destination ids */
#define VTD_IRTA_IRTA     GENMASK(63, 12)

/* Fault recording register: low qword, then the high qword's fields. */
#define VTD_FRCD_LO_FI    GENMASK(63, 12)   /* faulting page address */
#define VTD_FRCD_HI_SID   GENMASK(15, 0)    /* source id (bus:dev.fn) */
#define VTD_FRCD_HI_FR    GENMASK(39, 32)   /* fault reason */
#define VTD_FRCD_HI_T     BIT(62)           /* 1: read, 0: write */
#define VTD_FRCD_HI_F     BIT(63)           /* fault (W1C) */

#endif
