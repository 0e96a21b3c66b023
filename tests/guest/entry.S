/* SPDX-License-Identifier: MIT */
/*
 * Test guest entry: the multiboot2 header, the 32-bit entry in the machine
 * state of Multiboot2 specification §3.3 (protected mode, paging off,
 * EAX = magic, EBX = info), the switch to long mode on a boot identity map
 * of the first 4 GiB, the exception stubs, and the few instructions that
 * may fault on purpose (rdmsr/wrmsr, the hypercall page) with their
 * recovery points (see trap_fixup() in cpu.c).
 */
#include "tests/guest/asm.h"

#define MB2_HEADER_MAGIC 0xe85250d6
#define MSR_EFER         0xc0000080
#define EFER_LME         (1 << 8)
#define CR0_PE           (1 << 0)
#define CR0_PG           (1 << 31)
#define CR4_PAE          (1 << 5)
#define PTE_P_W          0x3
#define PDE_P_W_PS       0x83
#define DEBUG_EXIT_PORT  0xf4
#define DEBUG_EXIT_FAIL  0x11

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long 0                                 /* architecture: i386 protected mode */
	.long mb2_header_end - mb2_header
	.long 0x100000000 - (MB2_HEADER_MAGIC + (mb2_header_end - mb2_header))
	.balign 8
	.short 0, 0                             /* end tag */
	.long 8
mb2_header_end:

	.section .text.entry, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	mov %eax, %esi                          /* magic */
	mov %ebx, %ebp                          /* info block */

	/* .bss holds the stack and the boot page tables: zero it whatever the loader did. */
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb
	mov $stack_top, %esp

	/* No long mode: nothing can run; report failure. */
	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb no_long_mode
	mov $0x80000001, %eax
	cpuid
	bt $29, %edx
	jnc no_long_mode

	/* PML4[0] -> PDPT, PDPT[0..3] -> four PDs of 2 MiB pages: 0-4 GiB identity. */
	mov $boot_pdpt + PTE_P_W, %eax
	mov %eax, boot_pml4
	mov $boot_pd + PTE_P_W, %eax
	mov $boot_pdpt, %edi
	mov $4, %ecx
1:	mov %eax, (%edi)
	add $4096, %eax
	add $8, %edi
	loop 1b
	mov $PDE_P_W_PS, %eax
	mov $boot_pd, %edi
	mov $2048, %ecx
2:	mov %eax, (%edi)
	add $0x200000, %eax
	add $8, %edi
	loop 2b

	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	mov %cr0, %eax
	or $(CR0_PE | CR0_PG), %eax
	mov %eax, %cr0
	lgdt gdt_ptr
	ljmp $GDT_CODE64, $long_entry

no_long_mode:
	mov $DEBUG_EXIT_FAIL, %al
	out %al, $DEBUG_EXIT_PORT
3:	cli
	hlt
	jmp 3b

	.code64
long_entry:
	mov $GDT_DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	mov $stack_top, %esp
	mov %esi, %edi                          /* guest_main(magic, info) */
	mov %ebp, %esi
	xor %ebp, %ebp
	call guest_main
	.globl halt_forever
halt_forever:
	cli
	hlt
	jmp halt_forever

/*
 * Exception and interrupt stubs, 16 bytes apart: push a zero where the CPU
 * pushes no error code, then the vector, and join trap_common, which saves
 * the registers as a struct trap_frame and calls trap_handler(frame).
 */
	.text
	.balign 16
	.globl trap_stubs
trap_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	.if (vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	pushq $vec
	.else
	pushq $0
	pushq $vec
	.endif
	jmp trap_common
	.set vec, vec + 1
	.endr

trap_common:
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi
	cld
	call trap_handler
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp
	iretq

/*
 * int rdmsr_safe(uint32_t msr, uint64_t *val), int wrmsr_safe(uint32_t msr, uint64_t val):
 * 0, or SAFE_FAULT(vector) when the instruction faulted (trap_handler moves
 * RIP to safe_fault_ret with that value in RAX).
 */
	.globl rdmsr_safe, rdmsr_insn, wrmsr_safe, wrmsr_insn, safe_fault_ret
rdmsr_safe:
	mov %edi, %ecx
rdmsr_insn:
	rdmsr
	shl $32, %rdx
	or %rdx, %rax
	mov %rax, (%rsi)
	xor %eax, %eax
	ret

wrmsr_safe:
	mov %edi, %ecx
	mov %esi, %eax
	mov %rsi, %rdx
	shr $32, %rdx
wrmsr_insn:
	wrmsr
	xor %eax, %eax
	ret

safe_fault_ret:
	ret

/*
 * uint64_t hv_call_page(void *page, uint64_t control, uint64_t in_gpa, uint64_t out_gpa):
 * the x64 hypercall convention (TLFS "Hypercall Interface"): RCX control,
 * RDX input GPA, R8 output GPA, result in RAX. A fault inside the page
 * returns HV_CALL_FAULTED(vector) through safe_fault_ret, which pops the
 * return address our call pushed.
 */
	.globl hv_call_page
hv_call_page:
	mov %rcx, %r8
	mov %rsi, %rcx
	call *%rdi
	ret

	.section .rodata
	.balign 8
gdt:
	.quad 0
	.quad 0x00af9a000000ffff                /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff                /* 0x10: data */
gdt_end:
	.balign 8
	.globl gdt_ptr
gdt_ptr:
	.short gdt_end - gdt - 1
	.quad gdt

	.bss
	.balign 4096
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4 * 4096
	.balign 16
stack:
	.skip GUEST_STACK_SIZE
	.globl stack_top
stack_top:
