/* SPDX-License-Identifier: MIT */
#ifndef IOMON_BOOT_REPORT_H
#define IOMON_BOOT_REPORT_H

#include "boot/mb2.h"
#include "arch/x86/acpi.h"

/*
 * The greppable summary of the platform after memory is up: ACPI tables,
 * CPUs and IOAPICs (MADT), ECAM windows and the root bus (MCFG), IOMMU
 * units with their decoded capabilities (DMAR / IVRS and the registers).
 */
void boot_report(const struct boot_info *bi, const struct acpi_info *ai);

#endif
