/* SPDX-License-Identifier: MIT */
/*
 * IVRS parsing (AMD pub. 48882 §5.2). Blocks and device entries are
 * length-prefixed or size-by-type records; each is checked against its
 * container before it is read, so a lying length ends that walk with a
 * warning instead of a read past the table.
 */
#define LOG_TAG "amdvi"
#include <errno.h>
#include <string.h>

#include "iommu/amdvi/ivrs.h"
#include "iommu/amdvi/caps.h"
#include "iommu/amdvi/regs.h"
#include "kernel/log.h"
#include "pci/regs.h"

/* A START-style entry waiting for its END. */
struct range_open {
	bool open;
	uint32_t off;            /* table offset of the START, for warnings */
	struct ivrs_devrange r;
};

static void range_add(struct ivrs_ivhd *h, const struct ivrs_devrange *r)
{
	if (h->range_count == IVRS_MAX_RANGES) {
		if (h->dropped++ == 0)
			pr_warn("IVHD 0x%llx: more than %u device ranges, the rest are ignored",
				(unsigned long long)h->base, IVRS_MAX_RANGES);
		return;
	}
	h->ranges[h->range_count++] = *r;
}

static void special_add(struct ivrs_ivhd *h, const uint8_t *p)
{
	struct ivhd_special_hw e;

	memcpy(&e, p, sizeof(e));
	if (h->special_count == IVRS_MAX_SPECIALS) {
		if (h->dropped++ == 0)
			pr_warn("IVHD 0x%llx: more than %u special devices, the rest are ignored",
				(unsigned long long)h->base, IVRS_MAX_SPECIALS);
		return;
	}
	h->specials[h->special_count++] = (struct ivrs_special){
		.variety = e.variety, .handle = e.handle, .devid = e.devid, .setting = e.setting,
	};
}

/* Printable copy of a firmware string field. */
static void text_copy(char *out, const char *in, size_t n)
{
	size_t i;

	for (i = 0; i < n && in[i]; i++)
		out[i] = in[i] >= 0x20 && in[i] <= 0x7e ? in[i] : '?';
	out[i] = '\0';
}

static void hid_add(struct ivrs_ivhd *h, const uint8_t *p)
{
	struct ivhd_hid_hw e;
	struct ivrs_hid *d;

	memcpy(&e, p, sizeof(e));
	if (h->hid_count == IVRS_MAX_HIDS) {
		if (h->dropped++ == 0)
			pr_warn("IVHD 0x%llx: more than %u ACPI HID entries, the rest are ignored",
				(unsigned long long)h->base, IVRS_MAX_HIDS);
		return;
	}
	d = &h->hids[h->hid_count++];
	memset(d, 0, sizeof(*d));
	d->devid = e.devid;
	d->setting = e.setting;
	text_copy(d->hid, e.hid, sizeof(e.hid));
	text_copy(d->cid, e.cid, sizeof(e.cid));
	/* The UID follows the entry; its length was bounds-checked with the entry. */
	if (e.uid_format == 1)
		memcpy(&d->uid_int, p + sizeof(e), MIN(e.uid_length, sizeof(d->uid_int)));
	else if (e.uid_format == 2)
		text_copy(d->uid, (const char *)p + sizeof(e), MIN(e.uid_length, sizeof(d->uid) - 1));
}

/* Size of the device entry at `p` (`avail` bytes readable), 0 when unknowable. */
static uint32_t entry_size(const uint8_t *p, uint32_t avail)
{
	uint8_t type = p[0];

	if (type < IVHD_DEV_ACPI_HID)
		return 4u << (type >> 6);
	if (type == IVHD_DEV_ACPI_HID)
		/* The UID length is at byte 21; a cut-off entry shows as running past the end. */
		return avail < sizeof(struct ivhd_hid_hw) ? sizeof(struct ivhd_hid_hw) :
							     sizeof(struct ivhd_hid_hw) + p[21];
	return 0;
}

