// SPDX-License-Identifier: MIT
/*
 * MMIO instruction decoder (see decode.h). The bytes come from guest memory
 * and are untrusted: every byte is fetched through one bounded cursor, and
 * anything unexpected ends the decode with an error, never a guess.
 */
#include <errno.h>
#include <stddef.h>

#include "arch/x86/decode.h"

/* Prefixes and opcodes (Intel SDM Vol. 2, ch. 2.1 and appendix A). */
#define PFX_OPSIZE      0x66
#define PFX_ADDRSIZE    0x67
#define PFX_LOCK        0xF0
#define PFX_REPNE       0xF2
#define PFX_REP         0xF3
#define PFX_ES          0x26
#define PFX_CS          0x2E
#define PFX_SS          0x36
#define PFX_DS          0x3E
#define PFX_FS          0x64
#define PFX_GS          0x65
#define OP_TWO_BYTE     0x0F

#define REX_W           BIT(3)
#define REX_R           BIT(2)
#define REX_X           BIT(1)
#define REX_B           BIT(0)

#define MODRM_MOD       GENMASK(7, 6)
#define MODRM_REG       GENMASK(5, 3)
#define MODRM_RM        GENMASK(2, 0)
#define SIB_BASE        GENMASK(2, 0)

struct cursor {
	const uint8_t *buf;
	size_t avail;
	size_t pos;
};

/* Take n little-endian bytes. -ENODATA past the buffer, -EOPNOTSUPP past 15 bytes. */
static int take(struct cursor *c, unsigned n, uint64_t *v)
{
	uint64_t x = 0;

	if (c->pos + n > X86_INSN_MAX_LEN)
		return -EOPNOTSUPP;
	if (c->pos + n > c->avail)
		return -ENODATA;
	for (unsigned i = 0; i < n; i++)
		x |= (uint64_t)c->buf[c->pos + i] << (8 * i);
	c->pos += n;
	*v = x;
	return 0;
}

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ULL : BIT(8 * size) - 1;
}

static int64_t sign_extend(uint64_t v, unsigned size)
{
	unsigned shift = 64 - 8 * size;

	return (int64_t)(v << shift) >> shift;
}

struct prefixes {
	bool opsize, addrsize;
	uint8_t rex;
};

static int read_prefixes(struct cursor *c, enum x86_code_mode mode, struct prefixes *p,
			 struct x86_insn *out, uint8_t *opcode)
{
	static const enum x86_seg segs[] = {
		[0] = X86_SEG_ES, [1] = X86_SEG_CS, [2] = X86_SEG_SS, [3] = X86_SEG_DS,
	};
	uint64_t b;
	int err;

	for (;;) {
		err = take(c, 1, &b);
		if (err)
			return err;
		switch (b) {
		case PFX_OPSIZE:
			p->opsize = true;
			break;
		case PFX_ADDRSIZE:
			p->addrsize = true;
			break;
		case PFX_ES: case PFX_CS: case PFX_SS: case PFX_DS:
			out->seg = segs[(b >> 3) & 3];
			break;
		case PFX_FS:
			out->seg = X86_SEG_FS;
			break;
		case PFX_GS:
			out->seg = X86_SEG_GS;
			break;
		case PFX_LOCK: case PFX_REPNE: case PFX_REP:
			return -EOPNOTSUPP;
		default:
			if (mode == X86_CODE_64 && (b & 0xF0) == 0x40) {
				p->rex = (uint8_t)b;
				continue;   /* a REX prefix counts only right before the opcode */
			}
			*opcode = (uint8_t)b;
			return 0;
		}
		p->rex = 0;         /* a legacy prefix after REX: the REX is ignored */
	}
}

static unsigned operand_size(enum x86_code_mode mode, const struct prefixes *p)
{
	if (mode == X86_CODE_64)
		return (p->rex & REX_W) ? 8 : p->opsize ? 2 : 4;
	if (mode == X86_CODE_32)
		return p->opsize ? 2 : 4;
	return p->opsize ? 4 : 2;
}

static unsigned address_size(enum x86_code_mode mode, const struct prefixes *p)
{
	if (mode == X86_CODE_64)
		return p->addrsize ? 4 : 8;
	if (mode == X86_CODE_32)
		return p->addrsize ? 2 : 4;
	return p->addrsize ? 4 : 2;
}

/* Displacement bytes of a memory operand, given mod and rm (and SIB base). */
static int read_disp(struct cursor *c, struct x86_insn *out, unsigned n)
{
	uint64_t d = 0;
	int err = n ? take(c, n, &d) : 0;

	if (!err)
		out->disp = n ? sign_extend(d, n) : 0;
	return err;
}

