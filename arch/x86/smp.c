// SPDX-License-Identifier: MIT
/*
 * Application-processor start-up (SDM Vol. 3 §8.4.4: INIT, then two
 * STARTUP IPIs) and per-CPU identity. Each CPU's GS base points at its
 * struct percpu, so smp_this_cpu() is one load; VMLOAD of the monitor's
 * saved state restores GS after every guest exit.
 */
#define LOG_TAG "smp"
#include <errno.h>
#include <string.h>

#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/io.h"
#include "arch/x86/madt.h"
#include "arch/x86/paging.h"
#include "arch/x86/smp_boot.h"
#include "kernel/frames.h"
#include "kernel/idle.h"
#include "kernel/log.h"
#include "kernel/phys.h"
#include "kernel/smp.h"
#include "kernel/time.h"

#define MSR_GS_BASE       0xC0000101
#define AP_STACK_PAGES    4
#define AP_ANSWER_US      200000   /* how long an AP has to reach ap_main */

struct percpu {
	struct percpu *self;          /* %gs:0 */
	unsigned index;               /* %gs:8 */
	uint32_t apic_id;
	volatile bool online;
	void (*volatile work)(void *arg);
	void *volatile work_arg;
};

static struct percpu percpu[SMP_MAX_CPUS];
static unsigned cpus_up = 1;
static unsigned starting;         /* the index of the AP being started */
uint64_t ap_final_cr3;

static void set_gs_base(struct percpu *pc)
{
	pc->self = pc;
	wrmsr(MSR_GS_BASE, (uint64_t)pc);
}

void smp_init_boot_cpu(void)
{
	percpu[0].index = 0;
	percpu[0].online = true;
	set_gs_base(&percpu[0]);
}

unsigned smp_this_cpu(void)
{
	unsigned idx;

	__asm__ volatile("movl %%gs:8, %0" : "=r"(idx));
	return idx;
}

unsigned smp_cpu_count(void)
{
	return cpus_up;
}

uint32_t smp_apic_id(unsigned cpu)
{
	return percpu[cpu].apic_id;
}

int smp_cpu_of_apic(uint32_t apic_id)
{
	for (unsigned i = 0; i < cpus_up; i++)
		if (percpu[i].apic_id == apic_id)
			return (int)i;
	return -1;
}

/* Called by ap_entry64 on the AP's own stack with the monitor's page tables. */
void ap_main(void)
{
	struct percpu *pc = &percpu[__atomic_load_n(&starting, __ATOMIC_ACQUIRE)];
	void *tables = (void *)(uintptr_t)pc->work_arg;

	cpu_init_ap(tables);
	set_gs_base(pc);
	pc->work_arg = NULL;
	__atomic_store_n(&pc->online, true, __ATOMIC_RELEASE);
	for (;;) {
		void (*fn)(void *) = __atomic_load_n(&pc->work, __ATOMIC_ACQUIRE);

		if (fn) {
			fn(pc->work_arg);
			break;
		}
		/* Waiting is the monitor's time: drain IOMMU faults, read the serial line. */
		idle_poll();
		cpu_relax();
	}
	cpu_halt_forever();
}

int smp_run_on(unsigned cpu, void (*fn)(void *arg), void *arg)
{
	if (cpu == 0 || cpu >= cpus_up || percpu[cpu].work)
		return -EINVAL;
	percpu[cpu].work_arg = arg;
	__atomic_store_n(&percpu[cpu].work, fn, __ATOMIC_RELEASE);
	return 0;
}

/* Temporary tables: this low page at its own address, and the monitor's upper half. */
static int trampoline_prepare(void)
{
	uint64_t *pml4 = phys_map(TRAMPOLINE_PA + 0x1000, 3 * PAGE_SIZE, PHYS_WB);
	uint64_t *pdpt = pml4 + 512, *pd = pml4 + 1024;
	const uint64_t *live = phys_map(read_cr3() & PTE_ADDR, PAGE_SIZE, PHYS_WB);
	uint8_t *code = phys_map(TRAMPOLINE_PA, PAGE_SIZE, PHYS_WB);

	if (!pml4 || !live || !code)
		return -ENOMEM;
	memset(pml4, 0, 3 * PAGE_SIZE);
	pml4[0] = (TRAMPOLINE_PA + 0x2000) | PTE_P | PTE_RW;
	pdpt[0] = (TRAMPOLINE_PA + 0x3000) | PTE_P | PTE_RW;
	pd[0] = 0 | PTE_P | PTE_RW | PTE_PS;
	for (unsigned i = 256; i < 512; i++)
		pml4[i] = live[i];
	memcpy(code, trampoline_start, trampoline_end - trampoline_start);
	ap_final_cr3 = read_cr3();
	return 0;
}