/* START, ALIAS_START, EXT_START: remember until the END. */
static void range_start(struct range_open *st, const struct ivrs_devrange *r, uint32_t off)
{
	if (st->open)
		pr_warn("device range START at offset %u has no END (new START at offset %u)",
			st->off, off);
	st->open = true;
	st->off = off;
	st->r = *r;
}

static void range_end(struct ivrs_ivhd *h, struct range_open *st, uint16_t devid, uint32_t off)
{
	if (!st->open) {
		pr_warn("device range END at offset %u without START, ignored", off);
		h->dropped++;
		return;
	}
	st->open = false;
	if (devid < st->r.first) {
		pr_warn("device range " PCI_RID_FMT "-" PCI_RID_FMT " at offset %u is reversed, ignored",
			PCI_RID_ARGS(st->r.first), PCI_RID_ARGS(devid), st->off);
		h->dropped++;
		return;
	}
	st->r.last = devid;
	range_add(h, &st->r);
}

static void entry_parse(struct ivrs_ivhd *h, struct range_open *st, const uint8_t *p,
			uint32_t off)
{
	struct ivhd_entry4_hw e;
	struct ivrs_devrange r;

	memcpy(&e, p, sizeof(e));
	r = (struct ivrs_devrange){ .first = e.devid, .last = e.devid, .kind = e.type,
				    .setting = e.setting };
	switch (e.type) {
	case IVHD_DEV_PAD:
		return;
	case IVHD_DEV_ALL:
		r.first = 0;
		r.last = 0xffff;
		range_add(h, &r);
		return;
	case IVHD_DEV_SELECT:
		range_add(h, &r);
		return;
	case IVHD_DEV_END:
		range_end(h, st, e.devid, off);
		return;
	case IVHD_DEV_ALIAS_SELECT:
	case IVHD_DEV_ALIAS_START: {
		struct ivhd_alias_hw a;

		memcpy(&a, p, sizeof(a));
		r.alias = true;
		r.alias_devid = a.alias_devid;
		break;
	}
	case IVHD_DEV_EXT_SELECT:
	case IVHD_DEV_EXT_START: {
		struct ivhd_ext_entry_hw x;

		memcpy(&x, p, sizeof(x));
		r.ext = x.ext;
		break;
	}
	case IVHD_DEV_START:
		break;
	case IVHD_DEV_SPECIAL:
		special_add(h, p);
		return;
	case IVHD_DEV_ACPI_HID:
		hid_add(h, p);
		return;
	default:
		pr_debug("IVHD 0x%llx: device entry type 0x%x at offset %u skipped",
			 (unsigned long long)h->base, e.type, off);
		return;
	}
	if (e.type == IVHD_DEV_START || e.type == IVHD_DEV_ALIAS_START ||
	    e.type == IVHD_DEV_EXT_START)
		range_start(st, &r, off);
	else
		range_add(h, &r);
}

/* The device entries of one IVHD: [p, p+len) at table offset `off`. */
static void entries_parse(struct ivrs_ivhd *h, const uint8_t *p, uint32_t len, uint32_t off)
{
	struct range_open st = { .open = false };

	for (uint32_t at = 0; at < len;) {
		uint32_t n = entry_size(p + at, len - at);

		if (n == 0 || n > len - at) {
			pr_warn("IVHD 0x%llx: device entry type 0x%x at offset %u %s, rest of the block skipped",
				(unsigned long long)h->base, p[at], off + at,
				n ? "runs past the block end" : "has no known size");
			h->truncated = true;
			break;
		}
		entry_parse(h, &st, p + at, off + at);
		h->entry_count++;
		at += n;
	}
	if (st.open) {
		pr_warn("device range START at offset %u has no END, ignored", st.off);
		h->dropped++;
	}
}

/* Newer IVHD types describe the same IOMMU with more information. */
static unsigned ivhd_rank(uint8_t type)
{
	return type == IVRS_TYPE_IVHD_40 ? 3 : type == IVRS_TYPE_IVHD_11 ? 2 : 1;
}

/*
 * Where an IVHD block goes: a new slot, the slot of an older type for the
 * same IOMMU (same device id, base and segment), or nowhere.
 */
