/* SPDX-License-Identifier: MIT */
/*
 * QEMU's `edu` test device (1234:11e8) as the DMA self-tests drive it: one
 * transfer of EDU_XFER bytes between RAM (or an IOVA) and its internal buffer.
 */
#ifndef IOMON_IOMMU_EDU_H
#define IOMON_IOMMU_EDU_H

#include "kernel/types.h"

#define EDU_VENDOR          0x1234
#define EDU_DEVICE          0x11e8
#define EDU_REG_DMA_SRC     0x80
#define EDU_REG_DMA_DST     0x88
#define EDU_REG_DMA_COUNT   0x90
#define EDU_REG_DMA_CMD     0x98
#define  EDU_DMA_START      BIT(0)
#define  EDU_DMA_TO_RAM     BIT(1)   /* buffer -> RAM; clear: RAM -> buffer */
#define EDU_BUFFER          0x40000
#define EDU_DMA_TIMEOUT_US  2000000  /* a transfer takes 100 ms of QEMU virtual time */
/*
 * Bytes per transfer. QEMU 7.2's edu rejects a transfer that reaches the
 * last byte of its buffer (an off-by-one in edu_check_range) by aborting
 * QEMU, and a count of 0 likewise; half a page stays clear of both.
 */
#define EDU_XFER            2048

/* One transfer; the monitor idles (drains faults) while it waits. 0 or -ETIMEDOUT. */
int edu_dma(uint8_t *mmio, uint64_t src, uint64_t dst, uint64_t cmd);
/* Fill the page at `pa` with pattern, pattern+1, ... (one per qword). */
void edu_fill(paddr_t pa, uint64_t pattern);
/* The bytes a transfer touches at `pa` hold that pattern. */
bool edu_holds(paddr_t pa, uint64_t pattern);

#endif
