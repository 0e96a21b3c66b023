/* SPDX-License-Identifier: MIT */
/*
 * ECAM (PCIe base spec §7.2.2): config space of (bus, dev, fn) at
 * base + (bus << 20 | dev << 15 | fn << 12). Each MCFG window is mapped
 * uncached once, at init.
 */
#define LOG_TAG "pci"
#include "pci/pci.h"
#include "arch/x86/io.h"
#include "kernel/log.h"
#include "kernel/phys.h"
#include "kernel/spinlock.h"

struct ecam_window {
	uint16_t segment;
	uint8_t bus_start, bus_end;
	uint8_t *va;           /* config space of bus_start */
};

static struct ecam_window windows[MCFG_MAX_RANGES];
static unsigned nwindows;
static spinlock_t cfg_lock = SPINLOCK_INIT;

void pci_ecam_init(const struct mcfg_info *mi)
{
	for (unsigned i = 0; i < mi->count && nwindows < ARRAY_SIZE(windows); i++) {
		const struct mcfg_range *r = &mi->ranges[i];
		uint64_t buses = (uint64_t)r->bus_end - r->bus_start + 1;
		paddr_t first = r->base + ((uint64_t)r->bus_start << ECAM_BUS_SHIFT);
		void *va = phys_map(first, buses << ECAM_BUS_SHIFT, PHYS_UC);

		if (!va) {
			pr_warn("cannot map ECAM segment %u at 0x%llx; its devices stay invisible",
				r->segment, (unsigned long long)first);
			continue;
		}
		windows[nwindows++] = (struct ecam_window){ r->segment, r->bus_start, r->bus_end, va };
	}
}

static volatile uint8_t *cfg_address(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off,
				     unsigned width)
{
	if ((width != 1 && width != 2 && width != 4) || off % width || off + width > PCI_CFG_SIZE)
		return NULL;
	for (unsigned i = 0; i < nwindows; i++) {
		const struct ecam_window *w = &windows[i];

		if (w->segment == seg && bus >= w->bus_start && bus <= w->bus_end)
			return w->va + ((uint64_t)(bus - w->bus_start) << ECAM_BUS_SHIFT) +
			       ((uint64_t)devfn << 12) + off;
	}
	return NULL;
}

uint32_t pci_cfg_read(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off, unsigned width)
{
	volatile uint8_t *a = cfg_address(seg, bus, devfn, off, width);
	uint32_t v;

	if (!a)
		return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
	spin_lock(&cfg_lock);
	v = width == 1 ? mmio_read8(a) : width == 2 ? mmio_read16(a) : mmio_read32(a);
	spin_unlock(&cfg_lock);
	return v;
}

void pci_cfg_write(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off, unsigned width, uint32_t val)
{
	volatile uint8_t *a = cfg_address(seg, bus, devfn, off, width);

	if (!a)
		return;
	spin_lock(&cfg_lock);
	if (width == 1)
		mmio_write8(a, (uint8_t)val);
	else if (width == 2)
		mmio_write16(a, (uint16_t)val);
	else
		mmio_write32(a, val);
	spin_unlock(&cfg_lock);
}