/* ModRM (and SIB, displacement) of an instruction whose r/m operand must be memory. */
static int read_modrm(struct cursor *c, enum x86_code_mode mode, struct x86_insn *out,
		      uint8_t *reg_field)
{
	uint64_t modrm, sib;
	unsigned mod, rm;
	int err;

	err = take(c, 1, &modrm);
	if (err)
		return err;
	mod = FIELD_GET(MODRM_MOD, modrm);
	rm = FIELD_GET(MODRM_RM, modrm);
	*reg_field = (uint8_t)FIELD_GET(MODRM_REG, modrm);
	if (mod == 3)
		return -EOPNOTSUPP;            /* a register, not memory: not an MMIO access */
	if (out->addr_size == 2) {             /* 16-bit addressing: no SIB */
		if (mod == 0)
			return read_disp(c, out, rm == 6 ? 2 : 0);
		return read_disp(c, out, mod == 1 ? 1 : 2);
	}
	if (rm == 4) {
		err = take(c, 1, &sib);
		if (err)
			return err;
		if (mod == 0 && FIELD_GET(SIB_BASE, sib) == 5)
			return read_disp(c, out, 4);
	} else if (mod == 0 && rm == 5) {
		out->rip_relative = mode == X86_CODE_64;
		return read_disp(c, out, 4);
	}
	return read_disp(c, out, mod == 0 ? 0 : mod == 1 ? 1 : 4);
}

/* The register operand from ModRM.reg (+REX.R); byte registers 4-7 without REX are AH-BH. */
static void set_reg(struct x86_insn *out, const struct prefixes *p, uint8_t reg_field,
		    unsigned reg_size)
{
	out->reg_size = (uint8_t)reg_size;
	out->reg = (uint8_t)(reg_field | ((p->rex & REX_R) ? 8 : 0));
	if (reg_size == 1 && !p->rex && reg_field >= 4) {
		out->reg = (uint8_t)(reg_field - 4);
		out->reg_high8 = true;
	}
}

static int read_imm(struct cursor *c, struct x86_insn *out)
{
	unsigned n = out->size == 8 ? 4 : out->size;   /* imm32 sign-extended for 64-bit stores */
	uint64_t v;
	int err = take(c, n, &v);

	if (!err) {
		out->has_imm = true;
		out->imm = (uint64_t)sign_extend(v, n) & size_mask(out->size);
	}
	return err;
}

static int decode_two_byte(struct cursor *c, enum x86_code_mode mode, const struct prefixes *p,
			   struct x86_insn *out)
{
	unsigned opsize = operand_size(mode, p);
	uint64_t op;
	uint8_t reg_field;
	int err;

	err = take(c, 1, &op);
	if (err)
		return err;
	switch (op) {
	case 0xB6: case 0xB7:   /* MOVZX r, r/m8 | r/m16 */
	case 0xBE: case 0xBF:   /* MOVSX r, r/m8 | r/m16 */
		out->size = (op & 1) ? 2 : 1;
		out->sign_extend = op >= 0xBE;
		out->zero_extend = !out->sign_extend;
		err = read_modrm(c, mode, out, &reg_field);
		if (!err)
			set_reg(out, p, reg_field, opsize);
		return err;
	default:
		return -EOPNOTSUPP;
	}
}

static int decode_one_byte(struct cursor *c, enum x86_code_mode mode, const struct prefixes *p,
			   uint8_t op, struct x86_insn *out)
{
	unsigned opsize = operand_size(mode, p);
	uint8_t reg_field;
	uint64_t moffs;
	int err;

	switch (op) {
	case 0x88: case 0x89:   /* MOV r/m, r */
	case 0x8A: case 0x8B:   /* MOV r, r/m */
		out->size = (uint8_t)((op & 1) ? opsize : 1);
		out->write = op <= 0x89;
		err = read_modrm(c, mode, out, &reg_field);
		if (!err)
			set_reg(out, p, reg_field, out->size);
		return err;
	case 0xC6: case 0xC7:   /* MOV r/m, imm */
		out->size = (uint8_t)((op & 1) ? opsize : 1);
		out->write = true;
		err = read_modrm(c, mode, out, &reg_field);
		if (!err && reg_field != 0)
			return -EOPNOTSUPP;   /* C6/C7 with reg != 0 are other instructions */
		return err ? err : read_imm(c, out);
	case 0x63:              /* MOVSXD r, r/m32 (64-bit mode only; ARPL elsewhere) */
		if (mode != X86_CODE_64)
			return -EOPNOTSUPP;
		out->size = (uint8_t)(opsize == 8 ? 4 : opsize);
		out->sign_extend = opsize == 8;
		err = read_modrm(c, mode, out, &reg_field);
		if (!err)
			set_reg(out, p, reg_field, opsize);
		return err;
	case 0xA0: case 0xA1:   /* MOV AL/eAX, moffs */
	case 0xA2: case 0xA3:   /* MOV moffs, AL/eAX */
		out->size = (uint8_t)((op & 1) ? opsize : 1);
		out->write = op >= 0xA2;
		err = take(c, out->addr_size, &moffs);
		if (!err) {
			out->disp = (int64_t)moffs;
			set_reg(out, p, 0, out->size);
		}
		return err;
	case OP_TWO_BYTE:
		return decode_two_byte(c, mode, p, out);
	default:
		return -EOPNOTSUPP;
	}
}

