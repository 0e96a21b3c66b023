/* SPDX-License-Identifier: MIT */
/*
 * PCI / PCIe configuration-space layout: header registers, capability
 * structures and extended capabilities. Offsets are named after their
 * register; the fields of a register are indented below it. Sources: PCI
 * Local Bus 3.0 §6, PCI-to-PCI Bridge 1.2 §3.2, PCIe Base 4.0 §7 and §9
 * (SR-IOV). The first header registers (vendor, device, command, status,
 * class, header type) are in pci/pci.h, next to the accessor.
 */
#ifndef IOMON_PCI_REGS_H
#define IOMON_PCI_REGS_H

#include "pci/pci.h"

#define PCI_CFG_SIZE_LEGACY       256      /* conventional PCI: standard header + caps */
#define PCI_EXT_CAP_START         0x100    /* extended capabilities (PCIe only) */

/* Routing id (requester id): bus 15:8, devfn 7:0. */
#define PCI_RID(bus, devfn)       ((uint16_t)(((bus) << 8) | (devfn)))
#define PCI_RID_BUS(rid)          ((uint8_t)((rid) >> 8))
#define PCI_RID_DEVFN(rid)        ((uint8_t)(rid))

/* Log format of a requester id, "BB:DD.F". */
#define PCI_RID_FMT               "%02x:%02x.%u"
#define PCI_RID_ARGS(rid) \
	(unsigned)PCI_RID_BUS(rid), (unsigned)PCI_DEV(PCI_RID_DEVFN(rid)), \
	(unsigned)PCI_FN(PCI_RID_DEVFN(rid))

/* Log format of a function address, "SSSS:BB:DD.F" as lspci prints it. */
#define PCI_BDF_FMT               "%04x:%02x:%02x.%u"
#define PCI_BDF_ARGS(seg, bus, devfn) \
	(unsigned)(seg), (unsigned)(bus), (unsigned)PCI_DEV(devfn), (unsigned)PCI_FN(devfn)

/* ---- Header, common part ------------------------------------------------ */

/* PCI_COMMAND (0x04) */
#define  PCI_COMMAND_IO           BIT(0)   /* I/O space decode */
#define  PCI_COMMAND_MEMORY       BIT(1)   /* memory space decode */
#define  PCI_COMMAND_BUS_MASTER   BIT(2)
#define  PCI_COMMAND_INTX_DISABLE BIT(10)

/* PCI_STATUS (0x06) */
#define  PCI_STATUS_CAP_LIST      BIT(4)   /* capability pointer is valid */

#define PCI_REVISION_ID           0x08
#define PCI_CLASS_PROG            0x09     /* class code: 0x09 prog-if, 0x0A sub, 0x0B base */
#define PCI_CLASS_NONE            0xffffffu  /* what an absent function's class reads */

/* PCI_HEADER_TYPE (0x0E), bits 6:0 */
#define  PCI_HEADER_TYPE_NORMAL   0
#define  PCI_HEADER_TYPE_BRIDGE   1
#define  PCI_HEADER_TYPE_CARDBUS  2

#define PCI_BASE_ADDRESS_0        0x10
#define  PCI_BAR_SPACE_IO         BIT(0)   /* 1: I/O BAR, 0: memory BAR */
#define  PCI_BAR_MEM_TYPE         GENMASK(2, 1)
#define   PCI_BAR_MEM_TYPE_32     0
#define   PCI_BAR_MEM_TYPE_1M     1        /* legacy "below 1 MiB", decoded as 32-bit */
#define   PCI_BAR_MEM_TYPE_64     2
#define  PCI_BAR_MEM_PREFETCH     BIT(3)
#define  PCI_BAR_MEM_ADDR_MASK    (~0xfu)
#define  PCI_BAR_IO_ADDR_MASK     (~0x3u)
#define PCI_BAR_COUNT_NORMAL      6
#define PCI_BAR_COUNT_BRIDGE      2
#define PCI_BAR_COUNT_CARDBUS     1        /* CardBus socket / ExCA base */

