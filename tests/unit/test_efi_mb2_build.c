// SPDX-License-Identifier: MIT
/*
 * The UEFI loader's multiboot2 information builder (boot/efi/mb2_build.c),
 * checked against iomon's own parser (boot/mb2.c): the tags GRUB 2 writes on
 * x86_64-efi, in GRUB's order, GRUB's conversion of the EFI memory map, and
 * clean failures when the block is too small.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "boot/efi/mb2_build.h"

#define BUF_MAX (16 * 1024)

/* EFI_MEMORY_TYPE values used below (UEFI 2.x §7.2). */
enum { RSV = 0, LCODE = 1, LDATA = 2, BSCODE = 3, BSDATA = 4, RTCODE = 5, RTDATA = 6,
       CONV = 7, UNUSABLE = 8, ACPI = 9, NVS = 10, MMIO = 11, PERSIST = 14 };

/* OVMF uses 48-byte descriptors: the builder must step by descr_size, not 40. */
struct desc48 {
	struct efi_memory_descriptor d;
	uint64_t pad;
};

static union { uint8_t bytes[BUF_MAX]; uint64_t align; } buf;
static struct mb2_builder b;
static struct boot_info bi;
static struct mem_range scratch[64];

static const uint8_t rsdp_v1[20] = "RSD PTR \x42OEMID\x00\x00\x10\x00\x00";
static const uint8_t rsdp_v2[36] = "RSD PTR \x42OEMID\x02\x00\x10\x00\x00\x24\x00\x00\x00"
				   "\x00\x20\x00\x00\x00\x00\x00\x00\x99";

/* An OVMF-like map, deliberately out of order, with every type GRUB converts. */
static const struct desc48 map[] = {
	{ { CONV,     0, 0x100000,   0, 0x700,  0xf }, 0 },   /* 1 MiB - 8 MiB */
	{ { BSCODE,   0, 0x0,        0, 0xa0,   0xf }, 0 },   /* 0 - 640 KiB */
	{ { NVS,      0, 0x800000,   0, 0x8,    0xf }, 0 },
	{ { LDATA,    0, 0x808000,   0, 0x8,    0xf }, 0 },   /* merges with the next two */
	{ { LCODE,    0, 0x810000,   0, 0x10,   0xf }, 0 },
	{ { BSDATA,   0, 0x820000,   0, 0x7e0,  0xf }, 0 },
	{ { RTCODE,   0, 0x1000000,  0, 0x10,   0xf }, 0 },
	{ { RTDATA,   0, 0x1010000,  0, 0x10,   0xf }, 0 },
	{ { RSV,      0, 0x1020000,  0, 0x10,   0xf }, 0 },   /* merges with RT data: both reserved */
	{ { ACPI,     0, 0x1030000,  0, 0x12,   0xf }, 0 },
	{ { UNUSABLE, 0, 0x1042000,  0, 0x1,    0xf }, 0 },
	{ { PERSIST,  0, 0x1043000,  0, 0x1,    0xf }, 0 },
	{ { CONV,     0, 0x1044000,  0, 0x0,    0xf }, 0 },   /* empty: dropped */
	{ { MMIO,     0, 0xb0000000, 0, 0x10000, 1 }, 0 },
	{ { 0x7000000f, 0, 0xfee00000, 0, 0x1,  1 }, 0 },     /* OEM type: reserved */
};

static int reset(void **state)
{
	(void)state;
	memset(&buf, 0xa5, sizeof(buf));   /* padding must be written, not inherited */
	memset(&bi, 0, sizeof(bi));
	log_capture_reset();
	return 0;
}

static uint32_t total_size(void)
{
	uint32_t t;

	memcpy(&t, buf.bytes, sizeof(t));
	return t;
}

