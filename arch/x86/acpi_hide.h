/* SPDX-License-Identifier: MIT */
/*
 * Hiding the IOMMU description tables (DMAR for VT-d, IVRS for AMD-Vi)
 * from the root partition, so its kernel never tries to drive an IOMMU the
 * monitor owns (Linux finds both tables only by signature).
 *
 * The tables are renamed in place by permuting their signature bytes:
 * "DMAR" becomes "RMAD" and "IVRS" becomes "SRVI". A permutation keeps the
 * byte sum, so the table checksum stays valid and nothing else needs
 * patching. Renaming the table itself, rather than filtering a copy of the
 * RSDT/XSDT, covers every path by which a guest can reach the table: the
 * RSDT, the XSDT, the RSDP copies the multiboot2 tags carry (which point to
 * those same root tables), and a guest that scans ACPI memory itself. Xen
 * hides DMAR from its dom0 the same way.
 *
 * Call it after the monitor's own IOMMU drivers have parsed the tables:
 * from then on only the monitor's acpi_info (which keeps the original
 * signatures) still knows them as DMAR/IVRS.
 */
#ifndef IOMON_X86_ACPI_HIDE_H
#define IOMON_X86_ACPI_HIDE_H

#include "kernel/types.h"
#include "arch/x86/acpi.h"

/*
 * Rename one table in place if its signature is DMAR or IVRS. True when it
 * was renamed; false (and untouched) for any other signature.
 */
bool acpi_hide_table(struct acpi_header *h);

/*
 * Hide every DMAR and IVRS table listed in `ai`, each mapped through
 * phys_map() and re-checked in memory before it is touched. Returns the
 * number of tables renamed, or -EFAULT when one could not be mapped (the
 * others are still hidden; the caller must not start the root then).
 */
int __must_check acpi_hide_iommu_tables(const struct acpi_info *ai);

/*
 * The root's MADT without the CPUs it does not own: every Processor Local
 * APIC / x2APIC entry whose APIC id `hide` returns true for loses its
 * Enabled and Online Capable flags (ACPI 6.5 §5.2.12.2, §5.2.12.12), and
 * the table checksum is corrected by the difference, so the root's kernel
 * neither counts nor tries to start another partition's CPUs. `madt`
 * points at the whole table, `len` bytes mapped. Returns how many entries
 * were disabled.
 */
unsigned acpi_madt_hide_cpus(struct acpi_header *madt, uint32_t len,
			     bool (*hide)(uint32_t apic_id, void *ctx), void *ctx);

#endif
