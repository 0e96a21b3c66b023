// SPDX-License-Identifier: MIT
/*
 * Multiboot2 info parser: well-formed BIOS- and UEFI-style blocks, and the
 * hostile ones a broken or malicious loader could hand over. Each block is
 * copied into a heap buffer of exactly the readable size, so ASan catches
 * any read outside [info, info + avail).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "boot/mb2.h"

#define BLOB_MAX (64 * 1024)

struct blob {
	union {
		uint8_t bytes[BLOB_MAX];
		uint64_t align;   /* tags are 8-byte aligned relative to an 8-aligned start */
	};
	uint32_t len;
};

static struct blob blob;
static struct boot_info bi;

static void blob_init(struct blob *b)
{
	memset(b->bytes, 0, sizeof(b->bytes));
	b->len = sizeof(struct mb2_info_header);
}

/* Append a tag whose size field is `size` (normally 8 + payload_len), then pad to 8. */
static void blob_tag_sized(struct blob *b, uint32_t type, uint32_t size, const void *payload,
			   uint32_t payload_len)
{
	struct mb2_tag hdr = { type, size };

	assert_true(b->len + sizeof(hdr) + payload_len + 8 <= BLOB_MAX);
	memcpy(b->bytes + b->len, &hdr, sizeof(hdr));
	if (payload_len)
		memcpy(b->bytes + b->len + sizeof(hdr), payload, payload_len);
	b->len = (uint32_t)ALIGN_UP(b->len + sizeof(hdr) + payload_len, 8);
}

static void blob_tag(struct blob *b, uint32_t type, const void *payload, uint32_t payload_len)
{
	blob_tag_sized(b, type, 8 + payload_len, payload, payload_len);
}

static void blob_string_tag(struct blob *b, uint32_t type, const char *s)
{
	blob_tag(b, type, s, (uint32_t)strlen(s) + 1);
}

static void blob_module(struct blob *b, uint32_t start, uint32_t end, const char *cmdline)
{
	uint8_t payload[8 + 256];
	uint32_t slen = (uint32_t)strlen(cmdline) + 1;

	assert_true(slen <= 256);
	memcpy(payload, &start, 4);
	memcpy(payload + 4, &end, 4);
	memcpy(payload + 8, cmdline, slen);
	blob_tag(b, MB2_TAG_MODULE, payload, 8 + slen);
}

/* A memory-map tag (legacy or EFI) whose header is two u32s followed by raw entries. */
static void blob_map_tag(struct blob *b, uint32_t type, uint32_t entry_size, uint32_t version,
			 const void *entries, uint32_t entries_len)
{
	static uint8_t payload[BLOB_MAX];

	memcpy(payload, &entry_size, 4);
	memcpy(payload + 4, &version, 4);
	memcpy(payload + 8, entries, entries_len);
	blob_tag(b, type, payload, 8 + entries_len);
}

static void blob_mmap(struct blob *b, const struct mb2_mmap_entry *e, unsigned n)
{
	blob_map_tag(b, MB2_TAG_MMAP, sizeof(*e), 0, e, n * (uint32_t)sizeof(*e));
}

static void blob_finish_no_end(struct blob *b)
{
	struct mb2_info_header hdr = { b->len, 0 };

	memcpy(b->bytes, &hdr, sizeof(hdr));
}

static void blob_finish(struct blob *b)
{
	blob_tag(b, MB2_TAG_END, NULL, 0);
	blob_finish_no_end(b);
}

/* Parse a copy of the first `avail` bytes held in a buffer of exactly that size. */
static int parse_avail(const struct blob *b, uint32_t avail)
{
	void *copy = malloc(avail ? avail : 1);   /* glibc malloc: 16-byte aligned */
	int ret;

	assert_non_null(copy);
	memcpy(copy, b->bytes, avail);
	ret = mb2_parse(copy, avail, 0x10000, &bi);
	free(copy);
	return ret;
}

static int parse(const struct blob *b)
{
	return parse_avail(b, b->len);
}

static int reset(void **state)
{
	(void)state;
	log_capture_reset();
	blob_init(&blob);
	return 0;
}

