// SPDX-License-Identifier: MIT
/*
 * The UEFI loader's monitor image checks (boot/efi/image.c): a well-formed
 * ELF64 multiboot2 image like iomon.elf, then each way a file on a stick
 * can be wrong. Images are copied into heap buffers of exactly their size,
 * so ASan catches any read past the end of the file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "boot/efi/image.h"
#include "boot/elf.h"
#include "boot/mb2.h"

#define FILE_MAX   0x10000
#define HDR_OFF    0x1000      /* the multiboot2 header: start of the first segment */

static uint8_t file[FILE_MAX];
static uint32_t file_len;
static struct mb2_image img;
static const char *why;

static struct elf64_ehdr *eh(void) { return (struct elf64_ehdr *)file; }
static struct elf64_phdr *ph(unsigned i) { return (struct elf64_phdr *)(file + 64 + i * 56); }

/* Multiboot2 header at `off` with the given tags (already encoded), checksum fixed up. */
static void put_mb2_header(uint32_t off, const void *tags, uint32_t tags_len)
{
	uint32_t h[4] = { MB2_HEADER_MAGIC, 0, 16 + tags_len, 0 };

	h[3] = -(h[0] + h[1] + h[2]);
	memcpy(file + off, h, sizeof(h));
	memcpy(file + off + 16, tags, tags_len);
}

static void fix_checksum(uint32_t off)
{
	uint32_t h[4];

	memcpy(h, file + off, sizeof(h));
	h[3] = -(h[0] + h[1] + h[2]);
	memcpy(file + off, h, sizeof(h));
}

/* Tags like iomon's: optional info request for 1 3 6 12 14 15 17, module alignment, end. */
static const uint32_t iomon_tags[] = {
	1 | (1 << 16), 8 + 7 * 4, 1, 3, 6, 12, 14, 15, 17, 0,   /* padded to 8 */
	6, 8,
	0, 8,
};

static int reset(void **state)
{
	static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	(void)state;

	memset(file, 0, sizeof(file));
	memcpy(eh()->ident, ident, sizeof(ident));
	eh()->type = 2;
	eh()->machine = 62;
	eh()->version = 1;
	eh()->entry = 0x100048;
	eh()->phoff = 64;
	eh()->phentsize = 56;
	eh()->phnum = 3;
	*ph(0) = (struct elf64_phdr){ 1, 5, HDR_OFF, 0x100000, 0x100000, 0x1000, 0x1000, 0x1000 };
	*ph(1) = (struct elf64_phdr){ 1, 6, 0x2000, 0xffffffff80101000ull, 0x101000, 0x800, 0x3000, 0x1000 };
	*ph(2) = (struct elf64_phdr){ 4, 4, 0, 0, 0, 0, 0, 0 };   /* PT_NOTE: ignored */
	put_mb2_header(HDR_OFF, iomon_tags, sizeof(iomon_tags));
	file_len = 0x2800;
	return 0;
}

static int check_len(uint32_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	int ret;

	assert_non_null(copy);
	memcpy(copy, file, len);
	ret = image_check(copy, len, len, &img, &why);
	free(copy);
	return ret;
}

static int check(void)
{
	return check_len(file_len);
}

static void expect_refused(const char *msg)
{
	assert_int_equal(check(), -EINVAL);
	assert_non_null(why);
	if (strcmp(why, msg) != 0)
		fail_msg("refused with '%s', expected '%s'", why, msg);
}

static void test_iomon_like_image(void **state)
{
	(void)state;
	assert_int_equal(check(), 0);
	assert_null(why);
	assert_int_equal(img.nsegs, 2);
	assert_int_equal(img.segs[0].paddr, 0x100000);
	assert_int_equal(img.segs[1].paddr, 0x101000);
	assert_int_equal(img.segs[1].filesz, 0x800);
	assert_int_equal(img.segs[1].memsz, 0x3000);
	assert_int_equal(img.load_lo, 0x100000);
	assert_int_equal(img.load_hi, 0x104000);
	assert_int_equal(img.entry, 0x100048);
	assert_int_equal(img.header_offset, HDR_OFF);
	assert_true(img.page_align_modules);
}

static void test_not_elf(void **state)
{
	(void)state;
	file[1] = 'X';
	expect_refused("not an ELF file");
	assert_int_equal(check_len(3), -EINVAL);
	assert_string_equal(why, "not an ELF file");
}

static void test_wrong_elf_kind(void **state)
{
	(void)state;
	file[4] = 1;   /* ELFCLASS32 */
	expect_refused("not an ELF64 x86-64 file");
	reset(state);
	eh()->machine = 3;
	expect_refused("not an ELF64 x86-64 file");
	reset(state);
	eh()->type = 3;   /* ET_DYN, like the loader's own loader.so */
	expect_refused("not an ELF executable");
}

