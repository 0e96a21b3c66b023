/* SPDX-License-Identifier: MIT */
/*
 * Intel VMX: capability MSRs, VMCS field encodings, control bits and exit
 * reasons (SDM vol. 3C, appendices A, B and C, and chapters 25-28).
 */
#ifndef IOMON_X86_VMX_VMCS_H
#define IOMON_X86_VMX_VMCS_H

#include "kernel/types.h"

/* CPUID.1:ECX */
#define CPUID_1_ECX_VMX                 BIT(5)

/* MSRs (SDM vol. 4, appendix A of vol. 3D) */
#define MSR_IA32_FEATURE_CONTROL        0x03a
#define  FEATURE_CONTROL_LOCK           BIT(0)
#define  FEATURE_CONTROL_VMX_OUTSIDE_SMX BIT(2)
#define MSR_IA32_VMX_BASIC              0x480
#define  VMX_BASIC_REVISION             GENMASK(30, 0)
#define  VMX_BASIC_PA_32BIT             BIT(48)     /* VMX structures limited to 4 GiB */
#define  VMX_BASIC_MEMTYPE              GENMASK(53, 50)
#define  VMX_BASIC_MEMTYPE_WB           6
#define  VMX_BASIC_TRUE_CTLS            BIT(55)
#define MSR_IA32_VMX_CR0_FIXED0         0x486
#define MSR_IA32_VMX_CR0_FIXED1         0x487
#define MSR_IA32_VMX_CR4_FIXED0         0x488
#define MSR_IA32_VMX_CR4_FIXED1         0x489
#define MSR_IA32_VMX_PROCBASED_CTLS2    0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP       0x48c
#define  EPT_CAP_WALK_4                 BIT(6)
#define  EPT_CAP_MEMTYPE_WB             BIT(14)
#define  EPT_CAP_INVEPT                 BIT(20)
#define  EPT_CAP_INVEPT_SINGLE          BIT(25)
#define  EPT_CAP_INVEPT_ALL             BIT(26)
#define  VPID_CAP_INVVPID               BIT(32)
#define  VPID_CAP_INVVPID_SINGLE        BIT(41)
#define  VPID_CAP_INVVPID_ALL           BIT(42)
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS 0x48d
#define MSR_IA32_VMX_MISC               0x485
#define  VMX_MISC_PREEMPTION_RATE       GENMASK(4, 0)   /* the timer counts every 2^n TSC ticks */
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS     0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS    0x490
/* A control MSR: bits 31:0 are the allowed-0 settings (1 = must be 1), 63:32 the allowed-1. */
#define VMX_CTL_MUST1(msr)              ((uint32_t)(msr))
#define VMX_CTL_MAY1(msr)               ((uint32_t)((msr) >> 32))

#define MSR_IA32_PAT                    0x277
#define MSR_IA32_EFER                   0xc0000080
#define  EFER_LME                       BIT(8)
#define  EFER_LMA                       BIT(10)
#define MSR_FS_BASE                     0xc0000100
#define MSR_GS_BASE                     0xc0000101

#define CR0_PE                          BIT(0)
#define CR0_NE                          BIT(5)
#define CR0_NW                          BIT(29)
#define CR0_CD                          BIT(30)
#define CR0_PG                          BIT(31)
#define CR4_PAE                         BIT(5)
#define CR4_VMXE                        BIT(13)
#define CR4_OSXSAVE                     BIT(18)

/* Pin-based VM-execution controls */
#define PIN_EXTINT_EXITING              BIT(0)
#define PIN_NMI_EXITING                 BIT(3)
#define PIN_PREEMPTION_TIMER            BIT(6)   /* SDM Vol. 3C 25.5.1: exit when the timer reaches 0 */

/* Primary processor-based VM-execution controls */
#define PROC_HLT_EXITING                BIT(7)
#define PROC_CR3_LOAD_EXITING           BIT(15)
#define PROC_CR3_STORE_EXITING          BIT(16)
#define PROC_USE_IO_BITMAPS             BIT(25)
#define PROC_USE_MSR_BITMAPS            BIT(28)
#define PROC_SECONDARY_CONTROLS         BIT(31)

