// SPDX-License-Identifier: MIT
/*
 * selftest=vcpu: one vcpu through the seam (whichever backend the probe
 * picks), in a small stage-2 built by the page-table engine whose guest
 * pages sit at low GPAs backed by monitor frames elsewhere (GPA != HPA).
 * A hand-assembled 32-bit guest (protected mode, paging off: the multiboot2
 * entry state) raises each normalised exit once; the monitor answers and
 * resumes, and checks the guest's registers and memory at the next exit.
 * TAP on the console.
 */
#define LOG_TAG "vcpu"
#include <stdio.h>
#include <string.h>

#include "arch/x86/selftest_vcpu.h"
#include "arch/x86/vcpu.h"
#include "iommu/pt/pt.h"
#include "kernel/frames.h"
#include "kernel/log.h"
#include "kernel/phys.h"
#include "kernel/smp.h"

#define GPA_CODE     0x1000ULL
#define GPA_STACK    0x2000ULL
#define GPA_DATA     0x3000ULL
#define GPA_UNMAPPED 0x10000ULL
#define TEST_PORT    0x1234
#define TEST_MSR     0x40000000u    /* HV_X64_MSR_GUEST_OS_ID: the monitor intercepts it */
#define CPUID_LEAF   0x40000000u
#define CPUID_EAX    0x7665636bu
#define IN_VALUE     0x5a
#define MSR_VALUE    0x0123456789abcdefULL
#define HCALL_RESULT 0x600d
#define VCPU_TESTS   12
#define CR0_PE_ET    0x11
#define CR0_NE       0x20

/*
 * The guest, 32-bit code at GPA_CODE (offsets in the comments). Each exit is
 * checked at the RIP of the instruction that caused it.
 */
enum {
	AT_CPUID = 0x07, AT_OUT = 0x0d, AT_IN = 0x0e, AT_RDMSR = 0x16, AT_WRMSR = 0x19,
	AT_HCALL = 0x1b, AT_FAULT = 0x1e, AT_HLT = 0x35, LEN_FAULT = 5,
};
static const uint8_t guest_code[] = {
	0xb8, 0x00, 0x00, 0x00, 0x40,        /* 00 mov eax, 0x40000000 */
	0x31, 0xc9,                          /* 05 xor ecx, ecx */
	0x0f, 0xa2,                          /* 07 cpuid */
	0x66, 0xba, 0x34, 0x12,              /* 09 mov dx, 0x1234 */
	0xef,                                /* 0d out dx, eax      (the CPUID answer) */
	0xec,                                /* 0e in al, dx */
	0x89, 0xc3,                          /* 0f mov ebx, eax     (keep the IN value) */
	0xb9, 0x00, 0x00, 0x00, 0x40,        /* 11 mov ecx, 0x40000000 */
	0x0f, 0x32,                          /* 16 rdmsr */
	0x40,                                /* 18 inc eax */
	0x0f, 0x30,                          /* 19 wrmsr            (the RDMSR answer + 1) */
	0x0f, 0x01, 0xc1,                    /* 1b vmcall (patched to vmmcall on SVM) */
	0xa3, 0x00, 0x00, 0x01, 0x00,        /* 1e mov [0x10000], eax: unmapped */
	0xa3, 0x00, 0x30, 0x00, 0x00,        /* 23 mov [0x3000], eax */
	0x50,                                /* 28 push eax */
	0x0f, 0x20, 0xc1,                    /* 29 mov ecx, cr0 */
	0x83, 0xc9, 0x20,                    /* 2c or ecx, 0x20     (CR0.NE: VMX owns it) */
	0x0f, 0x22, 0xc1,                    /* 2f mov cr0, ecx */
	0x0f, 0x20, 0xc2,                    /* 32 mov edx, cr0     (reads back what it wrote) */
	0xf4,                                /* 35 hlt */
	0x0f, 0x01, 0x1d, 0x00, 0x31, 0x00, 0x00, /* 36 lidt [0x3100]: an empty IDT */
	0x0f, 0x0b,                          /* 3d ud2: #UD, #GP, #DF, triple fault */
};
#define VMMCALL_MODRM 0xd9

/*
 * Real mode (an AP after SIPI starts so): CS 0x0100 (base GPA_CODE), the
 * interrupt vector table in the data page. The monitor injects #UD before
 * the first instruction; the guest's handler halts.
 */
#define RM_CS        0x0100
#define RM_ENTRY     0x40       /* offset in CS: never executed, the #UD comes first */
#define RM_HANDLER   0x50       /* offset in CS: hlt */
#define RM_IVT       GPA_DATA
#define RM_SP        0x1000     /* SS base GPA_STACK: the stack page's top */
#define VEC_UD       6

