/* SPDX-License-Identifier: MIT */
/*
 * AMD-Vi units behind the IOMMU seam (iommu/iommu.h): one per IVHD, each
 * with its own device table covering all 65536 device ids (every entry
 * blocked until the domain layer points it at a domain), a command buffer
 * with completion-wait stores, and an event log drained by polling. The
 * seam itself is `amdvi_iommu_ops`, declared in iommu/iommu.h.
 */
#ifndef IOMON_AMDVI_UNIT_H
#define IOMON_AMDVI_UNIT_H

#include "kernel/types.h"
#include "kernel/spinlock.h"
#include "iommu/amdvi/caps.h"
#include "iommu/amdvi/hw.h"
#include "iommu/amdvi/ivrs.h"

#define AMDVI_MAX_UNITS   IVRS_MAX_IVHDS
#define AMDVI_LEVELS      4        /* host table depth used for every domain (DTE Mode 4) */

struct amdvi_unit {
	paddr_t base;
	uint8_t *regs;
	uint16_t segment;
	uint16_t devid;                  /* the IOMMU's own PCI function (IVHD device id) */
	const struct ivrs_ivhd *ivhd;
	struct amdvi_caps caps;
	bool coherent;                   /* IVHD Coherent: its memory reads snoop CPU caches */
	uint64_t control;                /* last value written to the Control register */
	unsigned devids;                 /* device ids the IVHD covers */

	struct amdvi_dte *devtab;        /* AMDVI_DEVIDS entries */
	paddr_t devtab_pa;
	struct amdvi_cmd *cmdbuf;
	paddr_t cmdbuf_pa;
	unsigned cmd_tail;               /* next free command slot */
	struct amdvi_event_hw *evtlog;
	paddr_t evtlog_pa;
	paddr_t empty_table_pa;          /* zeros: the table blocked DTEs point at */
	volatile uint64_t *wait_store;   /* written by COMPLETION_WAIT */
	paddr_t wait_store_pa;
	uint64_t wait_seq;

	spinlock_t lock;                 /* device table and command buffer */
	spinlock_t evt_lock;             /* event log */
	unsigned evt_head;               /* next event log entry to read */
	bool enabled;                    /* Control.IOMMUEn set: commands run */
	uint64_t commands;
	uint64_t events;                 /* event log entries seen */
	uint64_t unit_events;            /* of which the unit's own (command errors) */
	uint64_t overflows;
};

#endif
