/* SPDX-License-Identifier: MIT */
/*
 * Offsets into struct vcpu_regs for entry.S, checked against the C layout
 * in vmx.c (a _Static_assert per register).
 */
#ifndef IOMON_X86_VMX_OFFSETS_H
#define IOMON_X86_VMX_OFFSETS_H

#define REGS_RAX  0
#define REGS_RBX  8
#define REGS_RCX  16
#define REGS_RDX  24
#define REGS_RSI  32
#define REGS_RDI  40
#define REGS_RBP  48
#define REGS_RSP  56
#define REGS_R8   64
#define REGS_R9   72
#define REGS_R10  80
#define REGS_R11  88
#define REGS_R12  96
#define REGS_R13  104
#define REGS_R14  112
#define REGS_R15  120

#define VMCS_HOST_RSP_ENC 0x6c14

#endif