static void test_program_headers_malformed(void **state)
{
	(void)state;
	eh()->phnum = 0xffff;
	expect_refused("its program headers are malformed or not in its first 32 KiB");
	reset(state);
	eh()->phoff = UINT64_MAX - 8;
	expect_refused("its program headers are malformed or not in its first 32 KiB");
	reset(state);
	eh()->phentsize = 32;
	expect_refused("its program headers are malformed or not in its first 32 KiB");
}

/* The loader reads the head first: headers beyond it are refused, segments beyond it are fine. */
static void test_head_and_file_size(void **state)
{
	(void)state;
	assert_int_equal(image_check(file, 0x2000, file_len, &img, &why), 0);
	assert_int_equal(image_check(file, 0x2000, 0x2400, &img, &why), -EINVAL);
	assert_string_equal(why, "a segment runs past the end of the file");
	eh()->phoff = 0x1ff0;
	assert_int_equal(image_check(file, 0x2000, file_len, &img, &why), -EINVAL);
	assert_string_equal(why, "its program headers are malformed or not in its first 32 KiB");
	reset(state);
	assert_int_equal(image_check(file, 0x1008, file_len, &img, &why), -EINVAL);
	assert_string_equal(why, "no multiboot2 header in its first 32 KiB");
}

static void test_truncated_file(void **state)
{
	(void)state;
	file_len = 0x2400;
	expect_refused("a segment runs past the end of the file");
	reset(state);
	ph(1)->offset = UINT64_MAX - 0x100;   /* offset + filesz wraps */
	expect_refused("a segment runs past the end of the file");
}

static void test_segment_checks(void **state)
{
	(void)state;
	ph(1)->filesz = 0x4000;
	expect_refused("a segment has more file bytes than memory bytes");
	reset(state);
	ph(1)->paddr = 0xfffff000;
	expect_refused("a segment lies above 4 GiB, out of reach of the 32-bit entry");
	reset(state);
	ph(1)->paddr = 0x100000000ull;
	expect_refused("a segment lies above 4 GiB, out of reach of the 32-bit entry");
	reset(state);
	ph(0)->type = 6;
	ph(1)->type = 6;
	expect_refused("it has no loadable segment");
}

static void test_entry_outside_segments(void **state)
{
	(void)state;
	eh()->entry = 0xffffffff80101000ull;   /* a virtual address: not where it is loaded */
	expect_refused("its entry point is outside its loaded segments");
}

static void test_no_mb2_header(void **state)
{
	(void)state;
	file[HDR_OFF] ^= 0xff;
	expect_refused("no multiboot2 header in its first 32 KiB");
}

/* Past the first 32 KiB it does not count, as the specification says. */
static void test_header_beyond_32k(void **state)
{
	(void)state;
	file[HDR_OFF] ^= 0xff;
	ph(0)->offset = 0x8000;
	put_mb2_header(0x8000, iomon_tags, sizeof(iomon_tags));
	file_len = 0x9000;
	expect_refused("no multiboot2 header in its first 32 KiB");
}

static void test_header_fields(void **state)
{
	uint32_t v;
	(void)state;

	file[HDR_OFF + 12] ^= 1;
	expect_refused("its multiboot2 header checksum is wrong");
	reset(state);
	v = 4;   /* MIPS */
	memcpy(file + HDR_OFF + 4, &v, 4);
	fix_checksum(HDR_OFF);
	expect_refused("its multiboot2 header is not for the i386 architecture");
	reset(state);
	v = 0x10000;
	memcpy(file + HDR_OFF + 8, &v, 4);
	fix_checksum(HDR_OFF);
	expect_refused("its multiboot2 header length is wrong");
}

static void test_header_tags(void **state)
{
	static const uint32_t required_framebuffer[] = { 5, 20, 1024, 768, 32, 0, 0, 8 };
	static const uint32_t optional_framebuffer[] = { 5 | (1 << 16), 20, 1024, 768, 32, 0, 0, 8 };
	static const uint32_t required_info_vbe[] = { 1, 12, 7, 0, 0, 8 };
	static const uint32_t optional_info_vbe[] = { 1 | (1 << 16), 12, 7, 0, 0, 8 };
	static const uint32_t keep_bs[] = { 7, 8, 0, 8 };
	static const uint32_t address_tag[] = { 2, 24, 0x100000, 0x100000, 0, 0, 0, 8 };
	static const uint32_t entry_tag[] = { 3, 12, 0x100800, 0, 0, 8 };
	static const uint32_t bad_size[] = { 6, 4, 0, 8 };
	static const uint32_t no_end[] = { 6, 8 };
	(void)state;

	put_mb2_header(HDR_OFF, required_framebuffer, sizeof(required_framebuffer));
	expect_refused("its multiboot2 header requires a feature this loader does not support");
	put_mb2_header(HDR_OFF, optional_framebuffer, sizeof(optional_framebuffer));
	assert_int_equal(check(), 0);
	put_mb2_header(HDR_OFF, required_info_vbe, sizeof(required_info_vbe));
	expect_refused("its multiboot2 header requires an information tag this loader does not provide");
	put_mb2_header(HDR_OFF, optional_info_vbe, sizeof(optional_info_vbe));
	assert_int_equal(check(), 0);
	assert_false(img.page_align_modules);
	put_mb2_header(HDR_OFF, keep_bs, sizeof(keep_bs));
	expect_refused("its multiboot2 header asks to keep boot services, which this loader does not do");
	put_mb2_header(HDR_OFF, address_tag, sizeof(address_tag));
	expect_refused("its multiboot2 header uses the address tag; only ELF images are supported");
	put_mb2_header(HDR_OFF, entry_tag, sizeof(entry_tag));
	assert_int_equal(check(), 0);
	assert_int_equal(img.entry, 0x100800);
	put_mb2_header(HDR_OFF, bad_size, sizeof(bad_size));
	expect_refused("a multiboot2 header tag has a bad size");
	put_mb2_header(HDR_OFF, no_end, sizeof(no_end));
	expect_refused("its multiboot2 header has no end tag");
}

