// SPDX-License-Identifier: MIT
/*
 * The legacy PCI configuration mechanism (ports 0xCF8/0xCFC, PCI Local Bus
 * 3.0 §3.2.2.3.2) as a partition sees it: the address register is kept per
 * vcpu, and each data access goes to the function through the monitor's own
 * ECAM accessor when the partition owns it; a function it does not own reads
 * all-ones and ignores writes, exactly like its ECAM page (mmio.c).
 */
#define LOG_TAG "part"
#include "kernel/partition/exits.h"
#include "kernel/partition/assign.h"
#include "kernel/log.h"
#include "pci/dev.h"
#include "pci/pci.h"

#define CF8_ENABLE     BIT(31)
#define CF8_BUS        GENMASK(23, 16)
#define CF8_DEVFN      GENMASK(15, 8)
#define CF8_REG        GENMASK(7, 2)
#define CF8_EXT_REG    GENMASK(27, 24)   /* AMD's extended register bits 11:8 */
#define PCI_CLASS_IOMMU 0x0806          /* base class 08 (system peripheral), subclass 06 */

bool part_owns_dev(const struct partition *p, const struct pci_dev *d)
{
	struct partition *owner;

	/* The IOMMU is the monitor's: its own PCI function (AMD-Vi) stays hidden. */
	if ((d->class >> 8) == PCI_CLASS_IOMMU)
		return false;
	/* A direct-attached group is its child's; a quarantined one nobody's (assign.c). */
	if (part_dev_assigned(d, &owner))
		return owner == p;
	return p->is_root;   /* children own no device until one is attached to them */
}

bool part_owns_function(const struct partition *p, uint16_t seg, uint8_t bus, uint8_t devfn)
{
	struct pci_dev *d;
	bool owns;

	d = pci_dev_find(seg, bus, devfn);
	if (!d)
		return p->is_root;    /* nothing there: the root reads what the hardware says (all-ones) */
	owns = part_owns_dev(p, d);
	pci_dev_put(d);
	return owns;
}

static void report_hidden_once(struct partition *p, uint8_t bus, uint8_t devfn)
{
	static bool reported[PART_MAX];
	unsigned idx = p->id - PART_ROOT_ID;

	if (idx < PART_MAX && !reported[idx]) {
		reported[idx] = true;
		pr_info("%s: configuration access to 00:%02x:%02x.%u (not its function): reads all-ones, writes ignored (reported once)",
			p->name, bus, devfn >> 3, devfn & 7);
	}
}

uint32_t pcicfg_port_io(struct part_vcpu *pv, uint16_t port, unsigned size, bool in, uint32_t value)
{
	struct partition *p = pv->vcpu.part;
	uint8_t bus, devfn;
	uint16_t reg;

	if (port == 0xCF8) {
		if (size != 4)
			return 0xffffffff;   /* byte and word accesses to 0xCF8 are not the mechanism */
		if (!in)
			pv->cf8 = value;
		return pv->cf8;
	}
	if (port < 0xCFC || !(pv->cf8 & CF8_ENABLE))
		return 0xffffffff;
	bus = FIELD_GET(CF8_BUS, pv->cf8);
	devfn = FIELD_GET(CF8_DEVFN, pv->cf8);
	reg = (uint16_t)((FIELD_GET(CF8_REG, pv->cf8) << 2) | (FIELD_GET(CF8_EXT_REG, pv->cf8) << 8) |
			 (port - 0xCFC));
	if (port - 0xCFC + size > 4)
		return 0xffffffff;
	if (!part_owns_function(p, 0, bus, devfn)) {
		report_hidden_once(p, bus, devfn);
		return 0xffffffff;
	}
	if (in)
		return pci_cfg_read(0, bus, devfn, reg, size);
	pci_cfg_write(0, bus, devfn, reg, size, value);
	return 0;
}
