// SPDX-License-Identifier: MIT
/*
 * Inter-processor interrupts from a partition. Its CPUs program their own
 * local APICs, but the interrupt command register is trapped (the xAPIC
 * page is not in any stage-2; x2APIC is not offered), so an IPI leaves only
 * when every CPU it names belongs to the sender's partition. Cross-partition
 * IPIs, NMIs, INIT and STARTUP are dropped and counted, as Jailhouse does;
 * SMIs are never sent. INIT and STARTUP to a partition's own CPUs are also
 * dropped for now: guest-started APs come with the monitor's INIT/SIPI
 * emulation.
 */
#define LOG_TAG "part"
#include "kernel/partition/exits.h"
#include "arch/x86/apic.h"
#include "kernel/log.h"

static void drop(struct partition *p, uint32_t low, uint32_t high, const char *why)
{
	uint64_t n = __atomic_add_fetch(&p->ipis_dropped, 1, __ATOMIC_RELAXED);

	if (n <= 8)
		pr_warn("%s: IPI dropped (ICR 0x%08x:%08x): %s%s", p->name, high, low, why,
			n == 8 ? " (further drops counted only)" : "");
}

/* Physical destination mode: one APIC id, or 0xFF (broadcast). */
static bool destination_is_own(struct partition *p, uint32_t low, uint32_t high)
{
	unsigned shorthand = FIELD_GET(APIC_ICR_SHORTHAND, low);
	uint32_t dest = FIELD_GET(APIC_ICR_DEST, high);
	int cpu;

	if (shorthand == APIC_SH_SELF)
		return true;
	if (shorthand != APIC_SH_NONE) {
		/* "All" and "all but self": only when the partition has every CPU. */
		for (unsigned c = 0; c < smp_cpu_count(); c++)
			if (!part_owns_cpu(p, c))
				return false;
		return true;
	}
	if (low & APIC_ICR_LOGICAL)
		return false;   /* logical destinations are not resolved: refuse rather than guess */
	cpu = smp_cpu_of_apic(dest);
	return cpu >= 0 && part_owns_cpu(p, (unsigned)cpu);
}

void vapic_icr_write(struct part_vcpu *pv, uint32_t low)
{
	struct partition *p = pv->vcpu.part;
	unsigned mode = FIELD_GET(APIC_ICR_DELIVERY, low);

	if (mode == APIC_DM_SMI) {
		drop(p, low, pv->icr_high, "SMI");
		return;
	}
	if (mode == APIC_DM_INIT || mode == APIC_DM_STARTUP) {
		drop(p, low, pv->icr_high, mode == APIC_DM_INIT ? "INIT" : "STARTUP");
		return;
	}
	if (!destination_is_own(p, low, pv->icr_high)) {
		drop(p, low, pv->icr_high, "a CPU of another partition (or an unresolved destination)");
		return;
	}
	__atomic_add_fetch(&p->ipis_sent, 1, __ATOMIC_RELAXED);
	apic_send_ipi(pv->icr_high, low);
}
