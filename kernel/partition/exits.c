// SPDX-License-Identifier: MIT
/*
 * The exit table. I/O: the virtual COM1, the virtual exit port, the legacy
 * PCI configuration ports; a child's other ports read all-ones and ignore
 * writes (each port reported once). MSRs: the synthetic ones (hv.c), the
 * APIC base (it must stay where the monitor traps it), everything else the
 * bitmap lets through never gets here; an MSR that does get here and is not
 * known injects #GP, as Hyper-V does.
 */
#define LOG_TAG "part"
#include <stdio.h>
#include <string.h>

#include "kernel/partition/exits.h"
#include "kernel/partition/vuart.h"
#include "kernel/hvcall/hvcall.h"
#include "arch/x86/apic.h"
#include "arch/x86/io.h"
#include "kernel/idle.h"
#include "kernel/log.h"
#include "kernel/time.h"

#define VEC_GP 13
#define VEC_UD 6

static const char *const exit_names[PEXIT_KINDS] = {
	"cpuid", "rdmsr", "wrmsr", "io", "s2-fault", "mmio", "hypercall", "shutdown", "hlt",
	"init", "intr", "other",
};

static void advance(struct part_vcpu *pv, const struct vcpu_exit *e)
{
	pv->vcpu.regs.rip += e->instr_len;
}

static void count(struct partition *p, enum part_exit_kind k)
{
	__atomic_add_fetch(&p->exits[k], 1, __ATOMIC_RELAXED);
}

/* ---- I/O ------------------------------------------------------------------------------- */

