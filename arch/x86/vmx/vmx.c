// SPDX-License-Identifier: MIT
/*
 * Intel VMX with EPT: the vcpu backend (vcpu.h). SDM vol. 3C chapters 24-29.
 *
 * One VMCS per vcpu, current on the physical CPU that runs it. The guest
 * starts where the loader needs it (real mode, or 32-bit protected mode with
 * paging off) thanks to unrestricted guest. External interrupts do not
 * exit: a partition's CPUs take their own interrupts. NMIs exit (NMI
 * exiting), so a guest cannot hold off a kick (arch/x86/kick.h); an NMI
 * that is not a kick is injected into the guest on the next entry. CR0/CR4 bits that
 * VMX fixes (CR0.NE, CR4.VMXE) are owned by the monitor through the
 * guest/host masks; the guest reads its own values from the read shadows,
 * and a MOV to CR0/CR4 that touches them is emulated here, as is XSETBV
 * (which always exits). Every other exit is normalised into struct
 * vcpu_exit for the monitor.
 */
#define LOG_TAG "vmx"
#include <errno.h>
#include <string.h>

#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx_offsets.h"
#include "arch/x86/cpu.h"
#include "arch/x86/io.h"
#include "arch/x86/kick.h"
#include "kernel/frames.h"
#include "kernel/log.h"
#include "kernel/options.h"
#include "kernel/phys.h"
#include "kernel/smp.h"
#include "kernel/time.h"

#define GUEST_PAT_RESET           0x0007040600070406ULL
#define GUEST_DR7_RESET           0x400
#define RFLAGS_FIXED1             BIT(1)
#define INTERRUPTIBILITY_STI_MOVSS GENMASK(1, 0)
#define INTERRUPTIBILITY_NMI       BIT(3)
#define SEG_TYPE_ACCESSED         BIT(0)
#define SEG_TYPE_CODE             BIT(3)
#define CPUID_D_XCR0_LEGAL        BIT(0)   /* x87 must stay set */
#define XCR0_SSE                  BIT(1)
#define XCR0_AVX                  BIT(2)

#define OFFSET_CHECK(r, off) _Static_assert(offsetof(struct vcpu_regs, r) == (off), #r)
OFFSET_CHECK(rax, REGS_RAX); OFFSET_CHECK(rbx, REGS_RBX); OFFSET_CHECK(rcx, REGS_RCX);
OFFSET_CHECK(rdx, REGS_RDX); OFFSET_CHECK(rsi, REGS_RSI); OFFSET_CHECK(rdi, REGS_RDI);
OFFSET_CHECK(rbp, REGS_RBP); OFFSET_CHECK(rsp, REGS_RSP); OFFSET_CHECK(r8, REGS_R8);
OFFSET_CHECK(r9, REGS_R9); OFFSET_CHECK(r10, REGS_R10); OFFSET_CHECK(r11, REGS_R11);
OFFSET_CHECK(r12, REGS_R12); OFFSET_CHECK(r13, REGS_R13); OFFSET_CHECK(r14, REGS_R14);
OFFSET_CHECK(r15, REGS_R15);
_Static_assert(VMCS_HOST_RSP_ENC == VMCS_HOST_RSP, "entry.S writes HOST_RSP");

/* struct vcpu's backend scratch. */
enum {
	VMX_LAUNCHED,       /* VMLAUNCH done: next entry is VMRESUME */
	VMX_EPTP,
	VMX_VPID,
	VMX_EXIT_RIP,       /* RIP at the last exit: a moved RIP drops STI/MOV-SS blocking */
};

struct vmx_cpu {
	paddr_t vmxon_pa;
	paddr_t current_vmcs;
	bool on;
	unsigned vmwrite_errors;
};

static struct vmx_cpu vmx_cpus[SMP_MAX_CPUS];
static bool use_vpid, invept_single;
static uint16_t next_vpid = 1;

extern char vmx_exit[];

void vmx_configure(bool vpid, bool single)
{
	use_vpid = vpid;
	invept_single = single;
}

static struct vmx_cpu *this_cpu(void)
{
	return &vmx_cpus[smp_this_cpu()];
}

/* ---- VMX instructions (CF or ZF set: failure) ---- */

