/* SPDX-License-Identifier: MIT */
/*
 * Leaving long mode for the multiboot2 i386 entry (Multiboot2 specification
 * §3.3, "I386 machine state"), the way the SDM describes it (Vol. 3A §10.8.5.4,
 * "Switching Out of IA-32e Mode Operation"): go to compatibility mode through
 * a 32-bit code segment, clear CR0.PG (the CPU clears EFER.LMA), clear
 * EFER.LME, load flat 32-bit data segments, then jump with EAX = magic and
 * EBX = the info block.
 *
 * The loader copies these bytes into a page below 4 GiB that the firmware
 * identity-maps, next to a GDT it builds there, so the code must be
 * position-independent: it only addresses itself RIP-relatively and holds
 * every value in registers.
 *
 *   void efi_tramp(uint64_t entry, uint64_t info, const void *gdtr)   (SysV)
 *   rdi = entry (below 4 GiB), rsi = info (below 4 GiB), rdx = 10-byte GDTR
 */
#define TRAMP_CS32	0x08
#define TRAMP_DS32	0x10
#define MB2_MAGIC	0x36d76289
#define CR0_PG		(1 << 31)
#define CR4_PCIDE	(1 << 17)
#define MSR_EFER	0xC0000080
#define EFER_LME	(1 << 8)

	.section .text.tramp, "ax"
	.globl	efi_tramp_start, efi_tramp_end
	.code64
efi_tramp_start:
	cli
	movq	%cr4, %rax			/* PCIDE must be clear before CR0.PG is */
	andq	$~CR4_PCIDE, %rax
	movq	%rax, %cr4
	lgdt	(%rdx)
	movl	%edi, %edi			/* entry and info fit in 32 bits */
	movl	%esi, %esi
	leaq	compat(%rip), %rax
	pushq	$TRAMP_CS32
	pushq	%rax
	lretq

	.code32
compat:
	movl	%cr0, %eax			/* identity-mapped here: paging off is safe */
	andl	$~CR0_PG, %eax
	movl	%eax, %cr0			/* leaves IA-32e mode: EFER.LMA = 0 */
	movl	$MSR_EFER, %ecx
	rdmsr
	andl	$~EFER_LME, %eax
	wrmsr
	movl	$TRAMP_DS32, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %fs
	movl	%eax, %gs
	movl	%eax, %ss
	movl	%esi, %ebx			/* EBX: physical address of the info block */
	movl	$MB2_MAGIC, %eax		/* EAX: the multiboot2 boot loader magic */
	jmp	*%edi
efi_tramp_end:
