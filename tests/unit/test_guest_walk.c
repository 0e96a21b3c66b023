// SPDX-License-Identifier: MIT
/*
 * Guest page walks over page tables built here in a fake guest RAM (4 MiB
 * from GPA 0), in each paging mode, with large pages, not-present and
 * reserved-bit entries, and tables outside guest RAM.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "arch/x86/guest_walk.h"
#include "arch/x86/decode.h"

#define RAM_SIZE   (4 * MiB)
#define CR0_PE     BIT(0)
#define CR0_PG     BIT(31)

static uint8_t *ram;
static unsigned reads;

static int read_gpa(void *ctx, uint64_t gpa, uint64_t *val)
{
	(void)ctx;
	assert_true(IS_ALIGNED(gpa, 8));
	reads++;
	if (gpa >= RAM_SIZE)
		return -ENXIO;
	memcpy(val, ram + gpa, 8);
	return 0;
}

static void put32(uint64_t gpa, uint32_t v)
{
	memcpy(ram + gpa, &v, 4);
}

static void put64(uint64_t gpa, uint64_t v)
{
	memcpy(ram + gpa, &v, 8);
}

static int setup(void **state)
{
	(void)state;
	ram = calloc(1, RAM_SIZE);
	assert_non_null(ram);
	reads = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

static struct vcpu_mode mode_32(uint64_t cr3, bool pse)
{
	return (struct vcpu_mode){ .protected_mode = true, .paging = true, .cs_db = true,
				   .cr0 = CR0_PE | CR0_PG, .cr3 = cr3, .cr4 = pse ? GW_CR4_PSE : 0 };
}

static struct vcpu_mode mode_pae(uint64_t cr3, bool nxe)
{
	return (struct vcpu_mode){ .protected_mode = true, .paging = true, .cs_db = true,
				   .cr0 = CR0_PE | CR0_PG, .cr3 = cr3, .cr4 = GW_CR4_PAE,
				   .efer = nxe ? GW_EFER_NXE : 0 };
}

static struct vcpu_mode mode_long(uint64_t cr3)
{
	return (struct vcpu_mode){ .protected_mode = true, .paging = true, .long_mode = true,
				   .cs_l = true, .cr0 = CR0_PE | CR0_PG, .cr3 = cr3,
				   .cr4 = GW_CR4_PAE, .efer = BIT(8) | BIT(10) | GW_EFER_NXE };
}

static uint64_t walk_ok(const struct vcpu_mode *m, uint64_t la)
{
	uint64_t gpa = 0;

	assert_int_equal(guest_walk(m, la, read_gpa, NULL, &gpa), 0);
	return gpa;
}

static int walk_err(const struct vcpu_mode *m, uint64_t la)
{
	uint64_t gpa = 0xdead;
	int err = guest_walk(m, la, read_gpa, NULL, &gpa);

	assert_int_equal(gpa, 0xdead);     /* untouched on failure */
	return err;
}

static void test_paging_off(void **state)
{
	struct vcpu_mode m = { .protected_mode = true, .cs_db = true, .cs_base = 0x10000 };

	(void)state;
	assert_int_equal(walk_ok(&m, 0x12345678), 0x12345678);
	assert_int_equal(walk_ok(&m, 0x1234567890ULL), 0x34567890);
	assert_int_equal(guest_code_linear(&m, 0x100), 0x10100);
	m.cs_base = 0xfffff000;
	assert_int_equal(guest_code_linear(&m, 0x2000), 0x1000);     /* 32-bit wrap */
	m = (struct vcpu_mode){ .cs_base = 0xf0000 };                /* real mode, CS = 0xf000 */
	assert_int_equal(guest_code_linear(&m, 0xfff0), 0xffff0);
	m = mode_long(0);
	m.cs_base = 0x1000;                                          /* ignored in 64-bit code */
	assert_int_equal(guest_code_linear(&m, 0xffffffff80001000ULL), 0xffffffff80001000ULL);
	assert_int_equal(reads, 0);
}

