/* SPDX-License-Identifier: MIT */
/*
 * Booting a partition as GRUB would boot its kernel: the stage-2, the
 * kernel image at its load addresses, the multiboot2 information built for
 * the partition's view of the machine, and a vcpu in the multiboot2 machine
 * state (32-bit protected mode, paging off, EAX magic, EBX info).
 */
#ifndef IOMON_PART_LOADER_H
#define IOMON_PART_LOADER_H

#include "kernel/partition/partition.h"
#include "boot/mb2.h"

/*
 * Stage-2, kernel and multiboot2 information, on any CPU; sets p->entry and
 * p->info_gpa. 0, or a negative errno with a line saying why.
 */
int part_boot(struct partition *p, const struct boot_info *bi, const struct vcpu_ops *ops);
/*
 * On the CPU that will run it (VMX needs its VMCS current there): the
 * partition's first vcpu in the multiboot2 entry state. NULL when it cannot.
 */
struct part_vcpu *part_vcpu_create(struct partition *p, unsigned cpu);
/*
 * On the CPU that will run it: the vcpu of the partition's AP at `index`
 * (its VP index), in real mode at CS = vector << 8, IP 0, as a STARTUP IPI
 * leaves a CPU (SDM Vol. 3 §9.4.4). NULL when it cannot.
 */
struct part_vcpu *part_ap_vcpu_create(struct partition *p, unsigned cpu, unsigned index,
				      uint8_t vector);

#endif