struct vt {
	const struct vcpu_ops *ops;
	struct vcpu v;
	struct vcpu_exit e;
	struct pt_table s2;
	bool s2_ready;
	paddr_t page[3];     /* code, stack, data */
	uint8_t *va[3];
	unsigned n, failed;
};

static void tap(struct vt *t, bool ok, const char *what)
{
	t->n++;
	if (!ok)
		t->failed++;
	log_raw("%sok %u - %s", ok ? "" : "not ", t->n, what);
}

static paddr_t pool_alloc(void *ctx) { (void)ctx; return frame_alloc(); }
static void pool_free(void *ctx, paddr_t pa) { (void)ctx; frames_free(pa, 1); }

static bool build_stage2(struct vt *t)
{
	const struct pt_pool pool = { pool_alloc, pool_free, NULL };
	const struct pt_format *fmt = strcmp(t->ops->name, "VMX") ? &pt_fmt_x86 : &pt_fmt_ept;

	for (unsigned i = 0; i < 3; i++) {
		t->page[i] = frame_alloc();
		t->va[i] = t->page[i] ? phys_map(t->page[i], PAGE_SIZE, PHYS_WB) : NULL;
		if (!t->va[i])
			return false;
		memset(t->va[i], 0, PAGE_SIZE);
	}
	if (pt_init(&t->s2, fmt, 4, 48, PT_SIZE_4K, &pool, NULL) < 0)
		return false;
	t->s2_ready = true;
	for (unsigned i = 0; i < 3; i++)
		if (pt_map_range(&t->s2, GPA_CODE + i * PAGE_SIZE, t->page[i], PAGE_SIZE,
				 PT_PERMS_ALL, NULL) < 0)
			return false;
	log_raw("# stage-2 (%s): GPA 0x%llx-0x%llx -> HPA 0x%llx, 0x%llx, 0x%llx", fmt->name,
		GPA_CODE, GPA_DATA + PAGE_SIZE - 1, (unsigned long long)t->page[0],
		(unsigned long long)t->page[1], (unsigned long long)t->page[2]);
	return true;
}

static void flat_segment(struct vcpu_segment *s, uint16_t sel, uint16_t type)
{
	*s = (struct vcpu_segment){
		.selector = sel, .limit = 0xffffffff, .base = 0,
		.attrib = type | SEG_ATTR_S | SEG_ATTR_P | SEG_ATTR_DB | SEG_ATTR_G,
	};
}

/* The multiboot2 machine state: 32-bit flat segments, CR0.PE only, no paging. */
static void initial_state(struct vcpu_init_state *s)
{
	memset(s, 0, sizeof(*s));
	s->regs.rip = GPA_CODE;
	s->regs.rsp = GPA_STACK + PAGE_SIZE;
	s->regs.rflags = 0x2;
	s->cr0 = CR0_PE_ET;
	flat_segment(&s->cs, 0x10, 0xb);
	flat_segment(&s->ds, 0x18, 0x3);
	s->es = s->ss = s->fs = s->gs = s->ds;
}

/* Run to the next exit; true when it is `want` with RIP `rip`. */
static bool run_to_rip(struct vt *t, enum vcpu_exit_reason want, uint64_t rip)
{
	t->ops->run(&t->v, &t->e);
	if (t->e.reason == want && t->v.regs.rip == rip)
		return true;
	log_raw("# expected exit %d at RIP 0x%llx, got %d at RIP 0x%llx (raw 0x%llx 0x%llx 0x%llx)",
		want, (unsigned long long)rip, t->e.reason, (unsigned long long)t->v.regs.rip,
		(unsigned long long)t->e.raw.code, (unsigned long long)t->e.raw.info1,
		(unsigned long long)t->e.raw.info2);
	return false;
}

/* The same for the 32-bit guest: `at` is an offset in its code (CS base 0). */
static bool run_to(struct vt *t, enum vcpu_exit_reason want, unsigned at)
{
	return run_to_rip(t, want, GPA_CODE + at);
}

static void resume_after(struct vt *t)
{
	t->v.regs.rip += t->e.instr_len;
}

