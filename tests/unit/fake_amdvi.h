/* SPDX-License-Identifier: MIT */
/*
 * An AMD-Vi unit's register window for host tests (over fake_mmio), with
 * QEMU 7.2's behaviour where the driver relies on it: commands run only
 * while IOMMUEn and CmdBufEn are set, a command-buffer base write resets
 * head and tail, COMPLETION_WAIT stores its data (or, on demand, never
 * does). Invalidations are traced with the DTE the unit would read then.
 * Hardware-contract violations the driver must never commit are counted.
 */
#ifndef IOMON_TEST_FAKE_AMDVI_H
#define IOMON_TEST_FAKE_AMDVI_H

#include "kernel/types.h"

#define FAKE_AMDVI_WINDOW  0x4000
#define FAKE_AMDVI_FOREVER 0xffffffffu
#define FAKE_AMDVI_EFR_QEMU 0x29d3ULL   /* HATS 6-level, IA */

struct fake_amdvi {
	uint8_t regs[FAKE_AMDVI_WINDOW] __aligned(4096);
	unsigned head;                   /* command index */
	/* COMPLETION_WAITs number fail_from .. fail_from + fail_count - 1 never store (FOREVER: wedged) */
	unsigned fail_from, fail_count;
	unsigned waits;
	bool stalled;                    /* fetches no command at all: the ring fills up */
	unsigned reads[FAKE_AMDVI_WINDOW / 8];   /* reads per qword offset */
	/* violations */
	unsigned untranslated_windows;   /* IOMMUEn went from on to off */
	unsigned devtab_writes_while_on; /* informative: the base changed under translation */
};

void fake_amdvi_init(struct fake_amdvi *f, uint64_t efr);
/* Firmware left the unit in this state (Control register value). */
void fake_amdvi_set_control(struct fake_amdvi *f, uint64_t control);
uint64_t fake_amdvi_reg(const struct fake_amdvi *f, unsigned off);
void fake_amdvi_set_reg(struct fake_amdvi *f, unsigned off, uint64_t v);

#endif
