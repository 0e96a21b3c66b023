/* SPDX-License-Identifier: MIT */
#ifndef IOMON_VTD_H
#define IOMON_VTD_H

#include "arch/x86/acpi.h"

/*
 * Find the DMAR table, report its remapping structures, and for each DRHD
 * read and decode the unit's VER/CAP/ECAP registers. False when the
 * firmware describes no VT-d unit.
 */
bool vtd_probe(const struct acpi_info *ai);

#endif