static __must_check bool vmxon(paddr_t pa)
{
	bool fail;

	__asm__ volatile("vmxon %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

static bool vmclear(paddr_t pa)
{
	bool fail;

	__asm__ volatile("vmclear %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

static __must_check bool vmptrld(paddr_t pa)
{
	bool fail;

	__asm__ volatile("vmptrld %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return !fail;
}

static uint64_t vmr(enum vmcs_field f)
{
	uint64_t v = 0;

	__asm__ volatile("vmread %1, %0" : "=r"(v) : "r"((uint64_t)f) : "cc");
	return v;
}

static void vmw(enum vmcs_field f, uint64_t v)
{
	bool fail;

	__asm__ volatile("vmwrite %2, %1; setna %0" : "=qm"(fail) : "r"((uint64_t)f), "rm"(v) : "cc");
	if (fail)
		this_cpu()->vmwrite_errors++;
}

static void invept(unsigned type, uint64_t eptp)
{
	struct { uint64_t eptp, zero; } desc = { eptp, 0 };

	__asm__ volatile("invept %0, %1" :: "m"(desc), "r"((uint64_t)type) : "cc", "memory");
}

static void write_cr0(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr0" :: "r"(v) : "memory");
}

/* ---- per physical CPU ---- */

static int vmx_cpu_enable(void)
{
	struct vmx_cpu *c = this_cpu();
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL), cr4 = read_cr4();
	uint32_t *region;
	paddr_t pa;

	if (c->on)
		return 0;
	if (!(fc & FEATURE_CONTROL_LOCK))
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	else if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX))
		return -ENODEV;
	pa = frame_alloc();
	region = pa ? phys_map(pa, PAGE_SIZE, PHYS_WB) : NULL;
	if (!region) {
		if (pa)
			frames_free(pa, 1);
		return -ENOMEM;
	}
	memset(region, 0, PAGE_SIZE);
	region[0] = (uint32_t)FIELD_GET(VMX_BASIC_REVISION, rdmsr(MSR_IA32_VMX_BASIC));
	/*
	 * VMXON needs CR0 and CR4 within the fixed bits (NE, VMXE). VM entry
	 * leaves CR0.CD and NW as the host has them (SDM 26.3.2.1), so caching
	 * must be on here, or every guest would run (and read CR0) with it off:
	 * Bochs' BIOS hands over with the reset value CD=NW=1.
	 */
	write_cr0(((read_cr0() & ~(CR0_CD | CR0_NW)) | rdmsr(MSR_IA32_VMX_CR0_FIXED0)) &
		  rdmsr(MSR_IA32_VMX_CR0_FIXED1));
	__asm__ volatile("wbinvd" ::: "memory");
	write_cr4((cr4 | CR4_VMXE | rdmsr(MSR_IA32_VMX_CR4_FIXED0)) & rdmsr(MSR_IA32_VMX_CR4_FIXED1));
	if (!vmxon(pa)) {
		write_cr4(cr4);
		frames_free(pa, 1);
		pr_err("VMXON failed on CPU %u", smp_this_cpu());
		return -EIO;
	}
	c->vmxon_pa = pa;
	c->on = true;
	return 0;
}

/* ---- VMCS set-up ---- */

/*
 * The VMX-preemption timer gives the monitor an exit at least every
 * VMX_MONITOR_TICK_US on every partition CPU, whatever the guest does, so
 * the fault drain and the serial shell (idle_poll on every exit) never
 * depend on a guest exiting. 0: the CPU has no preemption timer.
 */
#define VMX_MONITOR_TICK_US 1000
static uint32_t preemption_ticks;

static void preemption_timer_calibrate(void)
{
	unsigned shift = (unsigned)FIELD_GET(VMX_MISC_PREEMPTION_RATE, rdmsr(MSR_IA32_VMX_MISC));
	uint64_t t0 = rdtsc(), ticks;

	udelay(100);
	ticks = ((rdtsc() - t0) * (VMX_MONITOR_TICK_US / 100)) >> shift;
	preemption_ticks = ticks > UINT32_MAX ? UINT32_MAX : ticks ? (uint32_t)ticks : 1;
}

static uint32_t ctl_adjust(uint32_t msr, uint32_t want)
{
	uint64_t cap = rdmsr(msr);

	return (want | VMX_CTL_MUST1(cap)) & VMX_CTL_MAY1(cap);
}

static __must_check bool vmcs_make_current(struct vcpu *v)
{
	struct vmx_cpu *c = this_cpu();

	if (c->current_vmcs == v->ctl_pa)
		return true;
	if (!vmptrld(v->ctl_pa))
		return false;
	c->current_vmcs = v->ctl_pa;
	return true;
}

static uint64_t cr0_mask(void)
{
	uint64_t fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0), fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);

	/* Unrestricted guest: PE and PG are the guest's own. */
	return ((fixed0 & ~(CR0_PE | CR0_PG)) | ~fixed1) & GENMASK(31, 0);
}

static uint64_t cr4_mask(void)
{
	uint64_t fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0), fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);

	return (fixed0 | ~fixed1) & GENMASK(31, 0);
}

static uint64_t cr0_real(uint64_t guest)
{
	return (guest | (rdmsr(MSR_IA32_VMX_CR0_FIXED0) & ~(CR0_PE | CR0_PG))) &
	       rdmsr(MSR_IA32_VMX_CR0_FIXED1);
}

static uint64_t cr4_real(uint64_t guest)
{
	return (guest | rdmsr(MSR_IA32_VMX_CR4_FIXED0)) & rdmsr(MSR_IA32_VMX_CR4_FIXED1);
}

