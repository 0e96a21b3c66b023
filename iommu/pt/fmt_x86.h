/* SPDX-License-Identifier: MIT */
/*
 * x86-64 long-mode paging entries (SDM vol. 3, 4.5; AMD APM vol. 2, 5.3),
 * used as AMD nested page tables. Bit 7 makes a level-2/3 entry a 2 MiB/1 GiB
 * leaf.
 */
#ifndef IOMON_PT_FMT_X86_H
#define IOMON_PT_FMT_X86_H

#include "kernel/types.h"

#define X86_PTE_P       BIT(0)
#define X86_PTE_RW      BIT(1)
#define X86_PTE_US      BIT(2)     /* NPT: guest accesses are user accesses (APM 15.25.5) */
#define X86_PTE_PS      BIT(7)
#define X86_PTE_PAT_LARGE BIT(12)  /* PAT index bit of 2 MiB/1 GiB leaves: never set */
#define X86_PTE_NX      BIT(63)    /* needs EFER.NXE, reserved otherwise */

/* VT-d reserves these in its second-level entries: never set (shared tables). */
#define X86_PTE_VTD_SNP BIT(11)
#define X86_PTE_VTD_TM  BIT(62)

#endif