int x86_decode(const uint8_t *buf, size_t avail, enum x86_code_mode mode, struct x86_insn *out)
{
	struct cursor c = { buf, avail, 0 };
	struct prefixes p = { false, false, 0 };
	uint8_t op;
	int err;

	*out = (struct x86_insn){ .seg = X86_SEG_DEFAULT };
	err = read_prefixes(&c, mode, &p, out, &op);
	if (err)
		return err;
	out->addr_size = (uint8_t)address_size(mode, &p);
	err = decode_one_byte(&c, mode, &p, op, out);
	if (err)
		return err;
	out->len = (uint8_t)c.pos;
	return 0;
}

enum x86_code_mode x86_code_mode(const struct vcpu_mode *m)
{
	if (m->long_mode && m->cs_l)
		return X86_CODE_64;
	if (m->protected_mode && m->cs_db)
		return X86_CODE_32;
	return X86_CODE_16;
}

/* Hardware register number -> its slot in struct vcpu_regs (whose order differs). */
static const uint8_t gpr_offset[16] = {
	offsetof(struct vcpu_regs, rax), offsetof(struct vcpu_regs, rcx),
	offsetof(struct vcpu_regs, rdx), offsetof(struct vcpu_regs, rbx),
	offsetof(struct vcpu_regs, rsp), offsetof(struct vcpu_regs, rbp),
	offsetof(struct vcpu_regs, rsi), offsetof(struct vcpu_regs, rdi),
	offsetof(struct vcpu_regs, r8),  offsetof(struct vcpu_regs, r9),
	offsetof(struct vcpu_regs, r10), offsetof(struct vcpu_regs, r11),
	offsetof(struct vcpu_regs, r12), offsetof(struct vcpu_regs, r13),
	offsetof(struct vcpu_regs, r14), offsetof(struct vcpu_regs, r15),
};

uint64_t *x86_gpr(struct vcpu_regs *regs, unsigned n)
{
	return (uint64_t *)((uint8_t *)regs + gpr_offset[n & 15]);
}

static uint64_t gpr_value(const struct vcpu_regs *regs, unsigned n)
{
	return *(const uint64_t *)((const uint8_t *)regs + gpr_offset[n & 15]);
}

void x86_mmio_complete_read(const struct x86_insn *in, struct vcpu_regs *regs, uint64_t val)
{
	uint64_t *r = x86_gpr(regs, in->reg);
	uint64_t v = val & size_mask(in->size);

	if (in->sign_extend)
		v = (uint64_t)sign_extend(v, in->size);
	v &= size_mask(in->reg_size);
	switch (in->reg_size) {
	case 1:
		if (in->reg_high8)
			*r = (*r & ~0xff00ULL) | (v << 8);
		else
			*r = (*r & ~0xffULL) | v;
		break;
	case 2:
		*r = (*r & ~0xffffULL) | v;
		break;
	default:                /* 4: a 32-bit write clears bits 63:32; 8: the whole register */
		*r = v;
		break;
	}
}

uint64_t x86_mmio_write_value(const struct x86_insn *in, const struct vcpu_regs *regs)
{
	uint64_t v;

	if (in->has_imm)
		return in->imm & size_mask(in->size);
	v = gpr_value(regs, in->reg);
	if (in->reg_high8)
		v >>= 8;
	return v & size_mask(in->size);
}

void x86_advance_rip(struct vcpu_regs *regs, enum x86_code_mode mode, uint8_t len)
{
	regs->rip += len;
	if (mode == X86_CODE_32)
		regs->rip &= 0xffffffffULL;
	else if (mode == X86_CODE_16)
		regs->rip &= 0xffffULL;
}