static struct ivrs_ivhd *ivhd_slot(struct ivrs_info *ii, const struct ivhd_hw *h, uint32_t off)
{
	for (unsigned i = 0; i < ii->ivhd_count; i++) {
		struct ivrs_ivhd *o = &ii->ivhds[i];

		if (o->devid != h->devid || o->base != h->base || o->segment != h->segment)
			continue;
		if (ivhd_rank(h->type) > ivhd_rank(o->type)) {
			pr_debug("IVHD type 0x%x at offset %u supersedes type 0x%x for IOMMU " PCI_RID_FMT,
				 h->type, off, o->type, PCI_RID_ARGS(h->devid));
			ii->superseded++;
			return o;
		}
		if (h->type != o->type) {
			pr_debug("IVHD type 0x%x at offset %u ignored: type 0x%x describes IOMMU "
				 PCI_RID_FMT, h->type, off, o->type, PCI_RID_ARGS(h->devid));
			ii->superseded++;
		} else {
			pr_warn("IVHD type 0x%x at offset %u describes IOMMU " PCI_RID_FMT " again, ignored",
				h->type, off, PCI_RID_ARGS(h->devid));
			ii->rejected++;
		}
		return NULL;
	}
	if (ii->ivhd_count == IVRS_MAX_IVHDS) {
		pr_warn("IVHD at offset %u: more than %u IOMMUs, skipped", off, IVRS_MAX_IVHDS);
		ii->rejected++;
		return NULL;
	}
	return &ii->ivhds[ii->ivhd_count++];
}

static void ivhd_parse(struct ivrs_info *ii, const uint8_t *p, uint32_t len, uint32_t hdr_len,
		       uint32_t off)
{
	struct ivrs_ivhd *d;
	const char *conflict;
	struct ivhd_hw h;

	memcpy(&h, p, sizeof(h));
	if (h.base == 0 || !IS_ALIGNED(h.base, 16 * KiB)) {
		pr_warn("IVHD at offset %u: base 0x%llx is null or not 16 KiB aligned, skipped", off,
			(unsigned long long)h.base);
		ii->rejected++;
		return;
	}
	conflict = acpi_mmio_conflict(h.base, AMDVI_MMIO_SIZE);
	if (conflict) {
		pr_err("IVHD at offset %u: register window 0x%llx-0x%llx overlaps %s, skipped", off,
		       (unsigned long long)h.base, (unsigned long long)(h.base + AMDVI_MMIO_SIZE - 1),
		       conflict);
		ii->rejected++;
		return;
	}
	d = ivhd_slot(ii, &h, off);
	if (!d)
		return;
	memset(d, 0, sizeof(*d));
	d->type = h.type;
	d->flags = h.flags;
	d->devid = h.devid;
	d->cap_offset = h.cap_offset;
	d->base = h.base;
	d->segment = h.segment;
	d->info = h.info;
	d->feature = h.feature;
	if (hdr_len == sizeof(struct ivhd_ext_hw)) {
		struct ivhd_ext_hw x;

		memcpy(&x, p, sizeof(x));
		d->has_efr = true;
		d->efr = x.efr;
		d->efr2 = x.efr2;
	}
	entries_parse(d, p + hdr_len, len - hdr_len, off + hdr_len);
}

