/* SPDX-License-Identifier: MIT */
/*
 * DMAR parsing (VT-d specification §8). Structures and device scopes are
 * nested length-prefixed records; each length is checked against its
 * container before anything inside is read, so a table that lies about a
 * length ends that walk with a warning instead of a read past its end.
 */
#define LOG_TAG "vtd"
#include <errno.h>
#include <string.h>

#include "iommu/vtd/dmar.h"
#include "kernel/log.h"
#include "kernel/strbuf.h"

/* Where parsed scopes go, and the names used in warnings about them. */
struct scope_sink {
	const char *owner;       /* "DRHD", "RMRR", "ATSR" */
	unsigned index;
	struct dmar_scope *scopes;
	unsigned max;
	unsigned *count;
	unsigned *dropped;
};

static void scope_add(const struct scope_sink *sk, const struct dmar_scope_hw *s,
		      const uint8_t *path, uint32_t off)
{
	unsigned hops = (s->length - sizeof(*s)) / 2;
	struct dmar_scope *d;

	if (s->type < DMAR_SCOPE_ENDPOINT || s->type > DMAR_SCOPE_ACPI) {
		pr_debug("%s %u: device scope type %u at offset %u skipped", sk->owner, sk->index,
			 s->type, off);
		return;
	}
	if (hops == 0 || hops > DMAR_MAX_PATH) {
		pr_warn("%s %u: device scope at offset %u has a path of %u hops, skipped",
			sk->owner, sk->index, off, hops);
		(*sk->dropped)++;
		return;
	}
	if (*sk->count == sk->max) {
		if ((*sk->dropped)++ == 0)
			pr_warn("%s %u: more than %u device scopes, the rest are ignored", sk->owner,
				sk->index, sk->max);
		return;
	}
	d = &sk->scopes[(*sk->count)++];
	d->type = s->type;
	d->enumeration_id = s->enumeration_id;
	d->start_bus = s->start_bus;
	d->path_len = hops;
	for (unsigned i = 0; i < hops; i++)
		d->path[i] = (struct dmar_path){ .dev = path[2 * i], .fn = path[2 * i + 1] };
}

/*
 * The device scopes of one structure: [p, p+len) at table offset `off`.
 * A scope with an impossible length ends the list, since the next scope
 * can only be found through it.
 */
static void scopes_parse(const struct scope_sink *sk, const uint8_t *p, uint32_t len,
			 uint32_t off)
{
	for (uint32_t at = 0; at < len;) {
		struct dmar_scope_hw s;

		if (len - at < sizeof(s)) {
			pr_warn("%s %u: %u bytes at offset %u are too short for a device scope",
				sk->owner, sk->index, len - at, off + at);
			return;
		}
		memcpy(&s, p + at, sizeof(s));
		if (s.length < sizeof(s) || s.length > len - at || (s.length - sizeof(s)) % 2) {
			pr_warn("%s %u: device scope at offset %u has length %u (%u bytes left), "
				"remaining scopes skipped", sk->owner, sk->index, off + at, s.length,
				len - at);
			return;
		}
		scope_add(sk, &s, p + at + sizeof(s), off + at);
		at += s.length;
	}
}

static bool drhd_base_known(const struct dmar_info *di, uint64_t base)
{
	for (unsigned i = 0; i < di->drhd_count; i++)
		if (di->drhds[i].base == base)
			return true;
	return false;
}

