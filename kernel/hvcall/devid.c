/* SPDX-License-Identifier: MIT */
/* hv_device_id, PCI form: decoding as a Linux root encodes it (devid.h). */
#include <errno.h>

#include "kernel/hvcall/devid.h"
#include "include/hv/hv_iommu.h"
#include "pci/dev.h"
#include "pci/regs.h"

/*
 * Linux's choice of requester id: start from the function's own id; each
 * alias pci_for_each_dma_alias reports on the way up replaces it when the
 * bridge reporting it sits on another bus, or the alias names another bus
 * (get_rid_cb). *bridge is the bridge that supplied the last one, or NULL.
 */
static uint16_t linux_rid(const struct pci_dev *d, const struct pci_dev **bridge)
{
	uint16_t rid = pci_dev_rid(d);

	*bridge = NULL;
	for (const struct pci_dev *p = d->parent; p; p = p->parent) {
		uint16_t alias;

		if (!pci_caps_is_pcie(&p->caps) || p->caps.pcie_type == PCI_EXP_TYPE_PCIE_BRIDGE)
			alias = pci_dev_rid(p);
		else if (p->caps.pcie_type == PCI_EXP_TYPE_PCI_BRIDGE)
			alias = PCI_RID(p->secondary_bus, 0);
		else
			continue;   /* root and switch ports forward ids unchanged */
		if (p->bus != PCI_RID_BUS(rid) || PCI_RID_BUS(alias) != PCI_RID_BUS(rid)) {
			rid = alias;
			*bridge = p;
		}
	}
	return rid;
}

uint64_t hv_devid_of_pci_dev(const struct pci_dev *d)
{
	const struct pci_dev *bridge;
	union hv_device_id id = { .as_uint64 = 0 };

	id.pci.rid = linux_rid(d, &bridge);
	id.pci.segment = d->seg;
	id.pci.flags = (uint16_t)(HV_DEVICE_TYPE_PCI << 14);
	return id.as_uint64;
}

struct devid_match {
	union hv_device_id id;
	struct pci_dev *found;
};

static int match_one(struct pci_dev *d, void *ctx)
{
	struct devid_match *m = ctx;
	const struct pci_dev *bridge;
	bool shadow = m->id.pci.flags & HV_PCI_ID_SOURCE_SHADOW;

	if (d->seg != m->id.pci.segment || linux_rid(d, &bridge) != m->id.pci.rid)
		return 0;
	/* A bus range names the bridge the id came from: it must be that bridge's. */
	if (shadow && (!bridge || bridge->secondary_bus != m->id.pci.secondary_bus ||
		       bridge->subordinate_bus != m->id.pci.subordinate_bus))
		return 0;
	m->found = pci_dev_get(d);
	return 1;
}

int hv_devid_to_pci_dev(uint64_t device_id, struct pci_dev **out)
{
	struct devid_match m = { .id.as_uint64 = device_id, .found = NULL };
	uint16_t flags = m.id.pci.flags;

	*out = NULL;
	if (hv_device_id_type(device_id) != HV_DEVICE_TYPE_PCI ||
	    (flags & (HV_PCI_ID_RSVDZ_MASK | HV_PCI_ID_PHANTOM_FN_MASK)))
		return -EINVAL;
	if (!(flags & HV_PCI_ID_SOURCE_SHADOW) && (m.id.pci.secondary_bus || m.id.pci.subordinate_bus))
		return -EINVAL;
	pci_dev_for_each(match_one, &m);
	if (!m.found)
		return -ENODEV;
	*out = m.found;
	return 0;
}
