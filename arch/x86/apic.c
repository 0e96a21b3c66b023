// SPDX-License-Identifier: MIT
#define LOG_TAG "apic"
#include <errno.h>

#include "arch/x86/apic.h"
#include "arch/x86/io.h"
#include "kernel/log.h"
#include "kernel/phys.h"
#include "kernel/time.h"

static volatile uint8_t *apic;

int apic_init(uint64_t base)
{
	apic = phys_map(base, PAGE_SIZE, PHYS_UC);
	if (!apic) {
		pr_err("cannot map the local APIC at 0x%llx", (unsigned long long)base);
		return -ENOMEM;
	}
	return 0;
}

uint32_t apic_read(unsigned reg)
{
	return mmio_read32(apic + reg);
}

void apic_write(unsigned reg, uint32_t v)
{
	mmio_write32(apic + reg, v);
}

uint32_t apic_this_id(void)
{
	return apic_read(APIC_ID) >> APIC_ID_SHIFT;
}

void apic_send_ipi(uint32_t icr_high, uint32_t icr_low)
{
	apic_write(APIC_ICR_HIGH, icr_high);
	apic_write(APIC_ICR_LOW, icr_low);
	/* Bounded: a real APIC clears delivery status within microseconds. */
	for (unsigned i = 0; i < 100000 && (apic_read(APIC_ICR_LOW) & APIC_ICR_PENDING); i++)
		cpu_relax();
}
