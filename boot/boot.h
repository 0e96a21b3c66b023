/* SPDX-License-Identifier: MIT */
/* Constants shared by the entry assembly and C. */
#ifndef IOMON_BOOT_H
#define IOMON_BOOT_H

#define KERNEL_VMA       0xFFFFFFFF80000000
#define BOOT_CS          0x08
#define BOOT_DS          0x10
#define BOOT_PT_PAGES    7            /* PML4 + 2 PDPTs + 4 PDs */
#define BOOT_STACK_SIZE  (32 * 1024)

#ifndef __ASSEMBLY__
#include "kernel/types.h"

/* Linker-script and entry symbols. */
extern char _phys_start[], _phys_end[], _text[], _etext[], _erodata[], _edata[], _end[];
extern char boot_stack_guard[], boot_stack_top[];

static inline paddr_t kernel_virt_to_phys(const void *v)
{
	return (paddr_t)((uintptr_t)v - KERNEL_VMA);
}
#endif

#endif
