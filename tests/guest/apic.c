// SPDX-License-Identifier: MIT
/*
 * IPIs through the xAPIC (SDM Vol. 3A §11.6, "Issuing Interprocessor
 * Interrupts"): `ipi=APICID` sends a fixed IPI, an NMI, an INIT and a SIPI
 * to another CPU, which the monitor must drop when that CPU belongs to
 * another partition. The receiving side, with `irr-check`, looks for the
 * fixed vector in its own IRR after its hold (an NMI or INIT that got
 * through shows up anyway: the NMI through the IDT, the INIT as silence).
 */
#include "tests/guest/guest.h"
#include "tests/guest/fmt.h"

#define FAIL(...) do { gsnprintf(why, n, __VA_ARGS__); return false; } while (0)

#define XAPIC_BASE        0xfee00000ULL
#define APIC_ID           0x020
#define APIC_SVR          0x0f0
#define APIC_IRR          0x200
#define APIC_ICR_LO       0x300
#define APIC_ICR_HI       0x310
#define APIC_SVR_ENABLE   BIT(8)
#define APIC_SPURIOUS_VEC 0xff
#define ICR_DELIVERY(m)   ((uint32_t)(m) << 8)
#define ICR_FIXED         ICR_DELIVERY(0)
#define ICR_NMI           ICR_DELIVERY(4)
#define ICR_INIT          ICR_DELIVERY(5)
#define ICR_STARTUP       ICR_DELIVERY(6)
#define ICR_PENDING       BIT(12)
#define ICR_ASSERT        BIT(14)
#define ICR_DEST_SHIFT    24

#define IPI_VECTOR        0xee      /* the fixed IPI's vector, looked for by irr-check */
#define SIPI_VECTOR       0x08      /* would start a waiting CPU at 0x8000 */
#define ICR_SPINS         100000

static uint32_t apic_read(unsigned reg)
{
	return mmio_read32(XAPIC_BASE + reg);
}

static void apic_write(unsigned reg, uint32_t v)
{
	mmio_write32(XAPIC_BASE + reg, v);
}

void apic_enable(void)
{
	apic_write(APIC_SVR, APIC_SVR_ENABLE | APIC_SPURIOUS_VEC);
}

static bool send(uint32_t dest, uint32_t icr_lo)
{
	unsigned spins = ICR_SPINS;

	apic_write(APIC_ICR_HI, dest << ICR_DEST_SHIFT);
	apic_write(APIC_ICR_LO, icr_lo);
	while ((apic_read(APIC_ICR_LO) & ICR_PENDING) && --spins)
		cpu_relax();
	return spins != 0;
}

bool apic_test_ipi(const struct guest_ctx *c, char *why, size_t n)
{
	uint32_t dest = c->opts.ipi_apic;
	uint32_t self = apic_read(APIC_ID) >> ICR_DEST_SHIFT;
	unsigned stuck = 0;

	if (dest == self || dest > 0xff)
		FAIL("APIC id %u is this CPU's or not an xAPIC id", dest);
	apic_enable();
	stuck += !send(dest, ICR_FIXED | ICR_ASSERT | IPI_VECTOR);
	stuck += !send(dest, ICR_NMI | ICR_ASSERT);
	stuck += !send(dest, ICR_INIT | ICR_ASSERT);
	stuck += !send(dest, ICR_STARTUP | ICR_ASSERT | SIPI_VECTOR);
	if (stuck)
		diag("ipi: delivery status stayed pending for %u of 4 IPIs", stuck);
	gsnprintf(why, n, "fixed 0x%x, NMI, INIT, SIPI sent to APIC id %u from %u; still running",
		  IPI_VECTOR, dest, self);
	return true;
}

bool apic_test_irr(const struct guest_ctx *c, char *why, size_t n)
{
	uint32_t irr = apic_read(APIC_IRR + 0x10 * (IPI_VECTOR / 32));

	(void)c;
	if (irr & BIT(IPI_VECTOR % 32))
		FAIL("vector 0x%x is pending in this CPU's IRR", IPI_VECTOR);
	return true;
}
