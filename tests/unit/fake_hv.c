// SPDX-License-Identifier: MIT
/* The fake machine of fake_hv.h: the seams hvcall/ reaches partitions, the IOMMU and PCI through. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/fake_hv.h"
#include "kernel/hvcall/hvcall.h"
#include "iommu/iommu.h"
#include "pci/dev.h"
#include "kernel/partition/assign.h"
#include "kernel/smp.h"

struct fake_hv fake;
struct partition partitions[PART_MAX];
unsigned partition_count;

static struct iommu_limits fake_limits = {
	.pt_levels = 4, .addr_width = 48, .page_sizes = PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G,
	.coherent = true, .domain_ids = 256,
};

static struct pci_dev fake_devs[2] = {
	{ .seg = 0, .bus = 0, .devfn = 0x20, .logical_id = 0x10 },
	{ .seg = 0, .bus = 0, .devfn = 0x28, .logical_id = 0x11 },
};

void fake_hv_reset(void)
{
	memset(&fake, 0, sizeof(fake));
	memset(partitions, 0, sizeof(partitions));
	partition_count = 2;
	for (unsigned i = 0; i < 2; i++) {
		struct partition *p = &partitions[i];

		p->id = i + 1;
		p->is_root = i == 0;
		snprintf(p->name, sizeof(p->name), "%s", i ? "child" : "root");
		p->state = PART_RUNNING;
		p->ram_chunks = 1;
		p->ram[0] = (struct part_chunk){ .gpa = i ? 0 : FAKE_ROOT_BASE,
						 .hpa = i ? FAKE_CHILD_HPA : FAKE_ROOT_BASE,
						 .size = FAKE_PAGES * PAGE_SIZE };
		p->ram_size = FAKE_PAGES * PAGE_SIZE;
		for (unsigned k = 0; k < FAKE_PAGES; k++)
			fake.mapped[i][k] = true;
	}
	for (unsigned k = 0; k < FAKE_PAGES; k++)
		fake.dma[FAKE_ROOT_BASE / PAGE_SIZE + k] = true;
	fake.iommu = true;
	fake.clock_step_ns = 0;
	hv_pool_reset();
	hvcall_counters_reset();
}

struct partition *fake_root(void) { return &partitions[0]; }
struct partition *fake_child(void) { return &partitions[1]; }

uint64_t fake_gpa(struct partition *p, unsigned page)
{
	return p->ram[0].gpa + (uint64_t)page * PAGE_SIZE;
}

static int page_of(const struct partition *p, uint64_t gpa)
{
	if (p->id < 1 || p->id > 2 || gpa < p->ram[0].gpa || gpa - p->ram[0].gpa >= p->ram[0].size)
		return -1;
	return (int)((gpa - p->ram[0].gpa) / PAGE_SIZE);
}

void *fake_gpa_ptr(struct partition *p, uint64_t gpa)
{
	int pg = page_of(p, gpa);

	return pg < 0 ? NULL : &fake.mem[p->id - 1][pg][gpa & (PAGE_SIZE - 1)];
}

/* ---- kernel/partition seams ------------------------------------------------------------ */

/* The deposit pool's bookkeeping (kernel/hvcall/pool.c): one byte per RAM page. */
void *hv_pool_map_alloc(const struct partition *p, uint64_t bytes)
{
	static uint8_t maps[2][FAKE_PAGES];

	return p->id >= 1 && p->id <= 2 && bytes <= FAKE_PAGES ? maps[p->id - 1] : NULL;
}

paddr_t part_chunk_hpa(const struct partition *p, uint64_t gpa)
{
	return page_of(p, gpa) < 0 ? 0 : p->ram[0].hpa + (gpa - p->ram[0].gpa);
}

paddr_t part_gpa_to_hpa(const struct partition *p, uint64_t gpa)
{
	int pg = page_of(p, gpa);

	return pg < 0 || !fake.mapped[p->id - 1][pg] ? 0 : part_chunk_hpa(p, gpa);
}