static void test_32bit_4k_and_4m(void **state)
{
	struct vcpu_mode m = mode_32(0x1000 | 0x18 /* PWT|PCD ignored */, true);

	(void)state;
	/* la 0x80401234: PDE index 0x201, PTE index 0x001 */
	put32(0x1000 + 0x201 * 4, 0x2000 | 0x3);
	put32(0x2000 + 0x001 * 4, 0x123000 | 0x1);
	assert_int_equal(walk_ok(&m, 0x80401234), 0x123234);
	assert_int_equal(reads, 2);
	/* The neighbouring PDE (index 0x200) shares the qword: the right half is used. */
	put32(0x1000 + 0x200 * 4, 0);
	assert_int_equal(walk_err(&m, 0x80001234), -EFAULT);
	/* 4 MiB page at 0x00c00000 with PSE-36 high bits 0x12 (PA bits 39:32). */
	put32(0x1000 + 0x3ff * 4, 0x00c00000 | (0x12 << 13) | GPTE_PS | 0x1);
	assert_int_equal(walk_ok(&m, 0xffc12345), 0x1200c12345ULL);
	/* Bit 21 is reserved in a 4 MiB PDE. */
	put32(0x1000 + 0x3ff * 4, 0x00c00000 | BIT(21) | GPTE_PS | 0x1);
	assert_int_equal(walk_err(&m, 0xffc12345), -EFAULT);
	/* Without CR4.PSE the PS bit is ignored: the PDE points to a page table. */
	m = mode_32(0x1000, false);
	put32(0x1000 + 0x3ff * 4, 0x3000 | GPTE_PS | 0x1);
	put32(0x3000 + 0x012 * 4, 0x45000 | 0x1);
	assert_int_equal(walk_ok(&m, 0xffc12345), 0x45345);
	/* Not-present PTE. */
	put32(0x3000 + 0x012 * 4, 0x45000);
	assert_int_equal(walk_err(&m, 0xffc12345), -EFAULT);
}

static void test_pae(void **state)
{
	struct vcpu_mode m = mode_pae(0x5020, false);   /* PDPT 32-byte aligned inside a page */

	(void)state;
	/* la 0xc0654321: PDPTE 3, PDE 0x003, PTE 0x054 */
	put64(0x5020 + 3 * 8, 0x6000 | 0x1);
	put64(0x6000 + 0x003 * 8, 0x7000 | 0x3);
	put64(0x7000 + 0x054 * 8, 0x1234567000ULL | 0x1);
	assert_int_equal(walk_ok(&m, 0xc0654321), 0x1234567321ULL);
	/* 2 MiB page in PDE 0x004 */
	put64(0x6000 + 0x004 * 8, 0x40000000ULL | GPTE_PS | 0x1);
	assert_int_equal(walk_ok(&m, 0xc0812345), 0x40012345ULL);
	/* 2 MiB page with a reserved bit (13). */
	put64(0x6000 + 0x004 * 8, 0x40000000ULL | BIT(13) | GPTE_PS | 0x1);
	assert_int_equal(walk_err(&m, 0xc0812345), -EFAULT);
	/* XD in a PTE: reserved without EFER.NXE, fine with it. */
	put64(0x7000 + 0x054 * 8, 0x1234567000ULL | GPTE_XD | 0x1);
	assert_int_equal(walk_err(&m, 0xc0654321), -EFAULT);
	m = mode_pae(0x5020, true);
	assert_int_equal(walk_ok(&m, 0xc0654321), 0x1234567321ULL);
	/* PDPTE reserved bits (1, 2, 5-8) and XD are never allowed. */
	put64(0x5020 + 3 * 8, 0x6000 | BIT(1) | 0x1);
	assert_int_equal(walk_err(&m, 0xc0654321), -EFAULT);
	put64(0x5020 + 3 * 8, 0x6000 | GPTE_XD | 0x1);
	assert_int_equal(walk_err(&m, 0xc0654321), -EFAULT);
	put64(0x5020 + 3 * 8, 0x6000);
	assert_int_equal(walk_err(&m, 0xc0654321), -EFAULT);
	/* Upper linear bits are dropped outside long mode. */
	put64(0x5020 + 3 * 8, 0x6000 | 0x1);
	assert_int_equal(walk_ok(&m, 0xffffffffc0654321ULL), 0x1234567321ULL);
}

static void test_long_mode(void **state)
{
	struct vcpu_mode m = mode_long(0x8000 | 0x5 /* a PCID */);
	const uint64_t la = 0xffffffff80201abcULL;   /* PML4 511, PDPT 510, PD 1, PT 1 */

	(void)state;
	m.cr4 |= GW_CR4_PCIDE;
	put64(0x8000 + 511 * 8, 0x9000 | 0x3);
	put64(0x9000 + 510 * 8, 0xa000 | 0x3);
	put64(0xa000 + 1 * 8, 0xb000 | 0x3);
	put64(0xb000 + 1 * 8, 0x876543000ULL | GPTE_XD | 0x1);
	assert_int_equal(walk_ok(&m, la), 0x876543abcULL);
	assert_int_equal(reads, 4);
	/* 2 MiB */
	put64(0xa000 + 1 * 8, 0x200000000ULL | GPTE_PS | 0x1);
	assert_int_equal(walk_ok(&m, la), 0x200001abcULL);
	/* 1 GiB */
	put64(0x9000 + 510 * 8, 0x4080000000ULL | GPTE_PS | 0x1);
	assert_int_equal(walk_ok(&m, la), 0x4080201abcULL);
	/* 1 GiB with a reserved bit (29..13) */
	put64(0x9000 + 510 * 8, 0x4080000000ULL | BIT(20) | GPTE_PS | 0x1);
	assert_int_equal(walk_err(&m, la), -EFAULT);
	/* PS in a PML4E is reserved. */
	put64(0x8000 + 511 * 8, 0x9000 | GPTE_PS | 0x1);
	assert_int_equal(walk_err(&m, la), -EFAULT);
	/* Not canonical. */
	put64(0x8000 + 511 * 8, 0x9000 | 0x1);
	assert_int_equal(walk_err(&m, 0x0000800000000000ULL), -EFAULT);
	assert_int_equal(walk_err(&m, 0xffff7fffffffffffULL), -EFAULT);
	/* 5-level paging: a PML5 above the same PML4; canonical at bit 56. */
	put64(0x9000 + 510 * 8, 0x4080000000ULL | GPTE_PS | 0x1);
	m.cr3 = 0xc000;
	m.cr4 |= GW_CR4_LA57;
	put64(0xc000 + 511 * 8, 0x8000 | 0x3);
	assert_int_equal(walk_ok(&m, la), 0x4080201abcULL);
	assert_int_equal(walk_err(&m, 0x0100000000000000ULL), -EFAULT);   /* not canonical */
	assert_int_equal(walk_err(&m, 0xfeffffff80201abcULL), -EFAULT);   /* PML5 510: absent */
	put64(0xc000 + 511 * 8, 0x8000 | GPTE_PS | 0x1);                   /* PS in a PML5E */
	assert_int_equal(walk_err(&m, la), -EFAULT);
	m.cr4 &= ~GW_CR4_LA57;
	m.cr3 = 0x8000;
	/* XD without EFER.NXE is reserved. */
	m = mode_long(0x8000);
	m.efer &= ~GW_EFER_NXE;
	put64(0x9000 + 510 * 8, 0xa000 | 0x3);
	put64(0xa000 + 1 * 8, 0xb000 | 0x3);
	assert_int_equal(walk_err(&m, la), -EFAULT);
}

static void test_tables_outside_ram(void **state)
{
	struct vcpu_mode m = mode_long(0x8000);
	struct vcpu_mode m32 = mode_32(0x7ff000000ULL & 0xfffff000, false);

	(void)state;
	put64(0x8000, 0xfee00000ULL | 0x1);             /* PML4E -> MMIO */
	assert_int_equal(walk_err(&m, 0x1000), -ENXIO);
	m.cr3 = 0x10000000;                             /* CR3 outside RAM */
	assert_int_equal(walk_err(&m, 0x1000), -ENXIO);
	assert_int_equal(walk_err(&m32, 0x1000), -ENXIO);
}

