/* SPDX-License-Identifier: MIT */
/*
 * PCI configuration access. Everything in iomon reads and writes config
 * space through pci_cfg_read/pci_cfg_write; the monitor backs them with the
 * ECAM windows from MCFG, unit tests with a fake config space.
 */
#ifndef IOMON_PCI_H
#define IOMON_PCI_H

#include "kernel/types.h"
#include "pci/mcfg.h"

#define PCI_DEVFN(dev, fn)  ((uint8_t)(((dev) << 3) | (fn)))
#define PCI_DEV(devfn)      ((devfn) >> 3)
#define PCI_FN(devfn)       ((devfn) & 7)
#define PCI_CFG_SIZE        4096

/* Configuration header (PCI Local Bus 3.0 §6.1), offsets. */
#define PCI_VENDOR_ID       0x00
#define PCI_DEVICE_ID       0x02
#define PCI_COMMAND         0x04
#define PCI_STATUS          0x06
#define PCI_CLASS_REVISION  0x08   /* class 31:8, revision 7:0 */
#define PCI_HEADER_TYPE     0x0E
#define  PCI_HEADER_TYPE_MASK  0x7f
#define  PCI_HEADER_MULTIFUNC  0x80

/*
 * Read `width` (1, 2 or 4) bytes at `off`. All-ones when no ECAM window
 * covers the function, or the offset is misaligned or out of range: the
 * same value an absent device returns.
 */
uint32_t pci_cfg_read(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off, unsigned width);
/* Write; silently dropped where the read would return all-ones. */
void pci_cfg_write(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off, unsigned width, uint32_t val);

/* Map the ECAM windows the MCFG described. */
void pci_ecam_init(const struct mcfg_info *mi);

#endif