static int copy(struct partition *p, uint64_t gpa, void *buf, uint64_t len, bool to)
{
	for (uint64_t off = 0; off < len; off++)
		if (!part_gpa_to_hpa(p, gpa + off))
			return -EFAULT;
	for (uint64_t off = 0; off < len; off++) {
		uint8_t *g = fake_gpa_ptr(p, gpa + off);

		if (to)
			*g = ((const uint8_t *)buf)[off];
		else
			((uint8_t *)buf)[off] = *g;
	}
	return 0;
}

int copy_from_guest(struct partition *p, void *dst, uint64_t gpa, uint64_t len)
{
	return copy(p, gpa, dst, len, false);
}

int copy_to_guest(struct partition *p, uint64_t gpa, const void *src, uint64_t len)
{
	return copy(p, gpa, (void *)src, len, true);
}

static bool fails(int *when, unsigned calls)
{
	return *when && (unsigned)*when == calls;
}

/* Whether an injected failure hits [gpa, gpa+size): only while a page still needs a split. */
static bool needs_split(struct partition *p, uint64_t gpa, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		if (!fake.split[p->id - 1][page_of(p, gpa + off)])
			return true;
	return false;
}

static int s2_set(struct partition *p, uint64_t gpa, uint64_t size, bool on)
{
	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		fake.mapped[p->id - 1][page_of(p, gpa + off)] = on;
		fake.split[p->id - 1][page_of(p, gpa + off)] = true;
	}
	return 0;
}

int part_s2_unmap(struct partition *p, uint64_t gpa, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		if (page_of(p, gpa + off) < 0)
			return -EINVAL;
	if (fails(&fake.fail_s2_unmap, ++fake.s2_unmaps) && needs_split(p, gpa, size))
		return -ENOMEM;
	return s2_set(p, gpa, size, false);
}

int part_s2_map_ram(struct partition *p, uint64_t gpa, paddr_t hpa, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		if (page_of(p, gpa + off) < 0 || part_chunk_hpa(p, gpa + off) != hpa + off)
			return -EINVAL;
	if (fails(&fake.fail_s2_map, ++fake.s2_maps) && needs_split(p, gpa, size))
		return -ENOMEM;
	return s2_set(p, gpa, size, true);
}

/* ---- iommu seams ----------------------------------------------------------------------- */

bool iommu_present(void) { return fake.iommu; }
/* No device domain here, so nothing is ever pending. */
int iommu_flush_pending_all(void) { return 0; }
const struct iommu_limits *iommu_get_limits(void) { return fake.iommu ? &fake_limits : NULL; }

bool iommu_ram_is_dma_able(paddr_t base, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		if ((base + off) / PAGE_SIZE >= ARRAY_SIZE(fake.dma) || !fake.dma[(base + off) / PAGE_SIZE])
			return false;
	return true;
}

static int ram_set(paddr_t base, uint64_t size, bool on)
{
	if (!IS_ALIGNED(base, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE) || (base + size) / PAGE_SIZE > ARRAY_SIZE(fake.dma))
		return -EINVAL;
	if (on && base + size > FAKE_MONITOR_HPA && base < FAKE_HPA_END)
		return -EACCES;
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		fake.dma[(base + off) / PAGE_SIZE] = on;
	return 0;
}

int iommu_ram_remove(paddr_t base, uint64_t size)
{
	if (fails(&fake.fail_ram_remove, ++fake.ram_removes))
		return -ENOSPC;
	return ram_set(base, size, false);
}

int iommu_ram_add(paddr_t base, uint64_t size, bool root)
{
	(void)root;
	if (fails(&fake.fail_ram_add, ++fake.ram_adds))
		return -ENOSPC;
	return ram_set(base, size, true);
}

/* ---- pci, smp, clock ------------------------------------------------------------------- */

struct pci_dev *pci_dev_find_by_logical_id(uint32_t logical_id)
{
	for (unsigned i = 0; i < ARRAY_SIZE(fake_devs); i++)
		if (fake_devs[i].logical_id == logical_id) {
			fake.dev_refs++;
			return &fake_devs[i];
		}
	return NULL;
}

void pci_dev_put(struct pci_dev *d)
{
	if (d)
		fake.dev_refs--;
}