static const uint8_t rsdp_v1[20] = "RSD PTR \x42OEMID\x00\x00\x10\x00\x00";
static const uint8_t rsdp_v2[36] = "RSD PTR \x42OEMID\x02\x00\x10\x00\x00\x24\x00\x00\x00"
				   "\x00\x20\x00\x00\x00\x00\x00\x00\x99";

static void test_good_bios_block(void **state)
{
	static const struct mb2_mmap_entry map[] = {
		{ 0x0, 0x9fc00, MEM_AVAILABLE, 0 },
		{ 0x9fc00, 0x400, MEM_RESERVED, 0 },
		{ 0x100000, 0x1fee0000, MEM_AVAILABLE, 0 },
		{ 0x1ffe0000, 0x20000, MEM_ACPI_RECLAIM, 0 },
		{ 0xfeffc000, 0x4000, 12, 0 },   /* unknown type: reserved per §3.6.8 */
	};
	uint32_t meminfo[2] = { 639, 523136 };
	(void)state;

	blob_string_tag(&blob, MB2_TAG_CMDLINE, "console=com1 loglevel=debug");
	blob_string_tag(&blob, MB2_TAG_LOADER_NAME, "GRUB 2.06");
	blob_tag(&blob, MB2_TAG_BASIC_MEMINFO, meminfo, sizeof(meminfo));
	blob_mmap(&blob, map, ARRAY_SIZE(map));
	blob_tag(&blob, MB2_TAG_ACPI_OLD, rsdp_v1, sizeof(rsdp_v1));
	blob_module(&blob, 0x200000, 0x400000, "linux root=/dev/sda");
	blob_module(&blob, 0x400000, 0x480000, "partition=child mem=64M");
	blob_finish(&blob);

	assert_int_equal(parse(&blob), 0);
	assert_int_equal(bi.info_pa, 0x10000);
	assert_int_equal(bi.info_size, blob.len);
	assert_true(bi.has_cmdline);
	assert_string_equal(bi.cmdline, "console=com1 loglevel=debug");
	assert_string_equal(bi.loader_name, "GRUB 2.06");
	assert_true(bi.has_meminfo);
	assert_int_equal(bi.mem_lower_kib, 639);
	assert_int_equal(bi.mem_upper_kib, 523136);
	assert_false(bi.mmap_from_efi);
	assert_int_equal(bi.mmap_count, 5);
	assert_int_equal(bi.legacy_mmap_entries, 5);
	assert_int_equal(bi.efi_mmap_entries, 0);
	assert_int_equal(bi.mmap[2].base, 0x100000);
	assert_int_equal(bi.mmap[2].len, 0x1fee0000);
	assert_int_equal(bi.mmap[2].type, MEM_AVAILABLE);
	assert_int_equal(bi.mmap[3].type, MEM_ACPI_RECLAIM);
	assert_int_equal(bi.mmap[4].type, MEM_RESERVED);
	assert_int_equal(bi.rsdp_tag, MB2_TAG_ACPI_OLD);
	assert_int_equal(bi.rsdp_len, 20);
	assert_memory_equal(bi.rsdp, rsdp_v1, 20);
	assert_int_equal(bi.module_count, 2);
	assert_int_equal(bi.modules[0].start, 0x200000);
	assert_int_equal(bi.modules[0].end, 0x400000);
	assert_string_equal(bi.modules[0].cmdline, "linux root=/dev/sda");
	assert_string_equal(bi.modules[1].cmdline, "partition=child mem=64M");
	assert_int_equal(bi.efi64_system_table, 0);
	assert_false(bi.efi_boot_services_not_exited);
	assert_int_equal(bi.tags_seen, 7);
	assert_int_equal(bi.tags_skipped, 0);
	assert_int_equal(log_captured_count(LOG_WARN), 0);
}

/* A descriptor padded to 48 bytes, as real firmware reports them. */
struct efi_desc48 {
	struct efi_memory_descriptor d;
	uint64_t extra;
} __packed;

static struct efi_desc48 efi_desc(uint32_t type, uint64_t start, uint64_t pages)
{
	return (struct efi_desc48){ { type, 0, start, 0, pages, 0xf }, 0 };
}

