/* SPDX-License-Identifier: MIT */
/*
 * VT-d behind the IOMMU seam: discovery from the DMAR, which unit translates
 * which requester id (device scopes, INCLUDE_PCI_ALL last), and the
 * operations the domain layer needs, fanned out over the units.
 */
#define LOG_TAG "vtd"
#include <errno.h>

#include "iommu/vtd/dmar.h"
#include "iommu/vtd/unit.h"
#include "iommu/iommu.h"
#include "kernel/log.h"
#include "pci/pci.h"
#include "pci/regs.h"

static struct dmar_info dmar;
static struct vtd_unit units[DMAR_MAX_DRHDS];
static bool unit_ok[DMAR_MAX_DRHDS];
static unsigned nunits;

/* Find the DMAR and report its structures; each unit reports its capabilities in vtd_unit_init(). */
static bool vtd_probe(const struct acpi_info *ai)
{
	uint32_t len;
	const struct acpi_header *t = acpi_find(ai, "DMAR", 0, &len);

	if (!t)
		return false;
	if (dmar_parse(t, len, &dmar) < 0) {
		pr_warn("DMAR unusable; VT-d units ignored");
		return true;
	}
	dmar_report(&dmar);
	return true;
}

/* ---- which unit translates a requester id ---- */

/* Follow a scope's path through bridges: each hop but the last names a bridge whose secondary bus is next. */
static bool scope_resolve(uint16_t seg, const struct dmar_scope *s, uint8_t *bus, uint8_t *devfn)
{
	uint8_t b = s->start_bus;

	if (!s->path_len)
		return false;
	for (unsigned i = 0; i + 1 < s->path_len; i++) {
		uint8_t df = PCI_DEVFN(s->path[i].dev, s->path[i].fn);

		b = pci_cfg_read(seg, b, df, PCI_SECONDARY_BUS, 1);
		if (b == 0 || b == 0xff)
			return false;
	}
	*bus = b;
	*devfn = PCI_DEVFN(s->path[s->path_len - 1].dev, s->path[s->path_len - 1].fn);
	return true;
}

static bool scope_covers(uint16_t seg, const struct dmar_scope *s, uint16_t rid)
{
	uint8_t bus, devfn, sec, sub;

	if ((s->type != DMAR_SCOPE_ENDPOINT && s->type != DMAR_SCOPE_BRIDGE) ||
	    !scope_resolve(seg, s, &bus, &devfn))
		return false;
	if (rid == (uint16_t)(bus << 8 | devfn))
		return true;
	if (s->type != DMAR_SCOPE_BRIDGE)
		return false;
	/* A bridge scope covers everything below it, aliases included. */
	sec = pci_cfg_read(seg, bus, devfn, PCI_SECONDARY_BUS, 1);
	sub = pci_cfg_read(seg, bus, devfn, PCI_SUBORDINATE_BUS, 1);
	return sec && sec != 0xff && sub >= sec && (rid >> 8) >= sec && (rid >> 8) <= sub;
}

/*
 * Explicit scopes first, failed units included: a device in a failed unit's
 * scope sends its DMA through that unit, untranslated, so no other unit
 * (not even INCLUDE_PCI_ALL) may be claimed for it. Then the
 * INCLUDE_PCI_ALL unit of the segment takes the rest.
 */
static void *unit_for(uint16_t seg, uint16_t rid, bool *failed)
{
	*failed = false;
	for (unsigned i = 0; i < nunits; i++) {
		const struct dmar_drhd *d = &dmar.drhds[i];

		if (d->segment != seg || (d->flags & DMAR_DRHD_INCLUDE_PCI_ALL))
			continue;
		for (unsigned s = 0; s < d->scope_count; s++)
			if (scope_covers(seg, &d->scopes[s], rid)) {
				*failed = !unit_ok[i];
				return unit_ok[i] ? &units[i] : NULL;
			}
	}
	for (unsigned i = 0; i < nunits; i++)
		if (dmar.drhds[i].segment == seg && (dmar.drhds[i].flags & DMAR_DRHD_INCLUDE_PCI_ALL)) {
			*failed = !unit_ok[i];
			return unit_ok[i] ? &units[i] : NULL;
		}
	return NULL;
}

