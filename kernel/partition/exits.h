/* SPDX-License-Identifier: MIT */
/*
 * What the monitor does on each normalised exit, for both backends alike:
 * one table from exit reason to handler. A handler either completes the
 * guest's instruction (and advances RIP past it), injects a fault, or stops
 * the partition with a line saying why.
 */
#ifndef IOMON_PART_EXITS_H
#define IOMON_PART_EXITS_H

#include "kernel/partition/partition.h"

#define QEMU_EXIT_PORT   0xF4     /* isa-debug-exit, virtualised per partition */
#define GUEST_EXIT_OK    0x10     /* the value a guest writes to report success */

void exit_handle(struct part_vcpu *pv, struct vcpu_exit *e);
/* Per partition: exits by reason, IPIs, hypercalls (on the console). */
void part_report_counters(void);

/* Hyper-V discovery surface (hv.c). */
void hv_cpuid(struct partition *p, uint32_t leaf, uint32_t sub, uint32_t r[4]);
/* 0 handled (value set on a read), -1: inject #GP. */
int hv_msr_read(struct part_vcpu *pv, uint32_t msr, uint64_t *value);
int hv_msr_write(struct part_vcpu *pv, uint32_t msr, uint64_t value);
extern const struct vcpu_ops *part_vops;

/* Stage-2 faults: emulated MMIO (local APIC, hidden config space) or containment (mmio.c). */
void mmio_handle_s2_fault(struct part_vcpu *pv, const struct vcpu_exit *e);
/* Legacy configuration ports 0xCF8-0xCFF (pcicfg.c). */
uint32_t pcicfg_port_io(struct part_vcpu *pv, uint16_t port, unsigned size, bool in, uint32_t value);
/* Whether the partition owns PCI function seg:bus:devfn (config space, BARs). */
bool part_owns_function(const struct partition *p, uint16_t seg, uint8_t bus, uint8_t devfn);
struct pci_dev;
/* The same for a registered function (no registry lock taken: safe inside pci_dev_for_each). */
bool part_owns_dev(const struct partition *p, const struct pci_dev *d);
/* The xAPIC ICR: deliver an IPI only to the sender's own CPUs (vapic.c). */
void vapic_icr_write(struct part_vcpu *pv, uint32_t low);

#endif
