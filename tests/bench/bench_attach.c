/* SPDX-License-Identifier: MIT */
/*
 * What a direct attach costs, by the child's size (make bench): the
 * partition layer's part_assign_device() (kernel/partition/assign.c) over
 * the real domain layer and engine, compiled like the monitor, moving one
 * function (edu-like: a 1 MiB BAR and its config-space page move with it)
 * from the root to a child whose RAM is 64 MiB or 1 GiB, for
 * three kinds of unit:
 *   - VT-d, 4 levels, AW48: the contract holds, the context entry points at
 *     the child's stage-2 (an NPT of 4 levels with 2 MiB and 1 GiB leaves);
 *   - VT-d, 3 levels, AW39: a depth the stage-2 does not have, so a mirror;
 *   - AMD-Vi v1: another format, so a mirror.
 * Counted, not timed: context (or device-table) writes and IOTLB flushes
 * from the fake unit, table pages taken and entries written by the mirror
 * (the engine's own statistics). The child's RAM starts on a 1 GiB
 * boundary, or 2 MiB past one (a carve-out only 2 MiB aligned: no 1 GiB
 * page at all, the worst case for a mirror).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/bench/bench.h"
#include "kernel/partition/assign.h"
#include "kernel/partition/exits.h"
#include "kernel/partition/s2_layout.h"
#include "kernel/partition/s2_sync.h"
#include "iommu/iommu.h"
#include "pci/dev.h"

#define ROOT_BASE   (4 * GiB)
#define ROOT_SIZE   (2 * GiB)
#define CHILD_HPA   (8 * GiB)
#define EDU_BAR     0xfe000000ULL   /* edu's 1 MiB BAR 0, as QEMU places it */
#define ECAM_BASE   0xb0000000ULL

/* ---- the partitions: a root and one child; CPUs and MMIO are not modelled ---- */

struct partition partitions[PART_MAX];
unsigned partition_count;

unsigned smp_this_cpu(void) { return 0; }
bool part_owns_dev(const struct partition *p, const struct pci_dev *d) { (void)d; return p->is_root; }
uint64_t s2_layout_ecam_page(uint16_t seg, uint8_t bus, uint8_t devfn)
{
	(void)seg;
	return ECAM_BASE + ((uint64_t)bus << 20) + ((uint64_t)devfn << 12);
}
int part_s2_flush_cpus(struct partition *p) { (void)p; return 0; }

/* ---- the fake units: every context write and flush counted ---- */

struct unit_kind {
	const char *name;
	const struct pt_format *fmt;
	unsigned levels, aw;
};

static const struct unit_kind *kind;
extern const struct iommu_ops vtd_iommu_ops, amdvi_iommu_ops;
static uint64_t ctx_writes, flushes;
static int unit;

static bool fake_probe(const struct iommu_ops *self, struct iommu_limits *lim)
{
	if (kind->fmt != self->pt_format)
		return false;
	*lim = (struct iommu_limits){ .pt_levels = kind->levels, .addr_width = kind->aw,
				      .page_sizes = PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G, .coherent = true,
				      .domain_ids = 1u << 16 };
	return true;
}
static bool vtd_probe(const struct acpi_info *ai, struct iommu_limits *lim) { (void)ai; return fake_probe(&vtd_iommu_ops, lim); }
static bool amdvi_probe(const struct acpi_info *ai, struct iommu_limits *lim) { (void)ai; return fake_probe(&amdvi_iommu_ops, lim); }
static void *fake_unit_for(uint16_t seg, uint16_t rid, bool *failed) { (void)seg; (void)rid; *failed = false; return &unit; }
static paddr_t fake_unit_base(const void *u) { (void)u; return 0xfed90000; }
static int fake_set_rid(void *u, uint16_t rid, const struct iommu_domain *d)
{
	(void)u; (void)rid; (void)d;
	ctx_writes++;
	return 0;
}
static int fake_flush(const struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	(void)d; (void)iova; (void)size;
	flushes++;
	return 0;
}
static int fake_enable(void) { return 0; }
static unsigned fake_poll(void) { return 0; }
static unsigned fake_unity(struct iommu_unity *out, unsigned max) { (void)out; (void)max; return 0; }

/* iommu_init asks VT-d, then AMD-Vi: the one of the kind under test answers. */
#define FAKE_OPS(fmt, x86, probe_fn) { \
	.name = "bench", .pt_format = (fmt), .walks_x86_tables = (x86), .probe = (probe_fn), \
	.unit_for = fake_unit_for, .unit_base = fake_unit_base, .set_rid = fake_set_rid, .flush = fake_flush, \
	.enable = fake_enable, .fault_poll = fake_poll, .unity_ranges = fake_unity }
const struct iommu_ops vtd_iommu_ops = FAKE_OPS(&pt_fmt_vtd_sl, true, vtd_probe);
const struct iommu_ops amdvi_iommu_ops = FAKE_OPS(&pt_fmt_amdvi_v1, false, amdvi_probe);

/* ---- one attach ---- */

struct cost {
	bool shared;
	uint64_t ctx_writes, flushes, tables, entries, s2_tables;
};

static void must(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "bench_attach: %s failed\n", what);
		exit(1);
	}
}

static struct pci_dev *add_edu(void)
{
	struct pci_dev_desc desc = { .bus = 0, .devfn = 0x20, .vendor = 0x1234, .device = 0x11e8,
				     .class = 0x00ff00, .rids = { 0x0020 }, .nr_rids = 1,
				     .bars = { { EDU_BAR, 1 * MiB, PCI_BAR_MEM32 } } };
	struct pci_dev *d = NULL;

