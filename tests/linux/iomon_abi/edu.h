/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QEMU's edu device (QEMU docs/specs/edu.rst) from Linux: PCI 1234:11e8,
 * BAR0 holds the registers, and a DMA engine copies between a bus address
 * (translated by the IOMMU) and the device's 4 KiB buffer at 0x40000.
 */
#ifndef IOMON_ABI_EDU_H
#define IOMON_ABI_EDU_H

#include <linux/pci.h>

#define EDU_VENDOR_ID   0x1234
#define EDU_DEVICE_ID   0x11e8
#define EDU_DMA_MAX     2048    /* half the buffer: one transfer in, one out */

struct edu {
	struct pci_dev *pdev;
	void __iomem *regs;
};

/* Find edu, enable it (memory space, bus mastering) and map BAR0. 0 or -errno with `why`. */
int __must_check edu_open(struct edu *e, char *why, size_t n);
void edu_close(struct edu *e);
/* Bus mastering (back) on; false when the Command register does not show it. */
bool edu_master_on(struct edu *e);
/* One transfer of `len` bytes between bus address `addr` and the buffer. 0 or -ETIMEDOUT. */
int __must_check edu_dma(struct edu *e, u64 addr, bool to_ram, u32 len);

#endif