/* Secondary processor-based VM-execution controls */
#define PROC2_ENABLE_EPT                BIT(1)
#define PROC2_ENABLE_RDTSCP             BIT(3)
#define PROC2_ENABLE_VPID               BIT(5)
#define PROC2_UNRESTRICTED_GUEST        BIT(7)
#define PROC2_ENABLE_INVPCID            BIT(12)
#define PROC2_ENABLE_XSAVES             BIT(20)

/* VM-exit controls */
#define EXIT_HOST_ADDR_SPACE_SIZE       BIT(9)
#define EXIT_SAVE_IA32_PAT              BIT(18)
#define EXIT_LOAD_IA32_PAT              BIT(19)
#define EXIT_SAVE_IA32_EFER             BIT(20)
#define EXIT_LOAD_IA32_EFER             BIT(21)

/* VM-entry controls */
#define ENTRY_IA32E_MODE_GUEST          BIT(9)
#define ENTRY_LOAD_IA32_PAT             BIT(14)
#define ENTRY_LOAD_IA32_EFER            BIT(15)

/* EPT pointer (SDM 25.6.11) */
#define EPTP_MEMTYPE_WB                 6
#define EPTP_WALK_LENGTH(levels)        (((uint64_t)(levels) - 1) << 3)

/* INVEPT / INVVPID types */
#define INVEPT_SINGLE_CONTEXT           1
#define INVEPT_ALL_CONTEXTS             2
#define INVVPID_SINGLE_CONTEXT          1
#define INVVPID_ALL_CONTEXTS            2

/* VM-entry interruption information (SDM 25.8.3) */
#define INTR_INFO_VECTOR                GENMASK(7, 0)
#define INTR_INFO_TYPE                  GENMASK(10, 8)
#define  INTR_TYPE_NMI                  2
#define  INTR_TYPE_HW_EXCEPTION         3
#define INTR_INFO_DELIVER_ERROR         BIT(11)
#define INTR_INFO_VALID                 BIT(31)

/* Segment access rights in the VMCS (SDM 25.4.1): the descriptor's bits 7:0 and 15:12. */
#define VMX_AR_UNUSABLE                 BIT(16)
#define VMX_AR_DPL                      GENMASK(6, 5)
#define VMX_AR_L                        BIT(13)
#define VMX_AR_DB                       BIT(14)
#define VMX_AR_TSS_BUSY_64              0x8b     /* P, busy 64/32-bit TSS */

/* Exit reason (SDM 25.9.1, appendix C) */
#define EXIT_REASON_BASIC               GENMASK(15, 0)
#define EXIT_REASON_ENTRY_FAILURE       BIT(31)
enum vmx_exit_reason {
	VMX_EXIT_EXCEPTION_NMI = 0,
	VMX_EXIT_EXTERNAL_INTERRUPT = 1,
	VMX_EXIT_TRIPLE_FAULT = 2,
	VMX_EXIT_INIT = 3,
	VMX_EXIT_SIPI = 4,
	VMX_EXIT_CPUID = 10,
	VMX_EXIT_HLT = 12,
	VMX_EXIT_VMCALL = 18,
	VMX_EXIT_CR_ACCESS = 28,
	VMX_EXIT_IO = 30,
	VMX_EXIT_RDMSR = 31,
	VMX_EXIT_WRMSR = 32,
	VMX_EXIT_INVALID_GUEST_STATE = 33,
	VMX_EXIT_MSR_LOADING = 34,
	VMX_EXIT_MACHINE_CHECK = 41,
	VMX_EXIT_EPT_VIOLATION = 48,
	VMX_EXIT_EPT_MISCONFIG = 49,
	VMX_EXIT_PREEMPTION_TIMER = 52,
	VMX_EXIT_XSETBV = 55,
};

/* Exit qualification: control-register access (SDM table 28-3) */
#define CRQ_CR                          GENMASK(3, 0)
#define CRQ_ACCESS                      GENMASK(5, 4)
#define  CRQ_ACCESS_MOV_TO_CR           0
#define CRQ_GPR                         GENMASK(11, 8)

