/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU identity. Every CPU the MADT lists gets an index 0..smp_cpu_count()-1
 * (0 is the boot CPU); per-CPU state lives in arrays indexed by it.
 */
#ifndef IOMON_SMP_H
#define IOMON_SMP_H

#include "kernel/types.h"

#define SMP_MAX_CPUS 64

/* This CPU's index (from its GS-based per-CPU block once SMP is up; 0 before). */
unsigned smp_this_cpu(void);
unsigned smp_cpu_count(void);

#endif
