/* SPDX-License-Identifier: MIT */
/*
 * MADT parsing (ACPI 6.5 §5.2.12). Each entry is copied out of the table
 * before use (entries are byte-packed, and the table is firmware memory we
 * never keep pointers into). The walk never reads outside [tbl, tbl+len).
 */
#define LOG_TAG "madt"
#include <errno.h>
#include <string.h>

#include "arch/x86/madt.h"
#include "kernel/log.h"

/* Another entry for an APIC id already seen (xAPIC and x2APIC lists may overlap). */
static bool cpu_known(const struct madt_info *mi, uint32_t apic_id)
{
	for (unsigned i = 0; i < mi->cpu_count; i++)
		if (mi->cpus[i].apic_id == apic_id)
			return true;
	return false;
}

static void cpu_add(struct madt_info *mi, uint32_t apic_id, uint32_t uid, uint32_t flags,
		    bool x2apic)
{
	struct madt_cpu *c;

	if (cpu_known(mi, apic_id)) {
		pr_warn("APIC id %u listed twice, later entry ignored", apic_id);
		mi->cpus_dropped++;
		return;
	}
	if (mi->cpu_count == MADT_MAX_CPUS) {
		if (mi->cpus_dropped++ == 0)
			pr_warn("more than %u CPUs, the rest are ignored", MADT_MAX_CPUS);
		return;
	}
	c = &mi->cpus[mi->cpu_count++];
	c->apic_id = apic_id;
	c->uid = uid;
	c->enabled = flags & MADT_LAPIC_ENABLED;
	/* §5.2.12.2: online-capable only means something for a disabled CPU. */
	c->online_capable = !c->enabled && (flags & MADT_LAPIC_ONLINE_CAPABLE);
	c->x2apic = x2apic;
	mi->cpus_enabled += c->enabled;
}

static void parse_lapic(struct madt_info *mi, const uint8_t *p)
{
	struct madt_lapic e;

	memcpy(&e, p, sizeof(e));
	cpu_add(mi, e.apic_id, e.uid, e.flags, false);
}

static void parse_x2apic(struct madt_info *mi, const uint8_t *p)
{
	struct madt_x2apic e;

	memcpy(&e, p, sizeof(e));
	cpu_add(mi, e.x2apic_id, e.uid, e.flags, true);
}

static void parse_ioapic(struct madt_info *mi, const uint8_t *p)
{
	struct madt_ioapic_info *io;
	struct madt_ioapic e;

	memcpy(&e, p, sizeof(e));
	if (mi->ioapic_count == MADT_MAX_IOAPICS) {
		pr_warn("more than %u IOAPICs, id %u at 0x%x ignored", MADT_MAX_IOAPICS, e.id,
			e.address);
		return;
	}
	io = &mi->ioapics[mi->ioapic_count++];
	io->id = e.id;
	io->address = e.address;
	io->gsi_base = e.gsi_base;
}

static void parse_iso(struct madt_info *mi, const uint8_t *p)
{
	struct madt_iso e;

	memcpy(&e, p, sizeof(e));
	if (mi->iso_total++ >= MADT_MAX_ISOS) {
		if (mi->iso_total == MADT_MAX_ISOS + 1)
			pr_warn("more than %u interrupt source overrides, the rest are not kept",
				MADT_MAX_ISOS);
		return;
	}
	mi->isos[mi->iso_count++] = (struct madt_iso_info){
		.bus = e.bus, .source = e.source, .gsi = e.gsi, .flags = e.flags,
	};
}

static void parse_lapic_override(struct madt_info *mi, const uint8_t *p)
{
	struct madt_lapic_override e;

	memcpy(&e, p, sizeof(e));
	/* §5.2.12.8: when present, the 64-bit address replaces the 32-bit one. */
	mi->lapic_address = e.address;
	mi->lapic_overridden = true;
}

static void parse_nmi(struct madt_info *mi, const uint8_t *p)
{
	(void)p;
	mi->nmi_count++;
}

struct madt_entry_kind {
	uint8_t type;
	uint8_t min_len;       /* the structure's size in the spec */
	const char *name;
	void (*parse)(struct madt_info *mi, const uint8_t *p);
};

