/* SPDX-License-Identifier: MIT */
/*
 * The guest's ACPI walk (ACPI specification §5.2): from the RSDP copy in its
 * multiboot2 tag to the RSDT and XSDT, to find MCFG and to prove DMAR and
 * IVRS are not visible. Physical memory is reached through `phys` (identity
 * in the guest, a fake in the host unit test). Host-buildable.
 */
#ifndef IOMON_GUEST_ACPI_H
#define IOMON_GUEST_ACPI_H

#include "kernel/types.h"
#include "arch/x86/acpi.h"

/* A pointer to `len` readable bytes at physical `pa`, or NULL if unreachable. */
typedef const void *(*guest_phys_fn)(uint64_t pa, uint32_t len);

struct guest_acpi {
	guest_phys_fn phys;
	const struct acpi_header *rsdt;  /* NULL: none */
	const struct acpi_header *xsdt;  /* NULL: none (RSDP revision 0) */
};

/* Validate the RSDP and its root tables (signature, length, checksum). 0 or -1 + why. */
int guest_acpi_init(struct guest_acpi *a, const uint8_t *rsdp, uint32_t len, guest_phys_fn phys,
		    char *why, size_t n);
/* The first table with this signature, XSDT first, then RSDT; NULL if none. */
const struct acpi_header *guest_acpi_find(const struct guest_acpi *a, const char *sig);
/* Every table either root lists is sound, and none is DMAR or IVRS. 0 or -1 + why. */
int guest_acpi_check_hidden(const struct guest_acpi *a, char *why, size_t n);

#endif