/* The loader's sequence, EFI map included (`efi_entries` descriptors of `map`). */
static void build_like_the_loader(unsigned efi_entries)
{
	uint64_t room;
	void *at;

	assert_int_equal(mb2b_init(&b, buf.bytes, sizeof(buf.bytes)), 0);
	assert_int_equal(mb2b_add_load_base(&b, 0x100000), 0);
	assert_int_equal(mb2b_add_string(&b, MB2_TAG_CMDLINE, "exit=qemu loglevel=debug"), 0);
	assert_int_equal(mb2b_add_string(&b, MB2_TAG_LOADER_NAME, MB2B_LOADER_NAME), 0);
	assert_int_equal(mb2b_add_module(&b, 0x2000000, 0x2000012, "role=guest0"), 0);
	assert_int_equal(mb2b_add_module(&b, 0x3000000, 0x3100000, ""), 0);
	assert_int_equal(mb2b_add_mmap_and_meminfo(&b, map, sizeof(map), sizeof(map[0]), scratch,
						   ARRAY_SIZE(scratch)), 0);
	assert_int_equal(mb2b_add_efi64_st(&b, 0x1f9ec018), 0);
	assert_int_equal(mb2b_add_rsdp(&b, MB2_TAG_ACPI_OLD, rsdp_v1, sizeof(rsdp_v1)), 0);
	assert_int_equal(mb2b_add_rsdp(&b, MB2_TAG_ACPI_NEW, rsdp_v2, sizeof(rsdp_v2)), 0);
	at = mb2b_efi_mmap_room(&b, &room);
	assert_true(room >= efi_entries * sizeof(map[0]));
	memcpy(at, map, efi_entries * sizeof(map[0]));   /* what GetMemoryMap() writes */
	assert_int_equal(mb2b_finish(&b, efi_entries * sizeof(map[0]), sizeof(map[0]), 1), 0);
}

static void test_parsed_by_iomon(void **state)
{
	(void)state;
	build_like_the_loader(ARRAY_SIZE(map));

	assert_int_equal(mb2_parse(buf.bytes, total_size(), 0x1e294000, &bi), 0);
	assert_int_equal(bi.tags_skipped, 0);
	assert_int_equal(bi.tags_seen, 11);
	assert_int_equal(log_captured_count(LOG_WARN), 0);
	assert_string_equal(bi.cmdline, "exit=qemu loglevel=debug");
	assert_string_equal(bi.loader_name, "iomon-efi");
	assert_int_equal(bi.module_count, 2);
	assert_int_equal(bi.modules[0].start, 0x2000000);
	assert_int_equal(bi.modules[0].end, 0x2000012);
	assert_string_equal(bi.modules[0].cmdline, "role=guest0");
	assert_int_equal(bi.modules[1].end, 0x3100000);
	assert_string_equal(bi.modules[1].cmdline, "");
	assert_int_equal(bi.efi64_system_table, 0x1f9ec018);
	assert_int_equal(bi.rsdp_tag, MB2_TAG_ACPI_NEW);
	assert_int_equal(bi.rsdp_len, 36);
	assert_memory_equal(bi.rsdp, rsdp_v2, 36);
	assert_int_equal(bi.efi_mmap_entries, ARRAY_SIZE(map));
	assert_false(bi.efi_boot_services_not_exited);
	assert_false(bi.mmap_from_efi);   /* tag 6 is there, as GRUB writes it */
	assert_true(bi.has_meminfo);
	assert_int_equal(bi.mem_lower_kib, 640);
	assert_int_equal(bi.mem_upper_kib, 7 * 1024);
}

/* GRUB's grub_efi_mmap_iterate() types, in address order, touching equal types merged. */
static void test_memory_map_converted_like_grub(void **state)
{
	static const struct mem_range want[] = {
		{ 0x0,        0xa0000,   MEM_AVAILABLE },
		{ 0x100000,   0x700000,  MEM_AVAILABLE },
		{ 0x800000,   0x8000,    MEM_ACPI_NVS },
		{ 0x808000,   0x7f8000,  MEM_AVAILABLE },   /* loader data+code, BS data */
		{ 0x1000000,  0x10000,   MEM_RESERVED },    /* runtime code: GRUB's type 20 */
		{ 0x1010000,  0x20000,   MEM_RESERVED },    /* runtime data + reserved */
		{ 0x1030000,  0x12000,   MEM_ACPI_RECLAIM },
		{ 0x1042000,  0x1000,    MEM_BAD },
		{ 0x1043000,  0x1000,    MEM_RESERVED },    /* persistent: GRUB's type 7 */
		{ 0xb0000000, 0x10000000, MEM_RESERVED },
		{ 0xfee00000, 0x1000,    MEM_RESERVED },
	};
	(void)state;
	build_like_the_loader(ARRAY_SIZE(map));

	assert_int_equal(mb2_parse(buf.bytes, total_size(), 0, &bi), 0);
	assert_int_equal(bi.mmap_count, ARRAY_SIZE(want));
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++) {
		assert_int_equal(bi.mmap[i].base, want[i].base);
		assert_int_equal(bi.mmap[i].len, want[i].len);
		assert_int_equal(bi.mmap[i].type, want[i].type);
	}
}

