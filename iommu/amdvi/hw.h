/* SPDX-License-Identifier: MIT */
/*
 * AMD-Vi in-memory formats (AMD I/O Virtualization Technology, pub. 48882):
 * the Device Table Entry (§2.2.2), command buffer entries (§2.4) and event
 * log entries (§2.5), each field named under its structure and word. The
 * MMIO registers that point at these are in regs.h.
 */
#ifndef IOMON_AMDVI_HW_H
#define IOMON_AMDVI_HW_H

#include "kernel/types.h"

/* ---- Device Table Entry: 256 bits, indexed by device id ---- */

struct amdvi_dte {
	uint64_t q[4];
} __aligned(32);
_Static_assert(sizeof(struct amdvi_dte) == 32, "a DTE is 256 bits");

#define AMDVI_DEVIDS                65536u
#define AMDVI_DEV_TABLE_BYTES       (AMDVI_DEVIDS * sizeof(struct amdvi_dte))   /* 2 MiB */
#define AMDVI_DEV_TABLE_PAGES       (AMDVI_DEV_TABLE_BYTES / PAGE_SIZE)         /* 512 */

/* qword 0: translation */
#define AMDVI_DTE0_V                BIT(0)          /* 0: the device's DMA is NOT translated */
#define AMDVI_DTE0_TV               BIT(1)          /* translation fields valid */
#define AMDVI_DTE0_HAD              GENMASK(8, 7)   /* host access/dirty update */
#define AMDVI_DTE0_MODE             GENMASK(11, 9)  /* 0: no translation (IR/IW apply), 1-6: levels */
#define AMDVI_DTE0_ROOT             GENMASK(51, 12) /* host page-table root pointer */
#define AMDVI_DTE0_PPR              BIT(52)
#define AMDVI_DTE0_GPRP             BIT(53)
#define AMDVI_DTE0_GIOV             BIT(54)
#define AMDVI_DTE0_GV               BIT(55)         /* guest (v2) translation */
#define AMDVI_DTE0_GLX              GENMASK(57, 56)
#define AMDVI_DTE0_GCR3_LO          GENMASK(60, 58) /* GCR3 table root bits 14:12 */
#define AMDVI_DTE0_IR               BIT(61)         /* DMA read allowed */
#define AMDVI_DTE0_IW               BIT(62)         /* DMA write allowed */

/* qword 1: domain and device controls */
#define AMDVI_DTE1_DOMAIN_ID        GENMASK(15, 0)  /* tags the unit's cached translations */
#define AMDVI_DTE1_GCR3_MID         GENMASK(31, 16) /* GCR3 table root bits 30:15 */
#define AMDVI_DTE1_I                BIT(32)         /* device IOTLB (ATS) enable */
#define AMDVI_DTE1_SE               BIT(33)         /* suppress page-fault events */
#define AMDVI_DTE1_SA               BIT(34)         /* suppress all events */
#define AMDVI_DTE1_IOCTL            GENMASK(36, 35) /* port I/O: 0 abort, 1 pass, 2 translate */
#define AMDVI_DTE1_CACHE            BIT(37)         /* IOTLB cache hint */
#define AMDVI_DTE1_SD               BIT(38)         /* snoop disable */
#define AMDVI_DTE1_EX               BIT(39)         /* exclusion range applies */
#define AMDVI_DTE1_SYSMGT           GENMASK(41, 40) /* system-management messages */
#define AMDVI_DTE1_GCR3_HI          GENMASK(63, 43) /* GCR3 table root bits 51:31 */

/*
 * qword 2: interrupt remapping. The pass-through controls sit in DTE bits
 * 184-191 (spec §2.2.2.2; Linux DEV_ENTRY_INIT_PASS = 184), i.e. in this
 * qword, not in qword 3. QEMU 7.2 reads them from qword 3 (a bug, see
 * docs/ARCHITECTURE.md); both are zero here, so it does not matter.
 */
#define AMDVI_DTE2_IV               BIT(0)          /* 0: interrupts are not remapped */
#define AMDVI_DTE2_INT_TAB_LEN      GENMASK(4, 1)
#define AMDVI_DTE2_IG               BIT(5)
#define AMDVI_DTE2_INT_TABLE_PTR    GENMASK(51, 6)
#define AMDVI_DTE2_INIT_PASS        BIT(56)
#define AMDVI_DTE2_EINT_PASS        BIT(57)
#define AMDVI_DTE2_NMI_PASS         BIT(58)
#define AMDVI_DTE2_INT_CTL          GENMASK(61, 60) /* fixed/arbitrated: 0 abort, 1 pass, 2 remap */
#define AMDVI_DTE2_LINT0_PASS       BIT(62)
#define AMDVI_DTE2_LINT1_PASS       BIT(63)

/*
 * qword 3 holds only attributes of newer revisions (vIOMMU, attribute
 * overrides); it stays zero. Bits QEMU 7.2 treats as reserved and for which
 * it blocks the device (docs/ARCHITECTURE.md), kept for the tests:
 */
#define AMDVI_DTE0_QEMU_RSVD        (GENMASK(6, 2) | BIT(63))
#define AMDVI_DTE2_QEMU_RSVD        GENMASK(53, 52)
#define AMDVI_DTE3_QEMU_RSVD        (GENMASK(14, 0) | GENMASK(53, 48))

