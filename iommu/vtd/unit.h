/* SPDX-License-Identifier: MIT */
/*
 * One VT-d remapping unit: its registers, root and context tables,
 * invalidation (queued when ECAP.QI, else through registers) and fault
 * recording. Domains and their page tables live above this (iommu/iommu.c).
 */
#ifndef IOMON_VTD_UNIT_H
#define IOMON_VTD_UNIT_H

#include "kernel/types.h"
#include "kernel/spinlock.h"
#include "iommu/vtd/caps.h"
#include "iommu/vtd/dmar.h"
#include "iommu/vtd/fault.h"
#include "iommu/vtd/tables.h"

struct vtd_unit {
	paddr_t base;
	uint8_t *regs;
	uint16_t segment;
	struct vtd_caps caps;
	unsigned levels;                 /* second-level table depth used for domains: 3 or 4 */
	unsigned addr_width;             /* 39 or 48, from `levels` */

	struct vtd_entry128 *root;       /* 256 root entries */
	paddr_t root_pa;

	bool qi;                         /* queued invalidation in use */
	struct vtd_entry128 *queue;
	paddr_t queue_pa;
	unsigned queue_tail;             /* next free descriptor */
	volatile uint32_t *wait_status;  /* written by wait descriptors */
	paddr_t wait_status_pa;
	uint32_t wait_seq;

	spinlock_t lock;                 /* tables and the invalidation interface */
	spinlock_t fault_lock;           /* the fault-recording registers */
	uint64_t faults_recorded;
	uint64_t faults_overflowed;
	uint64_t invalidations;
	bool translating;
};

/*
 * Bring up a unit without enabling translation: capability checks, tables,
 * QI, faults cleared, caches flushed. A unit firmware left translating keeps
 * translating, through an empty root table (every device blocked); a queue
 * firmware left enabled is drained and disabled before it is reprogrammed.
 */
int __must_check vtd_unit_init(struct vtd_unit *u, const struct dmar_drhd *d);
/* Turn DMA remapping on (GCMD.TE). Every device must already have its context entry. */
int __must_check vtd_unit_enable_translation(struct vtd_unit *u);

/*
 * Point (bus, devfn) at a second-level table `slpt` with domain id `did`,
 * or block it (slpt == 0). Replaces the entry in one 128-bit store, so the
 * device never walks a half-written entry, then invalidates the device's
 * context-cache entry (old domain id) and the IOTLB of the old and new
 * domain in one batch with one wait.
 *
 * All or nothing: 0 once the unit confirmed the change. When it did not,
 * the old entry is put back and that is confirmed (the error is returned,
 * the device is where it was), or, when even that is not confirmed, the
 * entry is left not present (blocked) and -ENOTRECOVERABLE is returned.
 */
int __must_check vtd_context_set(struct vtd_unit *u, uint8_t bus, uint8_t devfn, uint16_t did,
				 paddr_t slpt);

/*
 * IOTLB invalidation for domain `did`: the whole domain (size 0), or
 * [iova, iova+size) with PSI when it fits. 0, or a negative errno when the
 * unit did not confirm it (after an error line naming the descriptor).
 */
int __must_check vtd_flush_iotlb(struct vtd_unit *u, uint16_t did, uint64_t iova, uint64_t size);
/* Global context-cache and IOTLB invalidation. */
int __must_check vtd_flush_all(struct vtd_unit *u);

/*
 * Drain the fault-recording registers; returns how many faults were
 * reported. One FSTS read when there is nothing; safe from any CPU.
 */
unsigned vtd_fault_poll(struct vtd_unit *u);

struct iommu_unit_info;
/* The debug shell's snapshot of u (reads the queue head register). */
void vtd_unit_describe(const struct vtd_unit *u, struct iommu_unit_info *out);


#endif