static struct trampoline_mailbox *mailbox(void)
{
	return phys_map(TRAMPOLINE_PA + ((char *)&trampoline_mailbox - trampoline_start),
			sizeof(struct trampoline_mailbox), PHYS_WB);
}

static bool start_one(unsigned idx, uint32_t apic_id)
{
	struct percpu *pc = &percpu[idx];
	struct trampoline_mailbox *mb = mailbox();
	paddr_t stack = frames_alloc_contig(AP_STACK_PAGES, PAGE_SIZE);
	paddr_t tables = frames_alloc_contig(CPU_TABLES_SIZE / PAGE_SIZE, PAGE_SIZE);
	uint64_t t0;

	if (!stack || !tables) {
		pr_err("no memory to start CPU with APIC id %u", apic_id);
		return false;
	}
	pc->index = idx;
	pc->apic_id = apic_id;
	pc->work_arg = phys_to_virt(tables);
	__atomic_store_n(&starting, idx, __ATOMIC_RELEASE);
	mb->cr3_low = TRAMPOLINE_PA + 0x1000;
	mb->cr0 = read_cr0();
	mb->cr4 = read_cr4();
	mb->efer = rdmsr(MSR_EFER) & (BIT(8) | EFER_NXE);   /* LME, NXE */
	mb->stack = (uint64_t)phys_to_virt(stack) + AP_STACK_PAGES * PAGE_SIZE;
	mb->entry = (uint64_t)ap_entry64;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	apic_send_ipi(FIELD_PREP(APIC_ICR_DEST, apic_id),
		      FIELD_PREP(APIC_ICR_DELIVERY, APIC_DM_INIT) | APIC_ICR_ASSERT | APIC_ICR_LEVEL);
	udelay(10000);
	for (unsigned sipi = 0; sipi < 2 && !pc->online; sipi++) {
		apic_send_ipi(FIELD_PREP(APIC_ICR_DEST, apic_id),
			      FIELD_PREP(APIC_ICR_DELIVERY, APIC_DM_STARTUP) | (TRAMPOLINE_PA >> 12));
		udelay(200);
	}
	t0 = time_now_us();
	while (!__atomic_load_n(&pc->online, __ATOMIC_ACQUIRE) && time_now_us() - t0 < AP_ANSWER_US)
		cpu_relax();
	if (!pc->online) {
		pr_err("CPU with APIC id %u did not answer INIT-SIPI-SIPI", apic_id);
		frames_free(stack, AP_STACK_PAGES);
		frames_free(tables, CPU_TABLES_SIZE / PAGE_SIZE);
		return false;
	}
	return true;
}

unsigned smp_start_aps(const struct madt_info *mi)
{
	uint32_t self;

	if (apic_init(mi->lapic_address) < 0)
		return 1;
	self = apic_this_id();
	percpu[0].apic_id = self;
	if (trampoline_prepare() < 0) {
		pr_err("cannot prepare the AP trampoline at 0x%x", TRAMPOLINE_PA);
		return 1;
	}
	for (unsigned i = 0; i < mi->cpu_count; i++) {
		const struct madt_cpu *c = &mi->cpus[i];

		if (!c->enabled || c->apic_id == self)
			continue;
		if (cpus_up >= SMP_MAX_CPUS) {
			pr_warn("more than %u CPUs: APIC id %u and later stay off", SMP_MAX_CPUS, c->apic_id);
			break;
		}
		if (start_one(cpus_up, c->apic_id))
			cpus_up++;
	}
	pr_info("%u CPU(s) up: boot CPU APIC id %u, %u application processor(s)", cpus_up, self,
		cpus_up - 1);
	return cpus_up;
}