/* ---- the seam ---- */

static bool all_units_walk(unsigned levels)
{
	for (unsigned i = 0; i < nunits; i++)
		if (unit_ok[i] && !vtd_caps_has_levels(&units[i].caps, levels))
			return false;
	return true;
}

static void unit_use_levels(struct vtd_unit *u, unsigned levels)
{
	u->levels = levels;
	u->addr_width = MIN(12 + 9 * levels, u->caps.mgaw);
}

/*
 * One table depth when every unit walks it (4 levels preferred); else each
 * unit walks the depth it supports and domains keep one table per depth
 * (iommu.h), never a context entry with an AW the unit lacks.
 */
static void choose_depths(struct iommu_limits *lim)
{
	unsigned common = all_units_walk(4) ? 4 : all_units_walk(3) ? 3 : 0;

	lim->pt_levels = common ? common : 4;
	lim->addr_width = 12 + 9 * lim->pt_levels;
	lim->alt_levels = common ? 0 : 3;
	lim->alt_addr_width = common ? 0 : 39;
	for (unsigned i = 0; i < nunits; i++) {
		if (!unit_ok[i])
			continue;
		unit_use_levels(&units[i], common ? common : vtd_caps_has_levels(&units[i].caps, 4) ? 4 : 3);
		if (units[i].levels == lim->pt_levels)
			lim->addr_width = MIN(lim->addr_width, units[i].addr_width);
		else
			lim->alt_addr_width = MIN(lim->alt_addr_width, units[i].addr_width);
	}
}

/* The depths, widths and page sizes the working units accept. */
static void common_limits(struct iommu_limits *lim)
{
	bool sp2m = true, sp1g = true, coherent = true, cm = false;

	for (unsigned i = 0; i < nunits; i++) {
		if (!unit_ok[i])
			continue;
		cm |= units[i].caps.cm;
		sp2m &= units[i].caps.sp_2m;
		sp1g &= units[i].caps.sp_1g;
		coherent &= units[i].caps.coherent;
	}
	choose_depths(lim);
	lim->page_sizes = PT_SIZE_4K | (sp2m ? PT_SIZE_2M : 0) | (sp2m && sp1g ? PT_SIZE_1G : 0);
	lim->coherent = coherent;
	lim->caches_not_present = cm;   /* spec 6.1: caching mode caches not-present entries */
	lim->domain_ids = 1u << 16;
	for (unsigned i = 0; i < nunits; i++)
		if (unit_ok[i])
			lim->domain_ids = MIN(lim->domain_ids, units[i].caps.num_domains);
}

static bool vtd_ops_probe(const struct acpi_info *ai, struct iommu_limits *lim)
{
	unsigned working = 0;

	if (!vtd_probe(ai))
		return false;
	nunits = dmar.drhd_count;
	for (unsigned i = 0; i < nunits; i++) {
		int rc = vtd_unit_init(&units[i], &dmar.drhds[i]);

		unit_ok[i] = rc == 0;
		working += unit_ok[i];
		if (rc < 0)
			pr_err("unit 0x%016llx unusable (%d): devices in its scope get no DMA remapping",
			       (unsigned long long)dmar.drhds[i].base, rc);
	}
	if (!working)
		return false;
	common_limits(lim);
	return true;
}

