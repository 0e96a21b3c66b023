/* SPDX-License-Identifier: MIT */
/*
 * Base Address Registers (PCI 3.0 §6.2.5.1): type, base and size. Sizing
 * writes all-ones to each BAR and reads back which address bits stick, so
 * it must run with the function's decode off; the header variant turns it
 * off and restores it, the SR-IOV VF BARs rely on the caller (VF MSE).
 */
#ifndef IOMON_PCI_BAR_H
#define IOMON_PCI_BAR_H

#include "kernel/types.h"

#define PCI_BAR_MAX 6

/* struct pci_bar.flags */
#define PCI_BAR_IO         BIT(0)   /* I/O space (16-bit decode) */
#define PCI_BAR_MEM32      BIT(1)   /* memory, 32-bit address */
#define PCI_BAR_MEM64      BIT(2)   /* memory, 64-bit address: takes this slot and the next */
#define PCI_BAR_PREFETCH   BIT(3)   /* prefetchable memory */
#define PCI_BAR_UPPER      BIT(4)   /* the upper dword of the 64-bit BAR in the slot before */

struct pci_bar {
	uint64_t base;     /* as firmware assigned it; 0 = unassigned */
	uint64_t size;     /* bytes; 0 = slot not implemented (or upper half) */
	uint8_t flags;
};

/*
 * Decode and size `count` BAR registers of (seg, bus, devfn) starting at
 * config offset `first` into bars[0..count-1]. Every register is restored
 * to its original value. The caller has turned the decode of these BARs
 * off. `io_allowed` is false for SR-IOV VF BARs, which are memory only.
 * Returns the number of implemented BARs.
 */
unsigned pci_bars_size(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t first, unsigned count,
		       bool io_allowed, struct pci_bar *bars);

/*
 * The header BARs (`count` = 6 for type 0, 2 for type 1): I/O and memory
 * decode are disabled in COMMAND while sizing, then COMMAND is restored.
 */
unsigned pci_header_bars_read(uint16_t seg, uint8_t bus, uint8_t devfn, unsigned count,
			      struct pci_bar *bars);

#endif
