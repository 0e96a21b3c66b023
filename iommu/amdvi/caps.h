/* SPDX-License-Identifier: MIT */
/*
 * AMD-Vi Extended Feature Register decoding, plus a log summary. Pure: the
 * register (or the IVHD's EFR image) is read by the caller.
 */
#ifndef IOMON_AMDVI_CAPS_H
#define IOMON_AMDVI_CAPS_H

#include "kernel/types.h"

struct amdvi_caps {
	uint64_t efr;                  /* raw */
	bool pref, ppr, xt, nx, gt, ia, ga, he, pc;
	bool gio, ha, eph, hd, snp;
	uint8_t hats;                  /* raw HATS */
	uint8_t host_levels;           /* host page-table levels: 4 + HATS; 0 when reserved */
	uint8_t gats;                  /* raw GATS */
	uint8_t guest_levels;          /* guest page-table levels: 4 + GATS; 0 when reserved */
	uint8_t glx;                   /* raw GLXSup */
	uint8_t smif_sup, smif_rc, gam_sup;
	uint8_t pasmax;                /* raw PASmax: PASID width - 1 */
};

void amdvi_efr_decode(uint64_t efr, struct amdvi_caps *out);

/*
 * "I/amdvi: unit 0x00000000fed80000: EFR 0x00000000000029d3: PREF PPR GT IA GA HE, HATS 6-level",
 * and a warning when HATS holds the reserved value.
 */
void amdvi_caps_log(paddr_t base, const struct amdvi_caps *c);

#endif
