// SPDX-License-Identifier: MIT
/*
 * The MMIO instruction decoder against instruction bytes produced by real
 * tools: gcc and clang at -O0/-O2 in 64-, 32- and 16-bit code, and GNU as
 * for the forms compilers rarely pick (16-bit addressing, high-byte
 * registers, moffs, RIP/EIP-relative), all in decode/vectors.inc with the
 * objdump line of each. Every prefix of every instruction is decoded from
 * an exact-size heap buffer, so ASan catches any read past the bytes given.
 * Then the register-file rules, prefix corner cases and random garbage.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "arch/x86/decode.h"

enum ext { NX, ZX, SX };

struct vec {
	enum x86_code_mode mode;
	const char *bytes;
	uint8_t len;
	bool refuse;
	bool write;
	uint8_t size, reg;
	bool high8;
	uint8_t reg_size;
	enum ext ext;
	bool has_imm;
	uint64_t imm;
};

#define MODE(bits) ((bits) == 64 ? X86_CODE_64 : (bits) == 32 ? X86_CODE_32 : X86_CODE_16)
#define VEC(bits, b, l, w, sz, r, hi, rsz, e, hasimm, im) \
	{ MODE(bits), b, l, false, w, sz, r, hi, rsz, e, hasimm, im }
#define REFUSE(bits, b, l) { MODE(bits), b, l, true, false, 0, 0, false, 0, NX, false, 0 }

static const struct vec vecs[] = {
#include "tests/unit/decode/vectors.inc"
};

static int decode_exact(const char *bytes, size_t n, enum x86_code_mode mode, struct x86_insn *in)
{
	uint8_t *buf = malloc(n ? n : 1);
	int err;

	assert_non_null(buf);
	memcpy(buf, bytes, n);
	err = x86_decode(buf, n, mode, in);
	free(buf);
	return err;
}

static void check_vec(const struct vec *v, unsigned idx)
{
	struct x86_insn in;
	int err = decode_exact(v->bytes, v->len, v->mode, &in);

	if (v->refuse) {
		if (err != -EOPNOTSUPP)
			print_error("vector %u: expected refusal, got %d (len %u)\n", idx, err, in.len);
		assert_int_equal(err, -EOPNOTSUPP);
		return;
	}
	if (err)
		print_error("vector %u: error %d\n", idx, err);
	assert_int_equal(err, 0);
	assert_int_equal(in.len, v->len);
	assert_int_equal(in.write, v->write);
	assert_int_equal(in.size, v->size);
	assert_int_equal(in.has_imm, v->has_imm);
	if (v->has_imm) {
		assert_int_equal(in.imm, v->imm);
		return;
	}
	assert_int_equal(in.reg, v->reg);
	assert_int_equal(in.reg_high8, v->high8);
	assert_int_equal(in.reg_size, v->reg_size);
	assert_int_equal(in.zero_extend, v->ext == ZX);
	assert_int_equal(in.sign_extend, v->ext == SX);
}

static void test_compiler_vectors(void **state)
{
	unsigned i, decoded = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(vecs); i++) {
		check_vec(&vecs[i], i);
		decoded += !vecs[i].refuse;
	}
	assert_true(decoded > 300);
}

/* Every strict prefix of a decodable instruction is -ENODATA, never a read past it. */
static void test_truncated(void **state)
{
	unsigned i, n;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(vecs); i++) {
		if (vecs[i].refuse)
			continue;
		for (n = 0; n < vecs[i].len; n++) {
			struct x86_insn in;

			assert_int_equal(decode_exact(vecs[i].bytes, n, vecs[i].mode, &in), -ENODATA);
		}
	}
}

static struct x86_insn dec(enum x86_code_mode mode, const char *bytes, size_t n)
{
	struct x86_insn in;

	assert_int_equal(decode_exact(bytes, n, mode, &in), 0);
	return in;
}

