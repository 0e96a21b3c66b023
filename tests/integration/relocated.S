/* SPDX-License-Identifier: MIT */
/*
 * A tiny multiboot2 kernel for the UEFI loader's relocation scenario. It is
 * linked (tests/integration/scenarios.sh) across the end of a range OVMF's
 * boot services hold and the start of free memory, so the loader must stage
 * it and copy it into place after ExitBootServices(). It checks what iomon
 * would rely on -- the magic, running at its linked address, its data
 * copied and its bss zeroed over what the firmware left there -- and says
 * so on COM1, then ends QEMU through isa-debug-exit (33 good, 35 bad).
 */
#define MB2_HEADER_MAGIC 0xE85250D6
#define COM1             0x3f8

	.code32
	.text
	.balign 8
header:
	.long	MB2_HEADER_MAGIC, 0, header_end - header
	.long	-(MB2_HEADER_MAGIC + (header_end - header))
	.short	0, 0
	.long	8
header_end:

	.globl	_start
_start:
	cli
	movl	$msg_bad, %esi
	cmpl	$0x36d76289, %eax		/* the multiboot2 magic */
	jne	report
	call	1f
1:	popl	%edx
	cmpl	$1b, %edx			/* running where it was linked */
	jne	report
	cmpl	$0x5ca1ab1e, pattern		/* data copied, past the first 64 KiB */
	jne	report
	movl	$bss_start, %edi		/* bss zeroed over firmware leftovers */
	movl	$(bss_end - bss_start) / 4, %ecx
	xorl	%eax, %eax
	repe scasl
	jne	report
	movl	$msg_ok, %esi
report:
	movw	$COM1, %dx
2:	lodsb
	testb	%al, %al
	jz	3f
	outb	%al, %dx
	jmp	2b
3:	movb	(%esi), %al			/* the exit code follows the string */
	outb	%al, $0xf4
4:	hlt
	jmp	4b

msg_ok:	.asciz	"relocated: ok, at its linked address with data and bss in place\n"
	.byte	0x10
msg_bad: .asciz	"relocated: BAD\n"
	.byte	0x11

	.skip	0x10000
pattern: .long	0x5ca1ab1e

	.bss
	.balign 4
bss_start:
	.skip	0x8000
bss_end:
