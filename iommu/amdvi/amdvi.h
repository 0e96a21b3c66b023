/* SPDX-License-Identifier: MIT */
#ifndef IOMON_AMDVI_H
#define IOMON_AMDVI_H

#include "arch/x86/acpi.h"

/*
 * Find the IVRS table, report its IVHD/IVMD blocks, and for each unit read
 * and decode the Extended Feature Register. False when the firmware
 * describes no AMD-Vi unit.
 */
bool amdvi_probe(const struct acpi_info *ai);

#endif