static void test_good_uefi_block(void **state)
{
	const struct efi_desc48 map[] = {
		efi_desc(7, 0x0, 0xa0),            /* conventional */
		efi_desc(0, 0xa0000, 0x60),        /* reserved */
		efi_desc(1, 0x100000, 0x100),      /* loader code     \                  */
		efi_desc(2, 0x200000, 0x200),      /* loader data      | one available   */
		efi_desc(3, 0x400000, 0x100),      /* BS code          | range after the */
		efi_desc(4, 0x500000, 0x100),      /* BS data          | merge           */
		efi_desc(7, 0x600000, 0x1a00),     /* conventional    /                  */
		efi_desc(5, 0x2000000, 0x10),      /* runtime code -> reserved */
		efi_desc(9, 0x2010000, 0x10),      /* ACPI reclaim */
		efi_desc(10, 0x2020000, 0x10),     /* ACPI NVS */
		efi_desc(8, 0x2030000, 0x10),      /* unusable -> bad */
		efi_desc(11, 0xfee00000, 0x1),     /* MMIO -> reserved */
		efi_desc(7, 0x100000000, 0x40000), /* conventional above 4 GiB */
	};
	uint64_t st = 0x7f9e5018;
	(void)state;

	blob_string_tag(&blob, MB2_TAG_LOADER_NAME, "GRUB 2.06");
	blob_tag(&blob, MB2_TAG_EFI64_ST, &st, sizeof(st));
	blob_tag(&blob, MB2_TAG_ACPI_NEW, rsdp_v2, sizeof(rsdp_v2));
	blob_map_tag(&blob, MB2_TAG_EFI_MMAP, sizeof(map[0]), 1, map, sizeof(map));
	blob_tag(&blob, MB2_TAG_EFI_BS, NULL, 0);
	blob_finish(&blob);

	assert_int_equal(parse(&blob), 0);
	assert_int_equal(bi.efi64_system_table, 0x7f9e5018);
	assert_int_equal(bi.rsdp_tag, MB2_TAG_ACPI_NEW);
	assert_int_equal(bi.rsdp_len, 36);
	assert_memory_equal(bi.rsdp, rsdp_v2, 36);
	assert_true(bi.efi_boot_services_not_exited);
	assert_false(bi.has_cmdline);
	assert_true(bi.mmap_from_efi);
	assert_int_equal(bi.efi_mmap_entries, ARRAY_SIZE(map));
	assert_int_equal(bi.legacy_mmap_entries, 0);
	assert_int_equal(bi.mmap_count, 9);
	assert_int_equal(bi.mmap[0].base, 0);
	assert_int_equal(bi.mmap[0].len, 0xa0000);
	assert_int_equal(bi.mmap[0].type, MEM_AVAILABLE);
	assert_int_equal(bi.mmap[1].type, MEM_RESERVED);
	assert_int_equal(bi.mmap[2].base, 0x100000);
	assert_int_equal(bi.mmap[2].len, 0x2000000 - 0x100000);
	assert_int_equal(bi.mmap[2].type, MEM_AVAILABLE);
	assert_int_equal(bi.mmap[3].type, MEM_RESERVED);
	assert_int_equal(bi.mmap[4].type, MEM_ACPI_RECLAIM);
	assert_int_equal(bi.mmap[5].type, MEM_ACPI_NVS);
	assert_int_equal(bi.mmap[6].type, MEM_BAD);
	assert_int_equal(bi.mmap[7].type, MEM_RESERVED);
	assert_int_equal(bi.mmap[7].len, 0x1000);
	assert_int_equal(bi.mmap[8].base, 0x100000000);
	assert_int_equal(bi.mmap[8].len, 0x40000000);
	assert_int_equal(bi.tags_skipped, 0);
}

static void test_legacy_map_preferred_over_efi(void **state)
{
	const struct efi_desc48 efi[] = { efi_desc(7, 0x0, 0x10), efi_desc(7, 0x100000, 0x10) };
	const struct mb2_mmap_entry legacy[] = { { 0x0, 0x9f000, MEM_AVAILABLE, 0 } };
	(void)state;

	/* EFI map first: the legacy one that follows must replace it. */
	blob_map_tag(&blob, MB2_TAG_EFI_MMAP, sizeof(efi[0]), 1, efi, sizeof(efi));
	blob_mmap(&blob, legacy, 1);
	blob_finish(&blob);

	assert_int_equal(parse(&blob), 0);
	assert_false(bi.mmap_from_efi);
	assert_int_equal(bi.mmap_count, 1);
	assert_int_equal(bi.mmap[0].len, 0x9f000);
	assert_int_equal(bi.efi_mmap_entries, 2);
	assert_int_equal(bi.legacy_mmap_entries, 1);
}