struct pci_dev *pci_dev_find(uint16_t seg, uint8_t bus, uint8_t devfn)
{
	for (unsigned i = 0; i < ARRAY_SIZE(fake_devs); i++)
		if (fake_devs[i].seg == seg && fake_devs[i].bus == bus && fake_devs[i].devfn == devfn) {
			fake.dev_refs++;
			return &fake_devs[i];
		}
	return NULL;
}

unsigned smp_this_cpu(void) { return 0; }

uint64_t hvcall_clock_ns(void)
{
	fake.clock_ns += fake.clock_step_ns;
	return fake.clock_ns;
}

/* ---- calls and invariants -------------------------------------------------------------- */

uint64_t fake_call(struct partition *p, uint64_t control, uint64_t in, uint64_t out, struct hvcall_args *a)
{
	struct hvcall_args local;

	if (!a)
		a = &local;
	*a = (struct hvcall_args){ .control = control, .in_gpa = in, .out_gpa = out, .may_continue = true };
	hvcall_dispatch(p, NULL, a);
	return a->result;
}

uint64_t fake_call_to_end(struct partition *p, uint64_t control, uint64_t in, uint64_t out, unsigned *entries)
{
	struct hvcall_args a;
	unsigned n = 0;

	do {
		fake_call(p, control, in, out, &a);
		control = a.control;
		n++;
	} while (!a.advance_rip && n < 100000);
	if (entries)
		*entries = n;
	return a.result;
}

/* Without an IOMMU nothing is DMA-protected and the DMA-able set is not kept: those checks are off. */
int fake_hv_check(char *why, size_t len)
{
	unsigned unmapped = 0, pooled = 0;
	bool io = fake.iommu;

	for (uint64_t hpa = FAKE_MONITOR_HPA; hpa < FAKE_HPA_END; hpa += PAGE_SIZE)
		if (io && fake.dma[hpa / PAGE_SIZE])
			return snprintf(why, len, "monitor page 0x%llx DMA-able", (unsigned long long)hpa), -1;
	for (uint64_t hpa = FAKE_CHILD_HPA; hpa < FAKE_CHILD_HPA + FAKE_PAGES * PAGE_SIZE; hpa += PAGE_SIZE)
		if (io && fake.dma[hpa / PAGE_SIZE])
			return snprintf(why, len, "child page 0x%llx DMA-able", (unsigned long long)hpa), -1;
	for (unsigned i = 0; i < 2; i++) {
		struct partition *p = &partitions[i];

		for (unsigned k = 0; k < FAKE_PAGES; k++) {
			paddr_t hpa = p->ram[0].hpa + (uint64_t)k * PAGE_SIZE;
			bool pooled_page = hv_pool_holds_hpa(hpa);

			if (pooled_page && (fake.mapped[i][k] || (io && fake.dma[hpa / PAGE_SIZE])))
				return snprintf(why, len, "pool page 0x%llx reachable (cpu %d dma %d)",
						(unsigned long long)hpa, fake.mapped[i][k], fake.dma[hpa / PAGE_SIZE]), -1;
			if (!pooled_page && !fake.mapped[i][k])
				return snprintf(why, len, "page 0x%llx neither mapped nor pooled", (unsigned long long)hpa), -1;
			if (io && !pooled_page && i == 0 && !fake.dma[hpa / PAGE_SIZE])
				return snprintf(why, len, "root page 0x%llx lost DMA", (unsigned long long)hpa), -1;
			unmapped += !fake.mapped[i][k];
			pooled += pooled_page;
		}
	}
	unsigned total = 0;

	for (unsigned i = 0; i < 2; i++) {
		total += hv_pool_pages(&partitions[i]);
		if (hv_pool_in_use(&partitions[i]) > hv_pool_pages(&partitions[i]))
			return snprintf(why, len, "pool %u: in use > pages", i + 1), -1;
	}
	if (total != pooled || pooled != unmapped)
		return snprintf(why, len, "pool accounting: %u in pools, %u pooled pages, %u unmapped", total,
				pooled, unmapped), -1;
	if (fake.dev_refs)
		return snprintf(why, len, "%u device references leaked", fake.dev_refs), -1;
	return 0;
}
