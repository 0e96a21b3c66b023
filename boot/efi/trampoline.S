/* SPDX-License-Identifier: MIT */
/*
 * Leaving long mode for the multiboot2 i386 entry (Multiboot2 specification
 * §3.3, "I386 machine state"), the way the SDM describes it (Vol. 3A §10.8.5.4,
 * "Switching Out of IA-32e Mode Operation"): go to compatibility mode through
 * a 32-bit code segment, clear CR0.PG (the CPU clears EFER.LMA), clear
 * EFER.LME, load flat 32-bit data segments, copy the monitor from where it
 * was staged to where it is linked, then jump with EAX = magic and EBX = the
 * info block.
 *
 * The copy waits until paging is off because its destination may be memory
 * the firmware's boot services held, page tables included; with paging off
 * nothing but these bytes, the GDT next to them and the two buffers is used
 * (not even the stack, which may lie above 4 GiB or inside the destination).
 *
 * The loader copies this code into a page below 4 GiB that the firmware
 * identity-maps, next to a GDT it builds there, so it is position-independent:
 * it addresses itself only RIP-relatively and holds every value in registers
 * (the byte count rides in CR2, the one control register free to hold data).
 *
 *   void efi_tramp(uint64_t entry, uint64_t info, const void *gdtr,
 *                  uint64_t src, uint64_t dst, uint64_t len)     (SysV ABI)
 *   rdi = entry, rsi = info, rdx = 10-byte GDTR, rcx = src, r8 = dst,
 *   r9 = len; all below 4 GiB, [src, src+len) and [dst, dst+len) disjoint.
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
	movl	%edi, %ebp			/* EBP: entry */
	movl	%esi, %ebx			/* EBX: info */
	movl	%ecx, %esi			/* ESI: src */
	movl	%r8d, %edi			/* EDI: dst */
	movq	%r9, %cr2			/* len, until ECX is free again */
	leaq	compat(%rip), %rax
	pushq	$TRAMP_CS32
	pushq	%rax
	lretq

	.code32
compat:
	movl	$TRAMP_DS32, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %fs
	movl	%eax, %gs
	movl	%eax, %ss
	movl	%cr0, %eax			/* identity-mapped here: paging off is safe */
	andl	$~CR0_PG, %eax
	movl	%eax, %cr0			/* leaves IA-32e mode: EFER.LMA = 0 */
	movl	$MSR_EFER, %ecx
	rdmsr
	andl	$~EFER_LME, %eax
	wrmsr
	movl	%cr2, %ecx
	cld
	rep movsb				/* the monitor, from staging to its place */
	xorl	%eax, %eax
	movl	%eax, %cr2
	movl	$MB2_MAGIC, %eax		/* EAX: the multiboot2 boot loader magic */
	jmp	*%ebp				/* EBX: physical address of the info block */
efi_tramp_end:
