/* SPDX-License-Identifier: MIT */
/*
 * A VT-d remapping unit's register window for host tests (over fake_mmio):
 * GCMD/GSTS with QEMU's compare semantics, the invalidation queue (context-
 * cache, IOTLB and wait descriptors, read from simulated memory through
 * phys_map), register-based invalidation, and fault-recording registers.
 * Wait descriptors complete, or fail on demand: silently (the status is
 * never written, as a wedged unit) or with an invalidation-queue error.
 * Hardware-contract violations the driver must never commit are counted.
 */
#ifndef IOMON_TEST_FAKE_VTD_H
#define IOMON_TEST_FAKE_VTD_H

#include "kernel/types.h"

#define FAKE_VTD_WINDOW   0x1000
#define FAKE_VTD_FOREVER  0xffffffffu

/* QEMU 7.2 intel-iommu, aw-bits=48: one fault record at 0x220, IOTLB at 0xf8, ECAP.C = 0. */
#define FAKE_VTD_CAP_QEMU48  0x00d2008c222f0606ULL
#define FAKE_VTD_ECAP_QEMU   0x0000000000f00f4aULL

struct fake_vtd {
	uint8_t regs[FAKE_VTD_WINDOW] __aligned(4096);
	uint32_t gsts;
	unsigned iqh;                    /* descriptor index */
	/* wait descriptors number fail_from .. fail_from + fail_count - 1 fail (FOREVER: all after) */
	unsigned fail_from, fail_count;
	bool fail_with_iqe;              /* instead of never writing the status */
	bool regs_stuck;                 /* CCMD.ICC / IOTLB.IVT never clear */
	bool gsts_stuck;                 /* GCMD is ignored */
	unsigned waits;                  /* wait descriptors fetched */
	unsigned reads[FAKE_VTD_WINDOW / 4];   /* reads per dword offset */
	/* violations */
	unsigned iqa_while_qie;          /* IQA or IQT reprogrammed with QIE on */
	unsigned te_turned_off;          /* TE went from on to off */
	unsigned gcmd_writes;
};

/* Reset `f` with the given CAP/ECAP; the caller makes f->regs reachable through phys_map(). */
void fake_vtd_init(struct fake_vtd *f, uint64_t cap, uint64_t ecap);
/* Firmware left this state: GSTS bits already set. */
void fake_vtd_set_gsts(struct fake_vtd *f, uint32_t gsts);
/* Record a fault in record `i` (F set) as the unit would. */
void fake_vtd_fault(struct fake_vtd *f, unsigned i, uint16_t sid, uint64_t addr, uint8_t reason, bool read);
uint64_t fake_vtd_reg(const struct fake_vtd *f, unsigned off);

#endif