static void test_truncated_block(void **state)
{
	(void)state;
	blob_string_tag(&blob, MB2_TAG_CMDLINE, "loglevel=debug");
	blob_finish(&blob);

	assert_int_equal(parse_avail(&blob, blob.len - 8), -EINVAL);
	assert_true(log_captured("W/mb2: total_size"));
	assert_false(bi.has_cmdline);
	/* The whole block readable: fine. */
	assert_int_equal(parse_avail(&blob, blob.len), 0);
	assert_true(bi.has_cmdline);
}

static void test_total_size_too_small(void **state)
{
	struct mb2_info_header hdr = { 8, 0 };
	(void)state;

	memcpy(blob.bytes, &hdr, sizeof(hdr));
	assert_int_equal(parse_avail(&blob, 16), -EINVAL);
	hdr.total_size = 15;
	memcpy(blob.bytes, &hdr, sizeof(hdr));
	assert_int_equal(parse_avail(&blob, 16), -EINVAL);
	hdr.total_size = 0;
	memcpy(blob.bytes, &hdr, sizeof(hdr));
	assert_int_equal(parse_avail(&blob, 16), -EINVAL);
	/* Fewer than 8 readable bytes: total_size itself cannot be read. */
	assert_int_equal(parse_avail(&blob, 4), -EINVAL);
	/* Exactly a header and an end tag is the smallest valid block. */
	blob_finish(&blob);
	assert_int_equal(blob.len, 16);
	assert_int_equal(parse(&blob), 0);
	assert_int_equal(bi.tags_seen, 0);
}

static void test_total_size_over_limit(void **state)
{
	struct mb2_info_header hdr = { MB2_INFO_MAX_SIZE + 8, 0 };
	uint8_t *big = calloc(1, MB2_INFO_MAX_SIZE + 8);
	(void)state;

	assert_non_null(big);
	memcpy(big, &hdr, sizeof(hdr));
	assert_int_equal(mb2_parse(big, MB2_INFO_MAX_SIZE + 8, 0, &bi), -EINVAL);
	free(big);
}

static void test_misaligned_info(void **state)
{
	(void)state;
	blob_finish(&blob);
	/* Move the block to offset 4 so it starts on a 4-byte, not 8-byte, boundary. */
	memmove(blob.bytes + 4, blob.bytes, blob.len);
	assert_int_equal(mb2_parse(blob.bytes + 4, blob.len, 0, &bi), -EINVAL);
	assert_true(log_captured("not 8-byte aligned"));
	assert_int_equal(mb2_parse(NULL, 16, 0, &bi), -EINVAL);
}

static void test_tag_shorter_than_header(void **state)
{
	(void)state;
	blob_string_tag(&blob, MB2_TAG_LOADER_NAME, "GRUB");
	blob_tag_sized(&blob, MB2_TAG_CMDLINE, 4, NULL, 0);
	blob_string_tag(&blob, MB2_TAG_CMDLINE, "not reached");
	blob_finish(&blob);

	assert_int_equal(parse(&blob), 0);
	assert_string_equal(bi.loader_name, "GRUB");
	assert_false(bi.has_cmdline);   /* the walk stopped: its position is unknowable */
	assert_int_equal(bi.tags_skipped, 1);
	assert_true(log_captured("W/mb2: tag 1 size 4: shorter than its header"));
}

static void test_tag_size_zero_does_not_hang(void **state)
{
	(void)state;
	blob_tag_sized(&blob, 0x77, 0, NULL, 0);
	blob_finish(&blob);

	assert_int_equal(parse(&blob), 0);
	assert_int_equal(bi.tags_skipped, 1);
	assert_true(log_captured("tag 119 size 0"));
}

static void test_tag_past_end(void **state)
{
	(void)state;
	blob_string_tag(&blob, MB2_TAG_LOADER_NAME, "GRUB");
	blob_tag_sized(&blob, MB2_TAG_CMDLINE, 0x1000, "abc", 4);
	blob_finish(&blob);

	assert_int_equal(parse(&blob), 0);
	assert_string_equal(bi.loader_name, "GRUB");
	assert_false(bi.has_cmdline);
	assert_int_equal(bi.tags_skipped, 1);
	assert_true(log_captured("W/mb2: tag 1 size 4096: runs past total_size"));
}