static void drhd_parse(struct dmar_info *di, const uint8_t *p, uint32_t len, uint32_t off)
{
	struct dmar_drhd_hw h;
	struct dmar_drhd *d;
	const char *conflict;
	uint64_t reg_size;

	memcpy(&h, p, sizeof(h));
	if (h.address == 0 || !IS_ALIGNED(h.address, PAGE_SIZE)) {
		pr_warn("DRHD at offset %u: register base 0x%llx is null or not 4 KiB aligned, skipped",
			off, (unsigned long long)h.address);
		di->rejected++;
		return;
	}
	reg_size = PAGE_SIZE << FIELD_GET(DMAR_DRHD_SIZE, h.size);
	conflict = acpi_mmio_conflict(h.address, reg_size);
	if (conflict) {
		pr_err("DRHD at offset %u: register window 0x%llx-0x%llx overlaps %s, skipped", off,
		       (unsigned long long)h.address, (unsigned long long)(h.address + reg_size - 1),
		       conflict);
		di->rejected++;
		return;
	}
	if (drhd_base_known(di, h.address)) {
		pr_warn("DRHD at offset %u: register base 0x%llx already described, skipped", off,
			(unsigned long long)h.address);
		di->rejected++;
		return;
	}
	if (di->drhd_count == DMAR_MAX_DRHDS) {
		pr_warn("DRHD at offset %u (0x%llx): more than %u units, skipped", off,
			(unsigned long long)h.address, DMAR_MAX_DRHDS);
		di->rejected++;
		return;
	}
	d = &di->drhds[di->drhd_count];
	d->flags = h.flags;
	d->segment = h.segment;
	d->base = h.address;
	d->reg_size = reg_size;
	scopes_parse(&(struct scope_sink){
			.owner = "DRHD", .index = di->drhd_count, .scopes = d->scopes,
			.max = DMAR_MAX_DRHD_SCOPES, .count = &d->scope_count,
			.dropped = &d->scopes_dropped,
		     }, p + sizeof(h), len - sizeof(h), off + sizeof(h));
	di->drhd_count++;
}

static void rmrr_parse(struct dmar_info *di, const uint8_t *p, uint32_t len, uint32_t off)
{
	struct dmar_rmrr_hw h;
	struct dmar_rmrr *r;

	memcpy(&h, p, sizeof(h));
	/* §8.4: base 4 KiB aligned, limit the last byte of a 4 KiB-granular region. */
	if (h.limit < h.base || !IS_ALIGNED(h.base, PAGE_SIZE) ||
	    !IS_ALIGNED(h.limit + 1, PAGE_SIZE)) {
		pr_warn("RMRR at offset %u: range 0x%llx-0x%llx is reversed or not 4 KiB granular, skipped",
			off, (unsigned long long)h.base, (unsigned long long)h.limit);
		di->rejected++;
		return;
	}
	if (di->rmrr_count == DMAR_MAX_RMRRS) {
		pr_warn("RMRR at offset %u: more than %u RMRRs, skipped", off, DMAR_MAX_RMRRS);
		di->rejected++;
		return;
	}
	r = &di->rmrrs[di->rmrr_count];
	r->segment = h.segment;
	r->base = h.base;
	r->limit = h.limit;
	scopes_parse(&(struct scope_sink){
			.owner = "RMRR", .index = di->rmrr_count, .scopes = r->scopes,
			.max = DMAR_MAX_RMRR_SCOPES, .count = &r->scope_count,
			.dropped = &r->scopes_dropped,
		     }, p + sizeof(h), len - sizeof(h), off + sizeof(h));
	di->rmrr_count++;
}

static void atsr_parse(struct dmar_info *di, const uint8_t *p, uint32_t len, uint32_t off)
{
	struct dmar_atsr_hw h;
	struct dmar_atsr *a;

	memcpy(&h, p, sizeof(h));
	if (di->atsr_count == DMAR_MAX_ATSRS) {
		pr_warn("ATSR at offset %u: more than %u ATSRs, skipped", off, DMAR_MAX_ATSRS);
		di->rejected++;
		return;
	}
	a = &di->atsrs[di->atsr_count];
	a->flags = h.flags;
	a->segment = h.segment;
	scopes_parse(&(struct scope_sink){
			.owner = "ATSR", .index = di->atsr_count, .scopes = a->scopes,
			.max = DMAR_MAX_ATSR_SCOPES, .count = &a->scope_count,
			.dropped = &a->scopes_dropped,
		     }, p + sizeof(h), len - sizeof(h), off + sizeof(h));
	di->atsr_count++;
}

static void rhsa_parse(struct dmar_info *di, const uint8_t *p, uint32_t len, uint32_t off)
{
	struct dmar_rhsa_hw h;

	(void)len;
	memcpy(&h, p, sizeof(h));
	pr_debug("RHSA at offset %u: unit 0x%llx in proximity domain %u", off,
		 (unsigned long long)h.base, h.proximity_domain);
	di->rhsa_count++;
}