/* The raw types GRUB writes, before iomon folds 7 and 20 into "reserved". */
static void test_grub_type_table(void **state)
{
	(void)state;
	assert_int_equal(mb2b_efi_to_mem_type(CONV), MEM_AVAILABLE);
	assert_int_equal(mb2b_efi_to_mem_type(BSCODE), MEM_AVAILABLE);
	assert_int_equal(mb2b_efi_to_mem_type(LDATA), MEM_AVAILABLE);
	assert_int_equal(mb2b_efi_to_mem_type(RTCODE), MB2B_MEM_RUNTIME_CODE);
	assert_int_equal(mb2b_efi_to_mem_type(RTDATA), MEM_RESERVED);
	assert_int_equal(mb2b_efi_to_mem_type(ACPI), MEM_ACPI_RECLAIM);
	assert_int_equal(mb2b_efi_to_mem_type(NVS), MEM_ACPI_NVS);
	assert_int_equal(mb2b_efi_to_mem_type(UNUSABLE), MEM_BAD);
	assert_int_equal(mb2b_efi_to_mem_type(PERSIST), MB2B_MEM_PERSISTENT);
	assert_int_equal(mb2b_efi_to_mem_type(MMIO), MEM_RESERVED);
	assert_int_equal(mb2b_efi_to_mem_type(0x80000000), MEM_RESERVED);
}

/* Tag order and sizes as grub_multiboot2_make_mbi() writes them, padding zeroed. */
static void test_tag_layout_matches_grub(void **state)
{
	static const uint32_t order[] = { MB2_TAG_LOAD_BASE_ADDR, MB2_TAG_CMDLINE, MB2_TAG_LOADER_NAME,
		MB2_TAG_MODULE, MB2_TAG_MODULE, MB2_TAG_MMAP, MB2_TAG_BASIC_MEMINFO, MB2_TAG_EFI64_ST,
		MB2_TAG_ACPI_OLD, MB2_TAG_ACPI_NEW, MB2_TAG_EFI_MMAP, MB2_TAG_END };
	uint32_t off = 8, total;
	(void)state;

	build_like_the_loader(ARRAY_SIZE(map));
	total = total_size();
	for (unsigned i = 0; i < ARRAY_SIZE(order); i++) {
		struct mb2_tag t;

		assert_true(off + 8 <= total);
		memcpy(&t, buf.bytes + off, sizeof(t));
		assert_int_equal(t.type, order[i]);
		switch (t.type) {
		case MB2_TAG_LOAD_BASE_ADDR: assert_int_equal(t.size, 12); break;
		case MB2_TAG_CMDLINE: assert_int_equal(t.size, 8 + sizeof("exit=qemu loglevel=debug")); break;
		case MB2_TAG_BASIC_MEMINFO: assert_int_equal(t.size, 16); break;
		case MB2_TAG_EFI64_ST: assert_int_equal(t.size, 16); break;
		case MB2_TAG_ACPI_OLD: assert_int_equal(t.size, 28); break;
		case MB2_TAG_ACPI_NEW: assert_int_equal(t.size, 44); break;
		case MB2_TAG_MMAP: assert_int_equal(t.size, 16 + 11 * 24); break;
		case MB2_TAG_EFI_MMAP: assert_int_equal(t.size, 16 + sizeof(map)); break;
		case MB2_TAG_END: assert_int_equal(t.size, 8); break;
		}
		for (uint32_t p = off + t.size; p < ALIGN_UP(off + t.size, 8); p++)
			assert_int_equal(buf.bytes[p], 0);
		off += ALIGN_UP(t.size, 8);
	}
	assert_int_equal(off, total);
}

/* A stale map key: the map is fetched again into the same place, the block stays valid. */
static void test_finish_again_after_stale_key(void **state)
{
	uint64_t room;
	void *at;
	(void)state;

	build_like_the_loader(ARRAY_SIZE(map));
	at = mb2b_efi_mmap_room(&b, &room);
	memcpy(at, map, 3 * sizeof(map[0]));
	assert_int_equal(mb2b_finish(&b, 3 * sizeof(map[0]), sizeof(map[0]), 1), 0);
	assert_int_equal(mb2_parse(buf.bytes, total_size(), 0, &bi), 0);
	assert_int_equal(bi.efi_mmap_entries, 3);
	assert_int_equal(bi.tags_skipped, 0);
	assert_int_equal(bi.module_count, 2);
	assert_int_equal(log_captured_count(LOG_WARN), 0);
}