static void test_mmap_bad_entry_size(void **state)
{
	static const uint32_t bad_sizes[] = { 20, 0, 28, 8 };
	const struct mb2_mmap_entry e = { 0x100000, 0x100000, MEM_AVAILABLE, 0 };
	(void)state;

	for (unsigned i = 0; i < ARRAY_SIZE(bad_sizes); i++) {
		char expect[64];

		reset(NULL);
		blob_map_tag(&blob, MB2_TAG_MMAP, bad_sizes[i], 0, &e, sizeof(e));
		blob_string_tag(&blob, MB2_TAG_CMDLINE, "after");
		blob_finish(&blob);

		assert_int_equal(parse(&blob), 0);
		assert_int_equal(bi.mmap_count, 0);
		assert_int_equal(bi.tags_skipped, 1);
		snprintf(expect, sizeof(expect), "entry_size %u is invalid", bad_sizes[i]);
		assert_true(log_captured(expect));
		assert_string_equal(bi.cmdline, "after");   /* the walk went on */
	}
}

static void test_mmap_larger_entry_size(void **state)
{
	/* entry_size 32: a future loader with a longer entry; the stride must follow it. */
	struct { struct mb2_mmap_entry e; uint64_t extra; } __packed map[2] = {
		{ { 0x0, 0x9f000, MEM_AVAILABLE, 0 }, ~0ULL },
		{ { 0x100000, 0x700000, MEM_AVAILABLE, 0 }, ~0ULL },
	};
	(void)state;

	blob_map_tag(&blob, MB2_TAG_MMAP, sizeof(map[0]), 0, map, sizeof(map));
	blob_finish(&blob);
	assert_int_equal(parse(&blob), 0);
	assert_int_equal(bi.mmap_count, 2);
	assert_int_equal(bi.mmap[1].base, 0x100000);
	assert_int_equal(bi.mmap[1].len, 0x700000);
}

static void test_mmap_too_many_entries(void **state)
{
	static struct mb2_mmap_entry map[BOOT_MMAP_MAX + 44];
	(void)state;

	for (unsigned i = 0; i < ARRAY_SIZE(map); i++)
		map[i] = (struct mb2_mmap_entry){ (uint64_t)i << 20, 1 << 20, MEM_AVAILABLE, 0 };
	blob_mmap(&blob, map, ARRAY_SIZE(map));
	blob_finish(&blob);

	assert_int_equal(parse(&blob), 0);
	assert_int_equal(bi.mmap_count, BOOT_MMAP_MAX);
	assert_int_equal(bi.legacy_mmap_entries, ARRAY_SIZE(map));
	assert_int_equal(bi.mmap[0].base, 0);
	assert_int_equal(bi.mmap[BOOT_MMAP_MAX - 1].base, (uint64_t)(BOOT_MMAP_MAX - 1) << 20);
	assert_int_equal(bi.mmap_ram_dropped, 44);
	assert_true(log_captured("legacy memory map has 300 entries, more than 256: 44 available ranges left unused"));
}

/* Is [base, base+len) inside some entry of the parsed map that is not RAM? */
static bool kept_as_reserved(uint64_t base, uint64_t len)
{
	for (unsigned i = 0; i < bi.mmap_count; i++) {
		const struct mem_range *r = &bi.mmap[i];

		if (r->type != MEM_AVAILABLE && r->base <= base && base + len <= r->base + r->len)
			return true;
	}
	return false;
}

/*
 * Item 12 of the IOMMU hardening issue: reserved entries past the cap were
 * dropped, and the frame allocator then handed out the RAM they carve out
 * of earlier available entries.
 */
