/* SPDX-License-Identifier: MIT */
/*
 * Config space is device-controlled input: enumeration, capability walks,
 * BAR sizing, alias computation and the report must survive any bytes.
 * The input says which functions of buses 0-3 answer (a bitmap) and what
 * their config space holds; writes are accepted and ignored, so a BAR
 * "sizes" to whatever the device claims.
 */
#include <stdlib.h>
#include <string.h>

#include "kernel/panic.h"
#include "kernel/time.h"
#include "pci/dev.h"
#include "pci/enum.h"
#include "pci/pci.h"
#include "tests/fuzz/fuzz.h"

#define FUZZ_BUSES     4
#define PRESENT_BYTES  (FUZZ_BUSES * 256 / 8)

static const uint8_t *cfg;
static size_t cfg_len;
static const uint8_t *present;

static bool answers(uint8_t bus, uint8_t devfn)
{
	unsigned i = bus * 256u + devfn;

	return bus < FUZZ_BUSES && (present[i / 8] & (1u << (i % 8)));
}

uint32_t pci_cfg_read(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off, unsigned width)
{
	uint32_t v = 0;

	if (seg || !answers(bus, devfn) || off + width > PCI_CFG_SIZE || !cfg_len)
		return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
	/* Each function sees the payload from its own starting point. */
	for (unsigned i = 0; i < width; i++)
		v |= (uint32_t)cfg[((bus * 256u + devfn) * 61u + off + i) % cfg_len] << (8 * i);
	return v;
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
	abort();   /* a registry invariant broke: that is a finding */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mcfg_info mi = { .count = 1 };

	if (size < PRESENT_BYTES + 64)
		return 0;
	present = data;
	cfg = data + PRESENT_BYTES;
	cfg_len = size - PRESENT_BYTES;
	mi.ranges[0] = (struct mcfg_range){ .base = 0xb0000000, .segment = 0, .bus_start = 0,
					    .bus_end = FUZZ_BUSES - 1 };
	pci_dev_registry_reset();
	pci_enumerate(&mi);
	pci_report_tree();
	pci_dev_registry_reset();
	return 0;
}