/* Type 0 */
#define PCI_CAPABILITY_LIST       0x34     /* type 0 and 1 */
#define PCI_INTERRUPT_LINE        0x3c
#define PCI_INTERRUPT_PIN         0x3d     /* 0 none, 1..4 INTA#..INTD# */

/* Type 1 (PCI-to-PCI bridge) */
#define PCI_PRIMARY_BUS           0x18
#define PCI_SECONDARY_BUS         0x19
#define PCI_SUBORDINATE_BUS       0x1a

/* Type 2 (CardBus bridge) */
#define PCI_CB_CAPABILITY_LIST    0x14

/* ---- Capability list (PCI 3.0 §6.7) -------------------------------------- */

#define PCI_CAP_ID                0x00     /* byte: capability id */
#define PCI_CAP_NEXT              0x01     /* byte: next pointer */
#define  PCI_CAP_PTR_MASK         0xfc     /* bits 1:0 are reserved */
#define PCI_CAP_PTR_MIN           0x40     /* capabilities live after the header */
#define PCI_CAP_PTR_MAX           0xfc

#define PCI_CAP_ID_PM             0x01
#define PCI_CAP_ID_AGP            0x02
#define PCI_CAP_ID_VPD            0x03
#define PCI_CAP_ID_SLOTID         0x04
#define PCI_CAP_ID_MSI            0x05
#define PCI_CAP_ID_HT             0x08
#define PCI_CAP_ID_VNDR           0x09
#define PCI_CAP_ID_SSVID          0x0d
#define PCI_CAP_ID_PCIX           0x07
#define PCI_CAP_ID_EXP            0x10     /* PCI Express */
#define PCI_CAP_ID_MSIX           0x11
#define PCI_CAP_ID_SATA           0x12
#define PCI_CAP_ID_AF             0x13

/* Power management capability */
#define PCI_PM_PMC                0x02
#define PCI_PM_CAP_LEN            8

/* MSI capability */
#define PCI_MSI_FLAGS             0x02
#define  PCI_MSI_FLAGS_ENABLE     BIT(0)
#define  PCI_MSI_FLAGS_QMASK      GENMASK(3, 1)   /* multiple message capable, log2 */
#define  PCI_MSI_FLAGS_64BIT      BIT(7)
#define  PCI_MSI_FLAGS_MASKBIT    BIT(8)          /* per-vector masking */
#define PCI_MSI_CAP_LEN           0x0c            /* 32-bit form without mask bits */

/* MSI-X capability */
#define PCI_MSIX_FLAGS            0x02
#define  PCI_MSIX_FLAGS_QSIZE     GENMASK(10, 0)  /* table size - 1 */
#define  PCI_MSIX_FLAGS_MASKALL   BIT(14)
#define  PCI_MSIX_FLAGS_ENABLE    BIT(15)
#define PCI_MSIX_TABLE            0x04
#define  PCI_MSIX_TABLE_BIR       GENMASK(2, 0)
#define  PCI_MSIX_TABLE_OFFSET    GENMASK(31, 3)
#define PCI_MSIX_CAP_LEN          0x0c