static void test_no_efi_map(void **state)
{
	(void)state;
	assert_int_equal(mb2b_init(&b, buf.bytes, 64), 0);
	assert_int_equal(mb2b_finish(&b, 0, 0, 0), 0);
	assert_int_equal(total_size(), 16);
	assert_int_equal(mb2_parse(buf.bytes, total_size(), 0, &bi), 0);
	assert_int_equal(bi.tags_seen, 0);
}

/* Each append fails whole when it does not fit, leaving room for the end tag. */
static void test_no_space(void **state)
{
	uint64_t room;
	(void)state;

	assert_int_equal(mb2b_init(&b, buf.bytes, 48), 0);
	assert_int_equal(mb2b_add_string(&b, MB2_TAG_CMDLINE, "0123456789012345"), 0);   /* 8 + 17, padded to 32 */
	assert_int_equal(b.len, 48 - 8);
	assert_int_equal(mb2b_add_string(&b, MB2_TAG_LOADER_NAME, ""), -ENOSPC);
	assert_int_equal(mb2b_add_efi64_st(&b, 1), -ENOSPC);
	assert_int_equal(mb2b_add_mmap_and_meminfo(&b, map, sizeof(map), sizeof(map[0]), scratch,
						   ARRAY_SIZE(scratch)), -ENOSPC);
	assert_int_equal(b.len, 48 - 8);
	mb2b_efi_mmap_room(&b, &room);
	assert_int_equal(room, 0);
	assert_int_equal(mb2b_finish(&b, 48, 48, 1), -ENOSPC);
	assert_int_equal(mb2b_finish(&b, 0, 0, 0), 0);
	assert_int_equal(total_size(), 48);
	assert_int_equal(mb2_parse(buf.bytes, total_size(), 0, &bi), 0);
	assert_string_equal(bi.cmdline, "0123456789012345");
}

static void test_scratch_too_small(void **state)
{
	(void)state;
	assert_int_equal(mb2b_init(&b, buf.bytes, sizeof(buf.bytes)), 0);
	assert_int_equal(mb2b_add_mmap_and_meminfo(&b, map, sizeof(map), sizeof(map[0]), scratch, 4),
			 -ENOSPC);
	assert_int_equal(b.len, 8);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	assert_int_equal(mb2b_init(&b, buf.bytes + 4, 64), -EINVAL);   /* misaligned */
	assert_int_equal(mb2b_init(&b, buf.bytes, 15), -EINVAL);
	assert_int_equal(mb2b_init(&b, buf.bytes, 64), 0);
	assert_int_equal(mb2b_add_module(&b, 0x2000, 0x1000, ""), -EINVAL);
	assert_int_equal(mb2b_add_rsdp(&b, MB2_TAG_CMDLINE, rsdp_v1, 20), -EINVAL);
	assert_int_equal(mb2b_add_rsdp(&b, MB2_TAG_ACPI_OLD, rsdp_v1, 19), -EINVAL);
	assert_int_equal(mb2b_convert_efi_map(map, sizeof(map), 32, scratch, 64), -EINVAL);
	assert_int_equal(b.len, 8);
}

/* Lower memory is capped at 1 MiB; upper is the available range that spans 1 MiB. */
static void test_meminfo_edges(void **state)
{
	static const struct efi_memory_descriptor m[] = {
		{ CONV, 0, 0x0, 0, 0x200, 0 },   /* 0 - 2 MiB in one range */
		{ CONV, 0, 0x300000, 0, 0x100, 0 },
	};
	(void)state;
	assert_int_equal(mb2b_init(&b, buf.bytes, sizeof(buf.bytes)), 0);
	assert_int_equal(mb2b_add_mmap_and_meminfo(&b, m, sizeof(m), sizeof(m[0]), scratch,
						   ARRAY_SIZE(scratch)), 0);
	assert_int_equal(mb2b_finish(&b, 0, 0, 0), 0);
	assert_int_equal(mb2_parse(buf.bytes, total_size(), 0, &bi), 0);
	assert_int_equal(bi.mem_lower_kib, 1024);
	assert_int_equal(bi.mem_upper_kib, 1024);
	assert_int_equal(bi.mmap_count, 2);
}

#define T(fn) cmocka_unit_test_setup(fn, reset)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_parsed_by_iomon),
		T(test_memory_map_converted_like_grub),
		T(test_grub_type_table),
		T(test_tag_layout_matches_grub),
		T(test_finish_again_after_stale_key),
		T(test_no_efi_map),
		T(test_no_space),
		T(test_scratch_too_small),
		T(test_bad_arguments),
		T(test_meminfo_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
