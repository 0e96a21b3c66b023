// SPDX-License-Identifier: MIT
/*
 * The Linux/x86 boot protocol loader on a fake partition RAM of scattered
 * pages: Debian 12's real setup header (protocol 2.15) loaded with a
 * command line, an initramfs and a memory map with holes; placement around
 * the boot modules and the map's holes; the zero page, GDT and identity map
 * byte by byte; and hostile headers, each refused with one error line and
 * guest memory untouched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/fake_gmem.h"
#include "kernel/partition/linux_boot.h"

#include "tests/unit/linux_boot/hdr_debian12.inc"

#define RAM_PAGES   (96 * MiB / PAGE_SIZE)
#define SETUP_BYTES 0x5000                 /* (39 + 1) * 512 */
#define BODY_LEN    (64 * KiB)
#define IMG_LEN     (SETUP_BYTES + BODY_LEN)
#define INITRD_LEN  (10 * KiB + 17)

static struct fake_gmem fg;
static uint8_t img[IMG_LEN];
static uint8_t initrd[INITRD_LEN];
static struct mem_range map[LB_BP_E820_MAX + 2];
static struct phys_range avoid[4];
static struct linux_boot_args args;
static const uint8_t rsdp[20] = "RSD PTR \x55OEMID\x00\x00\x10\x00\x7f";

static void put32(unsigned off, uint32_t v) { memcpy(img + off, &v, 4); }
static void put16(unsigned off, uint16_t v) { memcpy(img + off, &v, 2); }
static uint32_t get32(const uint8_t *p, unsigned off) { uint32_t v; memcpy(&v, p + off, 4); return v; }
static uint64_t get64(const uint8_t *p, unsigned off) { uint64_t v; memcpy(&v, p + off, 8); return v; }

static int setup(void **state)
{
	(void)state;
	fake_gmem_init(&fg, RAM_PAGES);
	memset(img, 0, sizeof(img));
	memcpy(img + LB_HDR_START, real_hdr, sizeof(real_hdr));
	for (unsigned i = 0; i < BODY_LEN; i++)
		img[SETUP_BYTES + i] = (uint8_t)(i * 7 + 3);
	for (unsigned i = 0; i < INITRD_LEN; i++)
		initrd[i] = (uint8_t)(i ^ 0x5a);
	/* A PC's map: low RAM, the BIOS hole, RAM from 1 MiB to 96 MiB. */
	map[0] = (struct mem_range){ 0, 0x9f000, MEM_AVAILABLE };
	map[1] = (struct mem_range){ 0x9f000, 0x1000, MEM_RESERVED };
	map[2] = (struct mem_range){ 0xf0000, 0x10000, MEM_RESERVED };
	map[3] = (struct mem_range){ 1 * MiB, 95 * MiB, MEM_AVAILABLE };
	map[4] = (struct mem_range){ 0xfeffc000, 0x4000, MEM_RESERVED };
	memset(&args, 0, sizeof(args));
	args.image = img;
	args.image_len = IMG_LEN;
	args.initrd = initrd;
	args.initrd_len = INITRD_LEN;
	args.cmdline = "console=ttyS0 quiet";
	args.map = map;
	args.nmap = 5;
	args.rsdp = rsdp;
	args.rsdp_len = sizeof(rsdp);
	args.avoid = avoid;
	args.navoid = 0;
	log_capture_reset();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_gmem_free(&fg);
	return 0;
}

/* fake_gmem fills every page with 0xA5: true when nothing was written. */
static bool guest_is_zero(void)
{
	for (uint64_t p = 0; p < RAM_PAGES; p++) {
		const uint8_t *b = fake_gmem_at(&fg, p * PAGE_SIZE);

		for (unsigned i = 0; i < PAGE_SIZE; i++)
			if (b[i] != 0xA5)
				return false;
	}
	return true;
}

static void guest_read(uint64_t gpa, void *dst, uint64_t len)
{
	assert_int_equal(gmem_read(&fg.gm, gpa, dst, len), 0);
}

static void test_real_header_parses(void **state)
{
	struct linux_setup s;

	(void)state;
	assert_true(linux_is_bzimage(img, IMG_LEN));
	assert_int_equal(linux_parse_setup(img, IMG_LEN, &s), 0);
	assert_int_equal(s.version, 0x020f);
	assert_int_equal(s.setup_bytes, SETUP_BYTES);
	assert_int_equal(s.hdr_end, 0x26c);
	assert_int_equal(s.xloadflags, 0x7f);
	assert_true(s.relocatable);
	assert_int_equal(s.kernel_alignment, 2 * MiB);
	assert_int_equal(s.pref_address, 0x1000000);
	assert_int_equal(s.init_size, 0x3f98000);
	assert_int_equal(s.cmdline_size, 0x7ff);
	assert_int_equal(log_captured_count(LOG_ERR), 0);
}

static void test_load_places_and_describes(void **state)
{
	struct linux_image li;
	uint8_t bp[LB_BP_SIZE], page[PAGE_SIZE];
	uint64_t gdt[4], pt[512];
	char cl[64];

	(void)state;
	assert_int_equal(linux_load(&fg.gm, &args, &li), 0);
	assert_int_equal(li.kernel, 0x1000000);
	assert_int_equal(li.entry, 0x1000200);
	assert_int_equal(li.kernel_end, 0x1000000 + 0x3f98000);
	assert_true(li.tables >= li.kernel_end);
	assert_true(li.initrd >= li.tables + LB_TABLE_PAGES * PAGE_SIZE);
	assert_int_equal(li.initrd % PAGE_SIZE, 0);

	/* The protected-mode kernel is the image after the setup sectors. */
	guest_read(li.kernel, page, PAGE_SIZE);
	assert_memory_equal(page, img + SETUP_BYTES, PAGE_SIZE);
	guest_read(li.kernel + BODY_LEN - 16, page, 16);
	assert_memory_equal(page, img + IMG_LEN - 16, 16);
	guest_read(li.initrd, page, 64);
	assert_memory_equal(page, initrd, 64);
	guest_read(li.initrd + INITRD_LEN - 8, page, 8);
	assert_memory_equal(page, initrd + INITRD_LEN - 8, 8);

	/* The zero page: the header copied, then the loader's fields. */
	guest_read(li.boot_params, bp, sizeof(bp));
	for (unsigned i = 0; i < LB_HDR_START; i++) {
		bool loader_field = (i >= LB_BP_ACPI_RSDP_ADDR && i < LB_BP_ACPI_RSDP_ADDR + 8) ||
				    i == LB_BP_E820_ENTRIES;

		assert_int_equal(loader_field ? 0 : bp[i], 0);
	}
	assert_int_equal(get32(bp, LB_HEADER), LB_HDRS_MAGIC);
	assert_int_equal(bp[LB_TYPE_OF_LOADER], 0xff);
	assert_int_equal(get32(bp, LB_CMD_LINE_PTR), li.cmdline);
	assert_int_equal(get32(bp, LB_BP_EXT_CMD_LINE_PTR), 0);
	assert_int_equal(get32(bp, LB_RAMDISK_IMAGE), li.initrd);
	assert_int_equal(get32(bp, LB_RAMDISK_SIZE), INITRD_LEN);
	assert_int_equal(get64(bp, LB_BP_ACPI_RSDP_ADDR), li.gdt + LB_RSDP_OFFSET);
	guest_read(li.gdt + LB_RSDP_OFFSET, page, sizeof(rsdp));
	assert_memory_equal(page, rsdp, sizeof(rsdp));
	assert_int_equal(get32(bp, LB_INIT_SIZE), 0x3f98000);
	for (unsigned i = 0x26c; i < LB_BP_E820_TABLE; i++)
		assert_int_equal(bp[i] * (i != LB_BP_E820_ENTRIES), 0);   /* past the header: zero */
	assert_int_equal(bp[LB_BP_E820_ENTRIES], 5);
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(get64(bp, LB_BP_E820_TABLE + 20 * i), map[i].base);
		assert_int_equal(get64(bp, LB_BP_E820_TABLE + 20 * i + 8), map[i].len);
		assert_int_equal(get32(bp, LB_BP_E820_TABLE + 20 * i + 16), map[i].type);
	}
	guest_read(li.cmdline, cl, sizeof("console=ttyS0 quiet"));
	assert_string_equal(cl, "console=ttyS0 quiet");

	/* GDT: flat 64-bit code at 0x10, data at 0x18. */
	guest_read(li.gdt, gdt, sizeof(gdt));
	assert_int_equal(gdt[2], 0x00af9a000000ffffull);
	assert_int_equal(gdt[3], 0x00cf92000000ffffull);

	/* The identity map over 4 GiB with 2 MiB pages. */
	guest_read(li.pml4, pt, sizeof(pt));
	assert_int_equal(pt[0], (li.pml4 + PAGE_SIZE) | 3);
	assert_int_equal(pt[1], 0);
	guest_read(li.pml4 + PAGE_SIZE, pt, sizeof(pt));
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(pt[i], (li.pml4 + (2 + i) * PAGE_SIZE) | 3);
	assert_int_equal(pt[4], 0);
	guest_read(li.pml4 + 5 * PAGE_SIZE, pt, sizeof(pt));
	assert_int_equal(pt[0], 3 * GiB | 0x83);
	assert_int_equal(pt[511], (4 * GiB - 2 * MiB) | 0x83);
	assert_int_equal(log_captured_count(LOG_ERR), 0);
}

/* The boot modules still to be copied and the map's holes are never written. */
static void test_load_avoids_modules_and_holes(void **state)
{
	struct linux_image li;

	(void)state;
	avoid[0] = (struct phys_range){ 0x1000000, 0x1400000 };   /* a module at 16 MiB */
	args.navoid = 1;
	assert_int_equal(linux_load(&fg.gm, &args, &li), 0);
	assert_int_equal(li.kernel, 0x1400000);

	teardown(NULL);
	setup(NULL);
	map[3].len = 19 * MiB;                                     /* RAM [1M, 20M) ... */
	map[5] = (struct mem_range){ 20 * MiB, 4 * KiB, MEM_RESERVED };
	map[6] = (struct mem_range){ 20 * MiB + 4 * KiB, 76 * MiB - 4 * KiB, MEM_AVAILABLE };
	args.nmap = 7;
	avoid[0] = (struct phys_range){ 0x5598000, 0x5599000 };  /* right after the kernel */
	args.navoid = 1;
	assert_int_equal(linux_load(&fg.gm, &args, &li), 0);
	assert_int_equal(li.kernel, 22 * MiB);                     /* aligned past the hole */
	assert_int_equal(li.tables, 0x5599000);
	assert_true(li.tables >= li.kernel_end);
	assert_true(li.initrd >= li.tables + LB_TABLE_PAGES * PAGE_SIZE || li.initrd + INITRD_LEN <= li.tables);
	assert_false(li.initrd < 0x5599000 && li.initrd + INITRD_LEN > 0x5598000);
}

static void test_load_no_room(void **state)
{
	struct linux_image li;

	(void)state;
	map[3].len = 64 * MiB;   /* [1M, 65M): 16M + init_size does not fit */
	assert_int_equal(linux_load(&fg.gm, &args, &li), -ENOSPC);
	assert_true(log_captured("free RAM below 4 GiB for the kernel"));
	assert_true(guest_is_zero());

	teardown(NULL);
	setup(NULL);
	map[3].len = 16 * MiB + 0x3f98000 - 1 * MiB + 2 * PAGE_SIZE;   /* the kernel fits, the tables do not */
	assert_int_equal(linux_load(&fg.gm, &args, &li), -ENOSPC);
	assert_true(log_captured("boot page tables"));
	assert_true(guest_is_zero());

	teardown(NULL);
	setup(NULL);
	map[3].len = 16 * MiB + 0x3f98000 - 1 * MiB + LB_TABLE_PAGES * PAGE_SIZE + 2 * PAGE_SIZE;
	assert_int_equal(linux_load(&fg.gm, &args, &li), -ENOSPC);   /* no room for the initramfs */
	assert_true(log_captured("initramfs"));
	assert_true(guest_is_zero());
}

static void test_cmdline_and_map_limits(void **state)
{
	static char longline[3000];
	struct linux_image li;

	(void)state;
	memset(longline, 'a', 0x800);
	longline[0x800] = 0;   /* cmdline_size + 1 characters */
	args.cmdline = longline;
	assert_int_equal(linux_load(&fg.gm, &args, &li), -E2BIG);
	assert_true(guest_is_zero());
	longline[0x7ff] = 0;   /* exactly cmdline_size */
	assert_int_equal(linux_load(&fg.gm, &args, &li), 0);

	teardown(NULL);
	setup(NULL);
	for (unsigned i = 0; i < LB_BP_E820_MAX + 1; i++)
		map[i] = (struct mem_range){ 0x100000000ull + i * 0x2000ull, 0x1000, MEM_RESERVED };
	args.nmap = LB_BP_E820_MAX + 1;
	assert_int_equal(linux_load(&fg.gm, &args, &li), -ENOSPC);
	assert_true(guest_is_zero());
}

struct hostile {
	const char *what;
	unsigned off, width;
	uint32_t value;
	const char *log;
};

static const struct hostile hostile[] = {
	{ "no HdrS", LB_HEADER, 4, 0x53726449, "not a bzImage" },
	{ "boot flag", LB_BOOT_FLAG, 2, 0x55aa, "boot flag" },
	{ "protocol 2.11", LB_VERSION, 2, 0x020b, "protocol 2.11" },
	{ "setup past the image", LB_SETUP_SECTS, 1, 255, "inconsistent" },
	{ "header past the setup", LB_JUMP + 1, 1, 0x00, "inconsistent" },
	{ "no 64-bit entry", LB_XLOADFLAGS, 2, 0x7e, "no 64-bit entry" },
	{ "not loaded high", LB_LOADFLAGS, 1, 0x80, "no 64-bit entry" },
	{ "alignment 3 MiB", LB_KERNEL_ALIGNMENT, 4, 3 * MiB, "power of two" },
	{ "alignment 0", LB_KERNEL_ALIGNMENT, 4, 0, "power of two" },
	{ "init_size too small", LB_INIT_SIZE, 4, BODY_LEN - 1, "init_size" },
	{ "init_size 4 GiB - 1", LB_INIT_SIZE, 4, 0xffffffff, "init_size" },
	{ "fixed, unaligned", LB_RELOCATABLE, 1, 0, NULL },
};

static void test_hostile_headers(void **state)
{
	struct linux_image li;

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(hostile); i++) {
		const struct hostile *h = &hostile[i];
		const char *want = h->log ? h->log : "fixed kernel";

		teardown(NULL);
		setup(NULL);
		if (h->width == 1)
			img[h->off] = (uint8_t)h->value;
		else if (h->width == 2)
			put16(h->off, (uint16_t)h->value);
		else
			put32(h->off, h->value);
		if (!h->log) {   /* not relocatable, and pref_address not 2 MiB aligned */
			put32(LB_PREF_ADDRESS, 0x1001000);
		}
		if (linux_load(&fg.gm, &args, &li) != -ENOEXEC || !log_captured(want) ||
		    log_captured_count(LOG_ERR) != 1) {
			log_capture_dump();
			fail_msg("hostile header '%s' not refused as expected", h->what);
		}
		assert_true(guest_is_zero());
	}
	/* Images too short to hold a header. */
	assert_false(linux_is_bzimage(img, LB_HEADER + 3));
	assert_int_equal(linux_parse_setup(img, LB_HDR_MIN_END - 1, &li.setup), -ENOEXEC);
}

/* A fixed (non-relocatable) kernel goes to pref_address or nowhere. */
static void test_fixed_kernel(void **state)
{
	struct linux_image li;

	(void)state;
	img[LB_RELOCATABLE] = 0;
	put32(LB_PREF_ADDRESS, 0x1200000);
	put32(LB_INIT_SIZE, 8 * MiB);
	assert_int_equal(linux_load(&fg.gm, &args, &li), 0);
	assert_int_equal(li.kernel, 0x1200000);
	teardown(NULL);
	setup(NULL);
	img[LB_RELOCATABLE] = 0;
	put32(LB_INIT_SIZE, 8 * MiB);
	avoid[0] = (struct phys_range){ 0x1100000, 0x1101000 };
	args.navoid = 1;
	assert_int_equal(linux_load(&fg.gm, &args, &li), -ENOSPC);
	assert_true(guest_is_zero());
}

/* Random header bytes: never a crash, never a write outside what was placed. */
static void test_random_headers(void **state)
{
	struct linux_image li;
	unsigned loaded = 0;

	(void)state;
	srand(11);
	for (unsigned round = 0; round < 3000; round++) {
		memcpy(img + LB_HDR_START, real_hdr, sizeof(real_hdr));
		for (unsigned k = 0; k < 1 + (unsigned)rand() % 4; k++)
			img[LB_HDR_START + (unsigned)rand() % sizeof(real_hdr)] = (uint8_t)rand();
		put32(LB_INIT_SIZE, get32(img, LB_INIT_SIZE) & 0x03ffffff);   /* keep fakes small */
		args.navoid = 0;
		if (linux_load(&fg.gm, &args, &li) == 0) {
			loaded++;
			assert_true(li.kernel % (2 * MiB) == 0);
			assert_true(li.kernel_end <= 96 * MiB && li.tables >= li.kernel_end);
		}
	}
	assert_true(loaded > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_real_header_parses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_places_and_describes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_avoids_modules_and_holes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_no_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_and_map_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fixed_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_headers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
