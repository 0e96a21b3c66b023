/* SPDX-License-Identifier: MIT */
/*
 * VT-d capability decoding (VT-d specification §11.4.2, §11.4.3).
 */
#define LOG_TAG "vtd"
#include <string.h>

#include "iommu/vtd/caps.h"
#include "iommu/vtd/regs.h"
#include "kernel/log.h"
#include "kernel/strbuf.h"

void vtd_caps_decode(uint32_t ver, uint64_t cap, uint64_t ecap, struct vtd_caps *out)
{
	memset(out, 0, sizeof(*out));
	out->ver = ver;
	out->cap = cap;
	out->ecap = ecap;
	out->ver_major = FIELD_GET(VTD_VER_MAJOR, ver);
	out->ver_minor = FIELD_GET(VTD_VER_MINOR, ver);

	/* ND 7 is reserved; domain ids are 16 bits wide at most (context entry DID). */
	out->nd = FIELD_GET(VTD_CAP_ND, cap);
	out->nd_bits = MIN(4 + 2 * out->nd, 16);
	out->num_domains = 1u << out->nd_bits;

	out->sagaw = FIELD_GET(VTD_CAP_SAGAW, cap);
	for (unsigned levels = 3; levels <= 5; levels++)
		if (out->sagaw & BIT(levels - 2))
			out->levels[out->level_count++] = levels;
	/* The monitor builds 3- or 4-level tables; a 5-level-only unit is of no use. */
	out->can_translate = out->sagaw & (VTD_SAGAW_39_3LVL | VTD_SAGAW_48_4LVL);
	out->mgaw = FIELD_GET(VTD_CAP_MGAW, cap) + 1;

	out->sllps = FIELD_GET(VTD_CAP_SLLPS, cap);
	out->sp_2m = out->sllps & VTD_SLLPS_2M;
	out->sp_1g = out->sllps & VTD_SLLPS_1G;

	out->nfr = FIELD_GET(VTD_CAP_NFR, cap) + 1;
	out->fro = FIELD_GET(VTD_CAP_FRO, cap) * 16;
	out->psi = cap & VTD_CAP_PSI;
	out->mamv = FIELD_GET(VTD_CAP_MAMV, cap);
	out->rwbf = cap & VTD_CAP_RWBF;
	out->cm = cap & VTD_CAP_CM;
	out->plmr = cap & VTD_CAP_PLMR;
	out->phmr = cap & VTD_CAP_PHMR;
	out->zlr = cap & VTD_CAP_ZLR;
	out->afl = cap & VTD_CAP_AFL;
	out->drd = cap & VTD_CAP_DRD;
	out->dwd = cap & VTD_CAP_DWD;
	out->fl1gp = cap & VTD_CAP_FL1GP;
	out->pi = cap & VTD_CAP_PI;

	out->coherent = ecap & VTD_ECAP_C;
	out->qi = ecap & VTD_ECAP_QI;
	out->dt = ecap & VTD_ECAP_DT;
	out->ir = ecap & VTD_ECAP_IR;
	out->eim = ecap & VTD_ECAP_EIM;
	out->pt = ecap & VTD_ECAP_PT;
	out->sc = ecap & VTD_ECAP_SC;
	out->iro = FIELD_GET(VTD_ECAP_IRO, ecap) * 16;
	out->iotlb_reg = out->iro + VTD_REG_IOTLB_OFF;
	out->mhmv = FIELD_GET(VTD_ECAP_MHMV, ecap);
	out->nest = ecap & VTD_ECAP_NEST;
	out->pasid = ecap & VTD_ECAP_PASID;
	out->smts = ecap & VTD_ECAP_SMTS;
}

/* Append `name` to a space-separated list when `on`. */
static void put_flag(struct strbuf *t, bool on, const char *name)
{
	if (on)
		strbuf_printf(t, "%s%s", t->len ? " " : "", name);
}

static void log_geometry(paddr_t base, const struct vtd_caps *c)
{
	static const char *const agaw_names[] = { "39-bit/3-level", "48-bit/4-level",
						  "57-bit/5-level" };
	char agaw_buf[64], sp_buf[16];
	struct strbuf agaw, sp;

	strbuf_init(&agaw, agaw_buf, sizeof(agaw_buf));
	strbuf_init(&sp, sp_buf, sizeof(sp_buf));
	for (unsigned i = 0; i < c->level_count; i++)
		put_flag(&agaw, true, agaw_names[c->levels[i] - 3]);
	put_flag(&agaw, !agaw.len, "none");
	put_flag(&sp, c->sp_2m, "2M");
	put_flag(&sp, c->sp_1g, "1G");
	put_flag(&sp, !sp.len, "none");
	pr_info("unit 0x%016llx: VT-d %u.%u, AGAW %s, MGAW %u, superpages %s, %u domains",
		(unsigned long long)base, c->ver_major, c->ver_minor, agaw_buf, c->mgaw, sp_buf,
		c->num_domains);
}

static void log_features(paddr_t base, const struct vtd_caps *c)
{
	char buf[128];
	struct strbuf f;

	strbuf_init(&f, buf, sizeof(buf));
	put_flag(&f, c->qi, "QI");
	put_flag(&f, c->dt, "DT");
	put_flag(&f, c->ir, "IR");
	put_flag(&f, c->eim, "EIM");
	put_flag(&f, c->pt, "PT");
	put_flag(&f, c->nest, "NEST");
	put_flag(&f, c->pasid, "PASID");
	put_flag(&f, c->smts, "SMTS");
	put_flag(&f, c->pi, "PI");
	if (c->psi)
		strbuf_printf(&f, "%sPSI(MAMV %u)", f.len ? " " : "", (unsigned)c->mamv);
	pr_info("unit 0x%016llx: %s%sCM=%d C=%d SC=%d RWBF=%d, %u fault record%s at 0x%x, IOTLB at 0x%x",
		(unsigned long long)base, buf, f.len ? " " : "", c->cm, c->coherent, c->sc,
		c->rwbf, c->nfr, c->nfr == 1 ? "" : "s", c->fro, c->iotlb_reg);
}

void vtd_caps_log(paddr_t base, const struct vtd_caps *c)
{
	log_geometry(base, c);
	log_features(base, c);
	if (!c->can_translate)
		pr_warn("unit 0x%016llx: SAGAW 0x%x offers neither 3- nor 4-level tables, the unit cannot translate",
			(unsigned long long)base, c->sagaw);
	if (c->nd > 6)
		pr_warn("unit 0x%016llx: reserved ND value %u, using 16-bit domain ids",
			(unsigned long long)base, c->nd);
	if (c->fro == 0 || c->iro == 0)
		pr_warn("unit 0x%016llx: fault-record offset 0x%x or IOTLB offset 0x%x points at the "
			"architectural registers", (unsigned long long)base, c->fro, c->iro);
	if (!c->coherent)
		pr_debug("unit 0x%016llx: page walks do not snoop, table updates need a cache flush",
			 (unsigned long long)base);
}