/* Exit qualification: I/O instruction (SDM table 28-5) */
#define IOQ_SIZE                        GENMASK(2, 0)   /* 0: 1 byte, 1: 2 bytes, 3: 4 bytes */
#define IOQ_IN                          BIT(3)
#define IOQ_STRING                      BIT(4)
#define IOQ_REP                         BIT(5)
#define IOQ_PORT                        GENMASK(31, 16)

/* Exit qualification: EPT violation (SDM table 28-7) */
#define EPTQ_READ                       BIT(0)
#define EPTQ_WRITE                      BIT(1)
#define EPTQ_FETCH                      BIT(2)
#define EPTQ_GLA_VALID                  BIT(7)

/* VMCS field encodings (SDM appendix B) */
enum vmcs_field {
	/* 16-bit */
	VMCS_VPID                       = 0x0000,
	VMCS_GUEST_ES_SEL               = 0x0800,
	VMCS_GUEST_CS_SEL               = 0x0802,
	VMCS_GUEST_SS_SEL               = 0x0804,
	VMCS_GUEST_DS_SEL               = 0x0806,
	VMCS_GUEST_FS_SEL               = 0x0808,
	VMCS_GUEST_GS_SEL               = 0x080a,
	VMCS_GUEST_LDTR_SEL             = 0x080c,
	VMCS_GUEST_TR_SEL               = 0x080e,
	VMCS_HOST_ES_SEL                = 0x0c00,
	VMCS_HOST_CS_SEL                = 0x0c02,
	VMCS_HOST_SS_SEL                = 0x0c04,
	VMCS_HOST_DS_SEL                = 0x0c06,
	VMCS_HOST_FS_SEL                = 0x0c08,
	VMCS_HOST_GS_SEL                = 0x0c0a,
	VMCS_HOST_TR_SEL                = 0x0c0c,
	/* 64-bit */
	VMCS_IO_BITMAP_A                = 0x2000,
	VMCS_IO_BITMAP_B                = 0x2002,
	VMCS_MSR_BITMAP                 = 0x2004,
	VMCS_EPT_POINTER                = 0x201a,
	VMCS_GUEST_PHYSICAL_ADDRESS     = 0x2400,
	VMCS_LINK_POINTER               = 0x2800,
	VMCS_GUEST_IA32_DEBUGCTL        = 0x2802,
	VMCS_GUEST_IA32_PAT             = 0x2804,
	VMCS_GUEST_IA32_EFER            = 0x2806,
	VMCS_HOST_IA32_PAT              = 0x2c00,
	VMCS_HOST_IA32_EFER             = 0x2c02,
	/* 32-bit */
	VMCS_PIN_CONTROLS               = 0x4000,
	VMCS_PROC_CONTROLS              = 0x4002,
	VMCS_EXCEPTION_BITMAP           = 0x4004,
	VMCS_CR3_TARGET_COUNT           = 0x400a,
	VMCS_EXIT_CONTROLS              = 0x400c,
	VMCS_EXIT_MSR_STORE_COUNT       = 0x400e,
	VMCS_EXIT_MSR_LOAD_COUNT        = 0x4010,
	VMCS_ENTRY_CONTROLS             = 0x4012,
	VMCS_ENTRY_MSR_LOAD_COUNT       = 0x4014,
	VMCS_ENTRY_INTR_INFO            = 0x4016,
	VMCS_ENTRY_EXCEPTION_ERROR      = 0x4018,
	VMCS_ENTRY_INSTR_LEN            = 0x401a,
	VMCS_PROC2_CONTROLS             = 0x401e,
	VMCS_VM_INSTRUCTION_ERROR       = 0x4400,
	VMCS_EXIT_REASON                = 0x4402,
	VMCS_EXIT_INTR_INFO             = 0x4404,
	VMCS_IDT_VECTORING_INFO         = 0x4408,
	VMCS_IDT_VECTORING_ERROR        = 0x440a,
	VMCS_EXIT_INSTR_LEN             = 0x440c,
	VMCS_GUEST_ES_LIMIT             = 0x4800,
	VMCS_GUEST_CS_LIMIT             = 0x4802,
	VMCS_GUEST_SS_LIMIT             = 0x4804,
	VMCS_GUEST_DS_LIMIT             = 0x4806,
	VMCS_GUEST_FS_LIMIT             = 0x4808,
	VMCS_GUEST_GS_LIMIT             = 0x480a,
	VMCS_GUEST_LDTR_LIMIT           = 0x480c,
	VMCS_GUEST_TR_LIMIT             = 0x480e,
	VMCS_GUEST_GDTR_LIMIT           = 0x4810,
	VMCS_GUEST_IDTR_LIMIT           = 0x4812,
	VMCS_GUEST_ES_AR                = 0x4814,
	VMCS_GUEST_CS_AR                = 0x4816,
	VMCS_GUEST_SS_AR                = 0x4818,
	VMCS_GUEST_DS_AR                = 0x481a,
	VMCS_GUEST_FS_AR                = 0x481c,
	VMCS_GUEST_GS_AR                = 0x481e,
	VMCS_GUEST_LDTR_AR              = 0x4820,
	VMCS_GUEST_TR_AR                = 0x4822,
	VMCS_GUEST_INTERRUPTIBILITY     = 0x4824,
	VMCS_GUEST_PREEMPTION_TIMER     = 0x482e,
	VMCS_GUEST_ACTIVITY_STATE       = 0x4826,
	VMCS_GUEST_SYSENTER_CS          = 0x482a,
	VMCS_HOST_SYSENTER_CS           = 0x4c00,
	/* natural width */
	VMCS_CR0_GUEST_HOST_MASK        = 0x6000,
	VMCS_CR4_GUEST_HOST_MASK        = 0x6002,
	VMCS_CR0_READ_SHADOW            = 0x6004,
	VMCS_CR4_READ_SHADOW            = 0x6006,
	VMCS_EXIT_QUALIFICATION         = 0x6400,
	VMCS_GUEST_LINEAR_ADDRESS       = 0x640a,
	VMCS_GUEST_CR0                  = 0x6800,
	VMCS_GUEST_CR3                  = 0x6802,
	VMCS_GUEST_CR4                  = 0x6804,
	VMCS_GUEST_ES_BASE              = 0x6806,
	VMCS_GUEST_CS_BASE              = 0x6808,
	VMCS_GUEST_SS_BASE              = 0x680a,
	VMCS_GUEST_DS_BASE              = 0x680c,
	VMCS_GUEST_FS_BASE              = 0x680e,
	VMCS_GUEST_GS_BASE              = 0x6810,
	VMCS_GUEST_LDTR_BASE            = 0x6812,
	VMCS_GUEST_TR_BASE              = 0x6814,
	VMCS_GUEST_GDTR_BASE            = 0x6816,
	VMCS_GUEST_IDTR_BASE            = 0x6818,
	VMCS_GUEST_DR7                  = 0x681a,
	VMCS_GUEST_RSP                  = 0x681c,
	VMCS_GUEST_RIP                  = 0x681e,
	VMCS_GUEST_RFLAGS               = 0x6820,
	VMCS_GUEST_PENDING_DBG          = 0x6822,
	VMCS_GUEST_SYSENTER_ESP         = 0x6824,
	VMCS_GUEST_SYSENTER_EIP         = 0x6826,
	VMCS_HOST_CR0                   = 0x6c00,
	VMCS_HOST_CR3                   = 0x6c02,
	VMCS_HOST_CR4                   = 0x6c04,
	VMCS_HOST_FS_BASE               = 0x6c06,
	VMCS_HOST_GS_BASE               = 0x6c08,
	VMCS_HOST_TR_BASE               = 0x6c0a,
	VMCS_HOST_GDTR_BASE             = 0x6c0c,
	VMCS_HOST_IDTR_BASE             = 0x6c0e,
	VMCS_HOST_SYSENTER_ESP          = 0x6c10,
	VMCS_HOST_SYSENTER_EIP          = 0x6c12,
	VMCS_HOST_RSP                   = 0x6c14,
	VMCS_HOST_RIP                   = 0x6c16,
};

#endif
