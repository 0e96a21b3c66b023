// SPDX-License-Identifier: MIT
/* The fake machine of fake_devdom.h: partitions, stage-2, guest copies, clock, IOMMU vendor, devices. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/fake_devdom.h"
#include "tests/unit/fake_pci.h"
#include "kernel/hvcall/hvcall.h"
#include "kernel/smp.h"
#include "kernel/frames.h"
#include "iommu/iommu.h"
#include "pci/dev.h"
#include "pci/group.h"
#include "pci/regs.h"

struct fake_devdom fdd;
struct partition partitions[PART_MAX];
unsigned partition_count;

struct partition *fdd_root(void) { return &partitions[0]; }
struct partition *fdd_child(void) { return &partitions[1]; }

unsigned smp_this_cpu(void) { return 0; }
uint64_t hvcall_clock_ns(void) { return fdd.now += fdd.clock_step; }

/* The deposit pool's bookkeeping: one byte per RAM page (kernel/hvcall/pool.c). */
void *hv_pool_map_alloc(const struct partition *p, uint64_t bytes)
{
	static uint8_t maps[2][(CHILD_HPA + CHILD_SIZE) >> PAGE_SHIFT];

	if (fdd.no_map_memory)
		return NULL;
	return p->id >= 1 && p->id <= 2 && bytes <= sizeof(maps[0]) ? maps[p->id - 1] : NULL;
}

/* ---- stage-2 and guest memory: 4 KiB leaves, a hole where a page was deposited ---- */

paddr_t part_chunk_hpa(const struct partition *p, uint64_t gpa)
{
	for (unsigned i = 0; i < p->ram_chunks; i++)
		if (gpa >= p->ram[i].gpa && gpa - p->ram[i].gpa < p->ram[i].size)
			return p->ram[i].hpa + (gpa - p->ram[i].gpa);
	return 0;
}

paddr_t part_gpa_to_hpa(const struct partition *p, uint64_t gpa)
{
	paddr_t hpa = part_chunk_hpa(p, gpa);

	return hpa && !fdd.unmapped[hpa >> PAGE_SHIFT] ? hpa : 0;
}

paddr_t part_gpa_to_hpa_span(const struct partition *p, uint64_t gpa, uint64_t *first, uint64_t *span)
{
	paddr_t hpa = part_gpa_to_hpa(p, gpa);

	*first = ALIGN_DOWN(gpa, PAGE_SIZE);
	*span = hpa ? PAGE_SIZE : 0;
	return hpa;
}

void *fake_devdom_va(paddr_t hpa)
{
	if (hpa < CHILD_HPA + CHILD_SIZE)
		return fdd.mem + hpa;
	if (hpa >= MON_BASE && hpa - MON_BASE < MON_SIZE)
		return fdd.mon + (hpa - MON_BASE);
	return NULL;
}

static bool guest_range_ok(struct partition *p, uint64_t gpa, uint64_t len)
{
	if (!len || gpa + len < gpa)
		return len == 0;
	for (uint64_t pg = ALIGN_DOWN(gpa, PAGE_SIZE); pg < gpa + len; pg += PAGE_SIZE)
		if (!part_gpa_to_hpa(p, pg))
			return false;
	/* Contiguous in the host too: one chunk per partition here. */
	return part_gpa_to_hpa(p, gpa + len - 1) == part_gpa_to_hpa(p, gpa) + len - 1;
}

int copy_from_guest(struct partition *p, void *dst, uint64_t gpa, uint64_t len)
{
	if (!guest_range_ok(p, gpa, len))
		return -EFAULT;
	memcpy(dst, fake_devdom_va(part_gpa_to_hpa(p, gpa)), len);
	return 0;
}

int copy_to_guest(struct partition *p, uint64_t gpa, const void *src, uint64_t len)
{
	if (!guest_range_ok(p, gpa, len))
		return -EFAULT;
	memcpy(fake_devdom_va(part_gpa_to_hpa(p, gpa)), src, len);
	return 0;
}

int part_s2_unmap(struct partition *p, uint64_t gpa, uint64_t size)
{
	for (uint64_t o = 0; o < size; o += PAGE_SIZE)
		if (!part_chunk_hpa(p, gpa + o))
			return -EINVAL;
	for (uint64_t o = 0; o < size; o += PAGE_SIZE)
		fdd.unmapped[part_chunk_hpa(p, gpa + o) >> PAGE_SHIFT] = 1;
	return 0;
}

