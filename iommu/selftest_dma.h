/* SPDX-License-Identifier: MIT */
#ifndef IOMON_SELFTEST_DMA_H
#define IOMON_SELFTEST_DMA_H

#include "kernel/types.h"

/* selftest=dma: DMA isolation proven with QEMU's edu device; TAP on the console. */
bool selftest_dma(void);
/*
 * selftest=storm (VT-d, with a small iommu.storm=N): edu writes to monitor
 * memory again and again; the faults are drained only by the monitor's
 * idle poll, and after N+1 of them the device loses bus mastering.
 */
bool selftest_dma_storm(void);

#endif