static void andd_parse(struct dmar_info *di, const uint8_t *p, uint32_t len, uint32_t off)
{
	struct dmar_andd_hw h;
	char name[33];
	uint32_t n = MIN(len - sizeof(h), sizeof(name) - 1);

	memcpy(&h, p, sizeof(h));
	/* The object name is NUL-terminated inside the structure, or cut at its end. */
	for (uint32_t i = 0; i < n; i++) {
		char c = p[sizeof(h) + i];

		name[i] = c >= 0x20 && c <= 0x7e ? c : c ? '?' : '\0';
		if (!c)
			break;
	}
	name[n] = '\0';
	pr_debug("ANDD at offset %u: device %u is %s", off, h.device_number, name);
	di->andd_count++;
}

struct dmar_kind {
	uint16_t type;
	uint16_t min_len;        /* fixed part, before any scopes */
	const char *name;
	void (*parse)(struct dmar_info *di, const uint8_t *p, uint32_t len, uint32_t off);
};

static const struct dmar_kind kinds[] = {
	{ DMAR_TYPE_DRHD, sizeof(struct dmar_drhd_hw), "DRHD", drhd_parse },
	{ DMAR_TYPE_RMRR, sizeof(struct dmar_rmrr_hw), "RMRR", rmrr_parse },
	{ DMAR_TYPE_ATSR, sizeof(struct dmar_atsr_hw), "ATSR", atsr_parse },
	{ DMAR_TYPE_RHSA, sizeof(struct dmar_rhsa_hw), "RHSA", rhsa_parse },
	{ DMAR_TYPE_ANDD, sizeof(struct dmar_andd_hw), "ANDD", andd_parse },
};

static const struct acpi_subtable_format dmar_format = {
	.what = "structure", .type_size = 2, .length_offset = 2, .length_size = 2,
	.min_length = sizeof(struct dmar_struct_header),
};

/*
 * A known structure too short for its fixed part is skipped: its length is
 * inside the table, so the next structure can still be found.
 */
static enum acpi_walk struct_parse(void *ctx, const struct acpi_subtable *st)
{
	struct dmar_info *di = ctx;

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (kinds[i].type != st->type)
			continue;
		if (st->length < kinds[i].min_len) {
			pr_warn("%s at offset %u has length %u, needs %u, skipped", kinds[i].name,
				st->offset, st->length, kinds[i].min_len);
			di->rejected++;
		} else {
			kinds[i].parse(di, st->p, st->length, st->offset);
		}
		return ACPI_WALK_NEXT;
	}
	pr_debug("structure type %u (length %u) at offset %u skipped", st->type, st->length,
		 st->offset);
	di->unknown_count++;
	return ACPI_WALK_NEXT;
}

/* §8.3: an INCLUDE_PCI_ALL unit must be the last one listed for its segment. */
static void include_all_check(const struct dmar_info *di)
{
	for (unsigned i = 0; i < di->drhd_count; i++) {
		if (!(di->drhds[i].flags & DMAR_DRHD_INCLUDE_PCI_ALL))
			continue;
		for (unsigned j = i + 1; j < di->drhd_count; j++) {
			if (di->drhds[j].segment != di->drhds[i].segment)
				continue;
			pr_warn("DRHD %u (0x%llx) has INCLUDE_PCI_ALL but is not the last unit of "
				"segment %u", i, (unsigned long long)di->drhds[i].base,
				di->drhds[i].segment);
			break;
		}
	}
}

int dmar_parse(const void *tbl, uint32_t len, struct dmar_info *out)
{
	struct acpi_dmar d;

	memset(out, 0, sizeof(*out));
	len = acpi_table_extent(LOG_TAG, tbl, len, "DMAR", sizeof(d));
	if (!len)
		return -EINVAL;
	memcpy(&d, tbl, sizeof(d));
	out->haw = d.haw + 1;
	out->flags = d.flags;
	out->truncated = !acpi_subtables_walk(LOG_TAG, tbl, sizeof(d), len, &dmar_format,
					      struct_parse, out);
	include_all_check(out);
	if (out->drhd_count == 0)
		pr_warn("DMAR describes no usable remapping unit");
	return 0;
}

