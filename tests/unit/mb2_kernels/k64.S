	.section .mb2, "a"
	.balign 8
hdr:	.long 0xe85250d6, 0, hdr_end - hdr, -(0xe85250d6 + (hdr_end - hdr))
	.balign 8
	.short 4, 1            /* console flags, optional */
	.long 12
	.long 3
	.balign 8
	.short 0, 0
	.long 8
hdr_end:
	.text
	.code32
	.globl _start
_start:	mov $0x12345678, %eax
1:	hlt
	jmp 1b
	.data
	.quad 0x1122334455667788
	.bss
	.skip 0x3000
