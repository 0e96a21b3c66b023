// SPDX-License-Identifier: MIT
#define LOG_TAG "part"
#include <errno.h>
#include <string.h>

#include "kernel/partition/s2_layout.h"
#include "kernel/partition/exits.h"
#include "kernel/partition/partition.h"
#include "iommu/rangeset.h"
#include "arch/x86/apic.h"
#include "arch/x86/madt.h"
#include "arch/x86/smp_boot.h"
#include "iommu/amdvi/ivrs.h"
#include "iommu/vtd/dmar.h"
#include "kernel/log.h"
#include "kernel/memory.h"
#include "kernel/platform.h"
#include "pci/dev.h"
#include "pci/mcfg.h"

/* AMD-Vi: the base register set plus the PPR/performance-counter pages (AMD IOMMU spec §3.4). */
#define AMDVI_WINDOW   (512 * KiB)

static struct s2_layout root_layout;

struct s2_layout *s2_layout_root(void)
{
	return &root_layout;
}

const char *s2_hole_name(enum s2_hole_kind k)
{
	static const char *const names[] = {
		"mapped", "monitor memory", "another partition's RAM", "IOMMU registers",
		"hidden configuration space", "local APIC",
	};

	return k < ARRAY_SIZE(names) ? names[k] : "?";
}

static void add_hole(uint64_t base, uint64_t end, enum s2_hole_kind kind)
{
	struct s2_layout *l = &root_layout;

	if (l->nholes == S2_HOLES_MAX) {
		/* Never map what should be a hole: refusing to start the root is safer. */
		pr_err("root stage-2: more than %u holes", S2_HOLES_MAX);
		l->nholes++;
		return;
	}
	if (l->nholes > S2_HOLES_MAX)
		return;
	l->holes[l->nholes++] = (struct s2_hole){ { ALIGN_DOWN(base, PAGE_SIZE), ALIGN_UP(end, PAGE_SIZE) }, kind };
}

static void add_iommu_holes(void)
{
	const struct acpi_info *ai = platform_acpi();
	static struct dmar_info dmar;
	static struct ivrs_info ivrs;
	const struct acpi_header *t;
	uint32_t len;

	if (!ai)
		return;
	t = acpi_find(ai, "DMAR", 0, &len);
	if (t && dmar_parse(t, len, &dmar) == 0)
		for (unsigned i = 0; i < dmar.drhd_count; i++)
			add_hole(dmar.drhds[i].base, dmar.drhds[i].base + MAX(dmar.drhds[i].reg_size, PAGE_SIZE),
				 S2_HOLE_IOMMU);
	t = acpi_find(ai, "IVRS", 0, &len);
	if (t && ivrs_parse(t, len, &ivrs) == 0)
		for (unsigned i = 0; i < ivrs.ivhd_count; i++)
			add_hole(ivrs.ivhds[i].base, ivrs.ivhds[i].base + AMDVI_WINDOW, S2_HOLE_IOMMU);
}

uint64_t s2_layout_ecam_page(uint16_t seg, uint8_t bus, uint8_t devfn)
{
	const struct mcfg_info *mi = platform_mcfg();

	for (unsigned i = 0; mi && i < mi->count; i++) {
		const struct mcfg_range *r = &mi->ranges[i];

		if (r->segment == seg && bus >= r->bus_start && bus <= r->bus_end)
			return r->base + ((uint64_t)bus << 20) + ((uint64_t)devfn << 12);
	}
	return 0;
}

static uint64_t top_of_bars;

static int scan_function(struct pci_dev *d, void *ctx)
{
	struct partition *root = ctx;
	uint64_t ecam = s2_layout_ecam_page(d->seg, d->bus, d->devfn);

	for (unsigned i = 0; i < PCI_BAR_MAX; i++)
		if (d->bars[i].size)
			top_of_bars = MAX(top_of_bars, d->bars[i].base + d->bars[i].size);
	if (ecam && !part_owns_dev(root, d))
		add_hole(ecam, ecam + PAGE_SIZE, S2_HOLE_ECAM_HIDDEN);
	return 0;
}