/* ---- where the image may go: image_plan_target() over an EFI memory map ---- */

static const struct efi_memory_descriptor plan_map[] = {
	{ 7, 0, 0x000000, 0, 0x100, 0 },   /* conventional 0 - 1 MiB */
	{ 4, 0, 0x100000, 0, 0x80, 0 },    /* boot-services data 1 MiB - 1.5 MiB */
	{ 3, 0, 0x180000, 0, 0x40, 0 },    /* boot-services code 1.5 - 1.75 MiB */
	{ 7, 0, 0x1c0000, 0, 0x40, 0 },    /* conventional 1.75 - 2 MiB */
	{ 10, 0, 0x200000, 0, 0x10, 0 },   /* ACPI NVS */
	{ 7, 0, 0x300000, 0, 0x100, 0 },   /* after a hole at 0x210000 */
	{ 6, 0, 0x400000, 0, 0x10, 0 },    /* runtime services data */
};

static void test_plan_boot_services_and_free(void **state)
{
	struct image_segment parts[4];
	unsigned n;
	(void)state;

	/* 0xf0000 - 0x1d0000: conventional, BS data, BS code, conventional. */
	assert_int_equal(image_plan_target(plan_map, sizeof(plan_map), sizeof(plan_map[0]), 0xf0000,
					   0x1d0000, parts, ARRAY_SIZE(parts), &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(parts[0].paddr, 0xf0000);
	assert_int_equal(parts[0].memsz, 0x10000);
	assert_int_equal(parts[1].paddr, 0x1c0000);
	assert_int_equal(parts[1].memsz, 0x10000);
	/* Held by boot services alone: nothing to reserve. */
	assert_int_equal(image_plan_target(plan_map, sizeof(plan_map), sizeof(plan_map[0]), 0x100000,
					   0x1c0000, parts, ARRAY_SIZE(parts), &n), 0);
	assert_int_equal(n, 0);
}

static void test_plan_refuses_what_outlives_boot_services(void **state)
{
	struct image_segment parts[4];
	unsigned n;
	(void)state;

	assert_int_equal(image_plan_target(plan_map, sizeof(plan_map), sizeof(plan_map[0]), 0x1f0000,
					   0x201000, parts, ARRAY_SIZE(parts), &n), -EBUSY);   /* ACPI NVS */
	assert_int_equal(image_plan_target(plan_map, sizeof(plan_map), sizeof(plan_map[0]), 0x300000,
					   0x401000, parts, ARRAY_SIZE(parts), &n), -EBUSY);   /* runtime */
	assert_int_equal(image_plan_target(plan_map, sizeof(plan_map), sizeof(plan_map[0]), 0x20f000,
					   0x301000, parts, ARRAY_SIZE(parts), &n), -EBUSY);   /* the hole */
	assert_int_equal(image_plan_target(plan_map, sizeof(plan_map), sizeof(plan_map[0]), 0x500000,
					   0x501000, parts, ARRAY_SIZE(parts), &n), -EBUSY);   /* past the map */
	assert_int_equal(image_plan_target(plan_map, sizeof(plan_map), sizeof(plan_map[0]), 0x0,
					   0x1d0000, parts, 1, &n), -ENOSPC);
	assert_int_equal(image_plan_target(plan_map, sizeof(plan_map), 24, 0x0, 0x1000, parts, 4, &n),
			 -EINVAL);
	assert_int_equal(image_plan_target(plan_map, sizeof(plan_map), sizeof(plan_map[0]), 0x2000,
					   0x2000, parts, 4, &n), -EINVAL);
}

#define T(fn) cmocka_unit_test_setup(fn, reset)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_iomon_like_image),
		T(test_not_elf),
		T(test_wrong_elf_kind),
		T(test_program_headers_malformed),
		T(test_head_and_file_size),
		T(test_truncated_file),
		T(test_segment_checks),
		T(test_entry_outside_segments),
		T(test_no_mb2_header),
		T(test_header_beyond_32k),
		T(test_header_fields),
		T(test_header_tags),
		T(test_plan_boot_services_and_free),
		T(test_plan_refuses_what_outlives_boot_services),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