/* DTE Mode: levels of the host table. 7 is reserved; QEMU mishandles it anyway. */
#define AMDVI_MODE_NONE             0
#define AMDVI_MODE_BLOCKED          1     /* blocked DTEs: one level, an empty table */
#define AMDVI_MODE_MAX_LEVELS       6

/* ---- Command buffer entries: 128 bits ---- */

struct amdvi_cmd {
	uint64_t q[2];
};
_Static_assert(sizeof(struct amdvi_cmd) == 16, "a command is 128 bits");

/* Opcode: bits 31:28 of dword 1 (§2.4.1) */
#define AMDVI_CMD0_OPCODE           GENMASK(63, 60)
#define AMDVI_CMD_COMPLETION_WAIT   0x1
#define AMDVI_CMD_INV_DEVTAB_ENTRY  0x2
#define AMDVI_CMD_INV_IOMMU_PAGES   0x3
#define AMDVI_CMD_INV_IOTLB_PAGES   0x4
#define AMDVI_CMD_INV_INT_TABLE     0x5
#define AMDVI_CMD_PREFETCH_PAGES    0x6
#define AMDVI_CMD_COMPLETE_PPR      0x7
#define AMDVI_CMD_INV_IOMMU_ALL     0x8

/* COMPLETION_WAIT: qword 0 flags and store address, qword 1 the data stored. */
#define AMDVI_CMD0_CW_S             BIT(0)          /* store the data when done */
#define AMDVI_CMD0_CW_I             BIT(1)          /* raise ComWaitInt */
#define AMDVI_CMD0_CW_F             BIT(2)          /* flush queue */
#define AMDVI_CMD0_CW_STORE_ADDR    GENMASK(51, 3)  /* in place: 8-byte aligned address */

/* INVALIDATE_DEVTAB_ENTRY */
#define AMDVI_CMD0_DEVICE_ID        GENMASK(15, 0)

/* INVALIDATE_IOMMU_PAGES */
#define AMDVI_CMD0_PASID            GENMASK(19, 0)
#define AMDVI_CMD0_DOMAIN_ID        GENMASK(47, 32)
#define AMDVI_CMD1_S                BIT(0)          /* range: size from the first 0 bit at 12 up */
#define AMDVI_CMD1_PDE              BIT(1)          /* also cached page-directory entries */
#define AMDVI_CMD1_GN               BIT(2)          /* guest (PASID) addresses */
#define AMDVI_CMD1_ADDR             GENMASK(63, 12) /* in place */

/* S=1 with this address: every page of the domain (spec Table 14). */
#define AMDVI_INV_ALL_PAGES_ADDR    0x7FFFFFFFFFFFF000ULL

/* ---- Event log entries: 128 bits (§2.5) ---- */

struct amdvi_event_hw {
	uint32_t dw[4];
};
_Static_assert(sizeof(struct amdvi_event_hw) == 16, "an event is 128 bits");

#define AMDVI_EVT0_DEVICE_ID        GENMASK(15, 0)
#define AMDVI_EVT0_PASID_HI         GENMASK(19, 16) /* PASID bits 19:16 (guest faults) */
#define AMDVI_EVT1_DOMAIN_ID        GENMASK(15, 0)  /* or PASID bits 15:0 when GN */
#define AMDVI_EVT1_FLAGS            GENMASK(27, 16)
#define AMDVI_EVT1_CODE             GENMASK(31, 28)
/* dwords 2-3: the address (faulting IOVA, DTE or PTE address, command address) */

/* Bits of the FLAGS field (IO_PAGE_FAULT; the others use a subset). */
#define AMDVI_EVT_FLAG_GN           BIT(0)          /* guest (PASID) address */
#define AMDVI_EVT_FLAG_NX           BIT(1)          /* execute request */
#define AMDVI_EVT_FLAG_US           BIT(2)          /* user-mode request */
#define AMDVI_EVT_FLAG_I            BIT(3)          /* interrupt request */
#define AMDVI_EVT_FLAG_PR           BIT(4)          /* the translation was present */
#define AMDVI_EVT_FLAG_RW           BIT(5)          /* write */
#define AMDVI_EVT_FLAG_PE           BIT(6)          /* permission denied */
#define AMDVI_EVT_FLAG_RZ           BIT(7)          /* reserved bit set in an entry */
#define AMDVI_EVT_FLAG_TR           BIT(8)          /* translation request (ATS) */

/* Event codes */
#define AMDVI_EVT_ILLEGAL_DEV_TABLE_ENTRY  0x1
#define AMDVI_EVT_IO_PAGE_FAULT            0x2
#define AMDVI_EVT_DEV_TAB_HARDWARE_ERROR   0x3
#define AMDVI_EVT_PAGE_TAB_HARDWARE_ERROR  0x4
#define AMDVI_EVT_ILLEGAL_COMMAND_ERROR    0x5
#define AMDVI_EVT_COMMAND_HARDWARE_ERROR   0x6
#define AMDVI_EVT_IOTLB_INV_TIMEOUT        0x7
#define AMDVI_EVT_INVALID_DEVICE_REQUEST   0x8
#define AMDVI_EVT_INVALID_PPR_REQUEST      0x9
#define AMDVI_EVT_EVENT_COUNTER_ZERO       0xA

/* ---- ring sizes as the base registers encode them (regs.h) ---- */

/* Command buffer / event log length field: 2^n entries, n = 8 (256) to 15. */
#define AMDVI_RING_LEN_MIN          8
#define AMDVI_RING_LEN_MAX          15

#endif
