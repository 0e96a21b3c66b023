/* SPDX-License-Identifier: MIT */
/*
 * AMD-Vi Extended Feature Register decoding (AMD pub. 48882 §3.4.2, MMIO 0x30).
 */
#define LOG_TAG "amdvi"
#include <string.h>

#include "iommu/amdvi/caps.h"
#include "iommu/amdvi/regs.h"
#include "kernel/log.h"
#include "kernel/strbuf.h"

void amdvi_efr_decode(uint64_t efr, struct amdvi_caps *out)
{
	memset(out, 0, sizeof(*out));
	out->efr = efr;
	out->pref = efr & AMDVI_EFR_PREFSUP;
	out->ppr = efr & AMDVI_EFR_PPRSUP;
	out->xt = efr & AMDVI_EFR_XTSUP;
	out->nx = efr & AMDVI_EFR_NXSUP;
	out->gt = efr & AMDVI_EFR_GTSUP;
	out->ia = efr & AMDVI_EFR_IASUP;
	out->ga = efr & AMDVI_EFR_GASUP;
	out->he = efr & AMDVI_EFR_HESUP;
	out->pc = efr & AMDVI_EFR_PCSUP;
	out->gio = efr & AMDVI_EFR_GIOSUP;
	out->ha = efr & AMDVI_EFR_HASUP;
	out->eph = efr & AMDVI_EFR_EPHSUP;
	out->hd = efr & AMDVI_EFR_HDSUP;
	out->snp = efr & AMDVI_EFR_SNPSUP;

	/* HATS 3 and GATS 2-3 are reserved encodings: no usable depth. */
	out->hats = FIELD_GET(AMDVI_EFR_HATS, efr);
	out->host_levels = out->hats <= 2 ? 4 + out->hats : 0;
	out->gats = FIELD_GET(AMDVI_EFR_GATS, efr);
	out->guest_levels = out->gats <= 1 ? 4 + out->gats : 0;
	out->glx = FIELD_GET(AMDVI_EFR_GLXSUP, efr);
	out->smif_sup = FIELD_GET(AMDVI_EFR_SMIFSUP, efr);
	out->smif_rc = FIELD_GET(AMDVI_EFR_SMIFRC, efr);
	out->gam_sup = FIELD_GET(AMDVI_EFR_GAMSUP, efr);
	out->pasmax = FIELD_GET(AMDVI_EFR_PASMAX, efr);
}

/* The names of the supported features, space separated, or "none". */
static void feature_names(const struct amdvi_caps *c, char *buf, size_t size)
{
	const struct {
		bool on;
		const char *name;
	} f[] = {
		{ c->pref, "PREF" }, { c->ppr, "PPR" }, { c->xt, "XT" }, { c->nx, "NX" },
		{ c->gt, "GT" }, { c->ia, "IA" }, { c->ga, "GA" }, { c->he, "HE" },
		{ c->pc, "PC" }, { c->gio, "GIO" }, { c->ha, "HA" }, { c->eph, "EPH" },
		{ c->hd, "HD" }, { c->snp, "SNP" },
	};
	struct strbuf b;

	strbuf_init(&b, buf, size);
	for (size_t i = 0; i < ARRAY_SIZE(f); i++)
		if (f[i].on)
			strbuf_printf(&b, "%s%s", b.len ? " " : "", f[i].name);
	if (!b.len)
		strbuf_printf(&b, "none");
}

void amdvi_caps_log(paddr_t base, const struct amdvi_caps *c)
{
	char names[80];

	feature_names(c, names, sizeof(names));
	if (c->host_levels)
		pr_info("unit 0x%016llx: EFR 0x%016llx: %s, HATS %u-level",
			(unsigned long long)base, (unsigned long long)c->efr, names,
			c->host_levels);
	else
		pr_warn("unit 0x%016llx: EFR 0x%016llx: %s, HATS %u is reserved",
			(unsigned long long)base, (unsigned long long)c->efr, names, c->hats);
	if (c->gt && c->guest_levels)
		pr_debug("unit 0x%016llx: guest tables: %u levels (GATS %u), GLX %u, PASmax %u",
			 (unsigned long long)base, c->guest_levels, c->gats, c->glx, c->pasmax);
	else if (c->gt)
		pr_debug("unit 0x%016llx: guest tables: GATS %u is reserved, GLX %u, PASmax %u",
			 (unsigned long long)base, c->gats, c->glx, c->pasmax);
}
