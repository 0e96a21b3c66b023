// SPDX-License-Identifier: MIT
/*
 * Multiboot2 kernel loading into a fake partition RAM of scattered pages:
 * ELF32 and ELF64 images built here byte by byte and by GNU ld, the
 * address-tag form (also as a flat binary from objcopy), and
 * the hostile images (no or broken header, malformed program headers, tags
 * that lie about their size, segments outside RAM, truncation, garbage).
 * Every refusal must be one error line and no crash under ASan/UBSan.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/fake_gmem.h"
#include "kernel/partition/mb2_load.h"

#define RAM_PAGES   1024            /* 4 MiB of guest RAM from GPA 0 */
#define IMG_MAX     (64 * 1024)

static struct fake_gmem fg;

struct timg {
	union {
		uint8_t b[IMG_MAX];
		uint64_t align;
	};
	size_t len;
	size_t hdr_off;
	uint8_t tags[512];
	size_t tags_len;
};

static struct timg im;

static int setup(void **state)
{
	(void)state;
	fake_gmem_init(&fg, RAM_PAGES);
	memset(&im, 0, sizeof(im));
	im.hdr_off = 0x400;
	log_capture_reset();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_gmem_free(&fg);
	return 0;
}

static void reset(void)
{
	teardown(NULL);
	setup(NULL);
}

static void put(size_t off, const void *p, size_t n)
{
	assert_true(off + n <= IMG_MAX);
	memcpy(im.b + off, p, n);
	if (off + n > im.len)
		im.len = off + n;
}

/* Header tags, each padded to 8 bytes. */
static void tag_raw(uint16_t type, uint16_t flags, uint32_t size, const void *payload, size_t plen)
{
	struct mb2_header_tag t = { type, flags, size };

	assert_true(im.tags_len + 8 + plen + 8 <= sizeof(im.tags));
	memcpy(im.tags + im.tags_len, &t, 8);
	if (plen)
		memcpy(im.tags + im.tags_len + 8, payload, plen);
	im.tags_len = ALIGN_UP(im.tags_len + 8 + plen, 8);
}

static void tag(uint16_t type, uint16_t flags, const void *payload, size_t plen)
{
	tag_raw(type, flags, (uint32_t)(8 + plen), payload, plen);
}

static void tag_address(uint32_t header_addr, uint32_t load, uint32_t load_end, uint32_t bss_end)
{
	uint32_t p[4] = { header_addr, load, load_end, bss_end };

	tag(MB2_HDR_TAG_ADDRESS, 0, p, sizeof(p));
}

static void tag_entry(uint32_t entry)
{
	tag(MB2_HDR_TAG_ENTRY_ADDRESS, 0, &entry, 4);
}

/* Write the mb2 header with the tags so far and an end tag, at im.hdr_off. */
static void header_put_arch(uint32_t arch, bool end_tag)
{
	struct mb2_header h;
	struct mb2_header_tag end = { 0, 0, 8 };

	h.magic = MB2_HEADER_MAGIC;
	h.architecture = arch;
	h.header_length = (uint32_t)(sizeof(h) + im.tags_len + (end_tag ? 8 : 0));
	h.checksum = -(h.magic + h.architecture + h.header_length);
	put(im.hdr_off, &h, sizeof(h));
	put(im.hdr_off + sizeof(h), im.tags, im.tags_len);
	if (end_tag)
		put(im.hdr_off + sizeof(h) + im.tags_len, &end, 8);
}

static void header_put(void)
{
	header_put_arch(MB2_ARCH_I386, true);
}

struct tseg {
	uint32_t type;
	uint64_t off, vaddr, paddr, filesz, memsz;
};

static void elf32_put(uint32_t entry, const struct tseg *s, unsigned n)
{
	uint8_t e[52] = { 0x7f, 'E', 'L', 'F', 1, 1, 1 };
	uint16_t u16;
	uint32_t u32;
	unsigned i;

	u16 = 2, memcpy(e + 16, &u16, 2);           /* ET_EXEC */
	u16 = 3, memcpy(e + 18, &u16, 2);           /* EM_386 */
	u32 = 1, memcpy(e + 20, &u32, 4);
	memcpy(e + 24, &entry, 4);
	u32 = 52, memcpy(e + 28, &u32, 4);          /* phoff */
	u16 = 52, memcpy(e + 40, &u16, 2);
	u16 = 32, memcpy(e + 42, &u16, 2);          /* phentsize */
	u16 = (uint16_t)n, memcpy(e + 44, &u16, 2);
	put(0, e, sizeof(e));
	for (i = 0; i < n; i++) {
		uint32_t ph[8] = { s[i].type, (uint32_t)s[i].off, (uint32_t)s[i].vaddr,
				   (uint32_t)s[i].paddr, (uint32_t)s[i].filesz,
				   (uint32_t)s[i].memsz, 7, 0x1000 };

		put(52 + 32 * i, ph, sizeof(ph));
	}
}

static void elf64_put(uint64_t entry, const struct tseg *s, unsigned n)
{
	uint8_t e[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	unsigned i;

	u16 = 2, memcpy(e + 16, &u16, 2);
	u16 = 62, memcpy(e + 18, &u16, 2);          /* EM_X86_64 */
	u32 = 1, memcpy(e + 20, &u32, 4);
	memcpy(e + 24, &entry, 8);
	u64 = 64, memcpy(e + 32, &u64, 8);          /* phoff */
	u16 = 64, memcpy(e + 52, &u16, 2);
	u16 = 56, memcpy(e + 54, &u16, 2);
	u16 = (uint16_t)n, memcpy(e + 56, &u16, 2);
	put(0, e, sizeof(e));
	for (i = 0; i < n; i++) {
		uint8_t ph[56];
		uint32_t flags = 7;
		uint64_t align = 0x1000;

		memcpy(ph, &s[i].type, 4);
		memcpy(ph + 4, &flags, 4);
		memcpy(ph + 8, &s[i].off, 8);
		memcpy(ph + 16, &s[i].vaddr, 8);
		memcpy(ph + 24, &s[i].paddr, 8);
		memcpy(ph + 32, &s[i].filesz, 8);
		memcpy(ph + 40, &s[i].memsz, 8);
		memcpy(ph + 48, &align, 8);
		put(64 + 56 * i, ph, sizeof(ph));
	}
}

/* Fill file bytes [off, off+n) with a recognisable pattern. */
static void pattern(size_t off, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t v = (uint8_t)(seed + i * 13);

		put(off + i, &v, 1);
	}
}

static void assert_guest_pattern(uint64_t gpa, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		assert_int_equal(*fake_gmem_at(&fg, gpa + i), (uint8_t)(seed + i * 13));
}

static void assert_guest_zero(uint64_t gpa, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		assert_int_equal(*fake_gmem_at(&fg, gpa + i), 0);
}

static int load(struct mb2_image *out)
{
	return mb2_load(&fg.gm, im.b, im.len, out);
}

/* The failure was reported in exactly one error line containing `what`. */
static void assert_refused(int err, int want, const char *what)
{
	struct mb2_image out;

	assert_int_equal(load(&out), want);
	(void)err;
	if (!log_captured(what) || log_captured_count(LOG_ERR) != 1)
		log_capture_dump();
	assert_true(log_captured(what));
	assert_int_equal(log_captured_count(LOG_ERR), 1);
}

/* A typical small kernel: text at 1 MiB, data+bss at 1 MiB + 0x3000. */
static const struct tseg k32[] = {
	{ 1, 0x1000, 0x100000, 0x100000, 0x2345, 0x2345 },
	{ 1, 0x4000, 0x103000, 0x103000, 0x800, 0x5000 },
	{ 4, 0, 0, 0, 0x10, 0x10 },                    /* PT_NOTE: ignored */
};

static void build_k32(void)
{
	uint32_t req[3] = { 1, 6, 14 };

	tag(MB2_HDR_TAG_INFO_REQUEST, 0, req, sizeof(req));
	tag(MB2_HDR_TAG_MODULE_ALIGN, 0, NULL, 0);
	header_put();
	elf32_put(0x100010, k32, 3);
	pattern(0x1000, 0x2345, 1);
	pattern(0x4000, 0x800, 2);
}

