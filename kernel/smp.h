/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU identity and application-processor start-up. Every enabled CPU in
 * the MADT gets an index 0..smp_cpu_count()-1 (0 is the boot CPU); per-CPU
 * state lives in arrays indexed by it. The monitor starts every AP itself
 * (INIT-SIPI-SIPI into its own trampoline); an AP then waits until it is
 * given something to run.
 */
#ifndef IOMON_SMP_H
#define IOMON_SMP_H

#include "kernel/types.h"

#define SMP_MAX_CPUS 16

struct madt_info;

/* This CPU's index. */
unsigned smp_this_cpu(void);
/* CPUs that are up (the boot CPU and every AP that answered). */
unsigned smp_cpu_count(void);
uint32_t smp_apic_id(unsigned cpu);
/* The CPU index with local APIC id `apic_id`, or -1. */
int smp_cpu_of_apic(uint32_t apic_id);

/* Boot CPU: per-CPU block 0 (before anything calls smp_this_cpu()). */
void smp_init_boot_cpu(void);
/* Start every enabled CPU in the MADT; returns how many answered. */
unsigned smp_start_aps(const struct madt_info *mi);
/* Make CPU `cpu` (an AP waiting for work) call fn(arg); it never returns to waiting. */
int smp_run_on(unsigned cpu, void (*fn)(void *arg), void *arg);

#endif