static void ivmd_parse(struct ivrs_info *ii, const uint8_t *p, uint32_t off)
{
	struct ivmd_hw m;
	uint16_t first, last;

	memcpy(&m, p, sizeof(m));
	first = m.type == IVRS_TYPE_IVMD_ALL ? 0 : m.devid;
	last = m.type == IVRS_TYPE_IVMD_ALL ? 0xffff :
	       m.type == IVRS_TYPE_IVMD_RANGE ? m.aux : m.devid;
	if (last < first || m.size == 0 || range_overflows(m.start, m.size) ||
	    !IS_ALIGNED(m.start, PAGE_SIZE) || !IS_ALIGNED(m.size, PAGE_SIZE)) {
		pr_warn("IVMD type 0x%x at offset %u (devices " PCI_RID_FMT "-" PCI_RID_FMT ", 0x%llx+0x%llx) "
			"is reversed, empty, wrapping or not 4 KiB granular, skipped", m.type, off,
			PCI_RID_ARGS(first), PCI_RID_ARGS(last), (unsigned long long)m.start,
			(unsigned long long)m.size);
		ii->rejected++;
		return;
	}
	if (ii->ivmd_count == IVRS_MAX_IVMDS) {
		pr_warn("IVMD at offset %u: more than %u IVMDs, skipped", off, IVRS_MAX_IVMDS);
		ii->rejected++;
		return;
	}
	ii->ivmds[ii->ivmd_count++] = (struct ivrs_ivmd){
		.type = m.type, .flags = m.flags, .segment = m.segment,
		.first = first, .last = last, .start = m.start, .size = m.size,
	};
}

/* The fixed header size of a block type, 0 when the type is not known. */
static uint32_t block_header_size(uint8_t type)
{
	switch (type) {
	case IVRS_TYPE_IVHD_10:
		return sizeof(struct ivhd_hw);
	case IVRS_TYPE_IVHD_11:
	case IVRS_TYPE_IVHD_40:
		return sizeof(struct ivhd_ext_hw);
	case IVRS_TYPE_IVMD_ALL:
	case IVRS_TYPE_IVMD_SELECT:
	case IVRS_TYPE_IVMD_RANGE:
		return sizeof(struct ivmd_hw);
	default:
		return 0;
	}
}

static const struct acpi_subtable_format ivrs_format = {
	.what = "block", .type_size = 1, .length_offset = 2, .length_size = 2,
	.min_length = sizeof(struct ivrs_block_header), .type_hex = true,
};

/* A known block too short for its fixed header stops the walk. */
static enum acpi_walk block_parse(void *ctx, const struct acpi_subtable *st)
{
	struct ivrs_info *ii = ctx;
	uint32_t hdr = block_header_size((uint8_t)st->type);

	if (st->length < hdr) {
		pr_warn("block type 0x%x at offset %u has length %u, needs %u, walk stopped",
			st->type, st->offset, st->length, hdr);
		return ACPI_WALK_STOP;
	}
	if (st->type == IVRS_TYPE_IVHD_10 || st->type == IVRS_TYPE_IVHD_11 ||
	    st->type == IVRS_TYPE_IVHD_40) {
		ivhd_parse(ii, st->p, st->length, hdr, st->offset);
	} else if (hdr) {
		ivmd_parse(ii, st->p, st->offset);
	} else {
		pr_debug("block type 0x%x (length %u) at offset %u skipped", st->type, st->length,
			 st->offset);
		ii->unknown_count++;
	}
	return ACPI_WALK_NEXT;
}

int ivrs_parse(const void *tbl, uint32_t len, struct ivrs_info *out)
{
	struct acpi_ivrs v;

	memset(out, 0, sizeof(*out));
	len = acpi_table_extent(LOG_TAG, tbl, len, "IVRS", sizeof(v));
	if (!len)
		return -EINVAL;
	memcpy(&v, tbl, sizeof(v));
	out->ivinfo = v.ivinfo;
	out->efr_sup = v.ivinfo & IVRS_IVINFO_EFRSUP;
	out->gva_size = FIELD_GET(IVRS_IVINFO_GVASIZE, v.ivinfo);
	out->pa_size = FIELD_GET(IVRS_IVINFO_PASIZE, v.ivinfo);
	out->va_size = FIELD_GET(IVRS_IVINFO_VASIZE, v.ivinfo);

	out->truncated = !acpi_subtables_walk(LOG_TAG, tbl, sizeof(v), len, &ivrs_format,
					      block_parse, out);
	if (out->ivhd_count == 0)
		pr_warn("IVRS describes no usable IOMMU");
	return 0;
}