int part_s2_map_ram(struct partition *p, uint64_t gpa, paddr_t hpa, uint64_t size)
{
	for (uint64_t o = 0; o < size; o += PAGE_SIZE)
		if (part_chunk_hpa(p, gpa + o) != hpa + o)
			return -EINVAL;
	for (uint64_t o = 0; o < size; o += PAGE_SIZE)
		fdd.unmapped[(hpa + o) >> PAGE_SHIFT] = 0;
	return 0;
}

/* ---- the fake IOMMU vendor ---- */

static int unit_a;

static bool fails(unsigned when, unsigned calls)
{
	return when && when == calls;
}

static bool fake_probe(const struct acpi_info *ai, struct iommu_limits *lim)
{
	(void)ai;
	*lim = (struct iommu_limits){ .pt_levels = 4, .addr_width = 48,
				      .page_sizes = PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G, .coherent = true,
				      .domain_ids = fdd.nr_ids ? fdd.nr_ids : 1u << 16, .caches_not_present = fdd.cm };
	return true;
}
static void *fake_unit_for(uint16_t seg, uint16_t rid, bool *failed) { (void)seg; (void)rid; *failed = false; return &unit_a; }
static paddr_t fake_unit_base(const void *u) { (void)u; return 0xfed90000; }
static int fake_set_rid(void *unit, uint16_t rid, const struct iommu_domain *d)
{
	(void)unit; (void)rid; (void)d;
	return fails(fdd.fail_set_rid, ++fdd.set_rids) ? -ETIMEDOUT : 0;
}
/* Flushes of device domains are counted (deposits flush the default domain: not counted). */
static int fake_flush(const struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	if (fails(fdd.fail_flush, ++fdd.all_flushes))
		return -ETIMEDOUT;
	if (d->kind != IOMMU_DOMAIN_PAGING)
		return 0;
	fdd.flushes++;
	fdd.flush_iova = iova;
	fdd.flush_size = size;
	return 0;
}
static int fake_enable(void) { return 0; }
static unsigned fake_poll(void) { return 0; }
static unsigned fake_unity(struct iommu_unity *out, unsigned max)
{
	(void)max;
	out[0] = (struct iommu_unity){ 0, RID_EDU, RID_EDU, UNITY_BASE, UNITY_END };
	return 1;
}
const struct iommu_ops vtd_iommu_ops = {
	.name = "fake", .pt_format = &pt_fmt_vtd_sl, .probe = fake_probe, .unit_for = fake_unit_for,
	.unit_base = fake_unit_base, .set_rid = fake_set_rid, .flush = fake_flush,
	.enable = fake_enable, .fault_poll = fake_poll, .unity_ranges = fake_unity,
};
static bool no_probe(const struct acpi_info *ai, struct iommu_limits *l) { (void)ai; (void)l; return false; }
const struct iommu_ops amdvi_iommu_ops = { .name = "none", .probe = no_probe };

/* ---- devices ---- */

static struct pci_dev *add(const struct pci_dev_desc *desc)
{
	struct pci_dev *d = NULL;

	return pci_dev_add(desc, &d) == 0 ? d : NULL;
}

static struct pci_dev *add_fn(uint8_t bus, uint8_t devfn, const uint16_t *rids, unsigned n,
			      const struct pci_dev *parent)
{
	struct pci_dev_desc desc = { .bus = bus, .devfn = devfn, .vendor = 0x1234, .device = 0x11e8,
				     .class = 0x00ff00, .nr_rids = (uint8_t)n };

	memcpy(desc.rids, rids, n * sizeof(*rids));
	fake_pci_endpoint(0, bus, devfn, 0x1234, 0x11e8, 0x00ff00);
	if (parent) {
		desc.has_parent = true;
		desc.parent_bus = parent->bus;
		desc.parent_devfn = parent->devfn;
	}
	return add(&desc);
}

