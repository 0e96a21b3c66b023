/* SPDX-License-Identifier: MIT */
/*
 * VT-d capability decoding: VER, CAP and ECAP turned into named values in
 * the units the driver uses (bytes, counts, levels), plus a log summary.
 * Pure: the registers are read by the caller.
 */
#ifndef IOMON_VTD_CAPS_H
#define IOMON_VTD_CAPS_H

#include "kernel/types.h"

struct vtd_caps {
	uint32_t ver;
	uint64_t cap, ecap;            /* raw, for whatever is not decoded below */

	uint8_t ver_major, ver_minor;

	/* CAP */
	uint8_t nd;                    /* raw ND; 7 is reserved */
	uint8_t nd_bits;               /* domain-id width: 4 + 2*ND (at most 16) */
	uint32_t num_domains;          /* 1 << nd_bits */
	uint8_t sagaw;                 /* raw SAGAW bitmask (VTD_SAGAW_*) */
	uint8_t levels[3];             /* supported table depths, ascending (3, 4, 5) */
	uint8_t level_count;
	bool can_translate;            /* 3- or 4-level tables supported */
	uint8_t mgaw;                  /* maximum guest address width in bits: MGAW + 1 */
	uint8_t sllps;                 /* raw SLLPS */
	bool sp_2m, sp_1g;             /* second-level superpages */
	uint32_t nfr;                  /* number of fault-recording registers: NFR + 1 */
	uint32_t fro;                  /* fault-recording registers offset, bytes */
	bool psi;
	uint8_t mamv;                  /* largest PSI address mask */
	bool rwbf, cm, plmr, phmr, zlr, afl, drd, dwd, fl1gp, pi;

	/* ECAP */
	bool coherent;                 /* ECAP.C: walks snoop; else flush tables from caches */
	bool qi, dt, ir, eim, pt, sc, nest, pasid, smts;
	uint32_t iro;                  /* IVA register offset, bytes */
	uint32_t iotlb_reg;            /* IOTLB invalidate register offset: iro + 8 */
	uint8_t mhmv;
};

/* Decode the three registers. */
void vtd_caps_decode(uint32_t ver, uint64_t cap, uint64_t ecap, struct vtd_caps *out);

/*
 * Does the unit walk tables of `levels` depth? The context entry's AW field
 * for that depth is levels - 2, the same bit position as in SAGAW.
 */
static inline bool vtd_caps_has_levels(const struct vtd_caps *c, unsigned levels)
{
	return levels >= 2 && levels <= 6 && (c->sagaw & BIT(levels - 2));
}

/*
 * Two summary lines, e.g.
 *   I/vtd: unit 0xfed90000: VT-d 1.0, AGAW 39-bit/3-level, MGAW 39, superpages 2M 1G, 65536 domains
 *   I/vtd: unit 0xfed90000: QI IR PT PSI(MAMV 18) CM=0 C=0 SC=0 RWBF=0, 1 fault record at 0x220, IOTLB at 0xf8
 * and a warning when the unit cannot translate (no 3- or 4-level support).
 */
void vtd_caps_log(paddr_t base, const struct vtd_caps *c);

#endif
