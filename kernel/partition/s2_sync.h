/* SPDX-License-Identifier: MIT */
/*
 * A partition's stage-2 after boot: changes, and the CPU side of narrowing
 * it (s2_sync.c).
 */
#ifndef IOMON_PART_S2_SYNC_H
#define IOMON_PART_S2_SYNC_H

#include "kernel/partition/partition.h"

/* Around every guest entry of a partition's vcpu (the exit loop). */
void part_s2_before_entry(struct part_vcpu *pv);
void part_s2_after_exit(struct part_vcpu *pv);

/*
 * After narrowing p's stage-2 (an unmap, a permission taken away): returns
 * when no CPU of p can use a translation removed before the call (the
 * calling CPU flushes before its own next entry). -ETIMEDOUT when a CPU did
 * not leave its guest within a second: the caller must then treat what it
 * unmapped as still reachable (never give the pages to anyone else).
 */
int __must_check part_s2_flush_cpus(struct partition *p);
uint64_t part_s2_kicks_sent(const struct partition *p);
/* The CPU is in (or about to enter) its guest. */
bool part_s2_cpu_in_guest(unsigned cpu);

#endif
