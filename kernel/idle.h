/* SPDX-License-Identifier: MIT */
/*
 * What the monitor does when nothing else runs: drain IOMMU faults, so a
 * device's fault storm is cut off and one-record units do not overflow,
 * whether or not anything else is going on.
 */
#ifndef IOMON_IDLE_H
#define IOMON_IDLE_H

#include "kernel/types.h"

#define IDLE_FAULT_POLL_US 1000   /* a DMA fault waits at most this long to be drained */

/*
 * Drain IOMMU faults and read the serial line for the debug shell
 * (kernel/shell/) if the last poll is IDLE_FAULT_POLL_US old. Cheap
 * otherwise (a clock read), safe from any CPU and any context that may
 * take the IOMMU units' fault locks (a VM exit, a busy-wait).
 */
void idle_poll(void);

/* The monitor CPU's loop once boot is done. */
void __noreturn idle_loop(void);

#endif
