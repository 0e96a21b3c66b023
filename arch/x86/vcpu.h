/* SPDX-License-Identifier: MIT */
/*
 * The vcpu seam: one interface over the two ways x86 runs a guest, AMD SVM
 * with nested paging (arch/x86/svm) and Intel VMX with EPT (arch/x86/vmx).
 * The backend is chosen once at boot from CPUID. Everything above this seam
 * (partitions, exit handling, the hypercall dispatcher) sees normalised exits
 * and one register file, never a VMCB or a VMCS.
 *
 * A vcpu runs on the physical CPU that created it, for its whole life
 * (static partitioning: no scheduler, no migration).
 */
#ifndef IOMON_X86_VCPU_H
#define IOMON_X86_VCPU_H

#include "kernel/types.h"

struct vcpu;

/* General-purpose registers of the guest, saved on every exit, loaded on entry. */
struct vcpu_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
};

/* A segment register as both VMCB and VMCS hold it (attributes in the VMCB's 12-bit form). */
struct vcpu_segment {
	uint16_t selector;
	uint16_t attrib;   /* type 3:0, S 4, DPL 6:5, P 7, AVL 8, L 9, D/B 10, G 11; 0: unusable */
	uint32_t limit;
	uint64_t base;
};

#define SEG_ATTR_P      BIT(7)
#define SEG_ATTR_S      BIT(4)
#define SEG_ATTR_L      BIT(9)
#define SEG_ATTR_DB     BIT(10)
#define SEG_ATTR_G      BIT(11)

/*
 * The architectural state a vcpu starts in. The multiboot2 loader asks for
 * 32-bit protected mode with paging off; a Linux 64-bit entry for long mode;
 * an AP after SIPI for real mode.
 */
struct vcpu_init_state {
	struct vcpu_regs regs;
	uint64_t cr0, cr3, cr4, efer;
	struct vcpu_segment cs, ds, es, ss, fs, gs, tr, ldtr;
	uint64_t gdtr_base, idtr_base;
	uint16_t gdtr_limit, idtr_limit;
};

/* Why the guest stopped running; the backend fills the matching member of struct vcpu_exit. */
enum vcpu_exit_reason {
	VCPU_EXIT_NONE,
	VCPU_EXIT_CPUID,        /* leaf in rax, subleaf in rcx */
	VCPU_EXIT_MSR_READ,     /* msr.index */
	VCPU_EXIT_MSR_WRITE,    /* msr.index, msr.value */
	VCPU_EXIT_IO,           /* io */
	VCPU_EXIT_S2_FAULT,     /* s2: an access the stage-2 tables do not allow */
	VCPU_EXIT_HYPERCALL,    /* VMMCALL / VMCALL */
	VCPU_EXIT_SHUTDOWN,     /* triple fault (SVM shutdown, VMX reason 2) */
	VCPU_EXIT_HLT,
	VCPU_EXIT_INIT,         /* an INIT signal reached this CPU */
	VCPU_EXIT_INTR,         /* a physical interrupt for the monitor (nothing to do for the guest) */
	VCPU_EXIT_TIMER,        /* the monitor's periodic exit (VMX-preemption timer): nothing for the guest */
	VCPU_EXIT_ENTRY_FAILED, /* the CPU refused the guest state (a monitor bug) */
	VCPU_EXIT_UNHANDLED,    /* any other exit: raw.code / raw.info say which */
};

struct vcpu_exit {
	enum vcpu_exit_reason reason;
	uint8_t instr_len;      /* length of the exiting instruction, when known (0 otherwise) */
	union {
		struct {
			uint32_t index;
			uint64_t value;
		} msr;
		struct {
			uint16_t port;
			uint8_t size;       /* 1, 2 or 4 */
			bool in;
			bool string;        /* INS/OUTS: the monitor does not emulate these */
			bool rep;
		} io;
		struct {
			uint64_t gpa;
			uint64_t gla;       /* guest linear address, when the hardware reports it */
			bool write, fetch;
			bool gla_valid;
		} s2;
		struct {
			uint64_t code;      /* VMCB exit code / VMCS basic exit reason */
			uint64_t info1, info2;
		} raw;
	};
};

/* The guest's mode, for the hypercall rules (CPL 0 only) and for MMIO decoding. */
struct vcpu_mode {
	unsigned cpl;
	bool protected_mode;    /* CR0.PE */
	bool paging;            /* CR0.PG */
	bool long_mode;         /* EFER.LMA */
	bool cs_l, cs_db;       /* 64-bit / 32-bit default operand size */
	uint64_t cr0, cr3, cr4, efer;
	uint64_t cs_base;
};

struct partition;

/*
 * One virtual processor. The generic part is the monitor's; `ctl` and the
 * bitmaps belong to the backend, which allocates them in create() from the
 * monitor's frames (never from guest memory).
 */
struct vcpu {
	struct vcpu_regs regs;
	struct partition *part;
	unsigned vp_index;      /* index within its partition (HV_X64_MSR_VP_INDEX) */
	unsigned cpu;           /* physical CPU (index into the MADT's list) */
	uint32_t apic_id;
	void *ctl;              /* VMCB or VMCS region */
	paddr_t ctl_pa;
	void *io_bitmap, *msr_bitmap;
	paddr_t io_bitmap_pa, msr_bitmap_pa;
	uint64_t backend[8];    /* backend scratch (e.g. VMX: the guest's last CR0 shadow) */
};

struct vcpu_ops {
	const char *name;
	/*
	 * Per physical CPU, before its first vcpu: turn the extension on
	 * (EFER.SVME and the host save area, or VMXON). 0 or a negative errno.
	 */
	int (*cpu_enable)(void);
	/* Allocate the control structure for v, with stage-2 root `s2_root`. */
	int (*create)(struct vcpu *v, paddr_t s2_root);
	void (*set_state)(struct vcpu *v, const struct vcpu_init_state *s);
	/* Enter the guest with v->regs; return at the next exit with v->regs saved. */
	void (*run)(struct vcpu *v, struct vcpu_exit *exit);
	/* Deliver an exception on the next entry (err < 0: no error code). */
	void (*inject_exception)(struct vcpu *v, uint8_t vector, int64_t err);
	void (*get_mode)(struct vcpu *v, struct vcpu_mode *m);
	/* The stage-2 changed in a way that narrows a mapping: drop cached translations. */
	void (*flush_s2)(struct vcpu *v);
	/* Which I/O ports and MSRs exit (bitmaps), set per partition. */
	void (*intercept_io)(struct vcpu *v, uint16_t port, bool intercept);
	void (*intercept_msr)(struct vcpu *v, uint32_t msr, bool intercept);
};

extern const struct vcpu_ops svm_vcpu_ops;
extern const struct vcpu_ops vmx_vcpu_ops;

/*
 * Pick the backend from CPUID and check every capability it needs (SVM:
 * NPT; VMX: EPT with 4-level walks, WB, INVEPT, unrestricted guest). NULL,
 * with one error line naming what is missing, when neither is usable.
 */
const struct vcpu_ops *vcpu_backend_probe(void);
/*
 * Whether the backend this CPU runs gives every partition CPU an exit at
 * least every millisecond whatever its guest does (VMX: the preemption
 * timer). SVM has no such timer. From CPUID and MSRs only, with no log
 * line, so the partition plan can ask before the backend is chosen.
 */
bool vcpu_backend_has_periodic_exit(void);

#endif
