// SPDX-License-Identifier: MIT
/*
 * AMD SVM with nested paging: the vcpu backend (AMD64 APM Vol. 2, ch. 15).
 *
 * The monitor runs with GIF clear on every CPU (CLGI once, never STGI): an
 * NMI, SMI or INIT that arrives while the monitor handles an exit is held
 * until VMRUN sets GIF again, and then reaches the guest (NMI) or exits to
 * the monitor (INIT, intercepted). So no physical event ever interrupts the
 * monitor. NMIs exit (the NMI intercept), so a guest cannot hold off a
 * kick (arch/x86/kick.h): after an NMI exit the NMI is still pending, and
 * the monitor takes it through its own NMI vector by opening GIF for one
 * instruction; an NMI that was not a kick is then injected into the guest.
 *
 * QEMU's SVM has neither next-RIP saving nor decode assists, so instruction
 * lengths come from the instruction (CPUID, RDMSR, WRMSR: 2 bytes; VMMCALL:
 * 3) or from EXITINFO2 (I/O).
 */
#define LOG_TAG "svm"
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "arch/x86/svm/vmcb.h"
#include "arch/x86/vcpu.h"
#include "arch/x86/io.h"
#include "arch/x86/kick.h"
#include "arch/x86/paging.h"
#include "kernel/frames.h"
#include "kernel/log.h"
#include "kernel/smp.h"

_Static_assert(offsetof(struct vcpu_regs, rbx) == 8 && offsetof(struct vcpu_regs, rdi) == 40 &&
	       offsetof(struct vcpu_regs, rbp) == 48 && offsetof(struct vcpu_regs, r8) == 64 &&
	       offsetof(struct vcpu_regs, r15) == 120, "svm/entry.S offsets");

void svm_enter(struct vcpu_regs *regs, uint64_t vmcb_pa, uint64_t host_vmcb_pa);

#define GUEST_ASID 1   /* one guest per CPU: every vcpu can use the same ASID */

struct svm_cpu {
	paddr_t hsave_pa;
	paddr_t host_vmcb_pa;
};
static struct svm_cpu cpus[SMP_MAX_CPUS];

static struct vmcb *vmcb_of(struct vcpu *v)
{
	return v->ctl;
}

static paddr_t zeroed_frames(unsigned count)
{
	paddr_t pa = count == 1 ? frame_alloc() : frames_alloc_contig(count, PAGE_SIZE);

	if (pa)
		memset(phys_to_virt(pa), 0, count * PAGE_SIZE);
	return pa;
}

static int svm_cpu_enable(void)
{
	struct svm_cpu *c = &cpus[smp_this_cpu()];

	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
		pr_err("SVM is disabled by firmware (VM_CR.SVMDIS)");
		return -ENODEV;
	}
	if (!c->hsave_pa) {
		c->hsave_pa = zeroed_frames(1);
		c->host_vmcb_pa = zeroed_frames(1);
		if (!c->hsave_pa || !c->host_vmcb_pa)
			return -ENOMEM;
	}
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, c->hsave_pa);
	__asm__ volatile("clgi" ::: "memory");
	/* The monitor's FS/GS/TR/LDTR and syscall MSRs, restored after every #VMEXIT. */
	__asm__ volatile("vmsave %%rax" :: "a"(c->host_vmcb_pa) : "memory");
	return 0;
}

