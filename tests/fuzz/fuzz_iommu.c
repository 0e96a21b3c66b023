/* SPDX-License-Identifier: MIT */
/*
 * Hostile DMAR and IVRS tables through the consumers, not only the parsers:
 * vendor probe and unit bring-up (against fake register windows whose
 * capability registers and invalidation waits the input also controls),
 * default-domain and unity-range setup in iommu_init(), then a device move
 * into a paging domain and back, a map, a flush and a fault poll. Whatever
 * the tables say, nothing may crash, hang or touch memory outside the
 * simulated machine.
 *
 * Input: byte 0 flags (bit 0 IVRS else DMAR, bit 1 firmware left the unit
 * translating with its queue on, bit 2 vtd=noqi, bit 3 a well-formed unit
 * goes first, bits 4-7 the first wait that fails, 15 = none), byte 1 how
 * many waits fail (255 = all after), bytes 2-17 flipped bits of QEMU's CAP
 * and ECAP (VT-d) or EFR (AMD-Vi), then the table after its 36-byte ACPI
 * header, which is built here so that every input reaches the table's own
 * header (12 bytes) and structures; with bit 3 a well-formed DRHD or IVHD
 * is placed before the input's structures, so that hostile RMRRs, IVMDs
 * and further units meet a unit that works.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "tests/unit/fake_amdvi.h"
#include "tests/unit/fake_mmio.h"
#include "tests/unit/fake_vtd.h"
#include "iommu/iommu.h"
#include "iommu/amdvi/ivrs.h"
#include "iommu/amdvi/regs.h"
#include "iommu/vtd/dmar.h"
#include "iommu/vtd/regs.h"
#include "kernel/frames.h"
#include "kernel/options.h"
#include "kernel/panic.h"
#include "kernel/time.h"
#include "pci/dev.h"
#include "pci/pci.h"

#define HDR        18
#define TABLE_HDR  12            /* DMAR: HAW, flags, reserved; IVRS: IVinfo, reserved */
#define VTD_BASE   0xfed90000ULL
#define AMD_BASE   0xfed80000ULL
#define TABLE_PA   0x0e000000ULL
#define ARENA_BASE 0x10000000ULL
#define ARENA_SIZE (40 * MiB)   /* room for a 2 MiB AMD-Vi device table per unit */

struct boot_options boot_options;

static uint8_t *arena;
static struct fake_vtd fv;
static struct fake_amdvi fa;
static bool amd;
static uint64_t now_us;

/* Every address the firmware names outside RAM has a unit's registers behind it. */
static void *machine(paddr_t pa, uint64_t len)
{
	if (pa >= ARENA_BASE && len <= ARENA_SIZE && pa - ARENA_BASE <= ARENA_SIZE - len)
		return arena + (pa - ARENA_BASE);
	if (amd)
		return len <= sizeof(fa.regs) ? fa.regs : NULL;
	return len <= sizeof(fv.regs) ? fv.regs : NULL;
}

uint32_t pci_cfg_read(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off, unsigned width)
{
	(void)seg; (void)bus; (void)devfn; (void)off;
	return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
}

void pci_cfg_write(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off, unsigned width, uint32_t val)
{
	(void)seg; (void)bus; (void)devfn; (void)off; (void)width; (void)val;
}

/* Each polling step costs 10 ms: a wedged unit times out in a hundred steps. */
void udelay(uint64_t us) { now_us += us * 10000; }
uint64_t time_now_us(void) { return now_us; }
void panic(const char *fmt, ...)
{
	(void)fmt;
	abort();
}

static void add_dev(uint8_t bus, uint8_t devfn, uint16_t alias)
{
	struct pci_dev_desc desc = { .bus = bus, .devfn = devfn, .vendor = 0x1234, .device = 0x11e8,
				     .class = 0x00ff00, .nr_rids = 1 };
	struct pci_dev *d = NULL;

	desc.rids[0] = (uint16_t)(bus << 8 | devfn);
	if (alias != desc.rids[0])
		desc.rids[desc.nr_rids++] = alias;
	if (pci_dev_add(&desc, &d) == 0)
		pci_dev_put(d);
}

/* A unit QEMU would describe: DRHD with INCLUDE_PCI_ALL, or IVHD with IVHD_DEV_ALL. */
static size_t good_unit(uint8_t *p)
{
	if (amd) {
		struct ivhd_hw h = { IVRS_TYPE_IVHD_10, 0, sizeof(h) + 4, 0x0008, 0x40, AMD_BASE, 0, 0, 0 };
		struct ivhd_entry4_hw all = { IVHD_DEV_ALL, 0, 0 };

		memcpy(p, &h, sizeof(h));
		memcpy(p + sizeof(h), &all, sizeof(all));
		return sizeof(h) + sizeof(all);
	}
	struct dmar_drhd_hw d = { { DMAR_TYPE_DRHD, sizeof(d) }, DMAR_DRHD_INCLUDE_PCI_ALL, 0, 0, VTD_BASE };

	memcpy(p, &d, sizeof(d));
	return sizeof(d);
}

