// SPDX-License-Identifier: MIT
/*
 * What the root partition may see of the platform: DMAR and IVRS hidden
 * from its ACPI tables, and a function it does not own (such as the AMD-Vi
 * PCI function) reading all-ones through both configuration mechanisms,
 * ECAM (base from MCFG, PCI Firmware specification §4.1.2) and the legacy
 * ports 0xCF8/0xCFC (PCI Local Bus specification §3.2.2.3.2), while 00:00.0
 * still reads a real vendor id through both.
 */
#include "tests/guest/guest.h"
#include "tests/guest/acpi.h"
#include "tests/guest/fmt.h"

#define FAIL(...) do { gsnprintf(why, n, __VA_ARGS__); return false; } while (0)

#define PCI_CF8                 0xcf8
#define PCI_CFC                 0xcfc
#define PCI_CF8_ENABLE          BIT(31)
#define PCI_HEADER_BYTES        256
#define PCI_EXT_BYTES           4096
#define MCFG_ENTRIES_OFFSET     44
#define MCFG_ENTRY_SIZE         16
#define ECAM_BUS_SHIFT          20
#define ECAM_DEV_SHIFT          15
#define ECAM_FN_SHIFT           12

struct ecam_window {
	uint64_t base;
	uint16_t segment;
	uint8_t start_bus, end_bus;
};

static const void *phys(uint64_t pa, uint32_t len)
{
	if (pa + len < pa || pa + len > paging_limit())
		return NULL;
	return (const void *)(uintptr_t)pa;
}

static unsigned mcfg_windows(const struct mb2_view *v, struct ecam_window *w, unsigned max)
{
	struct guest_acpi a;
	const struct acpi_header *mcfg;
	const uint8_t *p;
	unsigned i, count;
	char why[8];

	if (guest_acpi_init(&a, v->rsdp, v->rsdp_len, phys, why, sizeof(why)))
		return 0;
	mcfg = guest_acpi_find(&a, "MCFG");
	if (!mcfg || mcfg->length < MCFG_ENTRIES_OFFSET)
		return 0;
	p = (const uint8_t *)mcfg + MCFG_ENTRIES_OFFSET;
	count = (mcfg->length - MCFG_ENTRIES_OFFSET) / MCFG_ENTRY_SIZE;
	for (i = 0; i < count && i < max; i++, p += MCFG_ENTRY_SIZE) {
		w[i].base = *(const uint64_t *)p;
		w[i].segment = *(const uint16_t *)(p + 8);
		w[i].start_bus = p[10];
		w[i].end_bus = p[11];
	}
	return i;
}

uint64_t pci_ecam_top(const struct mb2_view *v)
{
	struct ecam_window w[8];
	unsigned i, nw = mcfg_windows(v, w, ARRAY_SIZE(w));
	uint64_t top = 0;

	for (i = 0; i < nw; i++)
		top = MAX(top, w[i].base + ((uint64_t)(w[i].end_bus + 1) << ECAM_BUS_SHIFT));
	return top;
}

bool pci_test_acpi_hidden(const struct guest_ctx *c, char *why, size_t n)
{
	struct guest_acpi a;

	if (guest_acpi_init(&a, c->view.rsdp, c->view.rsdp_len, phys, why, n))
		return false;
	if (guest_acpi_check_hidden(&a, why, n))
		return false;
	gsnprintf(why, n, "%s%s%s", a.xsdt ? "XSDT" : "", a.xsdt && a.rsdt ? " and " : "",
		  a.rsdt ? "RSDT" : "");
	return true;
}

/* The ECAM address of bus:dev.fn in segment 0, 0 if MCFG does not cover it. */
static uint64_t ecam_addr(const struct ecam_window *w, unsigned nw, uint8_t bus, uint8_t dev,
			  uint8_t fn)
{
	unsigned i;

	for (i = 0; i < nw; i++)
		if (w[i].segment == 0 && bus >= w[i].start_bus && bus <= w[i].end_bus)
			return w[i].base + ((uint64_t)(bus - w[i].start_bus) << ECAM_BUS_SHIFT) +
			       ((uint64_t)dev << ECAM_DEV_SHIFT) + ((uint64_t)fn << ECAM_FN_SHIFT);
	return 0;
}

