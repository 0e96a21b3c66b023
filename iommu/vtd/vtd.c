/* SPDX-License-Identifier: MIT */
/*
 * VT-d discovery: the DMAR's remapping units and what each one can do.
 * Reading VER/CAP/ECAP is side-effect free; nothing is enabled here.
 */
#define LOG_TAG "vtd"
#include "iommu/vtd/vtd.h"
#include "iommu/vtd/caps.h"
#include "iommu/vtd/dmar.h"
#include "iommu/vtd/regs.h"
#include "arch/x86/io.h"
#include "kernel/log.h"
#include "kernel/phys.h"

#define VTD_FRCD_SIZE 16   /* each fault-recording register is 128 bits */

static struct dmar_info dmar;

/* A unit whose fault records or IOTLB register lie outside its own register window cannot be driven safely. */
static bool unit_layout_sane(const struct dmar_drhd *u, const struct vtd_caps *c)
{
	uint64_t frcd_end = (uint64_t)c->fro + (uint64_t)c->nfr * VTD_FRCD_SIZE;
	uint64_t iotlb_end = (uint64_t)c->iotlb_reg + 8;

	if (frcd_end <= u->reg_size && iotlb_end <= u->reg_size)
		return true;
	pr_warn("unit 0x%016llx: fault records end at 0x%llx and IOTLB register at 0x%llx, past its %llu-byte register window",
		(unsigned long long)u->base, (unsigned long long)frcd_end,
		(unsigned long long)iotlb_end, (unsigned long long)u->reg_size);
	return false;
}

static void probe_unit(const struct dmar_drhd *u)
{
	uint64_t size = u->reg_size ? u->reg_size : PAGE_SIZE;
	uint8_t *regs = phys_map(u->base, size, PHYS_UC);
	struct vtd_caps caps;

	if (!regs) {
		pr_warn("unit 0x%016llx: cannot map its registers; unit ignored", (unsigned long long)u->base);
		return;
	}
	vtd_caps_decode(mmio_read32(regs + VTD_REG_VER), mmio_read64(regs + VTD_REG_CAP),
			mmio_read64(regs + VTD_REG_ECAP), &caps);
	vtd_caps_log(u->base, &caps);
	unit_layout_sane(u, &caps);
}

bool vtd_probe(const struct acpi_info *ai)
{
	uint32_t len;
	const struct acpi_header *t = acpi_find(ai, "DMAR", 0, &len);

	if (!t)
		return false;
	if (dmar_parse(t, len, &dmar) < 0) {
		pr_warn("DMAR unusable; VT-d units ignored");
		return true;
	}
	dmar_report(&dmar);
	for (unsigned i = 0; i < dmar.drhd_count; i++)
		probe_unit(&dmar.drhds[i]);
	return true;
}