static int svm_create(struct vcpu *v, paddr_t s2_root)
{
	paddr_t vmcb = zeroed_frames(1), iopm = zeroed_frames(3), msrpm = zeroed_frames(2);
	struct vmcb *c;

	if (!vmcb || !iopm || !msrpm) {
		if (vmcb)
			frames_free(vmcb, 1);
		if (iopm)
			frames_free(iopm, 3);
		if (msrpm)
			frames_free(msrpm, 2);
		return -ENOMEM;
	}
	/* Everything exits until the partition layer opens it: safe by default. */
	memset(phys_to_virt(iopm), 0xff, SVM_IOPM_SIZE);
	memset(phys_to_virt(msrpm), 0xff, SVM_MSRPM_SIZE);
	v->ctl = phys_to_virt(vmcb);
	v->ctl_pa = vmcb;
	v->io_bitmap = phys_to_virt(iopm);
	v->io_bitmap_pa = iopm;
	v->msr_bitmap = phys_to_virt(msrpm);
	v->msr_bitmap_pa = msrpm;

	c = v->ctl;
	c->intercept_misc1 = SVM_INTERCEPT_NMI | SVM_INTERCEPT_INIT | SVM_INTERCEPT_CPUID | SVM_INTERCEPT_IOIO |
			     SVM_INTERCEPT_MSR | SVM_INTERCEPT_SHUTDOWN | SVM_INTERCEPT_INVD |
			     SVM_INTERCEPT_TASK_SWITCH;
	/* Every SVM instruction exits (VMRUN must, architecturally) and gets #UD. */
	c->intercept_misc2 = SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL | SVM_INTERCEPT_VMLOAD |
			     SVM_INTERCEPT_VMSAVE | SVM_INTERCEPT_STGI | SVM_INTERCEPT_CLGI |
			     SVM_INTERCEPT_SKINIT;
	c->iopm_base_pa = iopm;
	c->msrpm_base_pa = msrpm;
	c->asid = GUEST_ASID;
	c->tlb_control = SVM_TLB_FLUSH_ALL;
	c->np_enable = 1;
	c->n_cr3 = s2_root;
	return 0;
}

static void load_segment(struct vmcb_segment *dst, const struct vcpu_segment *s)
{
	dst->selector = s->selector;
	dst->attrib = s->attrib;
	dst->limit = s->limit;
	dst->base = s->base;
}

static void svm_set_state(struct vcpu *v, const struct vcpu_init_state *s)
{
	struct vmcb *c = vmcb_of(v);

	v->regs = s->regs;
	c->cr0 = s->cr0;
	c->cr3 = s->cr3;
	c->cr4 = s->cr4;
	c->efer = s->efer | EFER_SVME;   /* VMRUN requires it; the guest never sees it */
	load_segment(&c->cs, &s->cs);
	load_segment(&c->ds, &s->ds);
	load_segment(&c->es, &s->es);
	load_segment(&c->ss, &s->ss);
	load_segment(&c->fs, &s->fs);
	load_segment(&c->gs, &s->gs);
	load_segment(&c->tr, &s->tr);
	load_segment(&c->ldtr, &s->ldtr);
	c->gdtr.base = s->gdtr_base;
	c->gdtr.limit = s->gdtr_limit;
	c->idtr.base = s->idtr_base;
	c->idtr.limit = s->idtr_limit;
	c->cpl = (s->cs.attrib >> 5) & 3;
	c->dr6 = 0xffff0ff0;
	c->dr7 = 0x400;
	c->g_pat = 0x0007040600070406ULL;   /* the power-on PAT */
	c->eventinj = 0;
	c->tlb_control = SVM_TLB_FLUSH_ALL;
}

static void svm_inject_exception(struct vcpu *v, uint8_t vector, int64_t err)
{
	uint64_t ev = vector | SVM_EVENT_TYPE_EXCEPTION | SVM_EVENT_VALID;

	if (err >= 0)
		ev |= SVM_EVENT_ERROR_VALID | FIELD_PREP(SVM_EVENT_ERROR_CODE, (uint32_t)err);
	vmcb_of(v)->eventinj = ev;
}

static bool is_svm_instruction_exit(uint64_t code)
{
	return code == SVM_EXIT_VMRUN || (code >= 0x82 && code <= 0x86);
}

static void decode_ioio(struct vcpu *v, struct vcpu_exit *e)
{
	struct vmcb *c = vmcb_of(v);
	uint64_t info = c->exitinfo1;

	e->reason = VCPU_EXIT_IO;
	e->io.port = FIELD_GET(SVM_IOIO_PORT, info);
	e->io.in = info & SVM_IOIO_IN;
	e->io.string = info & SVM_IOIO_STR;
	e->io.rep = info & SVM_IOIO_REP;
	e->io.size = (info & SVM_IOIO_SZ32) ? 4 : (info & SVM_IOIO_SZ16) ? 2 : 1;
	e->instr_len = (uint8_t)(c->exitinfo2 - c->rip);
}

