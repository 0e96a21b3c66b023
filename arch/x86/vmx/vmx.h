/* SPDX-License-Identifier: MIT */
/* VMX backend internals shared with the probe (vcpu.c) and the entry code. */
#ifndef IOMON_X86_VMX_VMX_H
#define IOMON_X86_VMX_VMX_H

#include "arch/x86/vcpu.h"

/* What the probe found beyond the mandatory capabilities; before any cpu_enable(). */
void vmx_configure(bool vpid, bool invept_single);

/*
 * entry.S: load the guest registers from `regs` and VMLAUNCH (launched ==
 * 0) or VMRESUME. Returns 0 after a VM exit with the guest registers saved
 * in `regs` (RSP, RIP, RFLAGS stay in the VMCS), or 1 when the instruction
 * itself failed (VMCS_VM_INSTRUCTION_ERROR says why).
 */
__must_check int vmx_enter(struct vcpu_regs *regs, uint64_t launched);

#endif