static void vmcs_controls(struct vcpu *v)
{
	uint32_t proc2 = PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST, pin;
	uint32_t optional2 = PROC2_ENABLE_RDTSCP | PROC2_ENABLE_INVPCID | PROC2_ENABLE_XSAVES;
	uint64_t may2 = VMX_CTL_MAY1(rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2));

	/* The guest keeps instructions its CPUID may advertise (else they #UD). */
	proc2 |= optional2 & may2;
	if (use_vpid)
		proc2 |= PROC2_ENABLE_VPID;
	/*
	 * The preemption timer gives the monitor a periodic exit (serial shell,
	 * fault drain). selftest=kick proves that a guest which never exits is
	 * still reached by the NMI kick, so it runs without it.
	 */
	pin = ctl_adjust(MSR_IA32_VMX_TRUE_PINBASED_CTLS, PIN_NMI_EXITING |
			 (boot_options.selftest == SELFTEST_KICK ? 0 : PIN_PREEMPTION_TIMER));
	if ((pin & PIN_PREEMPTION_TIMER) && !__atomic_load_n(&preemption_ticks, __ATOMIC_RELAXED))
		preemption_timer_calibrate();
	vmw(VMCS_PIN_CONTROLS, pin);
	vmw(VMCS_PROC_CONTROLS, ctl_adjust(MSR_IA32_VMX_TRUE_PROCBASED_CTLS,
		PROC_HLT_EXITING | PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS | PROC_SECONDARY_CONTROLS));
	vmw(VMCS_PROC2_CONTROLS, ctl_adjust(MSR_IA32_VMX_PROCBASED_CTLS2, proc2));
	vmw(VMCS_EXIT_CONTROLS, ctl_adjust(MSR_IA32_VMX_TRUE_EXIT_CTLS,
		EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_IA32_EFER | EXIT_LOAD_IA32_EFER |
		EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT));
	vmw(VMCS_ENTRY_CONTROLS, ctl_adjust(MSR_IA32_VMX_TRUE_ENTRY_CTLS,
		ENTRY_LOAD_IA32_EFER | ENTRY_LOAD_IA32_PAT));
	vmw(VMCS_EXCEPTION_BITMAP, 0);
	vmw(VMCS_CR3_TARGET_COUNT, 0);
	vmw(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmw(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmw(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmw(VMCS_ENTRY_INTR_INFO, 0);
	vmw(VMCS_IO_BITMAP_A, v->io_bitmap_pa);
	vmw(VMCS_IO_BITMAP_B, v->io_bitmap_pa + PAGE_SIZE);
	vmw(VMCS_MSR_BITMAP, v->msr_bitmap_pa);
	vmw(VMCS_EPT_POINTER, v->backend[VMX_EPTP]);
	if (use_vpid)
		vmw(VMCS_VPID, v->backend[VMX_VPID]);
	vmw(VMCS_LINK_POINTER, ~0ULL);
	vmw(VMCS_CR0_GUEST_HOST_MASK, cr0_mask());
	vmw(VMCS_CR4_GUEST_HOST_MASK, cr4_mask());
}

struct __packed descriptor_table {
	uint16_t limit;
	uint64_t base;
};

static uint64_t tss_base(const struct descriptor_table *gdt, uint16_t tr)
{
	const uint64_t *d = (const uint64_t *)(gdt->base + (tr & ~7u));

	return ((d[0] >> 16) & 0xffffff) | (((d[0] >> 56) & 0xff) << 24) | (d[1] << 32);
}

/* The monitor as it runs on this CPU now: what a VM exit loads. */
static void vmcs_host_state(void)
{
	struct descriptor_table gdt, idt;
	uint16_t cs, ss, ds, es, fs, gs, tr;

	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdt), "=m"(idt));
	__asm__ volatile("mov %%cs, %0; mov %%ss, %1; mov %%ds, %2; mov %%es, %3"
			 : "=r"(cs), "=r"(ss), "=r"(ds), "=r"(es));
	__asm__ volatile("mov %%fs, %0; mov %%gs, %1; str %2" : "=r"(fs), "=r"(gs), "=r"(tr));
	vmw(VMCS_HOST_CR0, read_cr0());
	vmw(VMCS_HOST_CR3, read_cr3());
	vmw(VMCS_HOST_CR4, read_cr4());
	vmw(VMCS_HOST_CS_SEL, cs);
	vmw(VMCS_HOST_SS_SEL, ss);
	vmw(VMCS_HOST_DS_SEL, ds);
	vmw(VMCS_HOST_ES_SEL, es);
	vmw(VMCS_HOST_FS_SEL, fs);
	vmw(VMCS_HOST_GS_SEL, gs);
	vmw(VMCS_HOST_TR_SEL, tr);
	vmw(VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmw(VMCS_HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmw(VMCS_HOST_TR_BASE, tss_base(&gdt, tr));
	vmw(VMCS_HOST_GDTR_BASE, gdt.base);
	vmw(VMCS_HOST_IDTR_BASE, idt.base);
	vmw(VMCS_HOST_SYSENTER_CS, 0);
	vmw(VMCS_HOST_SYSENTER_ESP, 0);
	vmw(VMCS_HOST_SYSENTER_EIP, 0);
	vmw(VMCS_HOST_IA32_EFER, rdmsr(MSR_IA32_EFER));
	vmw(VMCS_HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	vmw(VMCS_HOST_RIP, (uint64_t)vmx_exit);
}

static void *alloc_zeroed(uint64_t pages, paddr_t *pa, uint8_t fill)
{
	void *va;

	*pa = pages == 1 ? frame_alloc() : frames_alloc_contig(pages, PAGE_SIZE);
	if (!*pa)
		return NULL;
	va = phys_map(*pa, pages * PAGE_SIZE, PHYS_WB);
	if (!va) {
		frames_free(*pa, pages);
		*pa = 0;
		return NULL;
	}
	memset(va, fill, pages * PAGE_SIZE);
	return va;
}

static void vmx_free(struct vcpu *v)
{
	if (v->ctl_pa) {
		if (this_cpu()->current_vmcs == v->ctl_pa)
			this_cpu()->current_vmcs = 0;
		vmclear(v->ctl_pa);
		frames_free(v->ctl_pa, 1);
	}
	if (v->io_bitmap_pa)
		frames_free(v->io_bitmap_pa, 2);
	if (v->msr_bitmap_pa)
		frames_free(v->msr_bitmap_pa, 1);
	v->ctl = v->io_bitmap = v->msr_bitmap = NULL;
	v->ctl_pa = v->io_bitmap_pa = v->msr_bitmap_pa = 0;
}

/*
 * MSRs a guest may own outright: the CPU switches them on every entry and
 * exit (EFER, PAT, FS/GS base and SYSENTER through the VMCS), or the monitor
 * never uses them (the SYSCALL MSRs, KERNEL_GS_BASE, TSC_AUX), so they hold
 * the guest's values whenever it runs. Each vcpu owns its physical CPU.
 */
static const uint32_t guest_owned_msrs[] = {
	0x174, 0x175, 0x176,                /* SYSENTER_CS/ESP/EIP */
	MSR_IA32_PAT, MSR_IA32_EFER,
	0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084,   /* STAR, LSTAR, CSTAR, FMASK */
	MSR_FS_BASE, MSR_GS_BASE, 0xc0000102,             /* KERNEL_GS_BASE */
	0xc0000103,                         /* TSC_AUX (RDTSCP) */
};

static void vmx_intercept_msr(struct vcpu *v, uint32_t msr, bool intercept);

/*
 * Every port and every MSR but guest_owned_msrs exits until the monitor
 * opens it (intercept_io/msr).
 */
static int vmx_create(struct vcpu *v, paddr_t s2_root)
{
	struct vmx_cpu *c = this_cpu();

	if (!c->on || !s2_root || !IS_ALIGNED(s2_root, PAGE_SIZE))
		return -EINVAL;
	v->ctl = alloc_zeroed(1, &v->ctl_pa, 0);
	v->io_bitmap = alloc_zeroed(2, &v->io_bitmap_pa, 0xff);
	v->msr_bitmap = alloc_zeroed(1, &v->msr_bitmap_pa, 0xff);
	if (!v->ctl || !v->io_bitmap || !v->msr_bitmap) {
		vmx_free(v);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(guest_owned_msrs); i++)
		vmx_intercept_msr(v, guest_owned_msrs[i], false);
	*(uint32_t *)v->ctl = (uint32_t)FIELD_GET(VMX_BASIC_REVISION, rdmsr(MSR_IA32_VMX_BASIC));
	v->backend[VMX_LAUNCHED] = 0;
	v->backend[VMX_EPTP] = s2_root | EPTP_WALK_LENGTH(4) | EPTP_MEMTYPE_WB;
	v->backend[VMX_VPID] = use_vpid ? __atomic_fetch_add(&next_vpid, 1, __ATOMIC_RELAXED) : 0;
	if (use_vpid && !v->backend[VMX_VPID]) {   /* 65536 vcpus: VPID 0 is the monitor's */
		vmx_free(v);
		return -ENOSPC;
	}
	if (!vmclear(v->ctl_pa) || !vmcs_make_current(v)) {
		vmx_free(v);
		return -EIO;
	}
	c->vmwrite_errors = 0;
	vmcs_controls(v);
	vmcs_host_state();
	if (c->vmwrite_errors) {
		pr_err("VMCS set-up: %u field(s) refused", c->vmwrite_errors);
		vmx_free(v);
		return -EIO;
	}
	/* Table pages may be recycled: no stale translation may survive for this EPTP. */
	invept(invept_single ? INVEPT_SINGLE_CONTEXT : INVEPT_ALL_CONTEXTS, v->backend[VMX_EPTP]);
	return 0;
}

/* ---- guest state ---- */

/* The seam's 12-bit attributes to VMX access rights; 0 means unusable. */
static uint32_t seg_ar(uint16_t attrib)
{
	uint32_t ar = (attrib & 0xff) | ((uint32_t)(attrib & 0xf00) << 4);

	if (!attrib)
		return VMX_AR_UNUSABLE;
	/* A usable code or data segment must be marked accessed (SDM 26.3.1.2). */
	if (attrib & SEG_ATTR_S)
		ar |= SEG_TYPE_ACCESSED;
	return ar;
}

struct seg_fields {
	enum vmcs_field sel, limit, ar, base;
};

static const struct seg_fields seg_cs = { VMCS_GUEST_CS_SEL, VMCS_GUEST_CS_LIMIT, VMCS_GUEST_CS_AR, VMCS_GUEST_CS_BASE };
static const struct seg_fields seg_ss = { VMCS_GUEST_SS_SEL, VMCS_GUEST_SS_LIMIT, VMCS_GUEST_SS_AR, VMCS_GUEST_SS_BASE };
static const struct seg_fields seg_ds = { VMCS_GUEST_DS_SEL, VMCS_GUEST_DS_LIMIT, VMCS_GUEST_DS_AR, VMCS_GUEST_DS_BASE };
static const struct seg_fields seg_es = { VMCS_GUEST_ES_SEL, VMCS_GUEST_ES_LIMIT, VMCS_GUEST_ES_AR, VMCS_GUEST_ES_BASE };
static const struct seg_fields seg_fs = { VMCS_GUEST_FS_SEL, VMCS_GUEST_FS_LIMIT, VMCS_GUEST_FS_AR, VMCS_GUEST_FS_BASE };
static const struct seg_fields seg_gs = { VMCS_GUEST_GS_SEL, VMCS_GUEST_GS_LIMIT, VMCS_GUEST_GS_AR, VMCS_GUEST_GS_BASE };
static const struct seg_fields seg_tr = { VMCS_GUEST_TR_SEL, VMCS_GUEST_TR_LIMIT, VMCS_GUEST_TR_AR, VMCS_GUEST_TR_BASE };
static const struct seg_fields seg_ldtr = { VMCS_GUEST_LDTR_SEL, VMCS_GUEST_LDTR_LIMIT, VMCS_GUEST_LDTR_AR, VMCS_GUEST_LDTR_BASE };

static void seg_write(const struct seg_fields *f, const struct vcpu_segment *s)
{
	vmw(f->sel, s->selector);
	vmw(f->limit, s->limit);
	vmw(f->ar, seg_ar(s->attrib));
	vmw(f->base, s->base);
}

static void efer_write(uint64_t efer, uint64_t cr0)
{
	uint64_t entry = vmr(VMCS_ENTRY_CONTROLS);

	/* EFER.LMA and the IA-32e entry control follow LME and CR0.PG (SDM 26.3.1.1). */
	if ((efer & EFER_LME) && (cr0 & CR0_PG))
		efer |= EFER_LMA;
	else
		efer &= ~EFER_LMA;
	vmw(VMCS_GUEST_IA32_EFER, efer);
	vmw(VMCS_ENTRY_CONTROLS, (efer & EFER_LMA) ? entry | ENTRY_IA32E_MODE_GUEST
						   : entry & ~ENTRY_IA32E_MODE_GUEST);
}

static void vmx_set_state(struct vcpu *v, const struct vcpu_init_state *s)
{
	struct vcpu_segment tr = s->tr;

	if (!vmcs_make_current(v))
		return;
	/* TR must be a usable busy TSS even where the guest never loads one. */
	if (!tr.attrib) {
		tr.attrib = VMX_AR_TSS_BUSY_64;
		tr.limit = 0xffff;
	}
	seg_write(&seg_cs, &s->cs);
	seg_write(&seg_ss, &s->ss);
	seg_write(&seg_ds, &s->ds);
	seg_write(&seg_es, &s->es);
	seg_write(&seg_fs, &s->fs);
	seg_write(&seg_gs, &s->gs);
	seg_write(&seg_tr, &tr);
	seg_write(&seg_ldtr, &s->ldtr);
	vmw(VMCS_GUEST_GDTR_BASE, s->gdtr_base);
	vmw(VMCS_GUEST_GDTR_LIMIT, s->gdtr_limit);
	vmw(VMCS_GUEST_IDTR_BASE, s->idtr_base);
	vmw(VMCS_GUEST_IDTR_LIMIT, s->idtr_limit);
	vmw(VMCS_GUEST_CR0, cr0_real(s->cr0));
	vmw(VMCS_CR0_READ_SHADOW, s->cr0);
	vmw(VMCS_GUEST_CR3, s->cr3);
	vmw(VMCS_GUEST_CR4, cr4_real(s->cr4));
	vmw(VMCS_CR4_READ_SHADOW, s->cr4);
	efer_write(s->efer, s->cr0);
	vmw(VMCS_GUEST_DR7, GUEST_DR7_RESET);
	vmw(VMCS_GUEST_IA32_DEBUGCTL, 0);
	vmw(VMCS_GUEST_IA32_PAT, GUEST_PAT_RESET);
	vmw(VMCS_GUEST_SYSENTER_CS, 0);
	vmw(VMCS_GUEST_SYSENTER_ESP, 0);
	vmw(VMCS_GUEST_SYSENTER_EIP, 0);
	vmw(VMCS_GUEST_ACTIVITY_STATE, 0);
	vmw(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmw(VMCS_GUEST_PENDING_DBG, 0);
	vmw(VMCS_ENTRY_INTR_INFO, 0);
	v->regs = s->regs;
	v->regs.rflags |= RFLAGS_FIXED1;
	v->backend[VMX_EXIT_RIP] = v->regs.rip;
}

static void vmx_get_mode(struct vcpu *v, struct vcpu_mode *m)
{
	uint64_t mask0, mask4;
	uint32_t cs_ar;

	memset(m, 0, sizeof(*m));
	if (!vmcs_make_current(v))
		return;
	mask0 = vmr(VMCS_CR0_GUEST_HOST_MASK);
	mask4 = vmr(VMCS_CR4_GUEST_HOST_MASK);
	m->cr0 = (vmr(VMCS_GUEST_CR0) & ~mask0) | (vmr(VMCS_CR0_READ_SHADOW) & mask0);
	m->cr4 = (vmr(VMCS_GUEST_CR4) & ~mask4) | (vmr(VMCS_CR4_READ_SHADOW) & mask4);
	m->cr3 = vmr(VMCS_GUEST_CR3);
	m->efer = vmr(VMCS_GUEST_IA32_EFER);
	cs_ar = (uint32_t)vmr(VMCS_GUEST_CS_AR);
	m->protected_mode = (m->cr0 & CR0_PE) != 0;
	m->paging = (m->cr0 & CR0_PG) != 0;
	m->long_mode = (m->efer & EFER_LMA) != 0;
	m->cs_l = (cs_ar & VMX_AR_L) != 0;
	m->cs_db = (cs_ar & VMX_AR_DB) != 0;
	m->cs_base = vmr(VMCS_GUEST_CS_BASE);
	/* CPL is SS.DPL (SDM 26.3.1.2); real mode runs at 0. */
	m->cpl = m->protected_mode ? (unsigned)FIELD_GET(VMX_AR_DPL, vmr(VMCS_GUEST_SS_AR)) : 0;
}

static void vmx_inject_exception(struct vcpu *v, uint8_t vector, int64_t err)
{
	uint64_t info = vector | FIELD_PREP(INTR_INFO_TYPE, INTR_TYPE_HW_EXCEPTION) | INTR_INFO_VALID;

	if (!vmcs_make_current(v))
		return;
	/* Real mode delivers no error code (SDM 26.2.1.3). */
	if (err >= 0 && (vmr(VMCS_GUEST_CR0) & CR0_PE)) {
		info |= INTR_INFO_DELIVER_ERROR;
		vmw(VMCS_ENTRY_EXCEPTION_ERROR, (uint32_t)err);
	}
	vmw(VMCS_ENTRY_INTR_INFO, info);
}

/* INVEPT acts on this CPU only: call it on the vcpu's own CPU (each vcpu owns one). */
static void vmx_flush_s2(struct vcpu *v)
{
	invept(invept_single ? INVEPT_SINGLE_CONTEXT : INVEPT_ALL_CONTEXTS, v->backend[VMX_EPTP]);
}

static void bitmap_set(uint8_t *map, unsigned bit, bool set)
{
	if (set)
		map[bit / 8] |= (uint8_t)(1u << (bit % 8));
	else
		map[bit / 8] &= (uint8_t)~(1u << (bit % 8));
}

static void vmx_intercept_io(struct vcpu *v, uint16_t port, bool intercept)
{
	bitmap_set(v->io_bitmap, port, intercept);   /* A then B: one 64 Ki-bit map */
}

/* MSR bitmap (SDM 25.6.9): read-low, read-high, write-low, write-high, 1 KiB each. */
static void vmx_intercept_msr(struct vcpu *v, uint32_t msr, bool intercept)
{
	unsigned base;

	if (msr <= 0x1fff)
		base = 0;
	else if (msr >= 0xc0000000 && msr <= 0xc0001fff)
		base = 1024 * 8;
	else
		return;   /* outside both ranges every access exits anyway */
	bitmap_set(v->msr_bitmap, base + (msr & 0x1fff), intercept);
	bitmap_set(v->msr_bitmap, 2048 * 8 + base + (msr & 0x1fff), intercept);
}

/* ---- exits ---- */

/* General-purpose register by the SDM's number (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8..). */
static uint64_t *gpr(struct vcpu *v, unsigned n)
{
	uint64_t *const r[16] = {
		&v->regs.rax, &v->regs.rcx, &v->regs.rdx, &v->regs.rbx, &v->regs.rsp, &v->regs.rbp,
		&v->regs.rsi, &v->regs.rdi, &v->regs.r8, &v->regs.r9, &v->regs.r10, &v->regs.r11,
		&v->regs.r12, &v->regs.r13, &v->regs.r14, &v->regs.r15,
	};

	return r[n & 15];
}

static void skip_instruction(struct vcpu *v)
{
	v->regs.rip += vmr(VMCS_EXIT_INSTR_LEN);
}

/* MOV to CR0: the guest's value goes to the shadow; the real CR0 keeps VMX's fixed bits. */
static bool emulate_cr0(struct vcpu *v, uint64_t val)
{
	uint64_t old = vmr(VMCS_GUEST_CR0), efer = vmr(VMCS_GUEST_IA32_EFER);
	uint64_t cr4 = vmr(VMCS_CR4_READ_SHADOW);

	if ((val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)) ||
	    ((val & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME) && !(cr4 & CR4_PAE))) {
		vmx_inject_exception(v, VEC_GP, 0);
		return true;
	}
	/* Legacy PAE paging would need the PDPTEs loaded here: not supported. */
	if ((val & CR0_PG) && (cr4 & CR4_PAE) && !(efer & EFER_LME))
		return false;
	vmw(VMCS_GUEST_CR0, cr0_real(val));
	vmw(VMCS_CR0_READ_SHADOW, val);
	efer_write(efer, val);
	skip_instruction(v);
	return true;
}

static bool emulate_cr4(struct vcpu *v, uint64_t val)
{
	if ((val >> 32) || (val & CR4_VMXE) ||
	    (val & ~rdmsr(MSR_IA32_VMX_CR4_FIXED1) & GENMASK(31, 0))) {
		vmx_inject_exception(v, VEC_GP, 0);
		return true;
	}
	vmw(VMCS_GUEST_CR4, cr4_real(val));
	vmw(VMCS_CR4_READ_SHADOW, val);
	skip_instruction(v);
	return true;
}

static bool emulate_cr_access(struct vcpu *v, uint64_t q)
{
	uint64_t val = *gpr(v, (unsigned)FIELD_GET(CRQ_GPR, q));

	if (FIELD_GET(CRQ_ACCESS, q) != CRQ_ACCESS_MOV_TO_CR)
		return false;
	switch (FIELD_GET(CRQ_CR, q)) {
	case 0:
		return emulate_cr0(v, val);
	case 4:
		return emulate_cr4(v, val);
	default:
		return false;
	}
}

/* XSETBV always exits under VMX; the monitor never uses extended state, so XCR0 is the guest's. */
static void emulate_xsetbv(struct vcpu *v)
{
	uint64_t val = ((v->regs.rdx & 0xffffffff) << 32) | (v->regs.rax & 0xffffffff);
	uint32_t a, b, c, d;

	cpuid(0xd, 0, &a, &b, &c, &d);
	if ((uint32_t)v->regs.rcx != 0 || !(val & CPUID_D_XCR0_LEGAL) ||
	    (val & ~(((uint64_t)d << 32) | a)) || ((val & XCR0_AVX) && !(val & XCR0_SSE))) {
		vmx_inject_exception(v, VEC_GP, 0);
		return;
	}
	__asm__ volatile("xsetbv" :: "c"(0), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)));
	skip_instruction(v);
}

static void exit_io(struct vcpu_exit *e, uint64_t q)
{
	e->reason = VCPU_EXIT_IO;
	e->io.port = (uint16_t)FIELD_GET(IOQ_PORT, q);
	e->io.size = (uint8_t)(FIELD_GET(IOQ_SIZE, q) + 1);
	e->io.in = (q & IOQ_IN) != 0;
	e->io.string = (q & IOQ_STRING) != 0;
	e->io.rep = (q & IOQ_REP) != 0;
}

static void exit_s2(struct vcpu_exit *e, uint64_t q)
{
	e->reason = VCPU_EXIT_S2_FAULT;
	e->s2.gpa = vmr(VMCS_GUEST_PHYSICAL_ADDRESS);
	e->s2.write = (q & EPTQ_WRITE) != 0;
	e->s2.fetch = (q & EPTQ_FETCH) != 0;
	e->s2.gla_valid = (q & EPTQ_GLA_VALID) != 0;
	e->s2.gla = e->s2.gla_valid ? vmr(VMCS_GUEST_LINEAR_ADDRESS) : 0;
	e->instr_len = 0;   /* not reported for EPT violations */
}

/*
 * An NMI exit leaves NMIs blocked until the next IRET (SDM Vol. 3C §27.5
 * and §25.3): execute one, to this very place, so the next kick gets through.
 */
static void nmi_unblock(void)
{
	__asm__ volatile("movq %%ss, %%rax\n\t"
			 "pushq %%rax\n\t"
			 "pushq %%rsp\n\t"
			 "addq $8, (%%rsp)\n\t"
			 "pushfq\n\t"
			 "movq %%cs, %%rax\n\t"
			 "pushq %%rax\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "iretq\n"
			 "1:" ::: "rax", "memory", "cc");
}

/* An NMI that belongs to the guest, when the guest can take one now. */
static void inject_guest_nmi(void)
{
	if ((vmr(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID) ||
	    (vmr(VMCS_GUEST_INTERRUPTIBILITY) & (INTERRUPTIBILITY_STI_MOVSS | INTERRUPTIBILITY_NMI)))
		return;
	if (cpu_kick_take_guest_nmi())
		vmw(VMCS_ENTRY_INTR_INFO, 2 | FIELD_PREP(INTR_INFO_TYPE, INTR_TYPE_NMI) | INTR_INFO_VALID);
}

static void exit_raw(struct vcpu_exit *e, enum vcpu_exit_reason r, uint64_t code, uint64_t q)
{
	e->reason = r;
	e->raw.code = code;
	e->raw.info1 = q;
	e->raw.info2 = vmr(VMCS_GUEST_PHYSICAL_ADDRESS);
}

/* Fill `e` from the exit just taken; false when the exit was handled here and the guest goes on. */
static bool exit_decode(struct vcpu *v, struct vcpu_exit *e)
{
	uint64_t reason = vmr(VMCS_EXIT_REASON), q = vmr(VMCS_EXIT_QUALIFICATION);
	unsigned basic = (unsigned)FIELD_GET(EXIT_REASON_BASIC, reason);

	memset(e, 0, sizeof(*e));
	e->instr_len = (uint8_t)vmr(VMCS_EXIT_INSTR_LEN);
	if (reason & EXIT_REASON_ENTRY_FAILURE) {
		exit_raw(e, VCPU_EXIT_ENTRY_FAILED, basic, q);
		return true;
	}
	switch (basic) {
	case VMX_EXIT_EXTERNAL_INTERRUPT:
		e->reason = VCPU_EXIT_INTR;
		break;
	case VMX_EXIT_EXCEPTION_NMI:
		if (FIELD_GET(INTR_INFO_TYPE, vmr(VMCS_EXIT_INTR_INFO)) != INTR_TYPE_NMI) {
			exit_raw(e, VCPU_EXIT_UNHANDLED, basic, q);
			break;
		}
		cpu_kick_nmi_arrived();
		nmi_unblock();
		e->reason = VCPU_EXIT_INTR;
		break;
	case VMX_EXIT_PREEMPTION_TIMER:
		e->reason = VCPU_EXIT_TIMER;
		break;
	case VMX_EXIT_TRIPLE_FAULT:
		e->reason = VCPU_EXIT_SHUTDOWN;
		break;
	case VMX_EXIT_INIT:
		e->reason = VCPU_EXIT_INIT;
		break;
	case VMX_EXIT_CPUID:
		e->reason = VCPU_EXIT_CPUID;
		break;
	case VMX_EXIT_HLT:
		e->reason = VCPU_EXIT_HLT;
		break;
	case VMX_EXIT_VMCALL:
		e->reason = VCPU_EXIT_HYPERCALL;
		break;
	case VMX_EXIT_IO:
		exit_io(e, q);
		break;
	case VMX_EXIT_RDMSR:
		e->reason = VCPU_EXIT_MSR_READ;
		e->msr.index = (uint32_t)v->regs.rcx;
		break;
	case VMX_EXIT_WRMSR:
		e->reason = VCPU_EXIT_MSR_WRITE;
		e->msr.index = (uint32_t)v->regs.rcx;
		e->msr.value = ((v->regs.rdx & 0xffffffff) << 32) | (v->regs.rax & 0xffffffff);
		break;
	case VMX_EXIT_EPT_VIOLATION:
		exit_s2(e, q);
		break;
	case VMX_EXIT_CR_ACCESS:
		if (emulate_cr_access(v, q))
			return false;
		exit_raw(e, VCPU_EXIT_UNHANDLED, basic, q);
		break;
	case VMX_EXIT_XSETBV:
		emulate_xsetbv(v);
		return false;
	case VMX_EXIT_INVALID_GUEST_STATE:
	case VMX_EXIT_MSR_LOADING:
	case VMX_EXIT_MACHINE_CHECK:
		exit_raw(e, VCPU_EXIT_ENTRY_FAILED, basic, q);
		break;
	default:
		exit_raw(e, VCPU_EXIT_UNHANDLED, basic, q);
		break;
	}
	return true;
}

/* An exit in the middle of delivering an event: deliver it again on the next entry. */
static void requeue_event(void)
{
	uint64_t info = vmr(VMCS_IDT_VECTORING_INFO);

	if (!(info & INTR_INFO_VALID))
		return;
	vmw(VMCS_ENTRY_INTR_INFO, info & (INTR_INFO_VECTOR | INTR_INFO_TYPE |
					  INTR_INFO_DELIVER_ERROR | INTR_INFO_VALID));
	vmw(VMCS_ENTRY_EXCEPTION_ERROR, vmr(VMCS_IDT_VECTORING_ERROR));
	vmw(VMCS_ENTRY_INSTR_LEN, vmr(VMCS_EXIT_INSTR_LEN));
}

static void vmx_run(struct vcpu *v, struct vcpu_exit *e)
{
	for (;;) {
		if (!vmcs_make_current(v)) {
			memset(e, 0, sizeof(*e));
			e->reason = VCPU_EXIT_ENTRY_FAILED;
			return;
		}
		vmw(VMCS_GUEST_RSP, v->regs.rsp);
		vmw(VMCS_GUEST_RIP, v->regs.rip);
		vmw(VMCS_GUEST_RFLAGS, v->regs.rflags | RFLAGS_FIXED1);
		/* The monitor skipped an instruction: its STI/MOV-SS shadow is over. */
		if (v->regs.rip != v->backend[VMX_EXIT_RIP])
			vmw(VMCS_GUEST_INTERRUPTIBILITY,
			    vmr(VMCS_GUEST_INTERRUPTIBILITY) & ~INTERRUPTIBILITY_STI_MOVSS);
		inject_guest_nmi();
		if (vmr(VMCS_PIN_CONTROLS) & PIN_PREEMPTION_TIMER)
			vmw(VMCS_GUEST_PREEMPTION_TIMER, preemption_ticks);
		if (vmx_enter(&v->regs, v->backend[VMX_LAUNCHED])) {
			memset(e, 0, sizeof(*e));
			e->reason = VCPU_EXIT_ENTRY_FAILED;
			e->raw.code = vmr(VMCS_VM_INSTRUCTION_ERROR);
			e->raw.info1 = v->backend[VMX_LAUNCHED];
			return;
		}
		v->backend[VMX_LAUNCHED] = 1;
		v->regs.rsp = vmr(VMCS_GUEST_RSP);
		v->regs.rip = vmr(VMCS_GUEST_RIP);
		v->regs.rflags = vmr(VMCS_GUEST_RFLAGS);
		v->backend[VMX_EXIT_RIP] = v->regs.rip;
		requeue_event();
		if (exit_decode(v, e))
			return;
	}
}

const struct vcpu_ops vmx_vcpu_ops = {
	.name = "VMX",
	.cpu_enable = vmx_cpu_enable,
	.create = vmx_create,
	.set_state = vmx_set_state,
	.run = vmx_run,
	.inject_exception = vmx_inject_exception,
	.get_mode = vmx_get_mode,
	.flush_s2 = vmx_flush_s2,
	.intercept_io = vmx_intercept_io,
	.intercept_msr = vmx_intercept_msr,
};
