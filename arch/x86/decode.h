/* SPDX-License-Identifier: MIT */
/*
 * A decoder for the x86 instructions compilers emit for MMIO, so the
 * monitor can finish an access it intercepted (a stage-2 fault on a page it
 * emulates): MOV in both directions (88, 89, 8A, 8B), MOV of an immediate
 * to memory (C6 /0, C7 /0), MOV with an absolute offset (A0-A3), MOVZX
 * (0F B6, 0F B7), MOVSX (0F BE, 0F BF) and MOVSXD (REX.W 63), with the
 * operand-size (66), address-size (67), segment and REX prefixes, every
 * ModRM/SIB/displacement form and RIP-relative addressing, in 64-, 32- and
 * 16-bit code (Intel SDM Vol. 2 ch. 2, AMD APM Vol. 3 ch. 1).
 *
 * The hardware already reports the guest-physical address of the access;
 * the decoder only needs the instruction's length, direction, width and the
 * register or immediate involved, so it computes no effective address.
 * Anything else (other opcodes, LOCK/REP, a register operand where memory
 * is expected) is -EOPNOTSUPP: the caller stops that partition.
 */
#ifndef IOMON_X86_DECODE_H
#define IOMON_X86_DECODE_H

#include "kernel/types.h"
#include "arch/x86/vcpu.h"

#define X86_INSN_MAX_LEN        15

enum x86_code_mode {
	X86_CODE_16,            /* real mode, or CS.D = 0 */
	X86_CODE_32,            /* CS.D = 1 */
	X86_CODE_64,            /* EFER.LMA and CS.L */
};

/* Segment named by an override prefix. */
enum x86_seg {
	X86_SEG_DEFAULT, X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS, X86_SEG_FS, X86_SEG_GS,
};

struct x86_insn {
	uint8_t len;            /* bytes, prefixes included */
	bool write;             /* true: register/immediate -> memory (an MMIO write) */
	uint8_t size;           /* bytes accessed in memory: 1, 2, 4 or 8 */

	/* The register operand: destination of a read, source of a write (unless has_imm). */
	uint8_t reg;            /* hardware number 0-15 (0 RAX, 1 RCX, 2 RDX, 3 RBX, 4 RSP, ...) */
	bool reg_high8;         /* AH/CH/DH/BH: bits 15:8 of register `reg` (0-3) */
	uint8_t reg_size;       /* width written to (read) or taken from (write) the register */
	bool zero_extend;       /* MOVZX: the value is zero-extended from size to reg_size */
	bool sign_extend;       /* MOVSX/MOVSXD: sign-extended from size to reg_size */

	bool has_imm;           /* MOV r/m, imm: the value written is imm */
	uint64_t imm;           /* already sign-extended to `size` bytes as the CPU does */

	/* The memory operand, for diagnostics. */
	enum x86_seg seg;
	uint8_t addr_size;      /* 2, 4 or 8 */
	bool rip_relative;
	int64_t disp;
};

/* The code mode a vcpu is in (16-bit also for real and virtual-8086 mode). */
enum x86_code_mode x86_code_mode(const struct vcpu_mode *m);

/*
 * Decode the instruction in the `avail` bytes at `buf` (never reads past
 * them). 0 and *out; -ENODATA when the instruction runs past `avail` (the
 * caller could not fetch enough bytes); -EOPNOTSUPP for anything outside
 * the forms above, or longer than 15 bytes.
 */
int __must_check x86_decode(const uint8_t *buf, size_t avail, enum x86_code_mode mode,
			    struct x86_insn *out);

/*
 * Finish an MMIO read: put `val` (the `size` bytes read) into the
 * destination register with the x86 rules: extension by MOVZX/MOVSX, a
 * 32-bit register write zeroes bits 63:32, 8- and 16-bit writes keep the
 * other bits. Does not move RIP (see x86_advance_rip()).
 */
void x86_mmio_complete_read(const struct x86_insn *in, struct vcpu_regs *regs, uint64_t val);

/* The `size`-byte value an MMIO write stores (register or immediate), zero-extended. */
uint64_t x86_mmio_write_value(const struct x86_insn *in, const struct vcpu_regs *regs);

/* Step RIP past the instruction, wrapping IP/EIP in 16/32-bit code as the CPU does. */
void x86_advance_rip(struct vcpu_regs *regs, enum x86_code_mode mode, uint8_t len);

/* Register `n` (hardware number 0-15) in the saved register file. */
uint64_t *x86_gpr(struct vcpu_regs *regs, unsigned n);

#endif
