// SPDX-License-Identifier: MIT
/* NMI kicks (kick.h). */
#include "arch/x86/kick.h"
#include "arch/x86/apic.h"
#include "kernel/smp.h"

struct kick_state {
	bool pending;      /* a kick was sent and its NMI not yet seen */
	bool guest_nmi;    /* an NMI that is the guest's, to inject */
	uint64_t taken;
} __attribute__((aligned(64)));

static struct kick_state kicks[SMP_MAX_CPUS];

void cpu_kick(unsigned cpu)
{
	if (cpu >= SMP_MAX_CPUS)
		return;
	/*
	 * One kick NMI in flight at a time: a second one could arrive after the
	 * first consumed the mark, and would then be taken for the guest's.
	 */
	if (__atomic_exchange_n(&kicks[cpu].pending, true, __ATOMIC_SEQ_CST))
		return;
	apic_send_ipi(FIELD_PREP(APIC_ICR_DEST, smp_apic_id(cpu)),
		      (APIC_DM_NMI << 8) | BIT(14) /* level: assert */);
}

void cpu_kick_nmi_arrived(void)
{
	struct kick_state *k = &kicks[smp_this_cpu()];

	if (__atomic_exchange_n(&k->pending, false, __ATOMIC_SEQ_CST))
		__atomic_add_fetch(&k->taken, 1, __ATOMIC_RELAXED);
	else
		__atomic_store_n(&k->guest_nmi, true, __ATOMIC_RELAXED);
}

bool cpu_kick_take_guest_nmi(void)
{
	return __atomic_exchange_n(&kicks[smp_this_cpu()].guest_nmi, false, __ATOMIC_RELAXED);
}

uint64_t cpu_kicks_taken(unsigned cpu)
{
	return cpu < SMP_MAX_CPUS ? __atomic_load_n(&kicks[cpu].taken, __ATOMIC_RELAXED) : 0;
}