static int move_around(struct pci_dev *dev, void *ctx)
{
	struct iommu_domain *d = ctx;
	uint64_t done;

	if (iommu_attach(d, dev) == 0) {
		if (iommu_map_range(d, 0x40000000, 0x200000, 2 * PAGE_SIZE, PT_READ | PT_WRITE, &done) == 0)
			(void)!iommu_flush(d, 0x40000000, done);
		(void)!iommu_detach(dev);
	}
	(void)!iommu_attach(iommu_domain_null(), dev);
	(void)!iommu_detach(dev);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct phys_range root_ram[] = { { 0x100000, 0x8000000 } };
	struct phys_range pool = { ARENA_BASE, ARENA_BASE + ARENA_SIZE };
	struct acpi_info ai = { .count = 1 };
	uint64_t regs[2];
	uint8_t *table, *p;
	size_t len, body;
	int err;

	/*
	 * A short input is zero-padded rather than refused: libFuzzer starts with
	 * tiny inputs, and refusing them left a smoke run with no coverage at all.
	 */
	static uint8_t padded[HDR + TABLE_HDR];

	if (size > HDR + 16384)
		return 0;
	if (size < HDR + TABLE_HDR) {
		memset(padded, 0, sizeof(padded));
		memcpy(padded, data, size);
		data = padded;
		size = sizeof(padded);
	}
	if (!arena)
		arena = aligned_alloc(PAGE_SIZE, ARENA_SIZE);
	amd = data[0] & 1;
	memcpy(regs, data + 2, sizeof(regs));
	body = size - HDR - TABLE_HDR;
	table = calloc(1, sizeof(struct acpi_header) + TABLE_HDR + 64 + body);
	p = table + sizeof(struct acpi_header);
	memcpy(p, data + HDR, TABLE_HDR);
	p += TABLE_HDR;
	if (data[0] & 8)
		p += good_unit(p);
	memcpy(p, data + HDR + TABLE_HDR, body);
	len = (size_t)(p + body - table);
	memcpy(table, amd ? "IVRS" : "DMAR", 4);
	((struct acpi_header *)table)->length = (uint32_t)len;
	((struct acpi_header *)table)->revision = 1;
	((struct acpi_header *)table)->checksum = (uint8_t)(0x100 - acpi_checksum(table, (uint32_t)len));
	memcpy(ai.tables[0].signature, amd ? "IVRS" : "DMAR", 5);
	ai.tables[0].pa = TABLE_PA;
	ai.tables[0].length = (uint32_t)len;

	fuzz_phys_set(TABLE_PA, table, len);
	fuzz_phys_fallback(machine);
	fake_mmio_reset();
	memset(&boot_options, 0, sizeof(boot_options));
	boot_options.vtd_noqi = data[0] & 4;
	if (amd) {
		fake_amdvi_init(&fa, FAKE_AMDVI_EFR_QEMU ^ regs[0]);
		if (data[0] & 2)
			fake_amdvi_set_control(&fa, AMDVI_CTRL_IOMMU_EN | AMDVI_CTRL_CMD_BUF_EN);
		fa.fail_from = data[0] >> 4 == 15 ? FAKE_AMDVI_FOREVER : data[0] >> 4;
		fa.fail_count = data[1] == 255 ? FAKE_AMDVI_FOREVER : data[1];
	} else {
		fake_vtd_init(&fv, FAKE_VTD_CAP_QEMU48 ^ regs[0], FAKE_VTD_ECAP_QEMU ^ regs[1]);
		if (data[0] & 2)
			fake_vtd_set_gsts(&fv, VTD_GSTS_TES | VTD_GSTS_QIES);
		fv.fail_from = data[0] >> 4 == 15 ? FAKE_VTD_FOREVER : data[0] >> 4;
		fv.fail_count = data[1] == 255 ? FAKE_VTD_FOREVER : data[1];
	}
	if (frames_init(&pool, 1) < 0)
		abort();
	pci_dev_registry_reset();
	add_dev(0, 0x08, 0x0008);
	add_dev(0, 0x10, 0x0300);
	add_dev(3, 0x18, 0x0300);

	if (iommu_init(&ai, &(struct iommu_memory){ .ram = root_ram, .nr_ram = 1 }) == 0) {
		struct iommu_domain *d = iommu_domain_create(0x100, NULL, &err);

		if (d) {
			/* Moves take the registry lock: not from inside pci_dev_for_each(). */
			static const uint16_t rids[] = { 0x0008, 0x0010, 0x0318 };

			for (unsigned i = 0; i < 3; i++) {
				struct pci_dev *dev = pci_dev_find(0, rids[i] >> 8, rids[i] & 0xff);

				if (dev) {
					move_around(dev, d);
					pci_dev_put(dev);
				}
			}
			(void)!iommu_domain_destroy(d);
		}
		iommu_fault_poll();
	}
	pci_dev_registry_reset();
	fuzz_phys_set(0, NULL, 0);
	free(table);
	return 0;
}
