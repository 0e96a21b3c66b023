// SPDX-License-Identifier: MIT
/*
 * A small driver for QEMU's edu device (see edu.h): find it in config
 * space, enable it as a PCI driver does (PCI Local Bus specification
 * §6.2.2: Command register Memory Space and Bus Master bits), and run one
 * DMA at a time, polling the command register with a bound so a transfer
 * that never completes fails the test instead of hanging the guest.
 */
#include "tests/guest/edu.h"
#include "tests/guest/fmt.h"

/* Polls of the DMA command register before a transfer counts as lost (~100 ms each in QEMU). */
#define EDU_POLL_MAX        50000000ULL

static inline void mmio_write64(uint64_t pa, uint64_t v)
{
	__asm__ volatile("movq %0, %1" : : "r"(v), "m"(*(volatile uint64_t *)(uintptr_t)pa) : "memory");
}

static uint32_t cfg_read(const struct edu *e, unsigned off)
{
	if (e->ecam)
		return mmio_read32(e->ecam + off);
	return pci_cf8_read(e->bus, e->dev, e->fn, off);
}

static void cfg_write(const struct edu *e, unsigned off, uint32_t v)
{
	if (e->ecam)
		mmio_write32(e->ecam + off, v);
	else
		pci_cf8_write(e->bus, e->dev, e->fn, off, v);
}

int edu_find(const struct mb2_view *v, bool ecam, struct edu *e)
{
	uint8_t dev;

	for (dev = 0; dev < 32; dev++) {
		*e = (struct edu){ .bus = 0, .dev = dev, .fn = 0 };
		if (ecam) {
			e->ecam = pci_ecam_fn(v, 0, dev, 0);
			if (!e->ecam)
				return -1;
		}
		if (cfg_read(e, 0) == ((uint32_t)EDU_DEVICE_ID << 16 | EDU_VENDOR_ID))
			return 0;
	}
	return -1;
}

int edu_enable(struct edu *e, bool program_bar, char *why, size_t n)
{
	uint32_t bar = cfg_read(e, PCI_BAR0), cmd, id;

	if (bar & PCI_BAR_IO || !(bar & PCI_BAR_MEM_MASK)) {
		gsnprintf(why, n, "BAR0 reads 0x%08x: no memory BAR assigned", bar);
		return -1;
	}
	e->bar = bar & PCI_BAR_MEM_MASK;
	if (e->bar + EDU_BAR_SIZE > paging_limit()) {
		gsnprintf(why, n, "BAR0 0x%llx beyond the identity map", (unsigned long long)e->bar);
		return -1;
	}
	if (program_bar) {
		cfg_write(e, PCI_BAR0, (uint32_t)e->bar);
		if ((cfg_read(e, PCI_BAR0) & PCI_BAR_MEM_MASK) != e->bar) {
			gsnprintf(why, n, "BAR0 written 0x%llx, reads 0x%08x",
				  (unsigned long long)e->bar, cfg_read(e, PCI_BAR0));
			return -1;
		}
	}
	/* The upper half is the Status register: writing zeros there clears nothing. */
	cmd = cfg_read(e, PCI_COMMAND) & 0xffff;
	cfg_write(e, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	cmd = cfg_read(e, PCI_COMMAND);
	if ((cmd & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)) != (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)) {
		gsnprintf(why, n, "Command register reads 0x%04x after enabling", cmd & 0xffff);
		return -1;
	}
	id = mmio_read32(e->bar + EDU_REG_ID);
	if ((id & 0xff) != 0xed) {
		gsnprintf(why, n, "ID register at 0x%llx reads 0x%08x", (unsigned long long)e->bar, id);
		return -1;
	}
	return 0;
}

void edu_disable_master(const struct edu *e)
{
	uint32_t cmd = cfg_read(e, PCI_COMMAND) & 0xffff;

	cfg_write(e, PCI_COMMAND, cmd & ~(uint32_t)PCI_COMMAND_MASTER);
}

int edu_dma(const struct edu *e, uint64_t addr, bool to_ram, uint32_t len)
{
	uint64_t i;

	if (len == 0 || len > EDU_BUFFER_SIZE / 2)
		return -1;
	mmio_write64(e->bar + EDU_REG_DMA_SRC, to_ram ? EDU_BUFFER : addr);
	mmio_write64(e->bar + EDU_REG_DMA_DST, to_ram ? addr : EDU_BUFFER);
	mmio_write64(e->bar + EDU_REG_DMA_COUNT, len);
	mmio_write32(e->bar + EDU_REG_DMA_CMD, EDU_DMA_RUN | (to_ram ? EDU_DMA_TO_RAM : 0));
	for (i = 0; i < EDU_POLL_MAX; i++) {
		if (!(mmio_read32(e->bar + EDU_REG_DMA_CMD) & EDU_DMA_RUN))
			return 0;
		cpu_relax();
	}
	return -1;
}
