/* SPDX-License-Identifier: MIT */
/*
 * Firmware unity ranges (RMRR, IVMD) are hostile input to the domain layer:
 * whatever ranges and requester ids the firmware lists, no device may reach
 * monitor memory (the pool holding every page table), in the default domain
 * or in a paging domain its functions join, and every table page goes back
 * to the pool when the paging domain is destroyed. The input is the list of
 * (range, requester ids) pairs a fake vendor reports through iommu_init().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommu/iommu.h"
#include "kernel/frames.h"
#include "kernel/panic.h"
#include "kernel/time.h"
#include "pci/dev.h"
#include "pci/group.h"
#include "pci/pci.h"
#include "tests/fuzz/fuzz.h"

#define POOL_BASE  0x10000000ULL    /* the monitor pool: every table page lives here */
#define POOL_SIZE  (1 * MiB)
#define PAIR_BYTES 16
#define MAX_PAIRS  64

static uint8_t pool_mem[POOL_SIZE] __attribute__((aligned(4096)));
static struct iommu_unity pairs[MAX_PAIRS];
static unsigned npairs;
static unsigned levels;

uint32_t pci_cfg_read(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off, unsigned width)
{
	(void)seg; (void)bus; (void)devfn; (void)off;
	return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
}
void pci_cfg_write(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off, unsigned width, uint32_t val)
{
	(void)seg; (void)bus; (void)devfn; (void)off; (void)width; (void)val;
}
void udelay(uint64_t us) { (void)us; }
uint64_t time_now_us(void) { return 0; }
void panic(const char *fmt, ...)
{
	(void)fmt;
	abort();
}

static int unit;
static bool f_probe(const struct acpi_info *ai, struct iommu_limits *lim)
{
	(void)ai;
	*lim = (struct iommu_limits){ .pt_levels = levels, .addr_width = levels == 4 ? 48 : 39,
				      .page_sizes = PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G, .coherent = true,
				      .domain_ids = 1u << 16 };
	return true;
}
static void *f_unit_for(uint16_t seg, uint16_t rid, bool *failed) { (void)seg; (void)rid; *failed = false; return &unit; }
static paddr_t f_unit_base(const void *u) { (void)u; return 0xfed90000; }
static int f_set_rid(void *u, uint16_t rid, const struct iommu_domain *d) { (void)u; (void)rid; (void)d; return 0; }
static int f_flush(const struct iommu_domain *d, uint64_t iova, uint64_t size) { (void)d; (void)iova; (void)size; return 0; }
static int f_enable(void) { return 0; }
static unsigned f_poll(void) { return 0; }
static unsigned f_unity(struct iommu_unity *out, unsigned max)
{
	unsigned n = npairs < max ? npairs : max;

	memcpy(out, pairs, n * sizeof(*out));
	return n;
}
const struct iommu_ops vtd_iommu_ops = {
	.name = "fuzz", .pt_format = &pt_fmt_vtd_sl, .probe = f_probe, .unit_for = f_unit_for,
	.unit_base = f_unit_base, .set_rid = f_set_rid, .flush = f_flush, .enable = f_enable,
	.fault_poll = f_poll, .unity_ranges = f_unity,
};
static bool no_probe(const struct acpi_info *ai, struct iommu_limits *l) { (void)ai; (void)l; return false; }
const struct iommu_ops amdvi_iommu_ops = { .name = "none", .probe = no_probe };

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static struct pci_dev *add(uint8_t devfn, uint16_t rid0, uint16_t rid1)
{
	struct pci_dev_desc desc = { .bus = 0, .devfn = devfn, .vendor = 1, .device = 1,
				     .rids = { rid0, rid1 }, .nr_rids = rid1 ? 2 : 1 };
	struct pci_dev *d = NULL;

	if (pci_dev_add(&desc, &d))
		abort();
	return d;
}

/* No page of the pool is reachable through t. */
static void check_no_pool_page(const struct pt_table *t)
{
	for (paddr_t pa = POOL_BASE; pa < POOL_BASE + POOL_SIZE; pa += PAGE_SIZE)
		if (pt_lookup(t, pa, NULL, NULL, NULL) != -ENOENT)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct phys_range ram[] = { { 0x100000, 0x8000000 }, { 0x10100000, 0x20000000 } };
	static const struct phys_range monitor[] = { { POOL_BASE, POOL_BASE + POOL_SIZE } };
	struct iommu_memory mem = { ram, 2, monitor, 1 };
	struct phys_range pool = { POOL_BASE, POOL_BASE + POOL_SIZE };
	struct frames_stats before, after;
	struct acpi_info ai = { 0 };
	struct pci_dev *devs[3];
	struct iommu_domain *d;
	int err;

	if (size < 1)
		return 0;
	levels = data[0] & 1 ? 3 : 4;
	data++;
	size--;
	npairs = 0;
	for (; size >= PAIR_BYTES && npairs < MAX_PAIRS; data += PAIR_BYTES, size -= PAIR_BYTES) {
		/* Biased toward the interesting places: RAM, the pool, the ends of the address space. */
		paddr_t base = le(data + 4, 5) << 12;

		if (data[15] & 1)
			base = POOL_BASE - 0x4000 + (le(data + 4, 2) << 12) % (POOL_SIZE + 0x8000);
		pairs[npairs++] = (struct iommu_unity){ .seg = 0, .rid_first = (uint16_t)le(data, 2),
			.rid_last = (uint16_t)le(data + 2, 2), .base = base,
			.end = base + le(data + 9, 3) * (data[12] & 0x80 ? PAGE_SIZE : 1) };
	}
	memset(pool_mem, 0, sizeof(pool_mem));
	fuzz_phys_set(POOL_BASE, pool_mem, POOL_SIZE);
	if (frames_init(&pool, 1) < 0)
		abort();
	pci_dev_registry_reset();
	devs[0] = add(0x08, 0x0008, 0);
	devs[1] = add(0x10, 0x0010, 0x0300);
	devs[2] = add(0x18, 0x0018, 0x0008);
	if (iommu_init(&ai, &mem) < 0)
		abort();
	check_no_pool_page(&iommu_domain_default()->pt);
	frames_get_stats(&before);
	d = iommu_domain_create(0x100, NULL, &err);
	if (d) {
		for (unsigned i = 0; i < 2; i++)
			iommu_group_attach(d, devs[i]->group);   /* may fail: a range that does not fit */
		check_no_pool_page(&d->pt);
		for (unsigned i = 0; i < 2; i++)
			if (iommu_group_detach(devs[i]->group) < 0)
				abort();
		if (d->devices || iommu_domain_destroy(d) < 0)
			abort();
	}
	frames_get_stats(&after);
	if (after.free_frames != before.free_frames)
		abort();
	for (unsigned i = 0; i < 3; i++)
		pci_dev_put(devs[i]);
	return 0;
}