static void test_elf32(void **state)
{
	struct mb2_image out;

	(void)state;
	build_k32();
	assert_int_equal(load(&out), 0);
	assert_int_equal(out.entry, 0x100010);
	assert_int_equal(out.load_start, 0x100000);
	assert_int_equal(out.load_end, 0x108000);
	assert_false(out.elf64);
	assert_false(out.address_tag);
	assert_int_equal(out.header_offset, 0x400);
	assert_int_equal(out.info_req_count, 3);
	assert_int_equal(out.info_req[0], 1);
	assert_int_equal(out.info_req[1], 6);
	assert_int_equal(out.info_req[2], 14);
	assert_true(out.info_req_required);
	assert_true(out.module_align);
	assert_guest_pattern(0x100000, 0x2345, 1);
	assert_guest_pattern(0x103000, 0x800, 2);
	assert_guest_zero(0x103800, 0x4800);
	assert_int_equal(*fake_gmem_at(&fg, 0x102345), 0xA5);   /* gap between segments untouched */
	assert_int_equal(*fake_gmem_at(&fg, 0x108000), 0xA5);
	assert_int_equal(log_captured_count(LOG_ERR), 0);
}

static void test_elf64_higher_half_entry(void **state)
{
	const uint64_t vma = 0xffffffff80000000ULL;
	struct tseg s[] = {
		{ 1, 0x1000, vma + 0x200000, 0x200000, 0x1800, 0x3000 },
	};
	struct mb2_image out;

	(void)state;
	tag(MB2_HDR_TAG_CONSOLE_FLAGS, 1, &(uint32_t){ 3 }, 4);
	header_put();
	elf64_put(vma + 0x200040, s, 1);
	pattern(0x1000, 0x1800, 9);
	assert_int_equal(load(&out), 0);
	assert_true(out.elf64);
	assert_int_equal(out.entry, 0x200040);            /* e_entry translated to its paddr */
	assert_int_equal(out.load_start, 0x200000);
	assert_int_equal(out.load_end, 0x203000);
	assert_true(out.console_flags_present);
	assert_int_equal(out.console_flags, 3);
	assert_int_equal(out.info_req_count, 0);
	assert_guest_pattern(0x200000, 0x1800, 9);
	assert_guest_zero(0x201800, 0x1800);
}

static void test_entry_tag_overrides_elf_entry(void **state)
{
	struct mb2_image out;

	(void)state;
	tag_entry(0x100200);
	build_k32();
	assert_int_equal(load(&out), 0);
	assert_int_equal(out.entry, 0x100200);
}

static void test_address_tag(void **state)
{
	struct mb2_image out;

	(void)state;
	/* File from offset 0 is loaded at 0x300000, so the header lands at 0x300400. */
	tag_address(0x300400, 0x300000, 0x302000, 0x305000);
	tag_entry(0x300500);
	header_put();
	pattern(0x500, 0x1b00, 4);
	pattern(0x2000, 0x100, 5);                       /* beyond load_end_addr: not loaded */
	assert_int_equal(load(&out), 0);
	assert_true(out.address_tag);
	assert_int_equal(out.entry, 0x300500);
	assert_int_equal(out.load_start, 0x300000);
	assert_int_equal(out.load_end, 0x305000);
	assert_int_equal(*fake_gmem_at(&fg, 0x300400), 0xD6);   /* the header's magic */
	assert_guest_pattern(0x300500, 0x1b00, 4);
	assert_guest_zero(0x302000, 0x3000);
}

static void test_address_tag_to_end_of_file(void **state)
{
	struct mb2_image out;

	(void)state;
	im.hdr_off = 0x10;
	tag_address(0x200010 + 0x10, 0x200010, 0, 0);   /* image starts at file offset 0 */
	tag_entry(0x200100);
	header_put();
	pattern(0x100, 0x777, 6);
	assert_int_equal(load(&out), 0);
	assert_int_equal(out.load_start, 0x200010 - 0x10 + 0x10);
	assert_int_equal(out.load_end, out.load_start + im.len);
	assert_guest_pattern(0x200010 + 0x100, 0x777, 6);
}

