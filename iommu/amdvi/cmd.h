/* SPDX-License-Identifier: MIT */
/*
 * AMD-Vi command, Device Table Entry and event encoders/decoders. Pure
 * functions of their arguments (host unit-tested); the driver (unit.c)
 * places the results in memory and talks to the registers.
 */
#ifndef IOMON_AMDVI_CMD_H
#define IOMON_AMDVI_CMD_H

#include "kernel/types.h"
#include "iommu/amdvi/hw.h"

/* COMPLETION_WAIT with store: when every earlier command is done, write `data` to `store_pa` (8-byte aligned). */
struct amdvi_cmd amdvi_cmd_completion_wait(paddr_t store_pa, uint64_t data);

/* INVALIDATE_DEVTAB_ENTRY: drop the unit's cached copy of one DTE. */
struct amdvi_cmd amdvi_cmd_inv_devtab(uint16_t devid);

/*
 * INVALIDATE_IOMMU_PAGES for DomainID `domid`, PDE set (cached directory
 * entries go too): the smallest naturally aligned power-of-two range
 * covering [iova, iova+size). size 0, a wrapping range, or one reaching
 * address bit 51 invalidate every page of the domain.
 */
struct amdvi_cmd amdvi_cmd_inv_pages(uint16_t domid, uint64_t iova, uint64_t size);

/* INVALIDATE_IOMMU_ALL (units with EFR.IASup): every cache of the unit. */
struct amdvi_cmd amdvi_cmd_inv_all(void);

/*
 * A translating DTE: V=1, TV=1, Mode = levels (1-6), the root table, the
 * DomainID and the DMA permissions. Everything translation needs is in the
 * low 128 bits (qwords 0-1), so it can be replaced in one 16-byte store;
 * qwords 2-3 (interrupt remapping off) are zero. -EINVAL for a depth the
 * format cannot express or a root that is not a 4 KiB-aligned 52-bit address.
 */
int amdvi_dte_encode(unsigned levels, paddr_t root, uint16_t domid, bool ir, bool iw,
		     struct amdvi_dte *out);

/*
 * A DTE that blocks all DMA: V=1, TV=1, IR=IW=0, Mode 1 over `empty_table`
 * (a page of zeros the caller never writes). Never V=0: that means "do not
 * translate", i.e. pass-through.
 */
struct amdvi_dte amdvi_dte_blocked(uint16_t domid, paddr_t empty_table);

/* One decoded event log entry. */
struct amdvi_event {
	uint8_t code;              /* AMDVI_EVT_* */
	bool has_devid;            /* command errors name no device */
	uint16_t devid;
	bool has_domid;            /* IO_PAGE_FAULT without GN, PAGE_TAB_HARDWARE_ERROR */
	uint16_t domid;
	uint32_t pasid;            /* IO_PAGE_FAULT with GN */
	uint16_t flags;            /* raw AMDVI_EVT_FLAG_* */
	uint64_t addr;
	bool write;                /* RW */
	bool present;              /* PR: the entry was there (a permission fault) */
	bool perm;                 /* PE */
	bool rsvd;                 /* RZ: a reserved bit was set */
	bool translation;          /* TR: ATS translation request */
	bool intr;                 /* I: interrupt request */
};

/* Decode `ev` (the four dwords as the unit wrote them). False for code 0 (an unwritten entry). */
bool amdvi_event_decode(const uint32_t ev[4], struct amdvi_event *out);

/* "IO_PAGE_FAULT", ...; "UNKNOWN_EVENT" for codes the spec does not define. */
const char *amdvi_event_name(unsigned code);

#endif
