/* SPDX-License-Identifier: MIT */
/*
 * Firmware tables are untrusted. The first byte picks the consumer; the rest
 * is the table (MADT, MCFG, DMAR, IVRS parsers), or, for discovery, both the
 * RSDP copy and the physical memory it points into.
 */
#include <stdlib.h>
#include <string.h>

#include "arch/x86/acpi.h"
#include "arch/x86/madt.h"
#include "iommu/amdvi/ivrs.h"
#include "iommu/vtd/dmar.h"
#include "pci/mcfg.h"
#include "tests/fuzz/fuzz.h"

#define FUZZ_PHYS_BASE 0x7fe00000ULL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct madt_info madt;
	static struct mcfg_info mcfg;
	static struct dmar_info dmar;
	static struct ivrs_info ivrs;
	static struct acpi_info ai;
	uint8_t *t;

	if (size < 1)
		return 0;
	t = malloc(size - 1 ? size - 1 : 1);
	memcpy(t, data + 1, size - 1);
	switch (data[0] % 5) {
	case 0: madt_parse(t, (uint32_t)(size - 1), &madt); break;
	case 1: mcfg_parse(t, (uint32_t)(size - 1), &mcfg); break;
	case 2: dmar_parse(t, (uint32_t)(size - 1), &dmar); break;
	case 3: ivrs_parse(t, (uint32_t)(size - 1), &ivrs); break;
	case 4:
		fuzz_phys_set(FUZZ_PHYS_BASE, t, size - 1);
		if (acpi_discover(t, (uint32_t)MIN(size - 1, 36), &ai) == 0)
			for (unsigned i = 0; i < ai.count; i++)
				acpi_find(&ai, ai.tables[i].signature, 0, NULL);
		fuzz_phys_set(0, NULL, 0);
		break;
	}
	free(t);
	return 0;
}
