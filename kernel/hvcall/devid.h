/* SPDX-License-Identifier: MIT */
/*
 * The PCI form of hv_device_id (include/hv/hv_iommu.h) as a Linux root
 * builds it for the device-domain calls (hv_build_pci_dev_id in Linux's
 * Hyper-V IOMMU and interrupt code):
 *   - segment: the PCI domain number;
 *   - rid: the last DMA alias of the function that crosses a bus, walking
 *     up as Linux's pci_for_each_dma_alias does: behind a PCIe-to-PCI/PCI-X
 *     bridge that is (secondary bus, devfn 0), behind a conventional PCI
 *     bridge or a PCI-to-PCIe bridge the bridge's own id; PCIe ports pass
 *     ids unchanged. So every function behind such a bridge has the same
 *     id, which is right: the IOMMU cannot tell them apart, they are one
 *     group, and they move together;
 *   - source_shadow = 1 with the bridge's secondary and subordinate bus
 *     when that bridge runs in PCI-X mode; otherwise 0 and the range 0.
 * iomon accepts exactly that form: reserved bits, phantom function bits, a
 * bus range without source_shadow, or a range that is not the bridge's are
 * refused, so a wrong id never lands on some other function.
 */
#ifndef IOMON_HVCALL_DEVID_H
#define IOMON_HVCALL_DEVID_H

#include "kernel/types.h"

struct pci_dev;

/*
 * The registered function device_id names (a referenced pci_dev, released
 * with pci_dev_put; the first in registry order when several share the
 * id, all in one group). -EINVAL: not the PCI form, or malformed;
 * -ENODEV: no function has that id.
 */
int __must_check hv_devid_to_pci_dev(uint64_t device_id, struct pci_dev **out);
/* The id a Linux root would send for d (tests, the test guest's expectations). */
uint64_t hv_devid_of_pci_dev(const struct pci_dev *d);

#endif
