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

/* NULL, with a line saying why, when the partition cannot start. */
struct part_vcpu *part_boot(struct partition *p, const struct boot_info *bi, const struct vcpu_ops *ops);

#endif
