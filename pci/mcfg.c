/* SPDX-License-Identifier: MIT */
/*
 * MCFG parsing. The ECAM windows found here decide where every later
 * config-space access goes, so an entry is kept only when its window is
 * well-formed and claims buses no earlier entry of its segment claims.
 */
#define LOG_TAG "pci"
#include <errno.h>
#include <string.h>

#include "pci/mcfg.h"
#include "kernel/log.h"

/* Why an entry cannot be used on its own merits, or NULL. */
static const char *entry_problem(const struct acpi_mcfg_entry *e)
{
	uint64_t window_end = (uint64_t)(e->bus_end + 1) << ECAM_BUS_SHIFT;

	if (e->bus_end < e->bus_start)
		return "bus range reversed";
	if (e->base == 0)
		return "null base";
	/* Bus N lives at base + N MiB; the whole window must be MiB-granular. */
	if (!IS_ALIGNED(e->base, 1 * MiB))
		return "base not 1 MiB aligned";
	if (range_overflows(e->base, window_end))
		return "window wraps the address space";
	return NULL;
}

/* An earlier kept entry of the same segment sharing a bus with `e`. */
static const struct mcfg_range *overlapping(const struct mcfg_info *mi,
					    const struct acpi_mcfg_entry *e)
{
	for (unsigned i = 0; i < mi->count; i++) {
		const struct mcfg_range *r = &mi->ranges[i];

		if (r->segment == e->segment && e->bus_start <= r->bus_end &&
		    r->bus_start <= e->bus_end)
			return r;
	}
	return NULL;
}

static void entry_add(struct mcfg_info *mi, unsigned idx, const struct acpi_mcfg_entry *e)
{
	const struct mcfg_range *other;
	const char *why = entry_problem(e);
	uint64_t window, size;

	if (why) {
		pr_warn("MCFG entry %u (segment %u buses %02x-%02x base 0x%llx) rejected: %s", idx,
			e->segment, e->bus_start, e->bus_end, (unsigned long long)e->base, why);
		mi->rejected++;
		return;
	}
	/* Config accesses write there, uncached: it must be nothing but device space. */
	window = e->base + ((uint64_t)e->bus_start << ECAM_BUS_SHIFT);
	size = (uint64_t)(e->bus_end - e->bus_start + 1) << ECAM_BUS_SHIFT;
	why = acpi_mmio_conflict(window, size);
	if (why) {
		pr_err("MCFG entry %u (segment %u buses %02x-%02x): ECAM 0x%llx-0x%llx overlaps %s, rejected",
		       idx, e->segment, e->bus_start, e->bus_end, (unsigned long long)window,
		       (unsigned long long)(window + size - 1), why);
		mi->rejected++;
		return;
	}
	other = overlapping(mi, e);
	if (other) {
		pr_warn("MCFG entry %u (segment %u buses %02x-%02x) overlaps buses %02x-%02x, rejected",
			idx, e->segment, e->bus_start, e->bus_end, other->bus_start,
			other->bus_end);
		mi->rejected++;
		return;
	}
	if (mi->count == MCFG_MAX_RANGES) {
		pr_warn("MCFG entry %u (segment %u) beyond the limit of %u ranges, ignored", idx,
			e->segment, MCFG_MAX_RANGES);
		mi->rejected++;
		return;
	}
	mi->ranges[mi->count++] = (struct mcfg_range){
		.base = e->base, .segment = e->segment,
		.bus_start = e->bus_start, .bus_end = e->bus_end,
	};
}

int mcfg_parse(const void *tbl, uint32_t len, struct mcfg_info *out)
{
	const uint8_t *t = tbl;
	struct acpi_mcfg m;
	uint32_t n;

	memset(out, 0, sizeof(*out));
	len = acpi_table_extent(LOG_TAG, tbl, len, "MCFG", sizeof(m));
	if (!len)
		return -EINVAL;
	memcpy(&m, t, sizeof(m));
	n = (len - sizeof(m)) / sizeof(struct acpi_mcfg_entry);
	if ((len - sizeof(m)) % sizeof(struct acpi_mcfg_entry))
		pr_warn("MCFG length %u leaves a partial entry, %u trailing bytes ignored", len,
			(uint32_t)((len - sizeof(m)) % sizeof(struct acpi_mcfg_entry)));
	/*
	 * Entries past the cap are still examined so each is reported, but only
	 * so many: a hostile length must not flood the log.
	 */
	if (n > 4 * MCFG_MAX_RANGES) {
		pr_warn("MCFG lists %u entries, only the first %u are examined", n,
			4 * MCFG_MAX_RANGES);
		n = 4 * MCFG_MAX_RANGES;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct acpi_mcfg_entry e;

		memcpy(&e, t + sizeof(m) + (size_t)i * sizeof(e), sizeof(e));
		entry_add(out, i, &e);
	}
	if (out->count == 0)
		pr_warn("MCFG lists no usable ECAM range");
	return 0;
}

void mcfg_report(const struct mcfg_info *mi)
{
	for (unsigned i = 0; i < mi->count; i++) {
		const struct mcfg_range *r = &mi->ranges[i];

		pr_info("ECAM segment %u buses %02x-%02x at 0x%016llx", r->segment, r->bus_start,
			r->bus_end, (unsigned long long)r->base);
	}
	if (mi->rejected)
		pr_info("%u MCFG entries rejected", mi->rejected);
}
