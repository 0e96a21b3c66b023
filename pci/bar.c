/* SPDX-License-Identifier: MIT */
/*
 * BAR sizing, following PCI 3.0 §6.2.5.1: write all-ones, read back, the
 * lowest address bit that reads 1 is the size. A device may answer
 * anything, so the flag bits must read the same before and after and a
 * 64-bit BAR must have a next slot; otherwise the BAR is reported and
 * ignored rather than guessed at.
 */
#define LOG_TAG "pci"
#include "pci/bar.h"
#include "pci/regs.h"
#include "kernel/log.h"

#include <string.h>

struct bar_reg {
	uint16_t seg;
	uint8_t bus;
	uint8_t devfn;
	uint16_t off;
};

/* Write all-ones, read what sticks, write the original back. */
static uint32_t bar_probe_dword(const struct bar_reg *r, uint16_t off, uint32_t orig)
{
	uint32_t sz;

	pci_cfg_write(r->seg, r->bus, r->devfn, off, 4, 0xffffffffu);
	sz = pci_cfg_read(r->seg, r->bus, r->devfn, off, 4);
	pci_cfg_write(r->seg, r->bus, r->devfn, off, 4, orig);
	return sz;
}

static uint64_t lowest_set_bit(uint64_t mask)
{
	return mask & (~mask + 1);
}

static void bar_io(const struct bar_reg *r, uint32_t orig, struct pci_bar *bar)
{
	uint32_t sz = bar_probe_dword(r, r->off, orig);

	/* x86 I/O space is 64 KiB; upper address bits are not decoded (Linux does the same). */
	bar->size = lowest_set_bit(sz & PCI_BAR_IO_ADDR_MASK & 0xffff);
	bar->base = orig & PCI_BAR_IO_ADDR_MASK & 0xffff;
	bar->flags = PCI_BAR_IO;
}

/* Returns the number of slots used (1 or 2), or 0 when the BAR is unusable. */
static unsigned bar_mem(const struct bar_reg *r, uint32_t orig, bool has_next, struct pci_bar *bar)
{
	unsigned type = FIELD_GET(PCI_BAR_MEM_TYPE, orig);
	bool is64 = type == PCI_BAR_MEM_TYPE_64;
	uint64_t mask = 0, base = orig & PCI_BAR_MEM_ADDR_MASK;
	uint32_t sz = bar_probe_dword(r, r->off, orig);

	if ((sz & ~PCI_BAR_MEM_ADDR_MASK) != (orig & ~PCI_BAR_MEM_ADDR_MASK)) {
		pr_warn(PCI_BDF_FMT ": BAR at 0x%x changes its type bits when sized (0x%x -> 0x%x), ignored",
			PCI_BDF_ARGS(r->seg, r->bus, r->devfn), r->off, orig, sz);
		return 0;
	}
	if (type == 3) {
		pr_warn(PCI_BDF_FMT ": BAR at 0x%x has the reserved memory type 3, decoded as 32-bit",
			PCI_BDF_ARGS(r->seg, r->bus, r->devfn), r->off);
	}
	if (is64 && !has_next) {
		pr_warn(PCI_BDF_FMT ": 64-bit BAR at 0x%x in the last slot, decoded as 32-bit",
			PCI_BDF_ARGS(r->seg, r->bus, r->devfn), r->off);
		is64 = false;
	}
	if (is64) {
		uint16_t hi_off = r->off + 4;
		uint32_t orig_hi = pci_cfg_read(r->seg, r->bus, r->devfn, hi_off, 4);
		uint32_t sz_hi = bar_probe_dword(r, hi_off, orig_hi);

		mask = (uint64_t)sz_hi << 32 | (sz & PCI_BAR_MEM_ADDR_MASK);
		base |= (uint64_t)orig_hi << 32;
	} else {
		mask = sz & PCI_BAR_MEM_ADDR_MASK;
	}
	bar->size = lowest_set_bit(mask);
	bar->base = base;
	bar->flags = (is64 ? PCI_BAR_MEM64 : PCI_BAR_MEM32) |
		     (orig & PCI_BAR_MEM_PREFETCH ? PCI_BAR_PREFETCH : 0);
	return is64 ? 2 : 1;
}

unsigned pci_bars_size(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t first, unsigned count,
		       bool io_allowed, struct pci_bar *bars)
{
	unsigned implemented = 0;

	memset(bars, 0, count * sizeof(*bars));
	for (unsigned i = 0; i < count;) {
		struct bar_reg r = { seg, bus, devfn, (uint16_t)(first + 4 * i) };
		uint32_t orig = pci_cfg_read(seg, bus, devfn, r.off, 4);
		unsigned used = 1;

		if (orig == 0xffffffffu) {
			/* The function stopped answering (or never did): nothing to size. */
		} else if (orig & PCI_BAR_SPACE_IO) {
			if (io_allowed)
				bar_io(&r, orig, &bars[i]);
			else
				pr_warn(PCI_BDF_FMT ": I/O BAR at 0x%x where only memory is allowed, ignored",
					PCI_BDF_ARGS(seg, bus, devfn), r.off);
		} else {
			used = bar_mem(&r, orig, i + 1 < count, &bars[i]);
			if (used == 2)
				bars[i + 1].flags = PCI_BAR_UPPER;
			used = used ? used : 1;
		}
		if (bars[i].size == 0)
			bars[i].flags &= PCI_BAR_UPPER;   /* an unimplemented slot has no type */
		else
			implemented++;
		i += used;
	}
	return implemented;
}

unsigned pci_header_bars_read(uint16_t seg, uint8_t bus, uint8_t devfn, unsigned count,
			      struct pci_bar *bars)
{
	uint16_t cmd = pci_cfg_read(seg, bus, devfn, PCI_COMMAND, 2);
	uint16_t decode = PCI_COMMAND_IO | PCI_COMMAND_MEMORY;
	unsigned n;

	/* While a BAR holds all-ones the function would decode a bogus window. */
	if (cmd & decode)
		pci_cfg_write(seg, bus, devfn, PCI_COMMAND, 2, cmd & ~decode);
	n = pci_bars_size(seg, bus, devfn, PCI_BASE_ADDRESS_0, count, true, bars);
	if (cmd & decode)
		pci_cfg_write(seg, bus, devfn, PCI_COMMAND, 2, cmd);
	return n;
}
