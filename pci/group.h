/* SPDX-License-Identifier: MIT */
/*
 * Device groups: the smallest sets of PCI functions the IOMMU can isolate
 * from each other (Linux calls them iommu_group). A group moves between
 * IOMMU domains as a unit; the domain layer refuses to split one.
 *
 * A function joins the group of every registered function it cannot be told
 * apart from or kept away from:
 *   - aliases: functions sharing any requester id (everything behind a
 *     PCIe-to-PCI bridge carries the alias secondary:00.0, which may also
 *     be a real function's own id): the IOMMU sees one source for both;
 *   - an upstream bridge that does not isolate what is below it: the
 *     function joins the group of the topmost such bridge on its path to
 *     the root complex, and so does everything else below that bridge
 *     (Linux's pci_device_group). A conventional PCI bridge, a PCIe-to-PCI
 *     or PCI-to-PCIe bridge never isolates (devices behind it share a bus,
 *     and their requests can reach each other without passing the IOMMU); a
 *     root port or switch downstream port isolates only with ACS Source
 *     Validation, P2P Request Redirect, P2P Completion Redirect and Upstream
 *     Forwarding enabled (PCIe 4.0 §6.12; as Linux reads the spec, a
 *     control the port does not implement counts as hard-wired on);
 *   - the functions of one multi-function device (same bus and device
 *     number, VFs excepted) when any of them lacks those ACS controls: they
 *     may talk to each other inside the device. Linux groups only the
 *     functions that lack ACS; iomon is more conservative and groups the
 *     whole device, since a function without ACS can reach the others.
 * Enumeration turns those four ACS controls on wherever a function
 * implements them (pci_acs_enable, as Linux's pci_enable_acs does), so a port
 * or device that has ACS isolates even when firmware left it off; what a
 * function lacks it cannot do, and the rules above group it. Functions
 * found through ARI are treated as separate devices, and VFs are not
 * grouped with their PF by the multi-function rule (as in Linux); a device
 * whose VFs can reach each other inside it would need a quirk, which iomon
 * does not have yet.
 *
 * Groups are computed when a function is registered (the registry calls
 * pci_group_assign with its lock held) and shrink when one is removed. The
 * IOMMU layer reads membership with the registry lock held.
 */
#ifndef IOMON_PCI_GROUP_H
#define IOMON_PCI_GROUP_H

#include "kernel/types.h"

struct pci_dev;

struct pci_group {
	uint32_t id;                 /* boot report: "group N"; unique while the group exists */
	unsigned nr_devs;
	struct pci_dev *devs;        /* members, linked through pci_dev.group_next */
};

/* Registry lock held: put a newly linked device `d` into its group; `registered` heads the registry list. */
void pci_group_assign(struct pci_dev *d, struct pci_dev *registered);
/* Registry lock held: take `d` out of its group, freeing the group when it empties. */
void pci_group_leave(struct pci_dev *d);
/* Forget every group (with pci_dev_registry_reset; unit tests). */
void pci_group_reset(void);

/*
 * Turn on ACS Source Validation, P2P Request Redirect, P2P Completion
 * Redirect and Upstream Forwarding, as far as the function implements them
 * (`acs` is its ACS capability offset, `caps` the capability register).
 */
void pci_acs_enable(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t acs, uint16_t caps);

/* Whether a bridge keeps the requests of the functions below it away from each other. */
bool pci_bridge_isolates(const struct pci_dev *bridge);

#endif