static void add_partition_holes(void)
{
	const struct phys_range *monitor;
	unsigned n = memory_monitor_ranges(&monitor);

	for (unsigned i = 0; i < n; i++)
		add_hole(monitor[i].base, monitor[i].end, S2_HOLE_MONITOR);
	add_hole(TRAMPOLINE_PA, TRAMPOLINE_END, S2_HOLE_MONITOR);
	for (unsigned i = 0; i < partition_count; i++)
		for (unsigned c = 0; !partitions[i].is_root && c < partitions[i].ram_chunks; c++)
			add_hole(partitions[i].ram[c].hpa, partitions[i].ram[c].hpa + partitions[i].ram[c].size,
				 S2_HOLE_CHILD);
}

/* set minus every hole, into out[max]; -ENOSPC when it does not fit. */
static int subtract_holes(struct rangeset *set, struct phys_range *out, unsigned max, unsigned *n)
{
	struct s2_layout *l = &root_layout;

	for (unsigned i = 0; i < l->nholes; i++)
		if (rangeset_remove(set, l->holes[i].r.base, l->holes[i].r.end) < 0)
			return -ENOSPC;
	if (set->n > max)
		return -ENOSPC;
	memcpy(out, set->r, set->n * sizeof(out[0]));
	*n = set->n;
	return 0;
}

static int compute_ranges(const struct boot_info *bi)
{
	static struct rangeset set;
	struct s2_layout *l = &root_layout;
	int rc;

	rangeset_clear(&set);
	if (rangeset_add(&set, 0, l->limit) < 0)
		return -ENOSPC;
	rc = subtract_holes(&set, l->mapped, S2_RANGES_MAX, &l->nmapped);
	if (rc < 0)
		return rc;
	rangeset_clear(&set);
	for (unsigned i = 0; i < bi->mmap_count; i++) {
		paddr_t base = ALIGN_UP(bi->mmap[i].base, PAGE_SIZE);
		paddr_t end = ALIGN_DOWN(bi->mmap[i].base + bi->mmap[i].len, PAGE_SIZE);

		if (bi->mmap[i].type == MEM_AVAILABLE && end > base && rangeset_add(&set, base, end) < 0)
			return -ENOSPC;
	}
	return subtract_holes(&set, l->ram, S2_RANGES_MAX, &l->nram);
}

int s2_layout_root_compute(const struct boot_info *bi)
{
	struct s2_layout *l = &root_layout;
	const struct madt_info *mi = platform_madt();
	uint64_t top = 4 * GiB;

	memset(l, 0, sizeof(*l));
	add_partition_holes();
	add_iommu_holes();
	add_hole(mi && mi->lapic_address ? mi->lapic_address : APIC_DEFAULT_BASE,
		 (mi && mi->lapic_address ? mi->lapic_address : APIC_DEFAULT_BASE) + PAGE_SIZE, S2_HOLE_LAPIC);
	top_of_bars = 0;
	pci_dev_for_each(scan_function, &partitions[0]);
	if (l->nholes > S2_HOLES_MAX)
		return -ENOSPC;
	for (unsigned i = 0; i < bi->mmap_count; i++)
		top = MAX(top, bi->mmap[i].base + bi->mmap[i].len);
	l->limit = ALIGN_UP(MAX(top, top_of_bars), GiB);
	return compute_ranges(bi);
}

int s2_layout_root_ram_to(struct partition *p)
{
	struct s2_layout *l = &root_layout;

	if (l->nram > PART_RAM_CHUNKS)
		return -ENOSPC;
	p->ram_chunks = 0;
	p->ram_size = 0;
	for (unsigned i = 0; i < l->nram; i++) {
		p->ram[p->ram_chunks++] = (struct part_chunk){ l->ram[i].base, l->ram[i].base,
							       l->ram[i].end - l->ram[i].base };
		p->ram_size += l->ram[i].end - l->ram[i].base;
	}
	return 0;
}

enum s2_hole_kind s2_layout_hole_at(uint64_t gpa)
{
	struct s2_layout *l = &root_layout;

	for (unsigned i = 0; i < l->nholes && i < S2_HOLES_MAX; i++)
		if (gpa >= l->holes[i].r.base && gpa < l->holes[i].r.end)
			return l->holes[i].kind;
	return S2_NOT_A_HOLE;
}