static const struct madt_entry_kind entry_kinds[] = {
	{ MADT_TYPE_LAPIC, sizeof(struct madt_lapic), "local APIC", parse_lapic },
	{ MADT_TYPE_IOAPIC, sizeof(struct madt_ioapic), "IOAPIC", parse_ioapic },
	{ MADT_TYPE_ISO, sizeof(struct madt_iso), "interrupt source override", parse_iso },
	{ MADT_TYPE_LAPIC_NMI, sizeof(struct madt_lapic_nmi), "local APIC NMI", parse_nmi },
	{ MADT_TYPE_LAPIC_OVERRIDE, sizeof(struct madt_lapic_override),
	  "local APIC address override", parse_lapic_override },
	{ MADT_TYPE_X2APIC, sizeof(struct madt_x2apic), "x2APIC", parse_x2apic },
	{ MADT_TYPE_X2APIC_NMI, sizeof(struct madt_x2apic_nmi), "x2APIC NMI", parse_nmi },
};

static const struct madt_entry_kind *entry_kind(uint8_t type)
{
	for (size_t i = 0; i < ARRAY_SIZE(entry_kinds); i++)
		if (entry_kinds[i].type == type)
			return &entry_kinds[i];
	return NULL;
}

static const struct acpi_subtable_format madt_format = {
	.what = "entry", .type_size = 1, .length_offset = 1, .length_size = 1,
	.min_length = sizeof(struct madt_entry_header),
};

/*
 * An entry shorter than its structure stops the walk: its length cannot be
 * trusted to find the next entry.
 */
static enum acpi_walk entry_parse(void *ctx, const struct acpi_subtable *st)
{
	const struct madt_entry_kind *k = entry_kind((uint8_t)st->type);

	if (!k) {
		pr_debug("entry type %u (length %u) at offset %u skipped", st->type, st->length,
			 st->offset);
		return ACPI_WALK_NEXT;
	}
	if (st->length < k->min_len) {
		pr_warn("%s entry at offset %u has length %u, needs %u, walk stopped", k->name,
			st->offset, st->length, k->min_len);
		return ACPI_WALK_STOP;
	}
	k->parse(ctx, st->p);
	return ACPI_WALK_NEXT;
}

int madt_parse(const void *tbl, uint32_t len, struct madt_info *out)
{
	struct acpi_madt m;

	memset(out, 0, sizeof(*out));
	len = acpi_table_extent(LOG_TAG, tbl, len, "APIC", sizeof(m));
	if (!len)
		return -EINVAL;
	memcpy(&m, tbl, sizeof(m));
	out->lapic_address = m.lapic_address;
	out->flags = m.flags;
	out->truncated = !acpi_subtables_walk(LOG_TAG, tbl, sizeof(m), len, &madt_format,
					      entry_parse, out);
	if (out->cpu_count == 0)
		pr_warn("no processor entries");
	return 0;
}

void madt_report(const struct madt_info *mi)
{
	pr_info("%u CPUs (%u enabled), LAPIC at 0x%llx%s", mi->cpu_count, mi->cpus_enabled,
		(unsigned long long)mi->lapic_address,
		mi->lapic_overridden ? " (overridden)" : "");
	for (unsigned i = 0; i < mi->cpu_count; i++) {
		const struct madt_cpu *c = &mi->cpus[i];

		pr_info("  CPU uid %u %sAPIC id %u %s", c->uid, c->x2apic ? "x2" : "", c->apic_id,
			c->enabled ? "enabled" : c->online_capable ? "online-capable" : "disabled");
	}
	for (unsigned i = 0; i < mi->ioapic_count; i++) {
		const struct madt_ioapic_info *io = &mi->ioapics[i];

		pr_info("  IOAPIC id %u at 0x%x GSI base %u", io->id, io->address, io->gsi_base);
	}
	pr_info("%u interrupt source overrides, %u NMI entries%s", mi->iso_total, mi->nmi_count,
		mi->truncated ? ", walk stopped early" : "");
}