static void decode_exit(struct vcpu *v, struct vcpu_exit *e)
{
	struct vmcb *c = vmcb_of(v);

	memset(e, 0, sizeof(*e));
	e->raw.code = c->exitcode;
	e->raw.info1 = c->exitinfo1;
	e->raw.info2 = c->exitinfo2;
	switch (c->exitcode) {
	case SVM_EXIT_CPUID:
		e->reason = VCPU_EXIT_CPUID;
		e->instr_len = 2;
		break;
	case SVM_EXIT_MSR:
		e->reason = c->exitinfo1 ? VCPU_EXIT_MSR_WRITE : VCPU_EXIT_MSR_READ;
		e->msr.index = (uint32_t)v->regs.rcx;
		e->msr.value = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;
		e->instr_len = 2;
		break;
	case SVM_EXIT_IOIO:
		decode_ioio(v, e);
		break;
	case SVM_EXIT_NPF: {
		uint64_t err = c->exitinfo1;

		e->reason = VCPU_EXIT_S2_FAULT;
		e->s2.gpa = c->exitinfo2;
		e->s2.write = err & SVM_NPF_WRITE;
		e->s2.fetch = err & SVM_NPF_FETCH;
		break;
	}
	case SVM_EXIT_VMMCALL:
		e->reason = VCPU_EXIT_HYPERCALL;
		e->instr_len = 3;
		break;
	case SVM_EXIT_SHUTDOWN:
		e->reason = VCPU_EXIT_SHUTDOWN;
		break;
	case SVM_EXIT_HLT:
		e->reason = VCPU_EXIT_HLT;
		e->instr_len = 1;
		break;
	case SVM_EXIT_INIT:
		e->reason = VCPU_EXIT_INIT;
		break;
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
		e->reason = VCPU_EXIT_INTR;
		break;
	case SVM_EXIT_INVALID:
		e->reason = VCPU_EXIT_ENTRY_FAILED;
		break;
	default:
		e->reason = VCPU_EXIT_UNHANDLED;
		break;
	}
}

/*
 * An exit that interrupted the delivery of an event (a nested page fault on
 * the guest's IDT, say) leaves it in EXITINTINFO: deliver it again unless the
 * monitor injects something itself.
 */
static void requeue_interrupted_event(struct vmcb *c)
{
	if ((c->exitintinfo & SVM_EVENT_VALID) && !(c->eventinj & SVM_EVENT_VALID))
		c->eventinj = c->exitintinfo;
}

/*
 * EFER stays the backend's: VMRUN needs EFER.SVME in the guest's copy, and
 * the guest must neither see it nor clear it. Writable: SCE, LME, NXE,
 * FFXSR, TCE (LMA follows CR0.PG and LME by itself); anything else is #GP.
 */
#define EFER_GUEST_WRITABLE (BIT(0) | BIT(8) | BIT(11) | BIT(14) | BIT(15))
#define EFER_LMA            BIT(10)

static bool handle_efer(struct vcpu *v)
{
	struct vmcb *c = vmcb_of(v);

	if (c->exitcode != SVM_EXIT_MSR || (uint32_t)v->regs.rcx != MSR_EFER)
		return false;
	if (c->exitinfo1 == 0) {
		uint64_t val = c->efer & ~EFER_SVME;

		v->regs.rax = (uint32_t)val;
		v->regs.rdx = val >> 32;
	} else {
		uint64_t val = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;

		if (val & ~(EFER_GUEST_WRITABLE | EFER_LMA)) {
			svm_inject_exception(v, 13 /* #GP */, 0);
			return true;
		}
		c->efer = (val & EFER_GUEST_WRITABLE) | (c->efer & EFER_LMA) | EFER_SVME;
	}
	v->regs.rip += 2;
	return true;
}

/*
 * After an NMI exit the NMI is still pending and GIF is clear: open GIF for
 * one instruction so the monitor's NMI vector takes it (cpu_kick_nmi_arrived).
 */
