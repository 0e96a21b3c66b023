/* SPDX-License-Identifier: MIT */
#ifndef IOMON_PLATFORM_H
#define IOMON_PLATFORM_H

#include "boot/mb2.h"
#include "arch/x86/acpi.h"

/*
 * Learn the platform once memory is up, reporting as it goes: the ACPI
 * tables, CPUs and IOAPICs (MADT), the ECAM windows (MCFG), every PCI
 * function (enumeration, then the sriov= requests) and the PCI tree.
 * The IOMMU units come next, in iommu_init().
 */
void platform_discover(const struct boot_info *bi, const struct acpi_info *ai);

struct madt_info;
struct mcfg_info;
/* What discovery found: the MADT (NULL when there is none), the ECAM windows, the ACPI tables. */
const struct madt_info *platform_madt(void);
const struct mcfg_info *platform_mcfg(void);
const struct acpi_info *platform_acpi(void);

#endif
