/* SPDX-License-Identifier: MIT */
#ifndef IOMON_SELFTEST_DMA_H
#define IOMON_SELFTEST_DMA_H

#include "kernel/types.h"

/* selftest=dma: DMA isolation proven with QEMU's edu device; TAP on the console. */
bool selftest_dma(void);

#endif