static void test_cpuid_io(struct vt *t)
{
	bool ok = run_to(t, VCPU_EXIT_CPUID, AT_CPUID) && t->v.regs.rax == CPUID_LEAF &&
		  t->v.regs.rcx == 0 && t->e.instr_len == 2;

	tap(t, ok, "CPUID exit: leaf 0x40000000 subleaf 0, instruction length 2");
	t->v.regs.rax = CPUID_EAX;
	t->v.regs.rbx = t->v.regs.rcx = t->v.regs.rdx = 0;
	resume_after(t);

	ok = run_to(t, VCPU_EXIT_IO, AT_OUT) && !t->e.io.in && !t->e.io.string &&
	     t->e.io.port == TEST_PORT && t->e.io.size == 4 && (uint32_t)t->v.regs.rax == CPUID_EAX;
	tap(t, ok, "OUT exit: port 0x1234, 4 bytes, value = the monitor's CPUID answer");
	resume_after(t);

	ok = run_to(t, VCPU_EXIT_IO, AT_IN) && t->e.io.in && t->e.io.port == TEST_PORT &&
	     t->e.io.size == 1;
	tap(t, ok, "IN exit: port 0x1234, 1 byte");
	t->v.regs.rax = (t->v.regs.rax & ~0xffULL) | IN_VALUE;
	resume_after(t);
}

static void test_msr_hypercall(struct vt *t, const char *hcall)
{
	char what[96];
	bool ok = run_to(t, VCPU_EXIT_MSR_READ, AT_RDMSR) && t->e.msr.index == TEST_MSR &&
		  (uint8_t)t->v.regs.rbx == IN_VALUE;

	tap(t, ok, "RDMSR exit: MSR 0x40000000 (and the IN value arrived in AL)");
	t->v.regs.rax = (uint32_t)MSR_VALUE;
	t->v.regs.rdx = MSR_VALUE >> 32;
	resume_after(t);

	ok = run_to(t, VCPU_EXIT_MSR_WRITE, AT_WRMSR) && t->e.msr.index == TEST_MSR &&
	     t->e.msr.value == MSR_VALUE + 1;
	tap(t, ok, "WRMSR exit: MSR 0x40000000, value = the RDMSR answer + 1 in EDX:EAX");
	resume_after(t);

	ok = run_to(t, VCPU_EXIT_HYPERCALL, AT_HCALL) && t->e.instr_len == 3 &&
	     t->v.regs.rsp == GPA_STACK + PAGE_SIZE && (uint8_t)t->v.regs.rbx == IN_VALUE;
	snprintf(what, sizeof(what), "hypercall exit (%s), length 3, registers intact", hcall);
	tap(t, ok, what);
	t->v.regs.rax = HCALL_RESULT;
	resume_after(t);
}

static void test_fault_hlt_shutdown(struct vt *t)
{
	const uint32_t *data = (const uint32_t *)t->va[2];
	const uint32_t *stack = (const uint32_t *)t->va[1];
	struct vcpu_mode m;
	bool ok = run_to(t, VCPU_EXIT_S2_FAULT, AT_FAULT) && t->e.s2.gpa == GPA_UNMAPPED &&
		  t->e.s2.write && !t->e.s2.fetch;

	tap(t, ok, "stage-2 fault: write to unmapped GPA 0x10000");
	t->v.regs.rip += LEN_FAULT;   /* skip the store instead of mapping the page */

	ok = run_to(t, VCPU_EXIT_HLT, AT_HLT) && data[0] == HCALL_RESULT &&
	     stack[PAGE_SIZE / 4 - 1] == HCALL_RESULT && t->v.regs.rsp == GPA_STACK + PAGE_SIZE - 4;
	tap(t, ok, "HLT exit: the guest's store and push landed in its pages at other HPAs");
	t->ops->get_mode(&t->v, &m);
	ok = t->e.reason == VCPU_EXIT_HLT && (uint32_t)t->v.regs.rdx == (CR0_PE_ET | CR0_NE) &&
	     (uint32_t)t->v.regs.rcx == (CR0_PE_ET | CR0_NE) && m.cr0 == (CR0_PE_ET | CR0_NE) &&
	     m.protected_mode && !m.paging && !m.long_mode && m.cs_db && !m.cs_l && m.cpl == 0;
	if (!ok)
		log_raw("# ECX 0x%llx EDX 0x%llx; get_mode: CR0 0x%llx PE %d PG %d LMA %d CS.D %d CS.L %d CPL %u",
			(unsigned long long)t->v.regs.rcx, (unsigned long long)t->v.regs.rdx,
			(unsigned long long)m.cr0, m.protected_mode, m.paging, m.long_mode, m.cs_db,
			m.cs_l, m.cpl);
	tap(t, ok, "MOV to CR0 (setting NE): the guest reads back its value, get_mode: 32-bit, no paging, CPL 0");
	resume_after(t);

	t->ops->run(&t->v, &t->e);
	tap(t, t->e.reason == VCPU_EXIT_SHUTDOWN, "triple fault: shutdown exit");
}

