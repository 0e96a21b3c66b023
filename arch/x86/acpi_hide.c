// SPDX-License-Identifier: MIT
/* DMAR/IVRS hiding by an in-place, checksum-preserving rename (see acpi_hide.h). */
#include <errno.h>
#include <string.h>

#define LOG_TAG "acpi"
#include "kernel/log.h"
#include "kernel/phys.h"
#include "arch/x86/acpi_hide.h"

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