static void test_mmap_overflow_keeps_reservations(void **state)
{
	static struct mb2_mmap_entry map[BOOT_MMAP_MAX + 44];
	(void)state;

	for (unsigned i = 0; i < BOOT_MMAP_MAX; i++)
		map[i] = (struct mb2_mmap_entry){ (uint64_t)i << 20, 1 << 20, MEM_AVAILABLE, 0 };
	for (unsigned i = BOOT_MMAP_MAX; i < ARRAY_SIZE(map); i++)
		map[i] = (struct mb2_mmap_entry){ ((uint64_t)(i - BOOT_MMAP_MAX) << 20) + 0x3000,
						  0x1000, i % 2 ? MEM_RESERVED : MEM_ACPI_NVS, 0 };
	blob_mmap(&blob, map, ARRAY_SIZE(map));
	blob_finish(&blob);

	assert_int_equal(parse(&blob), 0);
	assert_int_equal(bi.mmap_count, BOOT_MMAP_MAX);
	for (unsigned i = BOOT_MMAP_MAX; i < ARRAY_SIZE(map); i++)
		assert_true(kept_as_reserved(map[i].base_addr, map[i].length));
	assert_int_equal(bi.mmap_ram_dropped, 44);
	assert_int_equal(bi.mmap_folded, 0);
	assert_true(log_captured("W/mb2: legacy memory map has 300 entries, more than 256"));
}

/* With no RAM slot to give up, the extra reservations widen their nearest neighbour. */
static void test_mmap_overflow_all_reserved(void **state)
{
	static struct mb2_mmap_entry map[BOOT_MMAP_MAX + 10];
	(void)state;

	for (unsigned i = 0; i < ARRAY_SIZE(map); i++)
		map[i] = (struct mb2_mmap_entry){ (uint64_t)i << 20, 0x1000,
						  i < 5 ? MEM_ACPI_RECLAIM : MEM_RESERVED, 0 };
	blob_mmap(&blob, map, ARRAY_SIZE(map));
	blob_finish(&blob);

	assert_int_equal(parse(&blob), 0);
	assert_int_equal(bi.mmap_count, BOOT_MMAP_MAX);
	for (unsigned i = 0; i < ARRAY_SIZE(map); i++)
		assert_true(kept_as_reserved(map[i].base_addr, map[i].length));
	assert_int_equal(bi.mmap_folded, 10);
	assert_int_equal(bi.mmap_ram_dropped, 0);
	assert_true(log_captured("10 reserved ranges merged into a neighbour"));
}

/* The EFI map takes the same path: runtime-services memory past the cap stays reserved. */
static void test_efi_mmap_overflow_keeps_reservations(void **state)
{
	static struct efi_memory_descriptor d[2 * BOOT_MMAP_MAX];
	(void)state;

	/* Alternating conventional (7) and runtime-services data (6) pages with gaps: no merging. */
	for (unsigned i = 0; i < ARRAY_SIZE(d); i++)
		d[i] = (struct efi_memory_descriptor){ i % 2 ? 6u : 7u, 0,
						       (uint64_t)i << 20, 0, 1, 0 };
	blob_map_tag(&blob, MB2_TAG_EFI_MMAP, sizeof(d[0]), 1, d, sizeof(d));
	blob_finish(&blob);

	assert_int_equal(parse(&blob), 0);
	assert_int_equal(bi.mmap_count, BOOT_MMAP_MAX);
	for (unsigned i = 1; i < ARRAY_SIZE(d); i += 2)
		assert_true(kept_as_reserved(d[i].physical_start, 0x1000));
	assert_true(log_captured("W/mb2: EFI memory map has 512 entries, more than 256"));
}

static void test_unterminated_cmdline(void **state)
{
	(void)state;
	blob_tag(&blob, MB2_TAG_CMDLINE, "abc", 3);   /* no NUL inside the tag */
	blob_finish(&blob);

	assert_int_equal(parse(&blob), 0);
	assert_true(bi.has_cmdline);
	assert_string_equal(bi.cmdline, "abc");
	assert_true(log_captured("W/mb2: tag 1 size 11: string not NUL-terminated"));
}