/* The names of the set bits of `flags` in parentheses, or nothing. */
static void put_flags(struct strbuf *l, unsigned flags, const char *const names[], unsigned n)
{
	bool first = true;

	for (unsigned i = 0; i < n; i++) {
		if (!(flags & BIT(i)) || !names[i])
			continue;
		strbuf_printf(l, "%s%s", first ? " (" : " ", names[i]);
		first = false;
	}
	if (!first)
		strbuf_printf(l, ")");
}

static void scope_report(const struct dmar_scope *s)
{
	static const char *const types[] = { "?", "endpoint", "bridge", "ioapic", "hpet", "acpi" };
	char buf[112];
	struct strbuf l;

	strbuf_init(&l, buf, sizeof(buf));
	strbuf_printf(&l, "  scope %s ", types[s->type < ARRAY_SIZE(types) ? s->type : 0]);
	if (s->type == DMAR_SCOPE_IOAPIC || s->type == DMAR_SCOPE_HPET ||
	    s->type == DMAR_SCOPE_ACPI)
		strbuf_printf(&l, "id %u ", s->enumeration_id);
	/* The first hop is on start_bus; later hops are behind bridges (bus unknown here). */
	strbuf_printf(&l, "%02x", s->start_bus);
	for (unsigned i = 0; i < s->path_len; i++)
		strbuf_printf(&l, "%c%02x.%x", i ? '/' : ':', s->path[i].dev, s->path[i].fn);
	pr_info("%s", buf);
}

static void scopes_report(const struct dmar_scope *s, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		scope_report(&s[i]);
}

void dmar_report(const struct dmar_info *di)
{
	static const char *const dmar_flags[] = { "INTR_REMAP", "X2APIC_OPT_OUT",
						  "DMA_CTRL_PLATFORM_OPT_IN" };
	static const char *const drhd_flags[] = { "INCLUDE_PCI_ALL" };
	static const char *const atsr_flags[] = { "ALL_PORTS" };
	char buf[112];
	struct strbuf l;

	strbuf_init(&l, buf, sizeof(buf));
	put_flags(&l, di->flags, dmar_flags, ARRAY_SIZE(dmar_flags));
	pr_info("DMAR HAW %u, flags 0x%x%s", di->haw, di->flags, buf);
	for (unsigned i = 0; i < di->drhd_count; i++) {
		const struct dmar_drhd *d = &di->drhds[i];

		strbuf_reset(&l);
		put_flags(&l, d->flags, drhd_flags, ARRAY_SIZE(drhd_flags));
		pr_info("DRHD %u at 0x%016llx segment %u flags 0x%x%s, %u device scopes", i,
			(unsigned long long)d->base, d->segment, d->flags, buf, d->scope_count);
		scopes_report(d->scopes, d->scope_count);
	}
	for (unsigned i = 0; i < di->rmrr_count; i++) {
		const struct dmar_rmrr *r = &di->rmrrs[i];

		pr_info("RMRR %u segment %u 0x%016llx-0x%016llx, %u device scopes", i, r->segment,
			(unsigned long long)r->base, (unsigned long long)r->limit, r->scope_count);
		scopes_report(r->scopes, r->scope_count);
	}
	for (unsigned i = 0; i < di->atsr_count; i++) {
		const struct dmar_atsr *a = &di->atsrs[i];

		strbuf_reset(&l);
		put_flags(&l, a->flags, atsr_flags, ARRAY_SIZE(atsr_flags));
		pr_info("ATSR %u segment %u flags 0x%x%s, %u device scopes", i, a->segment, a->flags,
			buf, a->scope_count);
		scopes_report(a->scopes, a->scope_count);
	}
	if (di->rhsa_count || di->andd_count || di->unknown_count || di->rejected)
		pr_info("DMAR also has %u RHSA, %u ANDD, %u unknown structures; %u rejected",
			di->rhsa_count, di->andd_count, di->unknown_count, di->rejected);
}