static void real_mode_state(struct vcpu_init_state *s)
{
	memset(s, 0, sizeof(*s));
	s->regs.rip = RM_ENTRY;
	s->regs.rsp = RM_SP;
	s->regs.rflags = 0x2;
	s->cr0 = 0x10;   /* ET */
	s->cs = (struct vcpu_segment){ RM_CS, 0xb | SEG_ATTR_S | SEG_ATTR_P, 0xffff, GPA_CODE };
	s->ds = (struct vcpu_segment){ 0, 0x3 | SEG_ATTR_S | SEG_ATTR_P, 0xffff, 0 };
	s->es = s->fs = s->gs = s->ds;
	s->ss = (struct vcpu_segment){ GPA_STACK >> 4, 0x3 | SEG_ATTR_S | SEG_ATTR_P, 0xffff, GPA_STACK };
	s->idtr_base = RM_IVT;
	s->idtr_limit = 0x3ff;
}

/* An injected exception in real mode: through the IVT, a 6-byte IRET frame, no error code. */
static void test_real_mode(struct vt *t)
{
	uint16_t *ivt = (uint16_t *)t->va[2];
	const uint16_t *frame = (const uint16_t *)(t->va[1] + RM_SP - 6);
	struct vcpu_init_state s;
	struct vcpu_mode m;
	bool ok;

	ivt[VEC_UD * 2] = RM_HANDLER;
	ivt[VEC_UD * 2 + 1] = RM_CS;
	t->va[0][RM_HANDLER] = 0xf4;   /* hlt */
	real_mode_state(&s);
	t->ops->set_state(&t->v, &s);
	t->ops->inject_exception(&t->v, VEC_UD, -1);
	ok = run_to_rip(t, VCPU_EXIT_HLT, RM_HANDLER) && t->v.regs.rsp == RM_SP - 6 &&
	     frame[0] == RM_ENTRY && frame[1] == RM_CS;
	t->ops->get_mode(&t->v, &m);
	ok = ok && !m.protected_mode && m.cpl == 0 && m.cs_base == GPA_CODE;
	if (!ok)
		log_raw("# IRET frame %04x:%04x, SP 0x%llx, CR0 0x%llx, CS base 0x%llx, CPL %u", frame[1],
			frame[0], (unsigned long long)t->v.regs.rsp, (unsigned long long)m.cr0,
			(unsigned long long)m.cs_base, m.cpl);
	tap(t, ok, "real mode: an injected #UD goes through the guest's IVT to its handler, IRET frame on its stack");
}

static bool vcpu_ready(struct vt *t)
{
	struct vcpu_init_state s;
	int rc = t->ops->cpu_enable ? t->ops->cpu_enable() : -1;

	if (rc < 0) {
		log_raw("# cpu_enable: %d", rc);
		return false;
	}
	if (!build_stage2(t))
		return false;
	memcpy(t->va[0], guest_code, sizeof(guest_code));
	if (strcmp(t->ops->name, "VMX"))
		t->va[0][AT_HCALL + 2] = VMMCALL_MODRM;
	t->v.cpu = smp_this_cpu();
	if (!t->ops->create || t->ops->create(&t->v, t->s2.root) < 0)
		return false;
	t->ops->intercept_io(&t->v, TEST_PORT, true);
	t->ops->intercept_msr(&t->v, TEST_MSR, true);
	initial_state(&s);
	t->ops->set_state(&t->v, &s);
	return true;
}

/* The guest pages go back; the vcpu's own structures stay (the seam has no destroy). */
static void release(struct vt *t)
{
	if (t->s2_ready)
		pt_destroy(&t->s2);
	for (unsigned i = 0; i < 3; i++)
		if (t->page[i])
			frames_free(t->page[i], 1);
}

bool selftest_vcpu(void)
{
	struct vt t = { .ops = vcpu_backend_probe() };
	char what[96];
	bool ready;

	log_raw("TAP version 13");
	snprintf(what, sizeof(what), "vcpu backend %s chosen, enabled on CPU %u, guest created",
		 t.ops ? t.ops->name : "(none)", smp_this_cpu());
	ready = t.ops && vcpu_ready(&t);
	tap(&t, ready, what);
	if (ready) {
		test_cpuid_io(&t);
		test_msr_hypercall(&t, strcmp(t.ops->name, "VMX") ? "VMMCALL" : "VMCALL");
		test_fault_hlt_shutdown(&t);
		test_real_mode(&t);
	}
	release(&t);
	log_raw("1..%u", t.n);
	log_raw("# %u tests, %u failed", t.n, t.failed);
	return t.failed == 0 && t.n == VCPU_TESTS;
}
