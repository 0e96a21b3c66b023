// SPDX-License-Identifier: MIT
/*
 * Inter-processor interrupts from a partition. Its CPUs program their own
 * local APICs, but the interrupt command register is trapped (the xAPIC
 * page is not in any stage-2; x2APIC is not offered), so an IPI leaves only
 * when every CPU it names belongs to the sender's partition. Cross-partition
 * IPIs, NMIs, INIT and STARTUP are dropped and counted, as Jailhouse does;
 * SMIs are never sent. INIT and STARTUP to another of the partition's own
 * CPUs are emulated, never sent: the target waits in the monitor until
 * INIT arms it and STARTUP makes the monitor create its vcpu there, in real
 * mode at the STARTUP vector (SDM Vol. 3 §9.4.4, the INIT-SIPI-SIPI
 * sequence). Once it runs, further INITs and STARTUPs to it are absorbed
 * (no CPU is reset behind its partition's back).
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

/*
 * Does a logical destination name the CPU with this LDR/DFR? Flat model: any
 * common bit of the 8-bit masks; cluster model: the same cluster (high
 * nibble) and a common bit in the low nibble (SDM Vol. 3 §11.6.2.2).
 */
static bool logical_match(uint32_t dest, uint32_t ldr, uint32_t dfr)
{
	uint32_t id = ldr >> 24;

	if ((dfr >> 28) == 0xf)
		return (dest & id) != 0;
	return (dest >> 4) == (id >> 4) && (dest & id & 0xf) != 0;
}

/*
 * Logical destination: resolved against every running vcpu's LDR, as the
 * guests wrote them (the APIC page is emulated, so every write is seen). Own
 * only when at least one CPU matches and none of another partition does.
 */
static bool logical_is_own(struct partition *p, uint32_t dest)
{
	unsigned own = 0;

	for (unsigned i = 0; i < partition_count; i++) {
		struct partition *q = &partitions[i];

		for (unsigned v = 0; v < q->ncpus; v++) {
			struct part_vcpu *t = __atomic_load_n(&q->vcpus[v], __ATOMIC_ACQUIRE);

			if (!t || !logical_match(dest, t->ldr, t->dfr))
				continue;
			if (q != p)
				return false;
			own++;
		}
	}
	return own > 0;
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
		return logical_is_own(p, dest);
	cpu = smp_cpu_of_apic(dest);
	return cpu >= 0 && part_owns_cpu(p, (unsigned)cpu);
}

/* INIT or STARTUP, physical destination: one of the sender's partition's other CPUs. */
static void init_sipi(struct part_vcpu *pv, uint32_t low, unsigned mode)
{
	struct partition *p = pv->vcpu.part;
	int cpu = smp_cpu_of_apic(FIELD_GET(APIC_ICR_DEST, pv->icr_high));
	int index = cpu >= 0 ? part_cpu_index(p, (unsigned)cpu) : -1;
	uint8_t *st;

	if (FIELD_GET(APIC_ICR_SHORTHAND, low) != APIC_SH_NONE || (low & APIC_ICR_LOGICAL) ||
	    index <= 0 || (unsigned)cpu == pv->vcpu.cpu) {
		drop(p, low, pv->icr_high, mode == APIC_DM_INIT ? "INIT (not one other CPU of its own)" :
				  "STARTUP (not one other CPU of its own)");
		return;
	}
	st = &p->ap_state[index];
	if (mode == APIC_DM_INIT) {
		/* The level de-assert that follows an INIT changes nothing. */
		if ((low & APIC_ICR_ASSERT) || !(low & APIC_ICR_LEVEL)) {
			if (__atomic_load_n(st, __ATOMIC_ACQUIRE) == PART_AP_WAITING)
				__atomic_store_n(st, PART_AP_INIT, __ATOMIC_RELEASE);
			else
				__atomic_add_fetch(&p->inits_absorbed, 1, __ATOMIC_RELAXED);
		}
		return;
	}
	{
		uint8_t want = PART_AP_INIT;

		if (!__atomic_compare_exchange_n(st, &want, PART_AP_RUNNING, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			return;   /* the second STARTUP, or no INIT before it: ignored, as a CPU does */
	}
	if (part_start_ap(p, (unsigned)index, (uint8_t)FIELD_GET(APIC_ICR_VECTOR, low)) < 0)
		pr_warn("%s: CPU %d is not waiting in the monitor; STARTUP ignored", p->name, cpu);
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
		init_sipi(pv, low, mode);
		return;
	}
	if (!destination_is_own(p, low, pv->icr_high)) {
		drop(p, low, pv->icr_high, "a CPU of another partition (or an unresolved destination)");
		return;
	}
	__atomic_add_fetch(&p->ipis_sent, 1, __ATOMIC_RELAXED);
	apic_send_ipi(pv->icr_high, low);
}