static uint32_t cf8_read(uint8_t bus, uint8_t dev, uint8_t fn, unsigned off)
{
	outl(PCI_CF8, PCI_CF8_ENABLE | (uint32_t)bus << 16 | (uint32_t)dev << 11 |
		      (uint32_t)fn << 8 | (off & 0xfc));
	return inl(PCI_CFC);
}

uint64_t pci_ecam_fn(const struct mb2_view *v, uint8_t bus, uint8_t dev, uint8_t fn)
{
	struct ecam_window w[8];
	unsigned nw = mcfg_windows(v, w, ARRAY_SIZE(w));
	uint64_t pa = ecam_addr(w, nw, bus, dev, fn);

	return pa && pa + PAGE_SIZE <= paging_limit() ? pa : 0;
}

uint32_t pci_cf8_read(uint8_t bus, uint8_t dev, uint8_t fn, unsigned off)
{
	return cf8_read(bus, dev, fn, off);
}

void pci_cf8_write(uint8_t bus, uint8_t dev, uint8_t fn, unsigned off, uint32_t val)
{
	outl(PCI_CF8, PCI_CF8_ENABLE | (uint32_t)bus << 16 | (uint32_t)dev << 11 |
		      (uint32_t)fn << 8 | (off & 0xfc));
	outl(PCI_CFC, val);
}

static bool vendor_real(uint32_t id)
{
	return (id & 0xffff) != 0xffff && (id & 0xffff) != 0;
}

bool pci_test_ecam_hidden(const struct guest_ctx *c, char *why, size_t n)
{
	const struct guest_opts *o = &c->opts;
	struct ecam_window w[8];
	unsigned nw = mcfg_windows(&c->view, w, ARRAY_SIZE(w));
	uint64_t hidden, host;
	unsigned off;
	uint32_t id;

	if (!nw)
		FAIL("no MCFG table (or no ACPI tag)");
	hidden = ecam_addr(w, nw, o->hidden_bus, o->hidden_dev, o->hidden_fn);
	host = ecam_addr(w, nw, 0, 0, 0);
	if (!hidden || !host)
		FAIL("MCFG does not cover bus %02x or bus 00", o->hidden_bus);
	if (host + PAGE_SIZE > paging_limit() || hidden + PAGE_SIZE > paging_limit())
		FAIL("ECAM at 0x%llx is beyond the identity map", (unsigned long long)hidden);
	id = mmio_read32(host);
	if (!vendor_real(id))
		FAIL("00:00.0 reads 0x%08x through ECAM at 0x%llx", id, (unsigned long long)host);
	for (off = 0; off < PCI_EXT_BYTES; off += off < PCI_HEADER_BYTES ? 4 : 0x100) {
		uint32_t v = mmio_read32(hidden + off);

		if (v != 0xffffffff)
			FAIL("%02x:%02x.%x offset 0x%x reads 0x%08x through ECAM at 0x%llx", o->hidden_bus,
			     o->hidden_dev, o->hidden_fn, off, v, (unsigned long long)(hidden + off));
	}
	gsnprintf(why, n, "00:00.0 is %04x:%04x", id & 0xffff, id >> 16);
	return true;
}

bool pci_test_cf8_hidden(const struct guest_ctx *c, char *why, size_t n)
{
	const struct guest_opts *o = &c->opts;
	uint32_t id = cf8_read(0, 0, 0, 0);
	unsigned off;

	if (!vendor_real(id))
		FAIL("00:00.0 reads 0x%08x through 0xCF8/0xCFC", id);
	for (off = 0; off < PCI_HEADER_BYTES; off += 4) {
		uint32_t v = cf8_read(o->hidden_bus, o->hidden_dev, o->hidden_fn, off);

		if (v != 0xffffffff)
			FAIL("%02x:%02x.%x offset 0x%x reads 0x%08x through 0xCF8/0xCFC", o->hidden_bus,
			     o->hidden_dev, o->hidden_fn, off, v);
	}
	gsnprintf(why, n, "00:00.0 is %04x:%04x", id & 0xffff, id >> 16);
	return true;
}
