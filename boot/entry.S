/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 header and the 32-bit entry. GRUB enters here in 32-bit protected
 * mode with paging off (BIOS and UEFI alike, since we do not ask for the EFI
 * boot-services tag), EAX = magic, EBX = physical address of the info block.
 *
 * We build just enough page tables to reach 64-bit mode: the first 4 GiB
 * identity-mapped (the info block and firmware tables are below 4 GiB) and the
 * first 1 GiB again at KERNEL_VMA, where the monitor is linked. paging_init()
 * replaces all of this with the monitor's own tables.
 */
#include "boot/boot.h"

#define MB2_HEADER_MAGIC	0xE85250D6
#define MB2_ARCH_I386		0
#define MB2_HTAG_END		0
#define MB2_HTAG_INFO_REQ	1
#define MB2_HTAG_MODULE_ALIGN	6
#define MB2_HTAG_OPTIONAL	1

#define PHYS(sym)		((sym) - KERNEL_VMA)

#define CR0_PE			(1 << 0)
#define CR0_WP			(1 << 16)
#define CR0_PG			(1 << 31)
#define CR4_PAE			(1 << 5)
#define MSR_EFER		0xC0000080
#define EFER_LME		(1 << 8)
#define EFER_NXE		(1 << 11)
#define PTE_P_RW		0x003
#define PDE_P_RW_PS		0x083

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long	MB2_HEADER_MAGIC
	.long	MB2_ARCH_I386
	.long	mb2_header_end - mb2_header
	.long	-(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* Ask for what the monitor reads; optional, so no loader refuses to boot us. */
	.balign 8
1:	.short	MB2_HTAG_INFO_REQ
	.short	MB2_HTAG_OPTIONAL
	.long	2f - 1b
	.long	1, 3, 6, 12, 14, 15, 17		/* cmdline modules mmap efi64 acpi-old acpi-new efi-mmap */
2:	.balign 8
	/* Page-aligned modules: partitions are later booted from them in place. */
	.short	MB2_HTAG_MODULE_ALIGN
	.short	0
	.long	8
	.balign 8
	.short	MB2_HTAG_END
	.short	0
	.long	8
mb2_header_end:

	.section .boot.text, "ax"
	.code32
	.globl	_start
_start:
	cli
	cld
	movl	%eax, %esi			/* magic: kept in ESI */
	movl	%ebx, %ebp			/* info: kept in EBP (CPUID clobbers EBX) */
	movl	$PHYS(boot_stack_top), %esp

	/* Long mode present? Otherwise say so on COM1 and stop. */
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	no_long_mode
	movl	$0x80000001, %eax
	cpuid
	btl	$29, %edx
	jnc	no_long_mode

	/* Zero the boot page tables (they follow each other in .bss.pagetables). */
	movl	$PHYS(boot_pml4), %edi
	movl	$(BOOT_PT_PAGES * 1024), %ecx
	xorl	%eax, %eax
	rep stosl

	/* PML4[0] -> low PDPT, PML4[511] -> high PDPT. */
	movl	$PHYS(boot_pdpt_low) + PTE_P_RW, PHYS(boot_pml4)
	movl	$PHYS(boot_pdpt_high) + PTE_P_RW, PHYS(boot_pml4) + 511 * 8
	/* Low PDPT[0..3] -> the four PDs (identity 0-4 GiB); high PDPT[510] -> PD 0. */
	movl	$PHYS(boot_pd), %eax
	orl	$PTE_P_RW, %eax
	movl	$PHYS(boot_pdpt_low), %edi
	movl	$4, %ecx
1:	movl	%eax, (%edi)
	addl	$4096, %eax
	addl	$8, %edi
	loop	1b
	movl	$PHYS(boot_pd) + PTE_P_RW, PHYS(boot_pdpt_high) + 510 * 8
	/* 2048 PDEs of 2 MiB pages covering 0-4 GiB. */
	movl	$PHYS(boot_pd), %edi
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$PDE_P_RW_PS, %eax
	movl	%eax, (%edi, %ecx, 8)
	movl	%ecx, %eax
	shrl	$11, %eax			/* bits 32+ of the address */
	movl	%eax, 4(%edi, %ecx, 8)
	incl	%ecx
	cmpl	$2048, %ecx
	jb	1b

	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$PHYS(boot_pml4), %eax
	movl	%eax, %cr3
	movl	$0x80000001, %eax
	cpuid
	movl	%edx, %edi			/* EDX bit 20: NX available */
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	btl	$20, %edi
	jnc	1f
	orl	$EFER_NXE, %eax
1:	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_WP | CR0_PE), %eax
	movl	%eax, %cr0

	lgdt	boot_gdt_ptr
	ljmp	$BOOT_CS, $long_mode_low

no_long_mode:
	movl	$msg_no_lm, %edi
1:	movb	(%edi), %al
	testb	%al, %al
	jz	2f
	movw	$0x3f8, %dx
	outb	%al, %dx
	incl	%edi
	jmp	1b
2:	cli
	hlt
	jmp	2b

	.code64
long_mode_low:
	movabs	$long_mode_high, %rax
	jmp	*%rax

	.section .boot.rodata, "a"
	.balign 8
boot_gdt:
	.quad	0
	.quad	0x00209a0000000000		/* BOOT_CS: 64-bit code, present, DPL 0 */
	.quad	0x0000920000000000		/* BOOT_DS: data, present, writable */
boot_gdt_end:
boot_gdt_ptr:
	.short	boot_gdt_end - boot_gdt - 1
	.long	boot_gdt
msg_no_lm:
	.asciz	"iomon: this CPU has no 64-bit long mode; halting\r\n"

	.text
long_mode_high:
	movl	$BOOT_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	xorl	%eax, %eax
	movl	%eax, %fs
	movl	%eax, %gs
	movabs	$boot_stack_top, %rsp
	movl	%esi, %edi			/* kmain(magic, info_pa) */
	movl	%ebp, %esi
	xorl	%ebp, %ebp			/* end of the frame-pointer chain */
	call	kmain
1:	cli
	hlt
	jmp	1b

	.section .bss.pagetables, "aw", @nobits
	.balign 4096
	.globl	boot_pml4
boot_pml4:	.skip 4096
boot_pdpt_low:	.skip 4096
boot_pdpt_high:	.skip 4096
boot_pd:	.skip 4 * 4096

	/* The page below the stack stays unmapped: an overflow faults instead of corrupting .bss. */
	.section .bss.stack, "aw", @nobits
	.balign 4096
	.globl	boot_stack_guard, boot_stack_top
boot_stack_guard:
	.skip	4096
boot_stack:
	.skip	BOOT_STACK_SIZE
boot_stack_top:
