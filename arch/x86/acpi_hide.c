// SPDX-License-Identifier: MIT
/* DMAR/IVRS hiding by an in-place, checksum-preserving rename (see acpi_hide.h). */
#include <errno.h>
#include <string.h>

#define LOG_TAG "acpi"
#include "kernel/log.h"
#include "kernel/phys.h"
#include "arch/x86/acpi_hide.h"
#include "arch/x86/madt.h"

struct hidden_sig {
	char sig[4];
	char hidden[4];     /* a permutation of sig: same byte sum */
};

static const struct hidden_sig hidden_sigs[] = {
	{ { 'D', 'M', 'A', 'R' }, { 'R', 'M', 'A', 'D' } },
	{ { 'I', 'V', 'R', 'S' }, { 'S', 'R', 'V', 'I' } },
};

bool acpi_hide_table(struct acpi_header *h)
{
	for (unsigned i = 0; i < ARRAY_SIZE(hidden_sigs); i++) {
		if (memcmp(h->signature, hidden_sigs[i].sig, 4) == 0) {
			memcpy(h->signature, hidden_sigs[i].hidden, 4);
			return true;
		}
	}
	return false;
}

int acpi_hide_iommu_tables(const struct acpi_info *ai)
{
	int hidden = 0, err = 0;

	for (unsigned i = 0; i < ai->count; i++) {
		const struct acpi_table *t = &ai->tables[i];
		struct acpi_header *h;

		if (memcmp(t->signature, "DMAR", 4) != 0 && memcmp(t->signature, "IVRS", 4) != 0)
			continue;
		h = phys_map(t->pa, sizeof(*h), PHYS_WB);
		if (!h) {
			pr_err("%s at 0x%llx cannot be mapped, not hidden from the root",
			       t->signature, (unsigned long long)t->pa);
			err = -EFAULT;
			continue;
		}
		if (acpi_hide_table(h)) {
			pr_info("%s at 0x%llx hidden from the root (renamed %.4s)", t->signature,
				(unsigned long long)t->pa, h->signature);
			hidden++;
		}
	}
	return err ? err : hidden;
}

/* Clear the flags at `flags` (a possibly unaligned u32) and return how much the byte sum fell. */
static uint8_t disable_entry(uint8_t *flags)
{
	uint32_t f, nf;
	uint8_t before = 0, after = 0;

	memcpy(&f, flags, 4);
	nf = f & ~(uint32_t)(MADT_LAPIC_ENABLED | MADT_LAPIC_ONLINE_CAPABLE);
	for (unsigned i = 0; i < 4; i++) {
		before += (uint8_t)(f >> (8 * i));
		after += (uint8_t)(nf >> (8 * i));
	}
	memcpy(flags, &nf, 4);
	return (uint8_t)(before - after);
}

unsigned acpi_madt_hide_cpus(struct acpi_header *madt, uint32_t len,
			     bool (*hide)(uint32_t apic_id, void *ctx), void *ctx)
{
	uint8_t *b = (uint8_t *)madt;
	uint32_t end = MIN(len, madt->length), off = sizeof(struct acpi_madt);
	unsigned n = 0;

	while (off + sizeof(struct madt_entry_header) <= end) {
		uint8_t type = b[off], elen = b[off + 1];
		uint8_t *flags = NULL;
		uint32_t id = 0;

		if (elen < sizeof(struct madt_entry_header) || elen > end - off)
			break;
		if (type == MADT_TYPE_LAPIC && elen >= sizeof(struct madt_lapic)) {
			id = b[off + offsetof(struct madt_lapic, apic_id)];
			flags = b + off + offsetof(struct madt_lapic, flags);
		} else if (type == MADT_TYPE_X2APIC && elen >= sizeof(struct madt_x2apic)) {
			memcpy(&id, b + off + offsetof(struct madt_x2apic, x2apic_id), 4);
			flags = b + off + offsetof(struct madt_x2apic, flags);
		}
		if (flags && hide(id, ctx)) {
			uint8_t drop = disable_entry(flags);

			if (drop) {
				madt->checksum = (uint8_t)(madt->checksum + drop);
				n++;
			}
		}
		off += elen;
	}
	return n;
}
