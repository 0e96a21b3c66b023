/* SPDX-License-Identifier: MIT */
/*
 * QEMU's `edu` teaching device (docs/specs/edu.rst in QEMU): PCI 1234:11e8,
 * BAR0 1 MiB of registers, and a DMA engine that copies between guest
 * memory (a bus address, translated by the IOMMU) and its 4 KiB buffer at
 * device address 0x40000. The test guest uses it as the DMA-capable device
 * whose transfers show where the IOMMU sends them.
 */
#ifndef IOMON_GUEST_EDU_H
#define IOMON_GUEST_EDU_H

#include "tests/guest/guest.h"

#define EDU_VENDOR_ID       0x1234
#define EDU_DEVICE_ID       0x11e8
#define EDU_BAR_SIZE        (1 * MiB)
#define EDU_REG_ID          0x00        /* 0xRRrr00ed: version, then 0xed */
#define EDU_REG_DMA_SRC     0x80        /* 64-bit */
#define EDU_REG_DMA_DST     0x88        /* 64-bit */
#define EDU_REG_DMA_COUNT   0x90
#define EDU_REG_DMA_CMD     0x98
#define EDU_DMA_RUN         BIT(0)      /* set to start; clear when done */
#define EDU_DMA_TO_RAM      BIT(1)      /* 0: RAM -> buffer, 1: buffer -> RAM */
#define EDU_BUFFER          0x40000
#define EDU_BUFFER_SIZE     4096

#define PCI_COMMAND         0x04
#define PCI_COMMAND_MEMORY  BIT(1)
#define PCI_COMMAND_MASTER  BIT(2)
#define PCI_BAR0            0x10
#define PCI_BAR_IO          BIT(0)
#define PCI_BAR_MEM_MASK    GENMASK(31, 4)

struct edu {
	uint64_t ecam;              /* config space through ECAM, 0: through 0xCF8/0xCFC */
	uint8_t bus, dev, fn;
	uint64_t bar;               /* BAR0 base */
};

/* Find edu on bus 0: through ECAM (`ecam`, base from MCFG) or the config ports. 0 or -1. */
int __must_check edu_find(const struct mb2_view *v, bool ecam, struct edu *e);
/*
 * Memory space and bus mastering on, after writing BAR0 back with the
 * address it holds when `program_bar` (a driver programming its BAR). 0 or
 * -1 with `why` (no memory BAR, beyond the identity map, ID register wrong).
 */
int __must_check edu_enable(struct edu *e, bool program_bar, char *why, size_t n);
/* Turn bus mastering off again. */
void edu_disable_master(const struct edu *e);
/* One DMA of `len` bytes (<= 2 KiB) between bus address `addr` and the buffer. 0 or -1 (timeout). */
int __must_check edu_dma(const struct edu *e, uint64_t addr, bool to_ram, uint32_t len);

#endif