static void test_memory_operand_details(void **state)
{
	struct x86_insn in;

	(void)state;
	/* mov 0x1000(%rip),%rdx */
	in = dec(X86_CODE_64, "\x48\x8b\x15\x00\x10\x00\x00", 7);
	assert_true(in.rip_relative);
	assert_int_equal(in.disp, 0x1000);
	assert_int_equal(in.addr_size, 8);
	/* mov 0x10(%eip),%ecx: 67 in 64-bit code */
	in = dec(X86_CODE_64, "\x67\x8b\x0d\x10\x00\x00\x00", 7);
	assert_true(in.rip_relative);
	assert_int_equal(in.addr_size, 4);
	/* the same bytes in 32-bit code: 16-bit addressing, disp16 0x0010 after modrm 0d (di) */
	in = dec(X86_CODE_32, "\x67\x8b\x0d", 3);
	assert_false(in.rip_relative);
	assert_int_equal(in.addr_size, 2);
	/* mov 0x5(%eax) (no 67) in 32-bit code: 8b 0d is disp32 absolute, not RIP-relative */
	in = dec(X86_CODE_32, "\x8b\x0d\x00\x03\xe0\xfe", 6);
	assert_false(in.rip_relative);
	assert_int_equal(in.disp, (int64_t)(int32_t)0xfee00300);
	/* mov %gs:0x28,%rax: SIB with no base, disp32 */
	in = dec(X86_CODE_64, "\x65\x48\x8b\x04\x25\x28\x00\x00\x00", 9);
	assert_int_equal(in.seg, X86_SEG_GS);
	assert_int_equal(in.disp, 0x28);
	/* SIB base r13 with mod 00 is disp32, not [r13]: 41 8b 04 25 + disp32 */
	in = dec(X86_CODE_64, "\x41\x8b\x04\x25\x44\x33\x22\x11", 8);
	assert_int_equal(in.len, 8);
	assert_int_equal(in.disp, 0x11223344);
	/* disp8 is sign-extended */
	in = dec(X86_CODE_64, "\x8b\x47\xf0", 3);
	assert_int_equal(in.disp, -16);
	/* moffs in 16-bit code: a1 with a 16-bit offset; with 67, a 32-bit one */
	in = dec(X86_CODE_16, "\xa1\x34\x12", 3);
	assert_int_equal(in.disp, 0x1234);
	assert_int_equal(in.size, 2);
	in = dec(X86_CODE_16, "\x67\xa1\x78\x56\x34\x12", 6);
	assert_int_equal(in.disp, 0x12345678);
	/* segment overrides are recorded */
	in = dec(X86_CODE_32, "\x2e\x8b\x00", 3);
	assert_int_equal(in.seg, X86_SEG_CS);
	in = dec(X86_CODE_32, "\x36\x8b\x00", 3);
	assert_int_equal(in.seg, X86_SEG_SS);
	in = dec(X86_CODE_32, "\x3e\x26\x8b\x00", 4);
	assert_int_equal(in.seg, X86_SEG_ES);
}

static void test_prefix_corner_cases(void **state)
{
	static const char fifteen[] = "\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x8b\x00\x90";
	static const char sixteen[] = "\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x8b"
				      "\x00";
	struct x86_insn in;

	(void)state;
	/* A REX before a legacy prefix is ignored: 48 66 89 07 stores 16 bits. */
	in = dec(X86_CODE_64, "\x48\x66\x89\x07", 4);
	assert_int_equal(in.size, 2);
	/* REX.W wins over 66. */
	in = dec(X86_CODE_64, "\x66\x48\x89\x07", 4);
	assert_int_equal(in.size, 8);
	/* Two REX prefixes: the last counts (44 then 41: REX.B only). */
	in = dec(X86_CODE_64, "\x44\x41\x89\x07", 4);
	assert_int_equal(in.reg, 0);
	/* 40 in 32-bit code is INC EAX. */
	assert_int_equal(decode_exact("\x40\x89\x07", 3, X86_CODE_32, &in), -EOPNOTSUPP);
	/* LOCK, REP, REPNE. */
	assert_int_equal(decode_exact("\xf0\x89\x07", 3, X86_CODE_64, &in), -EOPNOTSUPP);
	assert_int_equal(decode_exact("\xf3\x89\x07", 3, X86_CODE_64, &in), -EOPNOTSUPP);
	assert_int_equal(decode_exact("\xf2\x8b\x07", 3, X86_CODE_64, &in), -EOPNOTSUPP);
	/* 15 bytes is the most an instruction may have. */
	in = dec(X86_CODE_32, fifteen, 14);
	assert_int_equal(in.len, 14);
	assert_int_equal(decode_exact(sixteen, 16, X86_CODE_32, &in), -EOPNOTSUPP);
	/* C6/C7 with reg != 0, 63 outside 64-bit code, register operands. */
	assert_int_equal(decode_exact("\xc7\x4f\x08\x01\x00\x00\x00", 7, X86_CODE_64, &in),
			 -EOPNOTSUPP);
	assert_int_equal(decode_exact("\x63\x07", 2, X86_CODE_32, &in), -EOPNOTSUPP);
	assert_int_equal(decode_exact("\x89\xc0", 2, X86_CODE_64, &in), -EOPNOTSUPP);
	assert_int_equal(decode_exact("\x0f\xb6\xc0", 3, X86_CODE_64, &in), -EOPNOTSUPP);
	/* Other two-byte opcodes. */
	assert_int_equal(decode_exact("\x0f\x10\x07", 3, X86_CODE_64, &in), -EOPNOTSUPP);
	/* MOVSXD without REX.W is a 32-bit move. */
	in = dec(X86_CODE_64, "\x63\x07", 2);
	assert_int_equal(in.size, 4);
	assert_int_equal(in.reg_size, 4);
	assert_false(in.sign_extend);
	/* Empty buffer. */
	assert_int_equal(decode_exact("", 0, X86_CODE_64, &in), -ENODATA);
}

