// SPDX-License-Identifier: MIT
/*
 * GET_IOMMU_CAPABILITIES and GET_LOGICAL_DEVICE_PROPERTY (the layouts of
 * Linux's Hyper-V guest IOMMU driver). iomon offers second-stage (S2)
 * device domains only: no S1 (guest-owned first-stage tables), no PASID,
 * ATS or PRI, so a pvIOMMU guest, which needs S1, sees an IOMMU it does not
 * drive, and a root reads the IOVA width and page sizes for its S2 domains.
 */
#include "kernel/hvcall/calls.h"
#include "kernel/partition/partition.h"
#include "iommu/iommu.h"
#include "pci/dev.h"

uint16_t hvcall_get_iommu_capabilities(struct hvcall_ctx *c)
{
	const struct hv_input_get_iommu_capabilities *in = c->in;
	struct hv_output_get_iommu_capabilities *out = c->out;
	const struct iommu_limits *l = iommu_get_limits();
	uint16_t st = HV_STATUS_SUCCESS;

	if (!hvcall_target(c, in->partition_id, &st))
		return st;
	if (in->reserved)
		return HV_STATUS_INVALID_PARAMETER;
	out->size = sizeof(*out);
	if (!l)
		return HV_STATUS_SUCCESS;   /* iommu_cap 0: no PRESENT bit */
	out->max_iova_width = (uint8_t)l->addr_width;
	out->max_pasid_width = 0;
	out->iommu_cap = HV_IOMMU_CAP_PRESENT | HV_IOMMU_CAP_S2;
	out->pgsize_bitmap = l->page_sizes;   /* PT_SIZE_* are the page sizes as bits */
	return HV_STATUS_SUCCESS;
}

/* Who may ask about a device: its owner. The direct-attach layer overrides this (weak). */
__attribute__((weak)) struct partition *hvcall_device_owner(const struct pci_dev *dev)
{
	(void)dev;
	return partition_count ? &partitions[0] : NULL;   /* the root owns every device at boot */
}

uint16_t hvcall_get_logical_device_property(struct hvcall_ctx *c)
{
	const struct hv_input_get_logical_device_property *in = c->in;
	struct hv_output_get_logical_device_property *out = c->out;
	uint16_t st = HV_STATUS_SUCCESS;
	struct partition *target = hvcall_target(c, in->partition_id, &st);
	struct pci_dev *dev;

	if (!target)
		return st;
	if (in->reserved)
		return HV_STATUS_INVALID_PARAMETER;
	if (in->logical_device_id > UINT32_MAX)
		return HV_STATUS_INVALID_DEVICE_ID;
	dev = pci_dev_find_by_logical_id((uint32_t)in->logical_device_id);
	if (!dev)
		return HV_STATUS_INVALID_DEVICE_ID;
	/* A device of another partition does not exist for the caller. */
	if (hvcall_device_owner(dev) != target)
		st = HV_STATUS_INVALID_DEVICE_ID;
	else if (in->code != HV_LOGICAL_DEVICE_PROPERTY_PVIOMMU)
		st = HV_STATUS_UNKNOWN_PROPERTY;
	else
		out->device_iommu = iommu_present() ? HV_DEVICE_IOMMU_ENABLED : 0;
	pci_dev_put(dev);
	return st;
}
