/* SPDX-License-Identifier: MIT */
/*
 * VM entry and exit (SDM vol. 3C 26, 27). vmx_enter(regs, launched) saves the
 * callee-saved registers and the regs pointer on its stack, records that
 * stack in HOST_RSP, loads the guest's general-purpose registers and enters.
 * A VM exit lands at vmx_exit with RSP = HOST_RSP: the saved regs pointer is
 * on top, so the guest registers go back into it and vmx_enter returns 0.
 * A failed VMLAUNCH/VMRESUME falls through and returns 1.
 */
#include "arch/x86/vmx/vmx_offsets.h"

	.text
	.globl vmx_enter
	.type vmx_enter, @function
vmx_enter:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi                       /* struct vcpu_regs * for the exit path */

	mov $VMCS_HOST_RSP_ENC, %eax
	vmwrite %rsp, %rax
	jbe .Lfail                      /* VMfail (no current VMCS): nothing loaded yet */

	mov %rsi, %rax                  /* launched? (flags set below, after the loads) */
	mov REGS_RBX(%rdi), %rbx
	mov REGS_RCX(%rdi), %rcx
	mov REGS_RDX(%rdi), %rdx
	mov REGS_RSI(%rdi), %rsi
	mov REGS_RBP(%rdi), %rbp
	mov REGS_R8(%rdi), %r8
	mov REGS_R9(%rdi), %r9
	mov REGS_R10(%rdi), %r10
	mov REGS_R11(%rdi), %r11
	mov REGS_R12(%rdi), %r12
	mov REGS_R13(%rdi), %r13
	mov REGS_R14(%rdi), %r14
	mov REGS_R15(%rdi), %r15
	test %rax, %rax
	mov REGS_RAX(%rdi), %rax        /* mov leaves the flags of the test alone */
	mov REGS_RDI(%rdi), %rdi
	jnz 1f
	vmlaunch
	jmp .Lfail
1:	vmresume
.Lfail:
	/* The guest values are in the registers; the stack is ours. */
	pop %rdi
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	mov $1, %eax
	ret
	.size vmx_enter, . - vmx_enter

	.globl vmx_exit
	.type vmx_exit, @function
vmx_exit:
	push %rdi                       /* guest RDI */
	mov 8(%rsp), %rdi               /* struct vcpu_regs * */
	mov %rax, REGS_RAX(%rdi)
	mov %rbx, REGS_RBX(%rdi)
	mov %rcx, REGS_RCX(%rdi)
	mov %rdx, REGS_RDX(%rdi)
	mov %rsi, REGS_RSI(%rdi)
	mov %rbp, REGS_RBP(%rdi)
	mov %r8, REGS_R8(%rdi)
	mov %r9, REGS_R9(%rdi)
	mov %r10, REGS_R10(%rdi)
	mov %r11, REGS_R11(%rdi)
	mov %r12, REGS_R12(%rdi)
	mov %r13, REGS_R13(%rdi)
	mov %r14, REGS_R14(%rdi)
	mov %r15, REGS_R15(%rdi)
	pop %rax
	mov %rax, REGS_RDI(%rdi)
	pop %rdi
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	xor %eax, %eax
	ret
	.size vmx_exit, . - vmx_exit