/* Random tables: never a crash, and every result lies in some mapped page or is an error. */
static void test_random_tables(void **state)
{
	uint64_t x = 88172645463325252ULL;
	unsigned iter, i;

	(void)state;
	for (iter = 0; iter < 2000; iter++) {
		struct vcpu_mode m;
		uint64_t gpa, la;
		int err;

		for (i = 0; i < 64; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			put64((x % (RAM_SIZE / 8)) * 8, (x & 0x3fffff) | (x & 0x8000000000000081ULL));
		}
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		m = iter % 3 == 0 ? mode_long(x & 0x3ff000) : iter % 3 == 1 ? mode_pae(x & 0x3fffe0, x & 1)
									 : mode_32(x & 0x3ff000, x & 2);
		la = x * 0x9e3779b97f4a7c15ULL;
		err = guest_walk(&m, la, read_gpa, NULL, &gpa);
		assert_true(err == 0 || err == -EFAULT || err == -ENXIO);
		assert_true(reads < 10 * (iter + 1));
	}
}

/* The MMIO path end to end: fetch at RIP across a page boundary, then decode. */
static void test_fetch_straddling_pages(void **state)
{
	struct vcpu_mode m = mode_long(0x8000);
	const uint64_t rip = 0x400ffe;        /* PML4 0, PDPT 0, PD 2, PT 0 / PT 1 */
	struct x86_insn in;
	uint8_t buf[X86_INSN_MAX_LEN];
	size_t got;

	(void)state;
	put64(0x8000, 0x9000 | 0x1);
	put64(0x9000, 0xa000 | 0x1);
	put64(0xa000 + 2 * 8, 0xb000 | 0x1);
	put64(0xb000 + 0 * 8, 0x30000 | 0x1);     /* first page at GPA 0x30000 */
	put64(0xb000 + 1 * 8, 0x12000 | 0x1);     /* the next one far below it */
	ram[0x30ffe] = 0x48, ram[0x30fff] = 0x8b, ram[0x12000] = 0x47, ram[0x12001] = 0x08;
	assert_int_equal(guest_fetch(&m, rip, read_gpa, NULL, buf, sizeof(buf), &got), 0);
	assert_int_equal(got, sizeof(buf));
	assert_int_equal(x86_decode(buf, got, X86_CODE_64, &in), 0);   /* mov 0x8(%rdi),%rax */
	assert_int_equal(in.len, 4);
	assert_int_equal(in.size, 8);
	assert_int_equal(in.disp, 8);

	/* The second page not present: two bytes fetched, the decoder asks for more. */
	put64(0xb000 + 1 * 8, 0x12000);
	assert_int_equal(guest_fetch(&m, rip, read_gpa, NULL, buf, sizeof(buf), &got), 0);
	assert_int_equal(got, 2);
	assert_int_equal(x86_decode(buf, got, X86_CODE_64, &in), -ENODATA);

	/* Nothing at RIP at all: the walk's error. */
	put64(0xb000 + 0 * 8, 0);
	assert_int_equal(guest_fetch(&m, rip, read_gpa, NULL, buf, sizeof(buf), &got), -EFAULT);
	assert_int_equal(got, 0);
}

static void test_fetch_real_mode_wraps_ip(void **state)
{
	struct vcpu_mode m = { .cs_base = 0x20000 };   /* CS = 0x2000 */
	uint8_t buf[4];
	size_t got;

	(void)state;
	ram[0x2ffff] = 0x8b, ram[0x20000] = 0x07, ram[0x20001] = 0x90, ram[0x20002] = 0x91;
	assert_int_equal(guest_fetch(&m, 0xffff, read_gpa, NULL, buf, sizeof(buf), &got), 0);
	assert_int_equal(got, 4);
	assert_memory_equal(buf, "\x8b\x07\x90\x91", 4);
	/* Paging off in 32-bit code: the CS base is added, no wrap at 64 KiB. */
	m = (struct vcpu_mode){ .protected_mode = true, .cs_db = true, .cs_base = 0x10000 };
	ram[0x2ffff] = 0x11, ram[0x30000] = 0x22;
	assert_int_equal(guest_fetch(&m, 0x1ffff, read_gpa, NULL, buf, 2, &got), 0);
	assert_memory_equal(buf, "\x11\x22", 2);
	/* Beyond guest RAM: the read error comes back. */
	assert_int_equal(guest_fetch(&m, RAM_SIZE, read_gpa, NULL, buf, 2, &got), -ENXIO);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_paging_off),
		T(test_32bit_4k_and_4m),
		T(test_pae),
		T(test_long_mode),
		T(test_tables_outside_ram),
		T(test_random_tables),
		T(test_fetch_straddling_pages),
		T(test_fetch_real_mode_wraps_ip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
