	.text
	.code32
start:
	.balign 8
hdr:	.long 0xe85250d6, 0, hdr_end - hdr, -(0xe85250d6 + (hdr_end - hdr))
	.balign 8
	.short 2, 0
	.long 24
	.long 0x300000 + (hdr - start), 0x300000, 0x300000 + (data_end - start), 0x300000 + (bss_end - start)
	.balign 8
	.short 3, 0
	.long 12
	.long 0x300000 + (entry - start)
	.balign 8
	.short 0, 0
	.long 8
hdr_end:
entry:	mov $0x12345678, %eax
1:	hlt
	jmp 1b
	.balign 16
	.ascii "iomon a.out kludge test"
data_end:
	.skip 0x2000 - (data_end - start)
bss_end:
