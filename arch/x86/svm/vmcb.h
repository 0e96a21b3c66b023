/* SPDX-License-Identifier: MIT */
/*
 * The AMD Virtual Machine Control Block (AMD64 APM Vol. 2, Appendix B):
 * the control area at offset 0, the state-save area at 0x400. Only the
 * fields iomon uses are named; the layout is pinned by static asserts.
 */
#ifndef IOMON_SVM_VMCB_H
#define IOMON_SVM_VMCB_H

#include "kernel/types.h"

/* Intercept vector 3 (offset 0x00C). */
#define SVM_INTERCEPT_INTR        BIT(0)
#define SVM_INTERCEPT_NMI         BIT(1)
#define SVM_INTERCEPT_SMI         BIT(2)
#define SVM_INTERCEPT_INIT        BIT(3)
#define SVM_INTERCEPT_CPUID       BIT(18)
#define SVM_INTERCEPT_INVD        BIT(22)
#define SVM_INTERCEPT_HLT         BIT(24)
#define SVM_INTERCEPT_IOIO        BIT(27)
#define SVM_INTERCEPT_MSR         BIT(28)
#define SVM_INTERCEPT_TASK_SWITCH BIT(29)
#define SVM_INTERCEPT_SHUTDOWN    BIT(31)
/* Intercept vector 4 (offset 0x010). */
#define SVM_INTERCEPT_VMRUN       BIT(0)
#define SVM_INTERCEPT_VMMCALL     BIT(1)
#define SVM_INTERCEPT_VMLOAD      BIT(2)
#define SVM_INTERCEPT_VMSAVE      BIT(3)
#define SVM_INTERCEPT_STGI        BIT(4)
#define SVM_INTERCEPT_CLGI        BIT(5)
#define SVM_INTERCEPT_SKINIT      BIT(6)
#define SVM_INTERCEPT_ICEBP       BIT(8)

/* TLB_CONTROL (offset 0x05C). */
#define SVM_TLB_CONTROL_NONE      0
#define SVM_TLB_FLUSH_ALL         1
#define SVM_TLB_FLUSH_GUEST       3

/* EVENTINJ (offset 0x0A8). */
#define SVM_EVENT_VECTOR          GENMASK(7, 0)
#define SVM_EVENT_TYPE_NMI        (2ULL << 8)
#define SVM_EVENT_TYPE_EXCEPTION  (3ULL << 8)
#define SVM_EVENT_ERROR_VALID     BIT(11)
#define SVM_EVENT_VALID           BIT(31)
#define SVM_EVENT_ERROR_CODE      GENMASK(63, 32)

/* Exit codes (APM Vol. 2, Appendix C). */
#define SVM_EXIT_EXCEPTION_BASE   0x40
#define SVM_EXIT_INTR             0x60
#define SVM_EXIT_NMI              0x61
#define SVM_EXIT_INIT             0x63
#define SVM_EXIT_CPUID            0x72
#define SVM_EXIT_HLT              0x78
#define SVM_EXIT_IOIO             0x7B
#define SVM_EXIT_MSR              0x7C
#define SVM_EXIT_SHUTDOWN         0x7F
#define SVM_EXIT_VMRUN            0x80
#define SVM_EXIT_VMMCALL          0x81
#define SVM_EXIT_NPF              0x400
#define SVM_EXIT_INVALID          ((uint64_t)-1)

/* EXITINFO1 of an IOIO exit. */
#define SVM_IOIO_IN               BIT(0)
#define SVM_IOIO_STR              BIT(2)
#define SVM_IOIO_REP              BIT(3)
#define SVM_IOIO_SZ8              BIT(4)
#define SVM_IOIO_SZ16             BIT(5)
#define SVM_IOIO_SZ32             BIT(6)
#define SVM_IOIO_PORT             GENMASK(31, 16)

/* EXITINFO1 of a nested page fault: a #PF-style error code. */
#define SVM_NPF_PRESENT           BIT(0)
#define SVM_NPF_WRITE             BIT(1)
#define SVM_NPF_FETCH             BIT(4)

struct vmcb_segment {
	uint16_t selector;
	uint16_t attrib;
	uint32_t limit;
	uint64_t base;
} __packed;
_Static_assert(sizeof(struct vmcb_segment) == 16, "VMCB segment is 16 bytes");

