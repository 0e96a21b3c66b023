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
#include "tests/guest/acpi.h"
#include "arch/x86/madt.h"

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

/*
 * `starve`: every CPU of this partition spins with interrupts off and never
 * exits (no port I/O, no HLT, no PAUSE), so the monitor gets no exit from
 * this partition again. The APs its MADT lists enabled are started with
 * INIT-STARTUP-STARTUP (SDM Vol. 3A §9.4.4) into a real-mode page holding
 * `cli; jmp $`; the boot CPU then does the same in long mode. Never returns.
 */
#define STARVE_CODE_MAX 0xa0000ULL   /* a STARTUP vector names a page below 640 KiB */

static const void *starve_phys(uint64_t pa, uint32_t len)
{
	if (pa + len < pa || pa + len > paging_limit())
		return NULL;
	return (const void *)(uintptr_t)pa;
}

/* A free page of available RAM below 640 KiB for the APs' code, clear of the info block; 0: none. */
static uint64_t starve_page(const struct guest_ctx *c)
{
	uint64_t info = (uintptr_t)c->info, info_end = info + c->view.total_size;

	for (unsigned i = 0; i < c->view.nmap; i++) {
		const struct mem_range *r = &c->view.map[i];

		if (r->type != MEM_AVAILABLE)
			continue;
		for (uint64_t pg = ALIGN_UP(MAX(r->base, 0x1000ULL), 0x1000); pg + 0x1000 <= r->base + r->len &&
		     pg + 0x1000 <= STARVE_CODE_MAX; pg += 0x1000)
			if (pg + 0x1000 <= info || pg >= info_end)
				return pg;
	}
	return 0;
}

static unsigned starve_start_aps(const struct guest_ctx *c, uint64_t page)
{
	uint32_t self = apic_read(APIC_ID) >> ICR_DEST_SHIFT;
	const struct acpi_header *madt;
	struct guest_acpi a;
	char why[8];
	unsigned started = 0;

	if (!page || guest_acpi_init(&a, c->view.rsdp, c->view.rsdp_len, starve_phys, why, sizeof(why)))
		return 0;
	madt = guest_acpi_find(&a, "APIC");
	if (!madt || madt->length < sizeof(struct acpi_madt))
		return 0;
	for (uint32_t off = sizeof(struct acpi_madt); off + sizeof(struct madt_entry_header) <= madt->length;) {
		const struct madt_lapic *e = (const void *)((const uint8_t *)madt + off);

		if (e->h.length < sizeof(e->h) || off + e->h.length > madt->length)
			break;
		off += e->h.length;
		if (e->h.type != MADT_TYPE_LAPIC || e->h.length < sizeof(*e) ||
		    !(e->flags & MADT_LAPIC_ENABLED) || e->apic_id == self)
			continue;
		send(e->apic_id, ICR_INIT | ICR_ASSERT);
		send(e->apic_id, ICR_STARTUP | ICR_ASSERT | (uint32_t)(page >> 12));
		send(e->apic_id, ICR_STARTUP | ICR_ASSERT | (uint32_t)(page >> 12));
		started++;
	}
	return started;
}

bool apic_starve(const struct guest_ctx *c, char *why, size_t n)
{
	static const uint8_t spin16[] = { 0xfa, 0xeb, 0xfe };   /* cli; jmp $ */
	uint64_t page = starve_page(c);
	unsigned aps;

	if (page)
		for (unsigned i = 0; i < sizeof(spin16); i++)
			((volatile uint8_t *)(uintptr_t)page)[i] = spin16[i];
	aps = starve_start_aps(c, page);
	diag("starve: %u AP(s) started at 0x%llx, every CPU of this partition now spins with interrupts off",
	     aps, (unsigned long long)page);
	__asm__ volatile("cli\n1:\tjmp 1b" ::: "memory");
	gsnprintf(why, n, "the spin ended");
	return false;
}
