// SPDX-License-Identifier: MIT
#include "iommu/edu.h"
#include "arch/x86/io.h"
#include "kernel/idle.h"
#include "kernel/phys.h"
#include "kernel/poll.h"

/* While the device works the monitor idles: faults are drained as they would be in normal operation. */
static int edu_idle(void *ctx)
{
	idle_poll();
	return !(mmio_read64((uint8_t *)ctx + EDU_REG_DMA_CMD) & EDU_DMA_START);
}

int edu_dma(uint8_t *mmio, uint64_t src, uint64_t dst, uint64_t cmd)
{
	mmio_write64(mmio + EDU_REG_DMA_SRC, src);
	mmio_write64(mmio + EDU_REG_DMA_DST, dst);
	mmio_write64(mmio + EDU_REG_DMA_COUNT, EDU_XFER);
	mmio_write64(mmio + EDU_REG_DMA_CMD, cmd | EDU_DMA_START);
	return poll_timeout_us(edu_idle, mmio, EDU_DMA_TIMEOUT_US);
}

void edu_fill(paddr_t pa, uint64_t pattern)
{
	uint64_t *p = phys_map(pa, PAGE_SIZE, PHYS_WB);

	for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
		p[i] = pattern + i;
}

bool edu_holds(paddr_t pa, uint64_t pattern)
{
	const uint64_t *p = phys_map(pa, EDU_XFER, PHYS_WB);

	for (unsigned i = 0; i < EDU_XFER / 8; i++)
		if (p[i] != pattern + i)
			return false;
	return true;
}