static void test_header_search_rules(void **state)
{
	(void)state;
	/* Nothing at all. */
	im.len = 4096;
	assert_refused(0, -ENOEXEC, "no multiboot2 header");

	/* Misaligned header (offset 4): not found. */
	log_capture_reset();
	memset(&im, 0, sizeof(im));
	im.hdr_off = 0x404;
	build_k32();
	assert_refused(0, -ENOEXEC, "no multiboot2 header");

	/* Beyond the first 32 KiB: not found. */
	log_capture_reset();
	memset(&im, 0, sizeof(im));
	im.hdr_off = MB2_HEADER_SEARCH;
	build_k32();
	assert_refused(0, -ENOEXEC, "no multiboot2 header");

	/* Right at the last aligned slot inside the window: found. */
	log_capture_reset();
	memset(&im, 0, sizeof(im));
	im.hdr_off = MB2_HEADER_SEARCH - 16;
	header_put_arch(MB2_ARCH_I386, false);      /* header only: its end tag would cross 32K */
	im.hdr_off = 0;                             /* (not used further) */
	elf32_put(0x100010, k32, 2);
	{
		struct mb2_image out;

		/* No end tag in a 16-byte header: refused, but for the right reason. */
		assert_int_equal(load(&out), -ENOEXEC);
		assert_true(log_captured("no end tag"));
	}
}

static void test_bad_checksum_and_arch(void **state)
{
	(void)state;
	build_k32();
	im.b[0x400 + 12] ^= 1;
	assert_refused(0, -ENOEXEC, "no multiboot2 header");

	log_capture_reset();
	memset(&im, 0, sizeof(im));
	im.hdr_off = 0x400;
	header_put_arch(4, true);                       /* MIPS */
	elf32_put(0x100010, k32, 2);
	assert_refused(0, -ENOEXEC, "architecture 4");
}

static void test_header_length_past_image(void **state)
{
	struct mb2_header h = { MB2_HEADER_MAGIC, 0, 0x1000, 0 };

	(void)state;
	h.checksum = -(h.magic + h.header_length);
	put(0, &h, sizeof(h));
	im.len = 0x800;
	assert_refused(0, -ENOEXEC, "runs past the image");
}

static void test_hostile_header_tags(void **state)
{
	(void)state;
	/* A tag whose size runs past header_length. */
	tag_raw(MB2_HDR_TAG_CONSOLE_FLAGS, 0, 0x1000, &(uint32_t){ 0 }, 4);
	build_k32();
	assert_refused(0, -ENOEXEC, "bad size");

	/* A tag of size 4 (shorter than its own header). */
	reset();
	tag_raw(MB2_HDR_TAG_CONSOLE_FLAGS, 0, 4, &(uint32_t){ 0 }, 4);
	build_k32();
	assert_refused(0, -ENOEXEC, "bad size");

	/* An address tag too short to hold its fields. */
	reset();
	tag(MB2_HDR_TAG_ADDRESS, 0, &(uint32_t){ 0 }, 4);
	build_k32();
	assert_refused(0, -ENOEXEC, "short size");

	/* Unknown required tag; then the same tag optional loads fine. */
	reset();
	tag(77, 0, NULL, 0);
	build_k32();
	assert_refused(0, -ENOEXEC, "unknown required tag 77");
	reset();
	tag(77, MB2_HDR_TAG_OPTIONAL, NULL, 0);
	build_k32();
	{
		struct mb2_image out;

		assert_int_equal(load(&out), 0);
	}

	/* A required framebuffer cannot be given. */
	reset();
	tag(MB2_HDR_TAG_FRAMEBUFFER, 0, (uint32_t[3]){ 0 }, 12);
	build_k32();
	assert_refused(0, -ENOEXEC, "framebuffer");

	/* Too many information requests. */
	reset();
	{
		uint32_t req[MB2_INFO_REQ_MAX + 1] = { 0 };

		tag(MB2_HDR_TAG_INFO_REQUEST, MB2_HDR_TAG_OPTIONAL, req, sizeof(req));
	}
	build_k32();
	assert_refused(0, -ENOEXEC, "information requests");
}