struct vmcb {
	/* Control area. */
	uint32_t intercept_cr;            /* 0x000 */
	uint32_t intercept_dr;            /* 0x004 */
	uint32_t intercept_exceptions;    /* 0x008 */
	uint32_t intercept_misc1;         /* 0x00C vector 3 */
	uint32_t intercept_misc2;         /* 0x010 vector 4 */
	uint32_t intercept_misc3;         /* 0x014 vector 5 */
	uint8_t reserved_018[0x03C - 0x018];
	uint16_t pause_filter_threshold;  /* 0x03C */
	uint16_t pause_filter_count;      /* 0x03E */
	uint64_t iopm_base_pa;            /* 0x040 */
	uint64_t msrpm_base_pa;           /* 0x048 */
	uint64_t tsc_offset;              /* 0x050 */
	uint32_t asid;                    /* 0x058 */
	uint8_t tlb_control;              /* 0x05C */
	uint8_t reserved_05d[3];
	uint64_t vintr;                   /* 0x060 */
	uint64_t interrupt_shadow;        /* 0x068 */
	uint64_t exitcode;                /* 0x070 */
	uint64_t exitinfo1;               /* 0x078 */
	uint64_t exitinfo2;               /* 0x080 */
	uint64_t exitintinfo;             /* 0x088 */
	uint64_t np_enable;               /* 0x090 */
	uint64_t avic_apic_bar;           /* 0x098 */
	uint64_t ghcb_pa;                 /* 0x0A0 */
	uint64_t eventinj;                /* 0x0A8 */
	uint64_t n_cr3;                   /* 0x0B0 */
	uint64_t lbr_virt;                /* 0x0B8 */
	uint32_t clean;                   /* 0x0C0 */
	uint32_t reserved_0c4;
	uint64_t next_rip;                /* 0x0C8 */
	uint8_t insn_len;                 /* 0x0D0 */
	uint8_t insn_bytes[15];           /* 0x0D1 */
	uint8_t reserved_0e0[0x400 - 0x0E0];
	/* State-save area. */
	struct vmcb_segment es, cs, ss, ds, fs, gs;   /* 0x400 */
	struct vmcb_segment gdtr, ldtr, idtr, tr;     /* 0x460 */
	uint8_t reserved_4a0[0x4CB - 0x4A0];
	uint8_t cpl;                      /* 0x4CB */
	uint32_t reserved_4cc;
	uint64_t efer;                    /* 0x4D0 */
	uint8_t reserved_4d8[0x548 - 0x4D8];
	uint64_t cr4;                     /* 0x548 */
	uint64_t cr3;                     /* 0x550 */
	uint64_t cr0;                     /* 0x558 */
	uint64_t dr7;                     /* 0x560 */
	uint64_t dr6;                     /* 0x568 */
	uint64_t rflags;                  /* 0x570 */
	uint64_t rip;                     /* 0x578 */
	uint8_t reserved_580[0x5D8 - 0x580];
	uint64_t rsp;                     /* 0x5D8 */
	uint8_t reserved_5e0[0x5F8 - 0x5E0];
	uint64_t rax;                     /* 0x5F8 */
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;   /* 0x600 */
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;     /* 0x628 */
	uint64_t cr2;                     /* 0x640 */
	uint8_t reserved_648[0x668 - 0x648];
	uint64_t g_pat;                   /* 0x668 */
	uint8_t reserved_670[0x1000 - 0x670];
} __packed;
_Static_assert(sizeof(struct vmcb) == 4096, "VMCB is one page");
_Static_assert(__builtin_offsetof(struct vmcb, exitcode) == 0x70, "VMCB EXITCODE at 0x70");
_Static_assert(__builtin_offsetof(struct vmcb, n_cr3) == 0xB0, "VMCB N_CR3 at 0xB0");
_Static_assert(__builtin_offsetof(struct vmcb, insn_bytes) == 0xD1, "VMCB guest bytes at 0xD1");
_Static_assert(__builtin_offsetof(struct vmcb, cs) == 0x410, "VMCB CS at 0x410");
_Static_assert(__builtin_offsetof(struct vmcb, tr) == 0x490, "VMCB TR at 0x490");
_Static_assert(__builtin_offsetof(struct vmcb, cpl) == 0x4CB, "VMCB CPL at 0x4CB");
_Static_assert(__builtin_offsetof(struct vmcb, efer) == 0x4D0, "VMCB EFER at 0x4D0");
_Static_assert(__builtin_offsetof(struct vmcb, cr4) == 0x548, "VMCB CR4 at 0x548");
_Static_assert(__builtin_offsetof(struct vmcb, rip) == 0x578, "VMCB RIP at 0x578");
_Static_assert(__builtin_offsetof(struct vmcb, rsp) == 0x5D8, "VMCB RSP at 0x5D8");
_Static_assert(__builtin_offsetof(struct vmcb, rax) == 0x5F8, "VMCB RAX at 0x5F8");
_Static_assert(__builtin_offsetof(struct vmcb, cr2) == 0x640, "VMCB CR2 at 0x640");
_Static_assert(__builtin_offsetof(struct vmcb, g_pat) == 0x668, "VMCB G_PAT at 0x668");

/* MSRs of the SVM extension. */
#define MSR_VM_CR          0xC0010114
#define  VM_CR_SVMDIS      BIT(4)
#define MSR_VM_HSAVE_PA    0xC0010117
#define EFER_SVME          BIT(12)

/* MSR permission map: 2 bits per MSR (read, write) in three 2 KiB ranges. */
#define SVM_MSRPM_SIZE     (2 * PAGE_SIZE)
#define SVM_IOPM_SIZE      (3 * PAGE_SIZE)

#endif
