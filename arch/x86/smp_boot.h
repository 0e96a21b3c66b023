/* SPDX-License-Identifier: MIT */
/*
 * Low memory the monitor keeps for starting application processors: the
 * trampoline page (the SIPI vector points at it) and the three pages of the
 * temporary page table that takes an AP to long mode. Nothing else below
 * 1 MiB belongs to the monitor; the root partition sees the rest.
 */
#ifndef IOMON_X86_SMP_BOOT_H
#define IOMON_X86_SMP_BOOT_H

#define TRAMPOLINE_PA     0x8000
#define TRAMPOLINE_PAGES  4          /* code + mailbox, PML4, PDPT, PD */
#define TRAMPOLINE_END    (TRAMPOLINE_PA + TRAMPOLINE_PAGES * 0x1000)

#ifndef __ASSEMBLY__
#include "kernel/types.h"

struct trampoline_mailbox {
	uint64_t cr3_low, cr0, cr4, efer, stack, entry;
};

extern char trampoline_start[], trampoline_end[];
extern struct trampoline_mailbox trampoline_mailbox;
extern uint64_t ap_final_cr3;
void ap_entry64(void);
void ap_main(void);
#endif

#endif