static uint32_t size_mask(unsigned size)
{
	return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

static void guest_exit_port(struct partition *p, uint32_t value)
{
	p->exit_written = true;
	p->exit_value = (uint8_t)value;
	p->success = p->exit_value == GUEST_EXIT_OK;
	part_stop(p, "exit port written: 0x%02x (%s)", p->exit_value,
		  p->success ? "success" : "failure");
}

static void report_port_once(struct partition *p, uint16_t port, bool in)
{
	static uint8_t reported[PART_MAX][65536 / 8];
	unsigned idx = p->id - PART_ROOT_ID;

	if (idx >= PART_MAX || (reported[idx][port / 8] & (1u << (port % 8))))
		return;
	reported[idx][port / 8] |= 1u << (port % 8);
	pr_info("%s: %s port 0x%x: not this partition's (reads all-ones, writes ignored; reported once)",
		p->name, in ? "read of" : "write to", port);
}

static void handle_io(struct part_vcpu *pv, const struct vcpu_exit *e)
{
	struct partition *p = pv->vcpu.part;
	uint16_t port = e->io.port;
	uint32_t mask = size_mask(e->io.size), value = (uint32_t)pv->vcpu.regs.rax & mask, result = mask;

	count(p, PEXIT_IO);
	if (e->io.string) {
		part_stop(p, "string I/O (INS/OUTS) on port 0x%x is not emulated, RIP 0x%llx", port,
			  (unsigned long long)pv->vcpu.regs.rip);
		return;
	}
	if (port >= VUART_BASE && port < VUART_BASE + VUART_PORTS)
		result = vuart_io(&p->uart, port - VUART_BASE, e->io.in, value, time_now_us()) & mask;
	else if (port == QEMU_EXIT_PORT && !e->io.in) {
		advance(pv, e);
		guest_exit_port(p, value);
		return;
	} else if (port >= 0xCF8 && port <= 0xCFF)
		result = pcicfg_port_io(pv, port, e->io.size, e->io.in, value) & mask;
	else
		report_port_once(p, port, e->io.in);
	if (e->io.in)
		pv->vcpu.regs.rax = (pv->vcpu.regs.rax & ~(uint64_t)mask) | result;
	advance(pv, e);
}

/* ---- MSRs ------------------------------------------------------------------------------ */

/* The APIC stays enabled, in xAPIC mode, at its address: that is where ICR writes are trapped. */
static int apic_base_write(uint64_t value)
{
	uint64_t now = rdmsr(MSR_APIC_BASE);

	if (value & APIC_BASE_EXTD)
		return -1;
	if ((value & (APIC_BASE_ADDR | APIC_BASE_ENABLE)) != (now & (APIC_BASE_ADDR | APIC_BASE_ENABLE)))
		return -1;
	return 0;
}

static void handle_msr(struct part_vcpu *pv, const struct vcpu_exit *e, bool write)
{
	struct vcpu_regs *r = &pv->vcpu.regs;
	uint64_t value = 0;
	int rc;

	count(pv->vcpu.part, write ? PEXIT_MSR_WRITE : PEXIT_MSR_READ);
	if (e->msr.index == MSR_APIC_BASE)
		rc = write ? apic_base_write(e->msr.value) : (value = rdmsr(MSR_APIC_BASE) & ~APIC_BASE_EXTD, 0);
	else if (write)
		rc = hv_msr_write(pv, e->msr.index, e->msr.value);
	else
		rc = hv_msr_read(pv, e->msr.index, &value);
	if (rc < 0) {
		part_vops->inject_exception(&pv->vcpu, VEC_GP, 0);
		return;
	}
	if (!write) {
		r->rax = (uint32_t)value;
		r->rdx = value >> 32;
	}
	advance(pv, e);
}

static void handle_cpuid(struct part_vcpu *pv, const struct vcpu_exit *e)
{
	struct vcpu_regs *r = &pv->vcpu.regs;
	uint32_t out[4];

	count(pv->vcpu.part, PEXIT_CPUID);
	hv_cpuid(pv->vcpu.part, (uint32_t)r->rax, (uint32_t)r->rcx, out);
	r->rax = out[0];
	r->rbx = out[1];
	r->rcx = out[2];
	r->rdx = out[3];
	advance(pv, e);
}

/* ---- The table ------------------------------------------------------------------------- */

void exit_handle(struct part_vcpu *pv, struct vcpu_exit *e)
{
	struct partition *p = pv->vcpu.part;
	unsigned long long rip = pv->vcpu.regs.rip;

	/*
	 * Every CPU runs a partition, so IOMMU faults are drained on exits
	 * (rate-limited; one CPU per period): a guest that never exits delays
	 * the fault log and the storm cut-off, never the blocking itself.
	 */
	idle_poll();

	switch (e->reason) {
	case VCPU_EXIT_CPUID:
		handle_cpuid(pv, e);
		break;
	case VCPU_EXIT_MSR_READ:
		handle_msr(pv, e, false);
		break;
	case VCPU_EXIT_MSR_WRITE:
		handle_msr(pv, e, true);
		break;
	case VCPU_EXIT_IO:
		handle_io(pv, e);
		break;
	case VCPU_EXIT_S2_FAULT:
		mmio_handle_s2_fault(pv, e);
		break;
	case VCPU_EXIT_HYPERCALL:
		count(p, PEXIT_HYPERCALL);
		hvcall_exit(pv, e);
		break;
	case VCPU_EXIT_INIT:
		/* INIT from anywhere is the monitor's: the CPU is not reset behind the partition's back. */
		count(p, PEXIT_INIT);
		__atomic_add_fetch(&p->inits_absorbed, 1, __ATOMIC_RELAXED);
		break;
	case VCPU_EXIT_INTR:
		count(p, PEXIT_INTR);
		break;
	case VCPU_EXIT_HLT:
		count(p, PEXIT_HLT);
		advance(pv, e);
		break;
	case VCPU_EXIT_SHUTDOWN:
		count(p, PEXIT_SHUTDOWN);
		part_stop(p, "triple fault (shutdown) at RIP 0x%llx", rip);
		break;
	case VCPU_EXIT_ENTRY_FAILED:
		count(p, PEXIT_OTHER);
		pr_err("%s: the CPU refused the guest state (exit 0x%llx)", p->name,
		       (unsigned long long)e->raw.code);
		part_stop(p, "VM entry failed at RIP 0x%llx", rip);
		break;
	default:
		count(p, PEXIT_OTHER);
		part_stop(p, "unhandled exit 0x%llx (info 0x%llx 0x%llx) at RIP 0x%llx",
			  (unsigned long long)e->raw.code, (unsigned long long)e->raw.info1,
			  (unsigned long long)e->raw.info2, rip);
		break;
	}
}

void part_report_counters(void)
{
	for (unsigned i = 0; i < partition_count; i++) {
		struct partition *p = &partitions[i];
		char line[256];
		int n = 0;
		uint64_t total = 0;

		for (unsigned k = 0; k < PEXIT_KINDS; k++) {
			total += p->exits[k];
			if (p->exits[k] && n < (int)sizeof(line))
				n += snprintf(line + n, sizeof(line) - n, " %s %llu", exit_names[k],
					      (unsigned long long)p->exits[k]);
		}
		pr_info("%s: %llu exits:%s", p->name, (unsigned long long)total, n ? line : " none");
		pr_info("%s: entered %llu ms after the monitor's first line, first console line at %llu ms; stage-2 %llu table pages for %llu MiB",
			p->name, (unsigned long long)(p->boot_tsc_us / 1000),
			(unsigned long long)(p->uart.first_line_us / 1000), (unsigned long long)p->s2.stats.tables,
			(unsigned long long)(p->ram_size / MiB));
		pr_info("%s: %llu hypercalls, %llu IPIs sent, %llu dropped, %llu INITs absorbed, %llu console lines (%llu dropped)",
			p->name, (unsigned long long)p->hypercalls, (unsigned long long)p->ipis_sent,
			(unsigned long long)p->ipis_dropped, (unsigned long long)p->inits_absorbed,
			(unsigned long long)p->uart.lines, (unsigned long long)p->uart.dropped);
		hvcall_report(p);
	}
}