static int add_devices(void)
{
	static const uint16_t r_edu[] = { RID_EDU }, r_nic[] = { RID_NIC }, r_c1[] = { 0x0218, RID_SEC },
		r_c2[] = { 0x0220, RID_SEC };
	struct pci_dev_desc bd = { .bus = 0, .devfn = 0x18, .vendor = 0x1b36, .device = 0x000e,
				   .class = 0x060400, .header_type = PCI_HEADER_TYPE_BRIDGE, .primary_bus = 0,
				   .secondary_bus = 2, .subordinate_bus = 2, .rids = { 0x0018 }, .nr_rids = 1 };

	fdd.edu = add_fn(0, 0x08, r_edu, 1, NULL);
	fdd.nic = add_fn(0, 0x10, r_nic, 1, NULL);
	fake_pci_bridge(0, 0, 0x18, 2, 2);
	bd.caps.pcie = 0x40;
	bd.caps.pcie_type = PCI_EXP_TYPE_PCI_BRIDGE;
	fdd.bridge = add(&bd);
	fdd.conv1 = fdd.bridge ? add_fn(2, 0x18, r_c1, 2, fdd.bridge) : NULL;
	fdd.conv2 = fdd.bridge ? add_fn(2, 0x20, r_c2, 2, fdd.bridge) : NULL;
	fdd.devs[0] = fdd.edu;
	fdd.devs[1] = fdd.nic;
	fdd.devs[2] = fdd.bridge;
	fdd.devs[3] = fdd.conv1;
	fdd.devs[4] = fdd.conv2;
	for (unsigned i = 0; i < FDD_DEVICES; i++)
		if (!fdd.devs[i])
			return -1;
	return 0;
}

/* ---- setup ---- */

int fake_devdom_setup(const struct fake_devdom_opts *o)
{
	static struct phys_range ram[] = { { ROOT_BASE, ROOT_END } };
	static const struct phys_range monitor[] = { { MON_BASE, MON_BASE + MON_SIZE } };
	struct phys_range pool = { MON_BASE, MON_BASE + MON_SIZE };
	struct iommu_memory im = { ram, 1, monitor, 1 };
	struct acpi_info ai = { 0 };
	uint8_t *mem = fdd.mem, *mon = fdd.mon;

	if (!mem) {   /* kept from one setup to the next: the fuzzer resets per input */
		mem = aligned_alloc(PAGE_SIZE, CHILD_HPA + CHILD_SIZE);
		mon = aligned_alloc(PAGE_SIZE, MON_SIZE);
		if (!mem || !mon)
			return -1;
		memset(mem, 0, CHILD_HPA + CHILD_SIZE);
	} else if (!o->keep_ram) {
		memset(mem, 0, CHILD_HPA + CHILD_SIZE);
	}
	memset(&fdd, 0, sizeof(fdd));
	fdd.mem = mem;
	fdd.mon = mon;
	fdd.cm = o->cm;
	fdd.nr_ids = o->nr_ids;
	o->phys_add(MON_BASE, mon, MON_SIZE);
	o->phys_add(ROOT_BASE, mem + ROOT_BASE, CHILD_HPA + CHILD_SIZE - ROOT_BASE);
	if (frames_init(&pool, 1) < 0)
		return -1;
	memset(partitions, 0, sizeof(partitions));
	partitions[0] = (struct partition){ .id = 1, .name = "root", .is_root = true, .ram_chunks = 1,
					    .ram = { { ROOT_BASE, ROOT_BASE, ROOT_END - ROOT_BASE } } };
	partitions[1] = (struct partition){ .id = 2, .name = "c1", .ram_chunks = 1,
					    .ram = { { 0, CHILD_HPA, CHILD_SIZE } } };
	partition_count = 2;
	hv_pool_reset();
	hvcall_counters_reset();
	fake_pci_reset();
	pci_dev_registry_reset();
	if (add_devices() < 0)
		return -1;
	if (iommu_init(&ai, &im) < 0)
		return -1;
	return 0;
}

void fake_devdom_teardown(void)
{
	for (unsigned i = 0; i < FDD_DEVICES; i++)
		pci_dev_put(fdd.devs[i]);
	memset(fdd.devs, 0, sizeof(fdd.devs));
}

const char *fake_devdom_domains_broken(void)
{
	unsigned attached = 0;

	for (unsigned i = 0; i < IOMMU_MAX_DOMAINS; i++) {
		const struct iommu_domain *d = iommu_domain_at(i);

		attached += d ? d->devices : 0;
	}
	for (unsigned i = 0; i < FDD_DEVICES; i++) {
		const struct iommu_domain *d = iommu_domain_of(fdd.devs[i]);

		if (!d)
			return "a device without a domain";
		for (const struct pci_dev *m = fdd.devs[i]->group ? fdd.devs[i]->group->devs : NULL; m; m = m->group_next)
			if (iommu_domain_of(m) != d)
				return "a group split across domains";
	}
	return attached == FDD_DEVICES ? NULL : "the domains' device counts do not add up to the devices";
}
