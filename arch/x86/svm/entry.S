/* SPDX-License-Identifier: MIT */
/*
 * void svm_enter(struct vcpu_regs *regs, uint64_t vmcb_pa, uint64_t host_vmcb_pa)
 *
 * Load the guest's general-purpose registers (RAX, RSP, RIP and RFLAGS travel
 * in the VMCB), VMLOAD the guest's FS/GS/TR/LDTR and syscall MSRs, VMRUN, and
 * on #VMEXIT save them back and VMLOAD the monitor's own again. The CPU keeps
 * GIF clear while the monitor runs (see svm.c), so nothing interrupts this.
 */
#define R_RBX  8
#define R_RCX  16
#define R_RDX  24
#define R_RSI  32
#define R_RDI  40
#define R_RBP  48
#define R_R8   64
#define R_R9   72
#define R_R10  80
#define R_R11  88
#define R_R12  96
#define R_R13  104
#define R_R14  112
#define R_R15  120

	.text
	.globl	svm_enter
svm_enter:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdx				/* host VMCB: 8(%rsp) after the next push */
	push	%rdi				/* regs: (%rsp) */
	mov	%rsi, %rax			/* guest VMCB: VMRUN's operand, restored at #VMEXIT */

	mov	R_RBX(%rdi), %rbx
	mov	R_RCX(%rdi), %rcx
	mov	R_RDX(%rdi), %rdx
	mov	R_RSI(%rdi), %rsi
	mov	R_RBP(%rdi), %rbp
	mov	R_R8(%rdi), %r8
	mov	R_R9(%rdi), %r9
	mov	R_R10(%rdi), %r10
	mov	R_R11(%rdi), %r11
	mov	R_R12(%rdi), %r12
	mov	R_R13(%rdi), %r13
	mov	R_R14(%rdi), %r14
	mov	R_R15(%rdi), %r15
	mov	R_RDI(%rdi), %rdi

	vmload	%rax
	vmrun	%rax
	vmsave	%rax

	push	%rdi				/* guest RDI */
	mov	8(%rsp), %rdi			/* regs */
	mov	%rbx, R_RBX(%rdi)
	mov	%rcx, R_RCX(%rdi)
	mov	%rdx, R_RDX(%rdi)
	mov	%rsi, R_RSI(%rdi)
	mov	%rbp, R_RBP(%rdi)
	mov	%r8, R_R8(%rdi)
	mov	%r9, R_R9(%rdi)
	mov	%r10, R_R10(%rdi)
	mov	%r11, R_R11(%rdi)
	mov	%r12, R_R12(%rdi)
	mov	%r13, R_R13(%rdi)
	mov	%r14, R_R14(%rdi)
	mov	%r15, R_R15(%rdi)
	pop	%rbx
	mov	%rbx, R_RDI(%rdi)

	add	$8, %rsp			/* regs */
	pop	%rax				/* host VMCB */
	vmload	%rax

	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret

	.section .note.GNU-stack, "", @progbits