static void test_complete_read_width_rules(void **state)
{
	struct vcpu_regs r;
	struct x86_insn in;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.rax = 0x1122334455667788ULL;
	in = dec(X86_CODE_64, "\x8a\x07", 2);                       /* mov (%rdi),%al */
	x86_mmio_complete_read(&in, &r, 0xfffffffffffffeabULL);
	assert_int_equal(r.rax, 0x11223344556677abULL);
	in = dec(X86_CODE_64, "\x8a\x27", 2);                       /* mov (%rdi),%ah */
	x86_mmio_complete_read(&in, &r, 0xcd);
	assert_int_equal(r.rax, 0x112233445566cdabULL);
	in = dec(X86_CODE_64, "\x66\x8b\x07", 3);                   /* mov (%rdi),%ax */
	x86_mmio_complete_read(&in, &r, 0xbeef);
	assert_int_equal(r.rax, 0x112233445566beefULL);
	in = dec(X86_CODE_64, "\x8b\x07", 2);                       /* mov (%rdi),%eax */
	x86_mmio_complete_read(&in, &r, 0xdeadbeefcafef00dULL);
	assert_int_equal(r.rax, 0xcafef00dULL);
	in = dec(X86_CODE_64, "\x4c\x8b\x3f", 3);                   /* mov (%rdi),%r15 */
	x86_mmio_complete_read(&in, &r, 0xdeadbeefcafef00dULL);
	assert_int_equal(r.r15, 0xdeadbeefcafef00dULL);
	r.rbx = ~0ULL;
	in = dec(X86_CODE_64, "\x0f\xb6\x1f", 3);                   /* movzbl (%rdi),%ebx */
	x86_mmio_complete_read(&in, &r, 0x80);
	assert_int_equal(r.rbx, 0x80);
	in = dec(X86_CODE_64, "\x48\x0f\xbf\x1f", 4);               /* movswq (%rdi),%rbx */
	x86_mmio_complete_read(&in, &r, 0x8001);
	assert_int_equal(r.rbx, 0xffffffffffff8001ULL);
	r.rcx = 0x1111111111111111ULL;
	in = dec(X86_CODE_64, "\x66\x0f\xbe\x0f", 4);               /* movsbw (%rdi),%cx */
	x86_mmio_complete_read(&in, &r, 0xf0);
	assert_int_equal(r.rcx, 0x111111111111fff0ULL);
	in = dec(X86_CODE_64, "\x48\x63\x0f", 3);                   /* movslq (%rdi),%rcx */
	x86_mmio_complete_read(&in, &r, 0x80000000);
	assert_int_equal(r.rcx, 0xffffffff80000000ULL);
	in = dec(X86_CODE_64, "\x40\x8a\x37", 3);                   /* mov (%rdi),%sil */
	r.rsi = 0x1234;
	x86_mmio_complete_read(&in, &r, 0x56);
	assert_int_equal(r.rsi, 0x1256);
	in = dec(X86_CODE_16, "\x8b\x24", 2);                       /* mov (%si),%sp */
	r.rsp = 0xffff0000ULL;
	x86_mmio_complete_read(&in, &r, 0x12345);
	assert_int_equal(r.rsp, 0xffff2345ULL);
}