/* PCI Express capability (PCIe 4.0 §7.5.3) */
#define PCI_EXP_FLAGS             0x02
#define  PCI_EXP_FLAGS_VERS       GENMASK(3, 0)
#define  PCI_EXP_FLAGS_TYPE       GENMASK(7, 4)   /* device/port type */
#define   PCI_EXP_TYPE_ENDPOINT     0x0
#define   PCI_EXP_TYPE_LEG_END      0x1   /* legacy endpoint */
#define   PCI_EXP_TYPE_ROOT_PORT    0x4
#define   PCI_EXP_TYPE_UPSTREAM     0x5   /* switch upstream port */
#define   PCI_EXP_TYPE_DOWNSTREAM   0x6   /* switch downstream port */
#define   PCI_EXP_TYPE_PCI_BRIDGE   0x7   /* PCIe-to-PCI/PCI-X bridge */
#define   PCI_EXP_TYPE_PCIE_BRIDGE  0x8   /* PCI/PCI-X-to-PCIe bridge */
#define   PCI_EXP_TYPE_RC_END       0x9   /* root complex integrated endpoint */
#define   PCI_EXP_TYPE_RC_EC        0xa   /* root complex event collector */
#define PCI_EXP_DEVCAP            0x04
#define PCI_EXP_DEVCTL            0x08
#define PCI_EXP_DEVCAP2           0x24
#define  PCI_EXP_DEVCAP2_ARI      BIT(5)          /* ARI Forwarding Supported (ports) */
#define PCI_EXP_DEVCTL2           0x28
#define  PCI_EXP_DEVCTL2_ARI      BIT(5)          /* ARI Forwarding Enable */
#define PCI_EXP_CAP_LEN_V2        0x3c            /* through Slot Status 2 */

/* ---- Extended capabilities (PCIe 4.0 §7.6) -------------------------------- */

#define PCI_EXT_CAP_HDR           0x00            /* dword header */
#define  PCI_EXT_CAP_HDR_ID       GENMASK(15, 0)
#define  PCI_EXT_CAP_HDR_VER      GENMASK(19, 16)
#define  PCI_EXT_CAP_HDR_NEXT     GENMASK(31, 20)
#define PCI_EXT_CAP_MAX_HOPS      ((PCI_CFG_SIZE - PCI_EXT_CAP_START) / 4)

#define PCI_EXT_CAP_ID_AER        0x01     /* Advanced Error Reporting */
#define PCI_EXT_CAP_ID_VC         0x02
#define PCI_EXT_CAP_ID_DSN        0x03     /* Device Serial Number */
#define PCI_EXT_CAP_ID_PWR        0x04
#define PCI_EXT_CAP_ID_VNDR       0x0b
#define PCI_EXT_CAP_ID_ACS        0x0d     /* Access Control Services */
#define PCI_EXT_CAP_ID_ARI        0x0e     /* Alternative Routing-ID Interpretation */
#define PCI_EXT_CAP_ID_ATS        0x0f     /* Address Translation Services */
#define PCI_EXT_CAP_ID_SRIOV      0x10     /* Single Root I/O Virtualization */
#define PCI_EXT_CAP_ID_MRIOV      0x11
#define PCI_EXT_CAP_ID_MCAST      0x12
#define PCI_EXT_CAP_ID_PRI        0x13     /* Page Request Interface */
#define PCI_EXT_CAP_ID_REBAR      0x15
#define PCI_EXT_CAP_ID_LTR        0x18
#define PCI_EXT_CAP_ID_SECPCI     0x19
#define PCI_EXT_CAP_ID_PASID      0x1b     /* Process Address Space ID */
#define PCI_EXT_CAP_ID_DPC        0x1d
#define PCI_EXT_CAP_ID_L1SS       0x1e
#define PCI_EXT_CAP_ID_PTM        0x1f

/* DSN: serial number, low dword then high dword */
#define PCI_DSN_LOW               0x04
#define PCI_DSN_HIGH              0x08
#define PCI_DSN_CAP_LEN           0x0c

/* ARI (PCIe 4.0 §7.8.8) */
#define PCI_ARI_CAP               0x04            /* 16 bits */
#define  PCI_ARI_CAP_MFVC         BIT(0)
#define  PCI_ARI_CAP_ACS          BIT(1)
#define  PCI_ARI_CAP_NFN          GENMASK(15, 8)  /* Next Function Number */
#define PCI_ARI_CAP_LEN           0x08