/* RMRRs as requester-id ranges: an endpoint scope is one id, a bridge scope its bus range. */
static unsigned vtd_unity_ranges(struct iommu_unity *out, unsigned max)
{
	unsigned n = 0;

	for (unsigned r = 0; r < dmar.rmrr_count; r++) {
		const struct dmar_rmrr *rm = &dmar.rmrrs[r];

		for (unsigned i = 0; i < rm->scope_count && n < max; i++) {
			const struct dmar_scope *sc = &rm->scopes[i];
			uint8_t bus, devfn, sec, sub;
			struct iommu_unity *u = &out[n];

			if (!scope_resolve(rm->segment, sc, &bus, &devfn))
				continue;
			*u = (struct iommu_unity){ .seg = rm->segment, .base = ALIGN_DOWN(rm->base, PAGE_SIZE),
						   .end = ALIGN_UP(rm->limit + 1, PAGE_SIZE) };
			u->rid_first = u->rid_last = (uint16_t)(bus << 8 | devfn);
			if (sc->type == DMAR_SCOPE_BRIDGE) {
				sec = pci_cfg_read(rm->segment, bus, devfn, PCI_SECONDARY_BUS, 1);
				sub = pci_cfg_read(rm->segment, bus, devfn, PCI_SUBORDINATE_BUS, 1);
				if (sec && sec != 0xff && sub >= sec) {
					u->rid_first = (uint16_t)(sec << 8);
					u->rid_last = (uint16_t)(sub << 8 | 0xff);
				}
			}
			pr_info("RMRR 0x%llx-0x%llx for requester ids %02x:%02x.%u-%02x:%02x.%u",
				(unsigned long long)u->base, (unsigned long long)u->end - 1,
				u->rid_first >> 8, (u->rid_first >> 3) & 0x1f, u->rid_first & 7,
				u->rid_last >> 8, (u->rid_last >> 3) & 0x1f, u->rid_last & 7);
			n++;
		}
	}
	return n;
}

static paddr_t vtd_unit_base(const void *unit)
{
	return ((const struct vtd_unit *)unit)->base;
}

/* All or nothing for this rid: see vtd_context_set(). */
static int vtd_set_rid(void *unit, uint16_t rid, const struct iommu_domain *d)
{
	struct vtd_unit *u = unit;
	const struct pt_table *t = d->kind == IOMMU_DOMAIN_BLOCKED ? NULL : iommu_domain_table(d, u->levels);

	if (d->kind != IOMMU_DOMAIN_BLOCKED && !t)
		return -EINVAL;   /* no table of this unit's depth */
	return vtd_context_set(u, rid >> 8, rid & 0xff, d->hw_id, t ? t->root : 0);
}

/* Every working unit is asked, even after one fails: a unit that confirmed is one less stale IOTLB. */
static int vtd_flush(const struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	int rc = 0;

	for (unsigned i = 0; i < nunits; i++)
		if (unit_ok[i]) {
			int r = vtd_flush_iotlb(&units[i], d->hw_id, iova, size);

			if (r < 0 && rc == 0)
				rc = r;
		}
	return rc;
}

static int vtd_enable(void)
{
	int rc = 0;

	for (unsigned i = 0; i < nunits; i++)
		if (unit_ok[i] && vtd_unit_enable_translation(&units[i]) < 0)
			rc = -EIO;
	return rc;
}

static unsigned vtd_poll(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nunits; i++)
		if (unit_ok[i])
			n += vtd_fault_poll(&units[i]);
	return n;
}

static void vtd_report(void)
{
	for (unsigned i = 0; i < nunits; i++)
		if (unit_ok[i])
			pr_info("unit 0x%016llx: translating, %llu faults recorded, %llu invalidations",
				(unsigned long long)units[i].base,
				(unsigned long long)units[i].faults_recorded,
				(unsigned long long)units[i].invalidations);
}

static bool vtd_unit_info(unsigned i, struct iommu_unit_info *out)
{
	if (i >= nunits)
		return false;
	vtd_unit_describe(&units[i], out);
	return true;
}

const struct iommu_ops vtd_iommu_ops = {
	.name = "VT-d",
	.pt_format = &pt_fmt_vtd_sl,
	.walks_x86_tables = true,
	.probe = vtd_ops_probe,
	.unit_for = unit_for,
	.unit_base = vtd_unit_base,
	.set_rid = vtd_set_rid,
	.flush = vtd_flush,
	.enable = vtd_enable,
	.fault_poll = vtd_poll,
	.report = vtd_report,
	.unity_ranges = vtd_unity_ranges,
	.unit_info = vtd_unit_info,
};