static void test_write_value(void **state)
{
	struct vcpu_regs r;
	struct x86_insn in;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.rax = 0x1122334455667788ULL;
	r.r11 = 0xaabbccddeeff0011ULL;
	in = dec(X86_CODE_64, "\x88\x27", 2);                       /* mov %ah,(%rdi) */
	assert_int_equal(x86_mmio_write_value(&in, &r), 0x77);
	in = dec(X86_CODE_64, "\x66\x89\x07", 3);
	assert_int_equal(x86_mmio_write_value(&in, &r), 0x7788);
	in = dec(X86_CODE_64, "\x4c\x89\x1f", 3);                   /* mov %r11,(%rdi) */
	assert_int_equal(x86_mmio_write_value(&in, &r), 0xaabbccddeeff0011ULL);
	in = dec(X86_CODE_64, "\x44\x89\x1f", 3);                   /* mov %r11d,(%rdi) */
	assert_int_equal(x86_mmio_write_value(&in, &r), 0xeeff0011ULL);
	in = dec(X86_CODE_64, "\x48\xc7\x07\xfe\xff\xff\xff", 7);   /* movq $-2,(%rdi) */
	assert_int_equal(x86_mmio_write_value(&in, &r), 0xfffffffffffffffeULL);
	in = dec(X86_CODE_64, "\x66\xc7\x07\xef\xbe", 5);           /* movw $0xbeef,(%rdi) */
	assert_int_equal(x86_mmio_write_value(&in, &r), 0xbeef);
	in = dec(X86_CODE_16, "\xc7\x07\xef\xbe", 4);               /* movw in 16-bit code */
	assert_int_equal(x86_mmio_write_value(&in, &r), 0xbeef);
	in = dec(X86_CODE_16, "\x66\xc7\x07\x01\x00\x00\x80", 7);   /* movl in 16-bit code */
	assert_int_equal(x86_mmio_write_value(&in, &r), 0x80000001ULL);
}

static void test_modes_and_rip(void **state)
{
	struct vcpu_mode m;
	struct vcpu_regs r;

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(x86_code_mode(&m), X86_CODE_16);          /* real mode */
	m.cs_db = true;
	assert_int_equal(x86_code_mode(&m), X86_CODE_16);          /* real mode ignores CS.D */
	m.protected_mode = true;
	assert_int_equal(x86_code_mode(&m), X86_CODE_32);
	m.cs_db = false;
	assert_int_equal(x86_code_mode(&m), X86_CODE_16);
	m.long_mode = true;
	assert_int_equal(x86_code_mode(&m), X86_CODE_16);          /* compatibility mode, 16-bit CS */
	m.cs_l = true;
	assert_int_equal(x86_code_mode(&m), X86_CODE_64);

	memset(&r, 0, sizeof(r));
	r.rip = 0xfffe;
	x86_advance_rip(&r, X86_CODE_16, 3);
	assert_int_equal(r.rip, 1);
	r.rip = 0xfffffffe;
	x86_advance_rip(&r, X86_CODE_32, 3);
	assert_int_equal(r.rip, 1);
	r.rip = 0xfffffffe;
	x86_advance_rip(&r, X86_CODE_64, 3);
	assert_int_equal(r.rip, 0x100000001ULL);
	r.rax = 1, r.rcx = 2, r.rdx = 3, r.rbx = 4, r.rsp = 5, r.rbp = 6, r.rsi = 7, r.rdi = 8;
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(*x86_gpr(&r, i), i + 1);
	r.r8 = 9, r.r15 = 16;
	assert_int_equal(*x86_gpr(&r, 8), 9);
	assert_int_equal(*x86_gpr(&r, 15), 16);
}

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint8_t rnd8(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint8_t)rng;
}

/* Random bytes, biased toward the opcodes and prefixes the decoder knows. */
static void test_garbage(void **state)
{
	static const uint8_t hot[] = { 0x66, 0x67, 0x48, 0x4c, 0x41, 0x2e, 0x65, 0x0f, 0x88, 0x89,
				       0x8a, 0x8b, 0xc6, 0xc7, 0xa1, 0xa3, 0x63, 0xb6, 0xbf, 0x04,
				       0x05, 0x24, 0x25, 0x44, 0x84 };
	unsigned iter, ok = 0;

	(void)state;
	for (iter = 0; iter < 200000; iter++) {
		size_t n = rnd8() % 17, i;
		uint8_t *buf = malloc(n ? n : 1);
		struct x86_insn in;
		int err;

		assert_non_null(buf);
		for (i = 0; i < n; i++)
			buf[i] = (rnd8() & 1) ? hot[rnd8() % sizeof(hot)] : rnd8();
		err = x86_decode(buf, n, (enum x86_code_mode)(iter % 3), &in);
		free(buf);
		assert_true(err == 0 || err == -ENODATA || err == -EOPNOTSUPP);
		if (!err) {
			ok++;
			assert_true(in.len >= 2);
			assert_true(in.len <= n && in.len <= X86_INSN_MAX_LEN);
			assert_true(in.size == 1 || in.size == 2 || in.size == 4 || in.size == 8);
			assert_true(in.reg < 16);
			assert_true(!in.reg_high8 || in.reg < 4);
		}
	}
	assert_true(ok > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compiler_vectors),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_memory_operand_details),
		cmocka_unit_test(test_prefix_corner_cases),
		cmocka_unit_test(test_complete_read_width_rules),
		cmocka_unit_test(test_write_value),
		cmocka_unit_test(test_modes_and_rip),
		cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
