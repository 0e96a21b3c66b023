/* SPDX-License-Identifier: MIT */
/*
 * Kicking a CPU out of its guest: an NMI IPI.
 *
 * A CPU that runs a guest only comes back to the monitor on an exit, and a
 * guest may never cause one (a tight loop). When the monitor narrows a
 * stage-2 that another CPU is running, that CPU's TLB may keep the old
 * translation until it flushes, which it does before its next entry; so it
 * must be made to exit. A fixed-vector IPI can be held off by the guest
 * (its TPR, or no interrupt exiting at all: partitions take their own
 * interrupts); an NMI cannot, because both backends run guests with NMI
 * exiting on (SVM: the NMI intercept, APM Vol. 2 §15.13.2; VMX: the
 * "NMI exiting" pin-based control, SDM Vol. 3C §25.2). NMIs coalesce and
 * carry no payload, so the sender marks the kick first; an NMI that finds
 * no mark belongs to the guest (a watchdog, another CPU's NMI IPI) and the
 * backend injects it into the guest on the next entry.
 */
#ifndef IOMON_X86_KICK_H
#define IOMON_X86_KICK_H

#include "kernel/types.h"

/* Mark a kick for `cpu` and send it an NMI, unless a kick is already on its way. */
void cpu_kick(unsigned cpu);
/*
 * This CPU took an NMI (through the monitor's NMI vector, or as an NMI exit
 * that the backend reports here): a kick is consumed, anything else is
 * remembered for the guest.
 */
void cpu_kick_nmi_arrived(void);
/* True once per NMI that belongs to the guest of this CPU (the backend injects it). */
bool cpu_kick_take_guest_nmi(void);
/* Kicks this CPU has consumed (for the counters and the self-test). */
uint64_t cpu_kicks_taken(unsigned cpu);

#endif