static void test_overlong_cmdline_truncated(void **state)
{
	static char longline[BOOT_CMDLINE_MAX + 100];
	(void)state;

	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	blob_string_tag(&blob, MB2_TAG_CMDLINE, longline);
	blob_finish(&blob);

	assert_int_equal(parse(&blob), 0);
	assert_int_equal(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
	assert_true(log_captured("truncated to 1023"));
}

static void test_unknown_tags_skipped(void **state)
{
	uint32_t junk[3] = { 1, 2, 3 };
	(void)state;

	blob_tag(&blob, 0x1234, junk, sizeof(junk));
	blob_tag(&blob, 99, NULL, 0);
	blob_tag(&blob, MB2_TAG_FRAMEBUFFER, junk, sizeof(junk));   /* known, ignored */
	blob_string_tag(&blob, MB2_TAG_CMDLINE, "still parsed");
	blob_finish(&blob);

	assert_int_equal(parse(&blob), 0);
	assert_string_equal(bi.cmdline, "still parsed");
	assert_int_equal(bi.tags_seen, 4);
	assert_int_equal(bi.tags_skipped, 0);
	assert_true(log_captured("D/mb2: unknown tag type 4660 size 20"));
	assert_true(log_captured("D/mb2: unknown tag type 99 size 8"));
	assert_false(log_captured("unknown tag type 8 "));
}

static void test_missing_end_tag(void **state)
{
	(void)state;
	blob_string_tag(&blob, MB2_TAG_CMDLINE, "no end");
	blob_finish_no_end(&blob);

	assert_int_equal(parse(&blob), 0);
	assert_string_equal(bi.cmdline, "no end");
	assert_true(log_captured("W/mb2: no end tag"));
}

static void test_tags_after_end_ignored(void **state)
{
	(void)state;
	blob_tag(&blob, MB2_TAG_END, NULL, 0);
	blob_string_tag(&blob, MB2_TAG_CMDLINE, "after end");
	blob_finish_no_end(&blob);

	assert_int_equal(parse(&blob), 0);
	assert_false(bi.has_cmdline);
	assert_false(log_captured("no end tag"));
}

static void test_module_end_before_start(void **state)
{
	(void)state;
	blob_module(&blob, 0x400000, 0x200000, "backwards");
	blob_module(&blob, 0x500000, 0x600000, "good");
	blob_finish(&blob);

	assert_int_equal(parse(&blob), 0);
	assert_int_equal(bi.module_count, 1);
	assert_string_equal(bi.modules[0].cmdline, "good");
	assert_int_equal(bi.tags_skipped, 1);
	assert_true(log_captured("W/mb2: tag 3 size 26: module end 0x200000 is below its start"));
}

static void test_too_many_modules(void **state)
{
	(void)state;
	for (unsigned i = 0; i < BOOT_MODULES_MAX + 2; i++)
		blob_module(&blob, i * 0x100000, i * 0x100000 + 0x1000, "m");
	blob_finish(&blob);

	assert_int_equal(parse(&blob), 0);
	assert_int_equal(bi.module_count, BOOT_MODULES_MAX);
	assert_int_equal(bi.modules[BOOT_MODULES_MAX - 1].start, (BOOT_MODULES_MAX - 1) * 0x100000);
	assert_int_equal(bi.tags_skipped, 2);
	assert_true(log_captured("more than 16 modules"));
}

static void test_tags_too_small_for_fields(void **state)
{
	uint32_t four = 4;
	(void)state;

	blob_tag(&blob, MB2_TAG_MODULE, &four, 4);
	blob_tag(&blob, MB2_TAG_MMAP, &four, 4);
	blob_tag(&blob, MB2_TAG_EFI_MMAP, &four, 4);
	blob_tag(&blob, MB2_TAG_EFI64_ST, &four, 4);
	blob_tag(&blob, MB2_TAG_BASIC_MEMINFO, &four, 4);
	blob_finish(&blob);

	assert_int_equal(parse(&blob), 0);
	assert_int_equal(bi.tags_skipped, 5);
	assert_int_equal(bi.module_count, 0);
	assert_int_equal(bi.mmap_count, 0);
	assert_int_equal(bi.efi64_system_table, 0);
	assert_false(bi.has_meminfo);
	assert_true(log_captured("tag 3 size 12: too small for a module"));
	assert_true(log_captured("tag 12 size 12: too small"));
}

static void test_rsdp_too_short(void **state)
{
	(void)state;
	blob_tag(&blob, MB2_TAG_ACPI_OLD, rsdp_v1, 12);
	blob_tag(&blob, MB2_TAG_ACPI_NEW, rsdp_v2, 19);
	blob_finish(&blob);

	assert_int_equal(parse(&blob), 0);
	assert_int_equal(bi.rsdp_len, 0);
	assert_int_equal(bi.rsdp_tag, 0);
	assert_int_equal(bi.tags_skipped, 2);
	assert_true(log_captured("W/mb2: tag 14 size 20: too small for an RSDP"));
	assert_true(log_captured("W/mb2: tag 15 size 27: too small for an RSDP"));
}

static void test_rsdp_new_preferred(void **state)
{
	(void)state;
	/* A v1-sized copy in tag 15 is accepted with its own length. */
	blob_tag(&blob, MB2_TAG_ACPI_NEW, rsdp_v2, 20);
	blob_tag(&blob, MB2_TAG_ACPI_OLD, rsdp_v1, sizeof(rsdp_v1));
	blob_finish(&blob);

	assert_int_equal(parse(&blob), 0);
	assert_int_equal(bi.rsdp_tag, MB2_TAG_ACPI_NEW);
	assert_int_equal(bi.rsdp_len, 20);
	assert_memory_equal(bi.rsdp, rsdp_v2, 20);
}

static void test_efi_mmap_bad_descr_size(void **state)
{
	const struct efi_memory_descriptor d = { 7, 0, 0x100000, 0, 0x100, 0 };
	(void)state;

	blob_map_tag(&blob, MB2_TAG_EFI_MMAP, 32, 1, &d, sizeof(d));
	blob_finish(&blob);
	assert_int_equal(parse(&blob), 0);
	assert_int_equal(bi.mmap_count, 0);
	assert_int_equal(bi.tags_skipped, 1);
	assert_true(log_captured("descr_size 32 is invalid"));
}

static void test_efi_mmap_wrapping_descriptor(void **state)
{
	const struct efi_memory_descriptor d[] = {
		{ 7, 0, 0xfffffffffff00000, 0, 0x1000, 0 },   /* wraps */
		{ 7, 0, 0x100000, 0, 0x100, 0 },
	};
	(void)state;

	blob_map_tag(&blob, MB2_TAG_EFI_MMAP, sizeof(d[0]), 1, d, sizeof(d));
	blob_finish(&blob);
	assert_int_equal(parse(&blob), 0);
	assert_int_equal(bi.mmap_count, 1);
	assert_int_equal(bi.mmap[0].base, 0x100000);
	assert_true(log_captured("empty or wraps"));
}

static void test_mem_type_names(void **state)
{
	(void)state;
	assert_string_equal(mem_type_name(MEM_AVAILABLE), "available");
	assert_string_equal(mem_type_name(MEM_RESERVED), "reserved");
	assert_string_equal(mem_type_name(MEM_ACPI_RECLAIM), "ACPI reclaimable");
	assert_string_equal(mem_type_name(MEM_ACPI_NVS), "ACPI NVS");
	assert_string_equal(mem_type_name(MEM_BAD), "bad");
	assert_string_equal(mem_type_name(0), "unknown");
	assert_string_equal(mem_type_name(99), "unknown");
}

#define T(fn) cmocka_unit_test_setup(fn, reset)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_good_bios_block),
		T(test_good_uefi_block),
		T(test_legacy_map_preferred_over_efi),
		T(test_truncated_block),
		T(test_total_size_too_small),
		T(test_total_size_over_limit),
		T(test_misaligned_info),
		T(test_tag_shorter_than_header),
		T(test_tag_size_zero_does_not_hang),
		T(test_tag_past_end),
		T(test_mmap_bad_entry_size),
		T(test_mmap_larger_entry_size),
		T(test_mmap_too_many_entries),
		T(test_mmap_overflow_keeps_reservations),
		T(test_mmap_overflow_all_reserved),
		T(test_efi_mmap_overflow_keeps_reservations),
		T(test_unterminated_cmdline),
		T(test_overlong_cmdline_truncated),
		T(test_unknown_tags_skipped),
		T(test_missing_end_tag),
		T(test_tags_after_end_ignored),
		T(test_module_end_before_start),
		T(test_too_many_modules),
		T(test_tags_too_small_for_fields),
		T(test_rsdp_too_short),
		T(test_rsdp_new_preferred),
		T(test_efi_mmap_bad_descr_size),
		T(test_efi_mmap_wrapping_descriptor),
		T(test_mem_type_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
