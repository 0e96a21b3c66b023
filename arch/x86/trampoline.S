/* SPDX-License-Identifier: MIT */
/*
 * The application processors' way into the monitor. smp.c copies this code
 * to TRAMPOLINE_PA (below 1 MiB, where a SIPI can point) and fills the
 * mailbox at its end. An AP arrives in real mode at TRAMPOLINE_PA, goes to
 * protected mode, then long mode on a temporary page table that maps this
 * page at its own address and the monitor's upper half, and jumps to
 * ap_entry64 in the monitor's text, which takes the real page tables.
 */
#include "arch/x86/smp_boot.h"

#define TRAMP(sym)	(TRAMPOLINE_PA + (sym) - trampoline_start)

	.section .rodata
	.code16
	.globl	trampoline_start, trampoline_end
trampoline_start:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	lgdtl	(tramp_gdtr - trampoline_start)
	movl	%cr0, %eax
	orl	$1, %eax			/* PE */
	movl	%eax, %cr0
	ljmpl	$0x08, $TRAMP(tramp_pm32)

	.code32
tramp_pm32:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	TRAMP(tramp_mb_cr4), %eax
	movl	%eax, %cr4			/* the boot CPU's CR4: PAE and the rest */
	movl	TRAMP(tramp_mb_cr3_low), %eax
	movl	%eax, %cr3
	movl	$0xC0000080, %ecx		/* EFER: LME, and NXE as the boot CPU has it */
	movl	TRAMP(tramp_mb_efer), %eax
	xorl	%edx, %edx
	wrmsr
	movl	TRAMP(tramp_mb_cr0), %eax
	movl	%eax, %cr0			/* PG on: long mode */
	ljmpl	$0x18, $TRAMP(tramp_lm64)

	.code64
tramp_lm64:
	movq	TRAMP(tramp_mb_stack), %rsp
	movq	TRAMP(tramp_mb_entry), %rax
	jmp	*%rax

	.balign	8
tramp_gdt:
	.quad	0
	.quad	0x00cf9a000000ffff		/* 0x08: 32-bit code */
	.quad	0x00cf92000000ffff		/* 0x10: data */
	.quad	0x00af9a000000ffff		/* 0x18: 64-bit code */
tramp_gdtr:
	.short	tramp_gdtr - tramp_gdt - 1
	.long	TRAMP(tramp_gdt)

	.balign	8
	.globl	trampoline_mailbox
trampoline_mailbox:
tramp_mb_cr3_low:	.quad 0
tramp_mb_cr0:		.quad 0
tramp_mb_cr4:		.quad 0
tramp_mb_efer:		.quad 0
tramp_mb_stack:		.quad 0
tramp_mb_entry:		.quad 0
trampoline_end:

	.text
	.code64
	/* The monitor's own page tables, then C with this AP's stack (already in RSP). */
	.globl	ap_entry64
ap_entry64:
	movq	ap_final_cr3(%rip), %rax
	movq	%rax, %cr3
	xorl	%ebp, %ebp
	call	ap_main
1:	cli
	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