static void take_pending_nmi(void)
{
	__asm__ volatile("stgi; nop; clgi" ::: "memory");
}

static void svm_run(struct vcpu *v, struct vcpu_exit *e)
{
	struct vmcb *c = vmcb_of(v);
	paddr_t host = cpus[smp_this_cpu()].host_vmcb_pa;

	for (;;) {
		c->rax = v->regs.rax;
		c->rsp = v->regs.rsp;
		c->rip = v->regs.rip;
		c->rflags = v->regs.rflags;
		svm_enter(&v->regs, v->ctl_pa, host);
		v->regs.rax = c->rax;
		v->regs.rsp = c->rsp;
		v->regs.rip = c->rip;
		v->regs.rflags = c->rflags;
		c->tlb_control = SVM_TLB_CONTROL_NONE;
		c->eventinj = 0;
		requeue_interrupted_event(c);
		if (c->exitcode == SVM_EXIT_NMI)
			take_pending_nmi();
		if (!(c->eventinj & SVM_EVENT_VALID) && cpu_kick_take_guest_nmi())
			c->eventinj = 2 | SVM_EVENT_TYPE_NMI | SVM_EVENT_VALID;
		if (is_svm_instruction_exit(c->exitcode)) {
			svm_inject_exception(v, 6 /* #UD */, -1);
			continue;
		}
		if (handle_efer(v))
			continue;
		decode_exit(v, e);
		return;
	}
}

static void svm_get_mode(struct vcpu *v, struct vcpu_mode *m)
{
	struct vmcb *c = vmcb_of(v);

	m->cpl = c->cpl;
	m->cr0 = c->cr0;
	m->cr3 = c->cr3;
	m->cr4 = c->cr4;
	m->efer = c->efer & ~EFER_SVME;
	m->protected_mode = c->cr0 & BIT(0);
	m->paging = c->cr0 & BIT(31);
	m->long_mode = c->efer & BIT(10);   /* EFER.LMA */
	m->cs_l = c->cs.attrib & (1u << 9);
	m->cs_db = c->cs.attrib & (1u << 10);
	m->cs_base = c->cs.base;
}

static void svm_flush_s2(struct vcpu *v)
{
	vmcb_of(v)->tlb_control = SVM_TLB_FLUSH_ALL;
}

static void svm_intercept_io(struct vcpu *v, uint16_t port, bool intercept)
{
	uint8_t *map = v->io_bitmap;

	if (intercept)
		map[port / 8] |= 1u << (port % 8);
	else
		map[port / 8] &= ~(1u << (port % 8));
}

/* The MSR permission map's three ranges (APM Vol. 2 §15.11). */
static int msrpm_bit(uint32_t msr)
{
	if (msr <= 0x1fff)
		return msr * 2;
	if (msr >= 0xc0000000 && msr <= 0xc0001fff)
		return 0x800 * 8 + (msr - 0xc0000000) * 2;
	if (msr >= 0xc0010000 && msr <= 0xc0011fff)
		return 0x1000 * 8 + (msr - 0xc0010000) * 2;
	return -1;   /* outside the map: always intercepted */
}

static void svm_intercept_msr(struct vcpu *v, uint32_t msr, bool intercept)
{
	uint8_t *map = v->msr_bitmap;
	int bit = msrpm_bit(msr);

	/* EFER (see handle_efer) and SVM's own MSRs are never the guest's. */
	if (msr == MSR_EFER || msr == MSR_VM_CR || msr == MSR_VM_HSAVE_PA)
		intercept = true;
	if (bit < 0)
		return;
	if (intercept)
		map[bit / 8] |= 3u << (bit % 8);
	else
		map[bit / 8] &= ~(3u << (bit % 8));
}

const struct vcpu_ops svm_vcpu_ops = {
	.name = "SVM",
	.cpu_enable = svm_cpu_enable,
	.create = svm_create,
	.set_state = svm_set_state,
	.run = svm_run,
	.inject_exception = svm_inject_exception,
	.get_mode = svm_get_mode,
	.flush_s2 = svm_flush_s2,
	.intercept_io = svm_intercept_io,
	.intercept_msr = svm_intercept_msr,
};