static void test_hostile_address_tags(void **state)
{
	(void)state;
	tag_address(0x300000, 0x300400 + 0x1000, 0, 0);   /* load_addr above header_addr */
	tag_entry(0x300500);
	header_put();
	assert_refused(0, -ENOEXEC, "does not precede");

	reset();
	tag_address(0x300400 + 0x800, 0x300000, 0, 0);     /* header would sit before file start */
	tag_entry(0x300500);
	header_put();
	assert_refused(0, -ENOEXEC, "does not precede");

	reset();
	tag_address(0x300400, 0x300000, 0x400000, 0);      /* load_end beyond the file */
	tag_entry(0x300500);
	header_put();
	assert_refused(0, -ENOEXEC, "outside the image");

	reset();
	tag_address(0x300400, 0x300000, 0x300800, 0x300700); /* bss ends before data */
	tag_entry(0x300500);
	header_put();
	pattern(0x500, 0x1b00, 4);
	assert_refused(0, -ENOEXEC, "bss_end_addr");

	reset();
	tag_address(0x300400, 0x300000, 0x300800, 0);       /* no entry tag */
	header_put();
	pattern(0x500, 0x1b00, 4);
	assert_refused(0, -ENOEXEC, "without an entry");

	reset();
	tag_address(0xfffff400, 0xfffff000, 0xfffff800, 0xffffffff); /* up to 4 GiB: not RAM */
	tag_entry(0xfffff500);
	header_put();
	im.len = 0x2000;
	assert_refused(0, -ERANGE, "not inside the partition's RAM");

	reset();
	tag_address(0xfffff400, 0xfffff000, 0, 0);          /* the file itself crosses 4 GiB */
	tag_entry(0xfffff500);
	header_put();
	im.len = 0x2000;
	assert_refused(0, -ENOEXEC, "below 4 GiB");
}

static void test_malformed_elf(void **state)
{
	struct tseg s[2];

	(void)state;
	/* Program header table beyond the file. */
	build_k32();
	{
		uint32_t phoff = 0xfff0;

		memcpy(im.b + 28, &phoff, 4);
	}
	assert_refused(0, -ENOEXEC, "program header table");

	/* phentsize too small. */
	reset();
	build_k32();
	im.b[42] = 16;
	assert_refused(0, -ENOEXEC, "program header table");

	/* No program headers. */
	reset();
	build_k32();
	im.b[44] = 0;
	assert_refused(0, -ENOEXEC, "program header table");

	/* filesz > memsz. */
	reset();
	header_put();
	s[0] = (struct tseg){ 1, 0x1000, 0x100000, 0x100000, 0x200, 0x100 };
	elf32_put(0x100000, s, 1);
	pattern(0x1000, 0x200, 0);
	assert_refused(0, -ENOEXEC, "outside the image or above memsz");

	/* File bytes past the end of the image. */
	reset();
	header_put();
	s[0] = (struct tseg){ 1, 0x1000, 0x100000, 0x100000, 0x2000, 0x2000 };
	elf32_put(0x100000, s, 1);
	pattern(0x1000, 0x100, 0);
	assert_refused(0, -ENOEXEC, "outside the image or above memsz");

	/* Overlapping segments. */
	reset();
	header_put();
	s[0] = (struct tseg){ 1, 0x1000, 0x100000, 0x100000, 0x100, 0x2000 };
	s[1] = (struct tseg){ 1, 0x1000, 0x101000, 0x101fff, 0x100, 0x100 };
	elf32_put(0x100000, s, 2);
	pattern(0x1000, 0x100, 0);
	assert_refused(0, -ENOEXEC, "overlap");

	/* A segment whose paddr + memsz wraps 32 bits (ELF32) fails the 4 GiB check. */
	reset();
	header_put();
	s[0] = (struct tseg){ 1, 0x1000, 0xfffff000, 0xfffff000, 0x100, 0x2000 };
	elf32_put(0xfffff000, s, 1);
	pattern(0x1000, 0x100, 0);
	assert_refused(0, -ENOEXEC, "below 4 GiB");

	/* ELF64: paddr + memsz wraps 64 bits; offset near 2^64. */
	reset();
	header_put();
	s[0] = (struct tseg){ 1, 0x1000, 0, 0xfffffffffffff000ULL, 0, 0x2000 };
	elf64_put(0, s, 1);
	pattern(0x1000, 0x10, 0);
	assert_refused(0, -ENOEXEC, "below 4 GiB");
	reset();
	header_put();
	s[0] = (struct tseg){ 1, 0xfffffffffffffff0ULL, 0x100000, 0x100000, 0x20, 0x20 };
	elf64_put(0x100000, s, 1);
	assert_refused(0, -ENOEXEC, "outside the image");

	/* ELF64 with phnum * phentsize past the end (phoff huge). */
	reset();
	header_put();
	s[0] = (struct tseg){ 1, 0x1000, 0x100000, 0x100000, 0, 0x20 };
	elf64_put(0x100000, s, 1);
	memcpy(im.b + 32, &(uint64_t){ 0xffffffffffffffc0ULL }, 8);
	assert_refused(0, -ENOEXEC, "program header table");

	/* Wrong machine for the class, big-endian, not ELF at all. */
	reset();
	build_k32();
	im.b[18] = 62;
	assert_refused(0, -ENOEXEC, "not an x86 executable");
	reset();
	build_k32();
	im.b[5] = 2;
	assert_refused(0, -ENOEXEC, "little-endian");
	reset();
	build_k32();
	im.b[1] = 'X';
	assert_refused(0, -ENOEXEC, "little-endian");

	/* Entry in no segment. */
	reset();
	build_k32();
	memcpy(im.b + 24, &(uint32_t){ 0x500000 }, 4);
	assert_refused(0, -ENOEXEC, "in no loadable segment");

	/* Only non-loadable segments. */
	reset();
	header_put();
	s[0] = (struct tseg){ 4, 0x1000, 0x100000, 0x100000, 0x10, 0x10 };
	elf32_put(0x100000, s, 1);
	pattern(0x1000, 0x10, 0);
	assert_refused(0, -ENOEXEC, "no loadable segment");
}

static void test_outside_ram(void **state)
{
	struct tseg s[1];

	(void)state;
	/* Beyond the end of RAM: refused, and nothing was written. */
	header_put();
	s[0] = (struct tseg){ 1, 0x1000, 0x3ff000, 0x3ff000, 0x10, 0x2000 };
	elf32_put(0x3ff000, s, 1);
	pattern(0x1000, 0x10, 0);
	assert_refused(0, -ERANGE, "not inside the partition's RAM");
	assert_int_equal(*fake_gmem_at(&fg, 0x3ff000), 0xA5);

	/* Over a hole in RAM. */
	reset();
	build_k32();
	fake_gmem_hole(&fg, 0x105000);
	assert_refused(0, -ERANGE, "not inside the partition's RAM");
	assert_int_equal(*fake_gmem_at(&fg, 0x100000), 0xA5);

	/* An entry tag pointing outside RAM. */
	reset();
	tag_entry(0x7ffff000);
	build_k32();
	assert_refused(0, -ERANGE, "entry point");
}

/* Every prefix of a valid image loads or is refused cleanly; no read past the given length. */
static void test_truncation(void **state)
{
	uint8_t *copy;
	size_t full, n;

	(void)state;
	build_k32();
	full = im.len;
	for (n = 0; n <= full; n += (n < 0x500 ? 1 : 61)) {
		struct mb2_image out;
		int err;

		copy = malloc(n ? n : 1);
		assert_non_null(copy);
		memcpy(copy, im.b, n);
		log_capture_reset();
		err = mb2_load(&fg.gm, copy, n, &out);
		free(copy);
		if (n < full)
			assert_int_equal(err, -ENOEXEC);
		assert_true(log_captured_count(LOG_ERR) <= 1);
	}
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* Random corruption of a valid image (header kept findable): never a crash. */
static void test_garbage(void **state)
{
	unsigned iter, i, ok = 0;

	(void)state;
	for (iter = 0; iter < 3000; iter++) {
		struct mb2_image out;
		uint8_t *copy;
		int err;

		memset(&im, 0, sizeof(im));
		im.hdr_off = 0x400;
		if (iter & 1)
			build_k32();
		else {
			tag_address(0x300400, 0x300000, 0x302000, 0x305000);
			tag_entry(0x300500);
			header_put();
			pattern(0x500, 0x1b00, 4);
		}
		for (i = 0; i < 1 + rnd() % 8; i++) {
			size_t at = (rnd() % 2) ? rnd() % 0x500 : rnd() % im.len;

			im.b[at] = (uint8_t)rnd();
		}
		copy = malloc(im.len);
		assert_non_null(copy);
		memcpy(copy, im.b, im.len);
		log_capture_reset();
		err = mb2_load(&fg.gm, copy, im.len, &out);
		free(copy);
		assert_true(err == 0 || err == -ENOEXEC || err == -ERANGE);
		if (err)
			assert_int_equal(log_captured_count(LOG_ERR), 1);
		else
			ok++;
	}
	assert_true(ok > 0);
}

/* Kernels built by GNU as/ld (tests/unit/mb2_kernels/), stored as non-zero runs. */
struct kchunk {
	uint32_t off, len;
	const char *bytes;
};

struct kimage {
	uint32_t size;
	const struct kchunk *chunks;
	unsigned nchunks;
};

#include "tests/unit/mb2_kernels/kernels.inc"

static void kimage_put(const struct kimage *k)
{
	unsigned i;

	memset(&im, 0, sizeof(im));
	assert_true(k->size <= IMG_MAX);
	for (i = 0; i < k->nchunks; i++)
		put(k->chunks[i].off, k->chunks[i].bytes, k->chunks[i].len);
	im.len = k->size;
}

static void test_real_elf32_kernel(void **state)
{
	struct mb2_image out;
	static const uint8_t data[] = { 0xbe, 0xba, 0xfe, 0xca };

	(void)state;
	kimage_put(&kern_k32);
	assert_int_equal(load(&out), 0);
	assert_false(out.elf64);
	assert_int_equal(out.entry, 0x100030);
	assert_int_equal(out.load_start, 0x100000);
	assert_int_equal(out.load_end, 0x103010);
	assert_int_equal(out.info_req_count, 3);
	assert_int_equal(out.info_req[2], 14);
	assert_true(out.info_req_required);
	assert_memory_equal(fake_gmem_at(&fg, 0x100000), im.b + 0x1000, 0x42);
	assert_memory_equal(fake_gmem_at(&fg, 0x101000), data, 4);
	assert_guest_zero(0x101004, 0x200c);
	assert_int_equal(*fake_gmem_at(&fg, 0x100042), 0xA5);   /* page tail past filesz: untouched */
}

static void test_real_elf64_higher_half_kernel(void **state)
{
	struct mb2_image out;
	const uint64_t q = 0x1122334455667788ULL;

	(void)state;
	kimage_put(&kern_k64);
	assert_int_equal(load(&out), 0);
	assert_true(out.elf64);
	assert_int_equal(out.entry, 0x200028);                   /* e_entry 0xffffffff80200028 */
	assert_int_equal(out.load_start, 0x200000);
	assert_int_equal(out.load_end, 0x204008);
	assert_true(out.console_flags_present);
	assert_int_equal(out.console_flags, 3);
	assert_int_equal(*fake_gmem_at(&fg, 0x200028), 0xb8);   /* mov $0x12345678, %eax */
	assert_memory_equal(fake_gmem_at(&fg, 0x201000), &q, 8);
	assert_guest_zero(0x201008, 0x3000);
}

static void test_real_flat_binary_address_tag(void **state)
{
	struct mb2_image out;

	(void)state;
	kimage_put(&kern_kaout);
	assert_int_equal(load(&out), 0);
	assert_true(out.address_tag);
	assert_int_equal(out.header_offset, 0);
	assert_int_equal(out.load_start, 0x300000);
	assert_int_equal(out.load_end, 0x302000);
	assert_int_equal(out.entry, 0x300040);
	assert_int_equal(*fake_gmem_at(&fg, 0x300040), 0xb8);
	assert_memory_equal(fake_gmem_at(&fg, 0x300050), "iomon a.out kludge test", 23);
	assert_guest_zero(0x300067, 0x2000 - 0x67);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_elf32),
		T(test_elf64_higher_half_entry),
		T(test_entry_tag_overrides_elf_entry),
		T(test_address_tag),
		T(test_address_tag_to_end_of_file),
		T(test_header_search_rules),
		T(test_bad_checksum_and_arch),
		T(test_header_length_past_image),
		T(test_hostile_header_tags),
		T(test_hostile_address_tags),
		T(test_malformed_elf),
		T(test_outside_ram),
		T(test_real_elf32_kernel),
		T(test_real_elf64_higher_half_kernel),
		T(test_real_flat_binary_address_tag),
		T(test_truncation),
		T(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
