/* SPDX-License-Identifier: MIT */
#ifndef IOMON_MEMORY_H
#define IOMON_MEMORY_H

#include "boot/mb2.h"
#include "arch/x86/acpi.h"

/*
 * Report the loader's memory map, build the frame allocator from it minus
 * everything the monitor must not hand out, and map usable RAM into the
 * direct map. Panics only when no memory at all is usable.
 */
void memory_init(const struct boot_info *bi, const struct acpi_info *ai);

#endif