/* ACS (PCIe 4.0 §7.7.7) */
#define PCI_ACS_CAP               0x04            /* 16 bits */
#define  PCI_ACS_SV               BIT(0)          /* Source Validation */
#define  PCI_ACS_TB               BIT(1)          /* Translation Blocking */
#define  PCI_ACS_RR               BIT(2)          /* P2P Request Redirect */
#define  PCI_ACS_CR               BIT(3)          /* P2P Completion Redirect */
#define  PCI_ACS_UF               BIT(4)          /* Upstream Forwarding */
#define  PCI_ACS_EC               BIT(5)          /* P2P Egress Control */
#define  PCI_ACS_DT               BIT(6)          /* Direct Translated P2P */
#define PCI_ACS_CTRL              0x06
#define PCI_ACS_CAP_LEN           0x08

/* ATS (PCIe 4.0 §10.5.1) */
#define PCI_ATS_CAP               0x04            /* 16 bits */
#define  PCI_ATS_CAP_QDEP         GENMASK(4, 0)   /* Invalidate Queue Depth, 0 = 32 */
#define  PCI_ATS_CAP_PAGE_ALIGNED BIT(5)
#define PCI_ATS_CTRL              0x06
#define  PCI_ATS_CTRL_ENABLE      BIT(15)
#define PCI_ATS_CAP_LEN           0x08

/* PRI (PCIe 4.0 §10.5.2) */
#define PCI_PRI_CTRL              0x04
#define PCI_PRI_STATUS            0x06
#define PCI_PRI_MAX_REQ           0x08            /* Outstanding Page Request Capacity */
#define PCI_PRI_ALLOC_REQ         0x0c
#define PCI_PRI_CAP_LEN           0x10

/* PASID (PCIe 4.0 §7.8.9) */
#define PCI_PASID_CAP             0x04            /* 16 bits */
#define  PCI_PASID_CAP_EXEC       BIT(1)
#define  PCI_PASID_CAP_PRIV       BIT(2)
#define  PCI_PASID_CAP_WIDTH      GENMASK(12, 8)  /* Max PASID Width */
#define PCI_PASID_CTRL            0x06
#define PCI_PASID_CAP_LEN         0x08

/* SR-IOV (PCIe 4.0 §9.3.3) */
#define PCI_SRIOV_CAP             0x04            /* 32 bits */
#define  PCI_SRIOV_CAP_VFM        BIT(0)          /* VF Migration Capable */
#define PCI_SRIOV_CTRL            0x08            /* 16 bits */
#define  PCI_SRIOV_CTRL_VFE       BIT(0)          /* VF Enable */
#define  PCI_SRIOV_CTRL_VFM       BIT(1)          /* VF Migration Enable */
#define  PCI_SRIOV_CTRL_INTR      BIT(2)
#define  PCI_SRIOV_CTRL_MSE       BIT(3)          /* VF Memory Space Enable */
#define  PCI_SRIOV_CTRL_ARI       BIT(4)          /* ARI Capable Hierarchy */
#define PCI_SRIOV_STATUS          0x0a
#define PCI_SRIOV_INITIAL_VF      0x0c
#define PCI_SRIOV_TOTAL_VF        0x0e
#define PCI_SRIOV_NUM_VF          0x10
#define PCI_SRIOV_FUNC_LINK       0x12            /* Function Dependency Link */
#define PCI_SRIOV_VF_OFFSET       0x14            /* First VF Offset */
#define PCI_SRIOV_VF_STRIDE       0x16
#define PCI_SRIOV_VF_DID          0x1a            /* VF Device ID */
#define PCI_SRIOV_SUP_PGSIZE      0x1c            /* Supported Page Sizes */
#define PCI_SRIOV_SYS_PGSIZE      0x20            /* System Page Size */
#define PCI_SRIOV_BAR             0x24            /* VF BAR0; VF BAR5 at 0x38 */
#define PCI_SRIOV_BAR_COUNT       6
#define PCI_SRIOV_VFM             0x3c            /* VF Migration State Array Offset */
#define PCI_SRIOV_CAP_LEN         0x40

/* PCIe 4.0 §9.3.3.3.1: after setting VF Enable, wait 100 ms before the VFs' config space. */
#define PCI_SRIOV_VF_ENABLE_WAIT_US  100000u

#endif