	must(pci_dev_add(&desc, &d) == 0, "pci_dev_add");
	return d;
}

static const struct iommu_domain *shared_domain(void)
{
	for (unsigned i = 0; i < IOMMU_MAX_DOMAINS; i++) {
		const struct iommu_domain *d = iommu_domain_at(i);

		if (d && d->kind == IOMMU_DOMAIN_SHARED)
			return d;
	}
	return NULL;
}

static struct cost attach_once(uint64_t child_size, paddr_t child_hpa)
{
	static const struct phys_range ram[] = { { ROOT_BASE, ROOT_BASE + ROOT_SIZE } };
	static const struct phys_range monitor[] = { { BENCH_ARENA_BASE, BENCH_ARENA_BASE + 1 } };
	struct iommu_memory im = { ram, 1, monitor, 1 };
	struct partition *root = &partitions[0], *child = &partitions[1];
	const struct iommu_domain *d;
	struct acpi_info ai = { 0 };
	struct pci_dev *edu;
	struct cost c = { 0 };
	uint64_t mapped;

	bench_arena_reset();
	pci_dev_registry_reset();
	memset(partitions, 0, sizeof(partitions));
	*root = (struct partition){ .id = 1, .name = "root", .is_root = true, .ram_chunks = 1,
				    .ram = { { ROOT_BASE, ROOT_BASE, ROOT_SIZE } } };
	*child = (struct partition){ .id = 2, .name = "child", .ram_chunks = 1, .ram_size = child_size,
				     .ram = { { 0, child_hpa, child_size } } };
	partition_count = 2;
	/* The child's stage-2 as the monitor builds it for SVM: an NPT, largest pages. */
	must(pt_init(&child->s2, &pt_fmt_x86, 4, 48, PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G, bench_pool(), NULL) == 0,
	     "stage-2");
	child->s2.pa_limit = 1ull << 48;   /* as kernel/partition/boot.c lowers it for a child */
	must(pt_map_range(&child->s2, 0, child_hpa, child_size, PT_READ | PT_WRITE | PT_EXEC, &mapped) == 0,
	     "stage-2 map");
	must(pt_init(&root->s2, &pt_fmt_x86, 4, 48, PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G, bench_pool(), NULL) == 0,
	     "root stage-2");
	/* What moves with the function: its BAR and its config-space page, mapped in the root's stage-2. */
	must(pt_map_range(&root->s2, EDU_BAR, EDU_BAR, 1 * MiB, PT_READ | PT_WRITE, &mapped) == 0, "root BAR");
	must(pt_map_range(&root->s2, s2_layout_ecam_page(0, 0, 0x20), s2_layout_ecam_page(0, 0, 0x20), PAGE_SIZE,
			  PT_READ | PT_WRITE, &mapped) == 0, "root ECAM page");
	edu = add_edu();
	must(iommu_init(&ai, &im) == 0, "iommu_init");
	ctx_writes = flushes = 0;
	must(part_assign_device(child, edu, 1, NULL) == 0, "part_assign_device");
	d = shared_domain();
	must(d != NULL, "the shared domain");
	c.shared = d->s2 != NULL;
	c.ctx_writes = ctx_writes;
	c.flushes = flushes;
	c.tables = c.shared ? 0 : d->pt.stats.tables_allocated;
	c.entries = c.shared ? 0 : d->pt.stats.entries_written;
	c.s2_tables = child->s2.stats.tables;
	must(part_unassign_device(child, 1) == 0, "part_unassign_device");
	pci_dev_put(edu);
	pt_destroy(&child->s2);
	pt_destroy(&root->s2);
	return c;
}

int main(int argc, char **argv)
{
	static const struct unit_kind kinds[] = {
		{ "VT-d 4-level AW48", &pt_fmt_vtd_sl, 4, 48 },
		{ "VT-d 3-level AW39", &pt_fmt_vtd_sl, 3, 39 },
		{ "AMD-Vi v1 4-level", &pt_fmt_amdvi_v1, 4, 48 },
	};
	static const uint64_t sizes[] = { 64 * MiB, 1 * GiB };
	static const paddr_t hpas[] = { CHILD_HPA, CHILD_HPA + 2 * MiB };

	(void)argc;
	(void)argv;
	bench_arena_init(64 * MiB);
	printf("direct attach of one function (part_assign_device), by child size; counted on fake units\n");
	printf("%-18s %6s %6s  %-8s %10s %8s %12s %13s %14s\n", "unit", "child", "at", "DMA", "ctx writes", "flushes",
	       "table pages", "entry writes", "child s2 pages");
	for (unsigned k = 0; k < ARRAY_SIZE(kinds); k++) {
		kind = &kinds[k];
		for (unsigned a = 0; a < ARRAY_SIZE(hpas); a++) {
			for (unsigned s = 0; s < ARRAY_SIZE(sizes); s++) {
				struct cost c = attach_once(sizes[s], hpas[a]);

				printf("%-18s %4llu%s %6s  %-8s %10llu %8llu %12llu %13llu %14llu\n", kind->name,
				       (unsigned long long)(sizes[s] >= GiB ? sizes[s] / GiB : sizes[s] / MiB),
				       sizes[s] >= GiB ? "G" : "M", a ? "1G+2M" : "1G",
				       c.shared ? "shared" : "mirror", (unsigned long long)c.ctx_writes,
				       (unsigned long long)c.flushes, (unsigned long long)c.tables,
				       (unsigned long long)c.entries, (unsigned long long)c.s2_tables);
			}
		}
	}
	return 0;
}