bool ivrs_covers(const struct ivrs_ivhd *h, uint16_t devid)
{
	for (unsigned i = 0; i < h->range_count; i++)
		if (devid >= h->ranges[i].first && devid <= h->ranges[i].last)
			return true;
	for (unsigned i = 0; i < h->special_count; i++)
		if (h->specials[i].devid == devid)
			return true;
	for (unsigned i = 0; i < h->hid_count; i++)
		if (h->hids[i].devid == devid)
			return true;
	return false;
}

uint16_t ivrs_alias(const struct ivrs_ivhd *h, uint16_t devid)
{
	uint16_t seen = devid;

	for (unsigned i = 0; i < h->range_count; i++) {
		const struct ivrs_devrange *r = &h->ranges[i];

		if (devid >= r->first && devid <= r->last)
			seen = r->alias ? r->alias_devid : devid;
	}
	return seen;
}

unsigned ivrs_devid_count(const struct ivrs_ivhd *h)
{
	unsigned n = 0;

	for (uint32_t d = 0; d <= 0xffff; d++)
		n += ivrs_covers(h, (uint16_t)d);
	return n;
}

static void ranges_report(const struct ivrs_ivhd *h)
{
	for (unsigned i = 0; i < h->range_count; i++) {
		const struct ivrs_devrange *r = &h->ranges[i];

		if (r->alias)
			pr_info("  devices " PCI_RID_FMT "-" PCI_RID_FMT " alias " PCI_RID_FMT " setting 0x%02x",
				PCI_RID_ARGS(r->first), PCI_RID_ARGS(r->last), PCI_RID_ARGS(r->alias_devid),
				r->setting);
		else
			pr_info("  devices " PCI_RID_FMT "-" PCI_RID_FMT " setting 0x%02x%s",
				PCI_RID_ARGS(r->first), PCI_RID_ARGS(r->last), r->setting,
				r->kind == IVHD_DEV_EXT_SELECT || r->kind == IVHD_DEV_EXT_START ?
					" (extended)" : "");
	}
	for (unsigned i = 0; i < h->special_count; i++) {
		const struct ivrs_special *s = &h->specials[i];

		pr_info("  special %s handle %u devid " PCI_RID_FMT,
			s->variety == IVHD_SPECIAL_IOAPIC ? "ioapic" :
			s->variety == IVHD_SPECIAL_HPET ? "hpet" : "unknown",
			s->handle, PCI_RID_ARGS(s->devid));
	}
	for (unsigned i = 0; i < h->hid_count; i++) {
		const struct ivrs_hid *d = &h->hids[i];

		pr_info("  acpi hid %s cid %s uid %s devid " PCI_RID_FMT, d->hid,
			d->cid[0] ? d->cid : "-", d->uid[0] ? d->uid : "-", PCI_RID_ARGS(d->devid));
	}
}

void ivrs_report(const struct ivrs_info *ii)
{
	pr_info("IVRS IVinfo 0x%08x VAsize %u PAsize %u GVAsize %u EFRSup %u", ii->ivinfo,
		ii->va_size, ii->pa_size, ii->gva_size, ii->efr_sup);
	for (unsigned i = 0; i < ii->ivhd_count; i++) {
		const struct ivrs_ivhd *h = &ii->ivhds[i];

		pr_info("IVHD type 0x%x at 0x%016llx segment %u devid " PCI_RID_FMT
			" flags 0x%02x, %u device entries", h->type, (unsigned long long)h->base,
			h->segment, PCI_RID_ARGS(h->devid), h->flags, h->entry_count);
		ranges_report(h);
		if (h->has_efr) {
			struct amdvi_caps c;

			amdvi_efr_decode(h->efr, &c);
			amdvi_caps_log(h->base, &c);
		}
	}
	for (unsigned i = 0; i < ii->ivmd_count; i++) {
		const struct ivrs_ivmd *m = &ii->ivmds[i];

		pr_info("IVMD type 0x%x devices " PCI_RID_FMT "-" PCI_RID_FMT " flags 0x%x 0x%016llx len 0x%llx",
			m->type, PCI_RID_ARGS(m->first), PCI_RID_ARGS(m->last), m->flags,
			(unsigned long long)m->start, (unsigned long long)m->size);
	}
}
