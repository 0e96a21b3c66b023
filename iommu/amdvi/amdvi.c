/* SPDX-License-Identifier: MIT */
/*
 * AMD-Vi discovery: the IVRS's IOMMU units and their Extended Feature
 * Register. Read-only; nothing is enabled here.
 */
#define LOG_TAG "amdvi"
#include "iommu/amdvi/amdvi.h"
#include "iommu/iommu.h"
#include "iommu/amdvi/caps.h"
#include "iommu/amdvi/ivrs.h"
#include "iommu/amdvi/regs.h"
#include "arch/x86/io.h"
#include "kernel/log.h"
#include "kernel/phys.h"

static struct ivrs_info ivrs;

static void probe_unit(const struct ivrs_ivhd *u)
{
	uint8_t *regs = phys_map(u->base, AMDVI_MMIO_SIZE, PHYS_UC);
	struct amdvi_caps caps;
	uint64_t efr;

	if (!regs) {
		pr_warn("unit 0x%016llx: cannot map its registers; unit ignored",
			(unsigned long long)u->base);
		return;
	}
	efr = mmio_read64(regs + AMDVI_REG_EXT_FEATURE);
	/* Type 11h/40h IVHDs carry a copy of the EFR; the register is authoritative. */
	if (u->has_efr && u->efr != efr)
		pr_debug("unit 0x%016llx: IVHD EFR image 0x%016llx differs from the register",
			 (unsigned long long)u->base, (unsigned long long)u->efr);
	amdvi_efr_decode(efr, &caps);
	amdvi_caps_log(u->base, &caps);
}

bool amdvi_probe(const struct acpi_info *ai)
{
	uint32_t len;
	const struct acpi_header *t = acpi_find(ai, "IVRS", 0, &len);

	if (!t)
		return false;
	if (ivrs_parse(t, len, &ivrs) < 0) {
		pr_warn("IVRS unusable; AMD-Vi units ignored");
		return true;
	}
	ivrs_report(&ivrs);
	for (unsigned i = 0; i < ivrs.ivhd_count; i++)
		probe_unit(&ivrs.ivhds[i]);
	return true;
}
