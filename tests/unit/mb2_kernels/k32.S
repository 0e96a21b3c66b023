	.section .mb2, "a"
	.balign 8
hdr:	.long 0xe85250d6, 0, hdr_end - hdr, -(0xe85250d6 + (hdr_end - hdr))
	.balign 8
	.short 1, 0
	.long 20
	.long 1, 6, 14
	.balign 8
	.short 0, 0
	.long 8
hdr_end:
	.text
	.globl _start
_start:	mov $stack_top, %esp
	movl $0x12345678, data_word
1:	hlt
	jmp 1b
	.data
data_word: .long 0xcafebabe
	.bss
	.balign 16
	.skip 8192
stack_top:
