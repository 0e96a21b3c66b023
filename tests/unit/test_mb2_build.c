// SPDX-License-Identifier: MIT
/*
 * Multiboot2 information for guests: what the builder writes is parsed back
 * with the monitor's own parser (boot/mb2.c) and must round-trip field by
 * field; a small block is also checked byte for byte against the layout of
 * the Multiboot2 specification §3.6; capacity is exact (-ENOSPC one byte
 * short, never a write past cap).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "kernel/partition/mb2_build.h"

static union {
	uint8_t b[16384];
	uint64_t align;
} buf;

static const struct mem_range root_map[] = {
	{ 0x0, 0x9f000, MEM_AVAILABLE },
	{ 0x9f000, 0x1000, MEM_RESERVED },
	{ 0xf0000, 0x10000, MEM_RESERVED },
	{ 0x100000, 0x3ff00000 - 0x100000, MEM_AVAILABLE },
	{ 0x3ff00000, 0x100000, MEM_ACPI_RECLAIM },
	{ 0x40000000, 0x40000000, MEM_AVAILABLE },
	{ 0xfec00000, 0x1000, MEM_RESERVED },
	{ 0x100000000ULL, 0x80000000ULL, MEM_AVAILABLE },
};

static uint8_t rsdp_v2[36];

static void make_rsdp(void)
{
	unsigned i;

	memcpy(rsdp_v2, "RSD PTR ", 8);
	for (i = 8; i < sizeof(rsdp_v2); i++)
		rsdp_v2[i] = (uint8_t)(i * 3);
	rsdp_v2[15] = 2;                            /* revision */
	rsdp_v2[20] = 36, rsdp_v2[21] = rsdp_v2[22] = rsdp_v2[23] = 0;   /* length */
}

static const struct mb2_build_module mods[] = {
	{ 0x200000, 0x201234, "initrd one two" },
	{ 0x300000, 0x300001, NULL },
};

static struct mb2_build_args full_args(void)
{
	struct mb2_build_args a = {
		.cmdline = "console=ttyS0 quiet",
		.modules = mods,
		.nmodules = 2,
		.mmap = root_map,
		.nmmap = ARRAY_SIZE(root_map),
		.rsdp_old = rsdp_v2,
		.rsdp_new = rsdp_v2,
		.rsdp_new_len = 36,
	};

	make_rsdp();
	return a;
}

static struct boot_info bi;

static void test_round_trip(void **state)
{
	struct mb2_build_args a = full_args();
	uint32_t size = 0;
	unsigned i;

	(void)state;
	memset(buf.b, 0xEE, sizeof(buf.b));
	assert_int_equal(mb2_build(&a, buf.b, sizeof(buf.b), &size), 0);
	assert_true(IS_ALIGNED(size, 8));
	assert_int_equal(*(uint32_t *)buf.b, size);
	assert_int_equal(*(uint32_t *)(buf.b + 4), 0);
	assert_int_equal(buf.b[size], 0xEE);                    /* nothing past total_size */

	log_capture_reset();
	memset(&bi, 0, sizeof(bi));
	assert_int_equal(mb2_parse(buf.b, size, 0x9000, &bi), 0);
	assert_int_equal(bi.tags_skipped, 0);
	assert_int_equal(log_captured_count(LOG_WARN) + log_captured_count(LOG_ERR), 0);
	assert_true(bi.has_cmdline);
	assert_string_equal(bi.cmdline, "console=ttyS0 quiet");
	assert_string_equal(bi.loader_name, "iomon");
	assert_int_equal(bi.module_count, 2);
	assert_int_equal(bi.modules[0].start, 0x200000);
	assert_int_equal(bi.modules[0].end, 0x201234);
	assert_string_equal(bi.modules[0].cmdline, "initrd one two");
	assert_int_equal(bi.modules[1].start, 0x300000);
	assert_string_equal(bi.modules[1].cmdline, "");
	assert_true(bi.has_meminfo);
	assert_int_equal(bi.mem_lower_kib, 0x9f000 / 1024);
	assert_int_equal(bi.mem_upper_kib, (0x3ff00000 - 0x100000) / 1024);
	assert_false(bi.mmap_from_efi);
	assert_int_equal(bi.mmap_count, ARRAY_SIZE(root_map));
	for (i = 0; i < ARRAY_SIZE(root_map); i++) {
		assert_int_equal(bi.mmap[i].base, root_map[i].base);
		assert_int_equal(bi.mmap[i].len, root_map[i].len);
		assert_int_equal(bi.mmap[i].type, root_map[i].type);
	}
	assert_int_equal(bi.rsdp_tag, MB2_TAG_ACPI_NEW);
	assert_int_equal(bi.rsdp_len, 36);
	assert_memory_equal(bi.rsdp, rsdp_v2, 36);
}

static void test_minimal_byte_exact(void **state)
{
	static const struct mem_range map[] = { { 0, 64 * MiB, MEM_AVAILABLE } };
	struct mb2_build_args a = { .cmdline = "ab", .mmap = map, .nmmap = 1 };
	static const uint8_t want[] = {
		/* header: total_size 0x68, reserved */
		0x68, 0, 0, 0, 0, 0, 0, 0,
		/* tag 1, size 11 ("ab\0"), padded to 16 */
		1, 0, 0, 0, 11, 0, 0, 0, 'a', 'b', 0, 0, 0, 0, 0, 0,
		/* tag 2, size 14 ("iomon\0"), padded to 16 */
		2, 0, 0, 0, 14, 0, 0, 0, 'i', 'o', 'm', 'o', 'n', 0, 0, 0,
		/* tag 4, size 16: mem_lower 640 KiB (the conventional-memory cap), mem_upper 63 MiB */
		4, 0, 0, 0, 16, 0, 0, 0, 0x80, 0x02, 0, 0, 0x00, 0xfc, 0, 0,
		/* tag 6, size 40: entry_size 24, version 0, one entry */
		6, 0, 0, 0, 40, 0, 0, 0, 24, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
		/* end tag */
		0, 0, 0, 0, 8, 0, 0, 0,
	};
	uint32_t size;

	(void)state;
	memset(buf.b, 0xEE, sizeof(buf.b));
	assert_int_equal(mb2_build(&a, buf.b, sizeof(buf.b), &size), 0);
	assert_int_equal(size, sizeof(want));
	assert_memory_equal(buf.b, want, sizeof(want));
}

static void test_rsdp_old_only_and_no_cmdline(void **state)
{
	struct mb2_build_args a = { .rsdp_old = rsdp_v2, .loader_name = "GRUB 2.06" };
	uint32_t size;

	(void)state;
	make_rsdp();
	assert_int_equal(mb2_build(&a, buf.b, sizeof(buf.b), &size), 0);
	memset(&bi, 0, sizeof(bi));
	assert_int_equal(mb2_parse(buf.b, size, 0, &bi), 0);
	assert_true(bi.has_cmdline);
	assert_string_equal(bi.cmdline, "");
	assert_string_equal(bi.loader_name, "GRUB 2.06");
	assert_int_equal(bi.rsdp_tag, MB2_TAG_ACPI_OLD);
	assert_int_equal(bi.rsdp_len, 20);
	assert_memory_equal(bi.rsdp, rsdp_v2, 20);
	assert_int_equal(bi.mem_lower_kib, 0);
	assert_int_equal(bi.mem_upper_kib, 0);
	assert_int_equal(bi.mmap_count, 0);
}

/* Exact capacity: the real size fits, every smaller capacity is -ENOSPC and writes nothing past cap. */
static void test_capacity(void **state)
{
	struct mb2_build_args a = full_args();
	uint32_t size, cap;

	(void)state;
	assert_int_equal(mb2_build(&a, buf.b, sizeof(buf.b), &size), 0);
	for (cap = 0; cap <= size; cap++) {
		uint8_t *p = aligned_alloc(8, ALIGN_UP(cap ? cap : 8, 8));
		uint32_t got = 0;
		int err;

		assert_non_null(p);
		/* ASan watches the heap block; the builder may only touch [0, cap). */
		err = mb2_build(&a, p, cap, &got);
		if (cap == size) {
			assert_int_equal(err, 0);
			assert_int_equal(got, size);
		} else {
			assert_int_equal(err, -ENOSPC);
		}
		free(p);
	}
}

static void test_invalid_args(void **state)
{
	static const struct mem_range wrap[] = { { 0xfffffffffffff000ULL, 0x2000, MEM_AVAILABLE } };
	struct mb2_build_args a = full_args();
	uint32_t size;

	(void)state;
	a.rsdp_new_len = 20;
	assert_int_equal(mb2_build(&a, buf.b, sizeof(buf.b), &size), -EINVAL);
	a = full_args();
	a.mmap = wrap;
	a.nmmap = 1;
	assert_int_equal(mb2_build(&a, buf.b, sizeof(buf.b), &size), -EINVAL);
	a = full_args();
	assert_int_equal(mb2_build(&a, buf.b + 4, sizeof(buf.b) - 4, &size), -EINVAL);
}

static void test_meminfo_rules(void **state)
{
	uint32_t lo, up;
	/* GRUB's rules: lower is the range at 0, upper the range that contains 1 MiB. */
	static const struct mem_range holes[] = {
		{ 0x1000, 0x9e000, MEM_AVAILABLE },          /* not at 0: lower stays 0 */
		{ 0x100000, 0x100000, MEM_RESERVED },
		{ 0x200000, 0x100000, MEM_AVAILABLE },
	};
	static const struct mem_range straddle[] = {
		{ 0, 0x9fc00, MEM_AVAILABLE },
		{ 0xc0000, 0x1000000, MEM_AVAILABLE },       /* contains 1 MiB: counted from 1 MiB */
	};
	static const struct mem_range big[] = {
		{ 0x100000, 0x40000000000000ULL, MEM_AVAILABLE },
	};

	(void)state;
	mb2_basic_meminfo(holes, 3, &lo, &up);
	assert_int_equal(lo, 0);
	assert_int_equal(up, 0);
	mb2_basic_meminfo(straddle, 2, &lo, &up);
	assert_int_equal(lo, 0x9fc00 / 1024);
	assert_int_equal(up, (0xc0000 + 0x1000000 - 0x100000) / 1024);
	mb2_basic_meminfo(big, 1, &lo, &up);
	assert_int_equal(up, UINT32_MAX);
}

static void test_check_requests(void **state)
{
	struct mb2_image img = { .info_req = { 1, 6, 14, 15 }, .info_req_count = 4,
				 .info_req_required = true };

	(void)state;
	log_capture_reset();
	assert_int_equal(mb2_build_check_requests(&img), 0);
	img.info_req[img.info_req_count++] = MB2_TAG_FRAMEBUFFER;
	assert_int_equal(mb2_build_check_requests(&img), -EOPNOTSUPP);
	assert_true(log_captured("information tag 8"));
	img.info_req_required = false;
	assert_int_equal(mb2_build_check_requests(&img), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_minimal_byte_exact),
		cmocka_unit_test(test_rsdp_old_only_and_no_cmdline),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_invalid_args),
		cmocka_unit_test(test_meminfo_rules),
		cmocka_unit_test(test_check_requests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
