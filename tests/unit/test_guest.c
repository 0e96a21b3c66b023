// SPDX-License-Identifier: MIT
/*
 * The test guest's host-buildable parts (tests/guest/): its formatter, its
 * command-line options, its judgement of the multiboot2 information and its
 * ACPI walk. The guest is itself a test, so these tests make sure it can
 * fail: every check is fed an input it must reject.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/guest/fmt.h"
#include "tests/guest/opts.h"
#include "tests/guest/mb2view.h"
#include "tests/guest/acpi.h"

/* ---- formatter: the same output as the C library ---- */

static void check_fmt(const char *fmt, ...) __printf(1, 2);
static void check_fmt(const char *fmt, ...)
{
	char want[128], got[128];
	va_list ap, ap2;
	int nw, ng;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	nw = vsnprintf(want, sizeof(want), fmt, ap);
	ng = gvsnprintf(got, sizeof(got), fmt, ap2);
	va_end(ap2);
	va_end(ap);
	assert_string_equal(got, want);
	assert_int_equal(ng, nw);
}

static void test_fmt_matches_libc(void **state)
{
	(void)state;
	check_fmt("plain");
	check_fmt("%d %i %u", -42, 7, 4000000000u);
	check_fmt("%x %X %08x %-6x|", 0xbeefu, 0xbeefu, 0x1fu, 0xau);
	check_fmt("%llx %llu %lld", 0xfedcba9876543210ULL, 18446744073709551615ULL, -9223372036854775807LL - 1);
	check_fmt("%lu %zu %hhu %hu %hd", 12UL, (size_t)99, 300u, 70000u, -2);
	check_fmt("[%5s][%-5s][%.4s][%c][%%]", "ab", "ab", "DMARXXXX", 'q');
	check_fmt("%02x %02x %5d %-5d| %05d", 0x0f, 0xc3, -12, 34, -5);
	check_fmt("%s", "");
}

static void test_fmt_truncates(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(gsnprintf(buf, sizeof(buf), "ok %u - %s", 12u, "long name"), 17);
	assert_string_equal(buf, "ok 12 -");
	assert_int_equal(gsnprintf(buf, 0, "abc"), 3);
	assert_int_equal(buf[0], 'o');
}

/* ---- command line ---- */

static struct guest_opts o;

static void test_opts_defaults(void **state)
{
	(void)state;
	assert_int_equal(guest_opts_parse(NULL, &o), 0);
	assert_int_equal(o.role, ROLE_ROOT);
	assert_false(o.has_partid);
	assert_int_equal(o.vp, 0);
	assert_int_equal(o.nexclude, 0);
	assert_int_equal(o.crash, CRASH_NONE);
	assert_int_equal(guest_opts_parse("   ", &o), 0);
}

static void test_opts_every_option(void **state)
{
	(void)state;
	assert_int_equal(guest_opts_parse("role=child partid=3 vp=1 ram=64M marker=XYZ "
					  "exclude=0x100000-0x200000 exclude=0xfed80000-0xfed81000 "
					  "ecam-hidden=00:03.0 acpi-hidden memcheck ipi=1 hold=20 irr-check starve "
					  "crash=write:0x1000", &o), 0);
	assert_int_equal(o.role, ROLE_CHILD);
	assert_true(o.has_partid);
	assert_int_equal(o.partid, 3);
	assert_int_equal(o.vp, 1);
	assert_int_equal(o.ram, 64 << 20);
	assert_true(o.has_marker);
	assert_string_equal(o.marker, "XYZ");
	assert_int_equal(o.nexclude, 2);
	assert_int_equal(o.exclude[0].start, 0x100000);
	assert_int_equal(o.exclude[0].end, 0x200000);
	assert_int_equal(o.exclude[1].start, 0xfed80000);
	assert_true(o.ecam_hidden);
	assert_int_equal(o.hidden_bus, 0);
	assert_int_equal(o.hidden_dev, 3);
	assert_int_equal(o.hidden_fn, 0);
	assert_true(o.acpi_hidden);
	assert_true(o.memcheck);
	assert_true(o.has_ipi);
	assert_int_equal(o.ipi_apic, 1);
	assert_int_equal(o.hold, 20);
	assert_true(o.irr_check);
	assert_true(o.starve);
	assert_int_equal(o.crash, CRASH_WRITE);
	assert_int_equal(o.crash_addr, 0x1000);
}

static void test_opts_hypercall_suites(void **state)
{
	(void)state;
	assert_int_equal(guest_opts_parse("ddomain deny edu-child", &o), 0);
	assert_true(o.ddomain && o.deny && o.edu_child);
	assert_false(o.has_attach);
	assert_int_equal(o.attach_wait, ATTACH_WAIT_DEFAULT);
	assert_int_equal(o.dma_gpa, DMA_GPA_DEFAULT);
	assert_int_equal(guest_opts_parse("attach=2 attach-wait=30 dma-gpa=0x1000000", &o), 0);
	assert_true(o.has_attach);
	assert_int_equal(o.attach, 2);
	assert_int_equal(o.attach_wait, 30);
	assert_int_equal(o.dma_gpa, 0x1000000);
	/* The root (1) is no attach target; a GPA must be a page; the wait is bounded. */
	assert_int_equal(guest_opts_parse("attach=1 dma-gpa=0x1001 dma-gpa=0 attach-wait=1000001 ddomain=1", &o), 5);
}

static void test_opts_crash_forms(void **state)
{
	(void)state;
	assert_int_equal(guest_opts_parse("crash=read:0xfed90000", &o), 0);
	assert_int_equal(o.crash, CRASH_READ);
	assert_int_equal(o.crash_addr, 0xfed90000);
	assert_int_equal(guest_opts_parse("crash=triple", &o), 0);
	assert_int_equal(o.crash, CRASH_TRIPLE);
	assert_int_equal(guest_opts_parse("ecam-hidden=1f:1f.7", &o), 0);
	assert_int_equal(o.hidden_bus, 0x1f);
	assert_int_equal(o.hidden_dev, 0x1f);
	assert_int_equal(o.hidden_fn, 7);
}

/* Every malformed word is refused and reported, never half-applied. */
static void test_opts_rejects(void **state)
{
	static const char *const bad[] = {
		"role=guest", "partid=", "partid=12x", "vp=0x100000000", "ram=0", "ram=12Q",
		"exclude=0x2000-0x1000", "exclude=0x1000", "exclude=0x1000-", "ecam-hidden=0:3.0",
		"ecam-hidden=00:20.0", "ecam-hidden=00:03.8", "crash=write:", "crash=boom",
		"ipi=abc", "hold=99999999", "marker=", "nosuch", "memcheck=1", "starve=1", "partid=0x",
		"vp=18446744073709551616",
	};
	unsigned i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (guest_opts_parse(bad[i], &o) != 1)
			fail_msg("'%s' was accepted", bad[i]);
		assert_string_equal(o.bad[0], bad[i]);
	}
	assert_int_equal(guest_opts_parse("a b c d e f role=child", &o), 6);
	assert_int_equal(o.role, ROLE_CHILD);
	assert_string_equal(o.bad[3], "d");
}

static void test_opts_exclude_limit(void **state)
{
	char line[512] = "";
	unsigned i;

	(void)state;
	for (i = 0; i < GUEST_EXCLUDE_MAX + 1; i++)
		strcat(line, "exclude=0x1000-0x2000 ");
	assert_int_equal(guest_opts_parse(line, &o), 1);
	assert_int_equal(o.nexclude, GUEST_EXCLUDE_MAX);
}

/* ---- multiboot2 ---- */

static union {
	uint8_t b[4096];
	uint64_t align;
} info;
static uint32_t ilen;
static struct mb2_view v;
static char why[256];

static void put32(uint32_t off, uint32_t x)
{
	memcpy(info.b + off, &x, 4);
}

static void tag(uint32_t type, const void *payload, uint32_t len)
{
	put32(ilen, type);
	put32(ilen + 4, 8 + len);
	if (len)
		memcpy(info.b + ilen + 8, payload, len);
	ilen = (uint32_t)ALIGN_UP(ilen + 8 + len, 8);
}

static void mmap_tag(const struct mb2_mmap_entry *e, unsigned n)
{
	uint8_t buf[8 + 24 * 16];
	uint32_t esz = 24, ver = 0;

	memcpy(buf, &esz, 4);
	memcpy(buf + 4, &ver, 4);
	memcpy(buf + 8, e, 24 * n);
	tag(MB2_TAG_MMAP, buf, 8 + 24 * n);
}

static void finish(void)
{
	tag(MB2_TAG_END, NULL, 0);
	put32(0, ilen);
}

/* A child-like block: 64 MiB from 0, no hole, meminfo as a loader derives it. */
static void child_block(void)
{
	static const char cmd[] = "role=child marker=M";
	struct mb2_mmap_entry e[] = { { 0, 64 << 20, MEM_AVAILABLE, 0 } };
	uint32_t meminfo[2] = { 640, 63 * 1024 };

	memset(&info, 0, sizeof(info));
	ilen = 8;
	tag(MB2_TAG_CMDLINE, cmd, sizeof(cmd));
	tag(MB2_TAG_BASIC_MEMINFO, meminfo, sizeof(meminfo));
	mmap_tag(e, ARRAY_SIZE(e));
	finish();
}

static void test_mb2_good(void **state)
{
	(void)state;
	child_block();
	assert_int_equal(mb2_view_parse(MB2_BOOTLOADER_MAGIC, info.b, &v, why, sizeof(why)), 0);
	assert_int_equal(v.total_size, ilen);
	assert_int_equal(v.ntags, 4);
	assert_string_equal(v.cmdline, "role=child marker=M");
	assert_int_equal(v.nmap, 1);
	assert_int_equal(mmap_check_sane(&v, why, sizeof(why)), 0);
	assert_int_equal(mmap_check_child(&v, 64 << 20, why, sizeof(why)), 0);
	assert_int_equal(mmap_check_child(&v, 0, why, sizeof(why)), 0);
	assert_int_equal(meminfo_check(&v, why, sizeof(why)), 0);
	assert_int_equal(mmap_top(&v), 64 << 20);
}

static void expect_parse_fail(uint32_t magic, const void *p, const char *needle)
{
	assert_int_equal(mb2_view_parse(magic, p, &v, why, sizeof(why)), -1);
	if (!strstr(why, needle))
		fail_msg("reason '%s' lacks '%s'", why, needle);
}

static void test_mb2_framing_errors(void **state)
{
	(void)state;
	child_block();
	expect_parse_fail(0x2badb002, info.b, "magic");
	expect_parse_fail(MB2_BOOTLOADER_MAGIC, info.b + 4, "aligned");
	put32(0, 12);
	expect_parse_fail(MB2_BOOTLOADER_MAGIC, info.b, "total_size");
	put32(0, 4 << 20);
	expect_parse_fail(MB2_BOOTLOADER_MAGIC, info.b, "total_size");

	/* No end tag: total_size stops right before it. */
	child_block();
	put32(0, ilen - 8);
	expect_parse_fail(MB2_BOOTLOADER_MAGIC, info.b, "no end tag");

	/* A tag after the end tag. */
	child_block();
	tag(MB2_TAG_LOADER_NAME, "x", 2);
	put32(0, ilen);
	expect_parse_fail(MB2_BOOTLOADER_MAGIC, info.b, "follows the end tag");

	/* A tag running past total_size. */
	child_block();
	put32(8 + 4, 4000);
	expect_parse_fail(MB2_BOOTLOADER_MAGIC, info.b, "past total_size");

	/* End tag with a wrong size. */
	child_block();
	put32(ilen - 4, 16);
	expect_parse_fail(MB2_BOOTLOADER_MAGIC, info.b, "past total_size");
}

static void test_mb2_tag_errors(void **state)
{
	struct mb2_mmap_entry e = { 0, 4096, 1, 0 };
	uint32_t bad_meminfo[3] = { 1, 2, 3 };

	(void)state;
	memset(&info, 0, sizeof(info));
	ilen = 8;
	tag(MB2_TAG_CMDLINE, "abc", 3);       /* not NUL-terminated */
	finish();
	expect_parse_fail(MB2_BOOTLOADER_MAGIC, info.b, "NUL");

	memset(&info, 0, sizeof(info));
	ilen = 8;
	tag(MB2_TAG_BASIC_MEMINFO, bad_meminfo, sizeof(bad_meminfo));
	finish();
	expect_parse_fail(MB2_BOOTLOADER_MAGIC, info.b, "meminfo");

	memset(&info, 0, sizeof(info));
	ilen = 8;
	mmap_tag(&e, 1);
	mmap_tag(&e, 1);
	finish();
	expect_parse_fail(MB2_BOOTLOADER_MAGIC, info.b, "two memory map");

	memset(&info, 0, sizeof(info));
	ilen = 8;
	mmap_tag(&e, 1);
	put32(8 + 8, 20);                      /* entry_size 20 */
	finish();
	expect_parse_fail(MB2_BOOTLOADER_MAGIC, info.b, "entry_size");
}

static void parse_map(const struct mb2_mmap_entry *e, unsigned n)
{
	memset(&info, 0, sizeof(info));
	ilen = 8;
	mmap_tag(e, n);
	finish();
	assert_int_equal(mb2_view_parse(MB2_BOOTLOADER_MAGIC, info.b, &v, why, sizeof(why)), 0);
}

static void test_mmap_checks(void **state)
{
	const struct mb2_mmap_entry overlap[] = {
		{ 0, 0x9fc00, 1, 0 }, { 0x100000, 0x1000000, 1, 0 }, { 0x800000, 0x1000, 2, 0 },
	};
	const struct mb2_mmap_entry zero[] = { { 0x1000, 0, 1, 0 } };
	const struct mb2_mmap_entry wrap[] = { { ~0ULL - 10, 100, 2, 0 } };
	const struct mb2_mmap_entry reserved_only[] = { { 0, 0x1000, 2, 0 } };
	const struct mb2_mmap_entry root[] = {
		{ 0, 0x9fc00, 1, 0 }, { 0x100000, 0x100000, 2, 0 }, { 0x200000, 0x1fe00000, 1, 0 },
	};
	struct guest_range monitor = { 0x100000, 0x200000 }, pool = { 0x1ff00000, 0x1ff01000 };

	(void)state;
	parse_map(overlap, ARRAY_SIZE(overlap));
	assert_int_equal(mmap_check_sane(&v, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "overlaps"));
	parse_map(zero, 1);
	assert_int_equal(mmap_check_sane(&v, why, sizeof(why)), -1);
	parse_map(wrap, 1);
	assert_int_equal(mmap_check_sane(&v, why, sizeof(why)), -1);
	parse_map(reserved_only, 1);
	assert_int_equal(mmap_check_sane(&v, why, sizeof(why)), -1);

	parse_map(root, ARRAY_SIZE(root));
	assert_int_equal(mmap_check_sane(&v, why, sizeof(why)), 0);
	assert_int_equal(mmap_check_excluded(&v, &monitor, 1, why, sizeof(why)), 0);
	assert_int_equal(mmap_check_excluded(&v, &pool, 1, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "0x1ff00000-0x1ff01000"));
	assert_int_equal(mmap_available_end(&v, 0x300000), 0x20000000);
	assert_int_equal(mmap_available_end(&v, 0x100000), 0x100000);
}

static void test_child_and_meminfo(void **state)
{
	const struct mb2_mmap_entry not_at_zero[] = { { 0x100000, 0x1000000, 1, 0 } };
	const struct mb2_mmap_entry split[] = { { 0, 0x100000, 1, 0 }, { 0x100000, 0x3f00000, 1, 0 } };
	const struct mb2_mmap_entry host_ram[] = {
		{ 0, 0x100000, 1, 0 }, { 0x100000000ULL, 0x4000000, 1, 0 },
	};

	(void)state;
	parse_map(not_at_zero, 1);
	assert_int_equal(mmap_check_child(&v, 0, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "GPA 0"));

	/* Adjacent entries merge: 64 MiB in two pieces is still the child's RAM. */
	parse_map(split, ARRAY_SIZE(split));
	assert_int_equal(mmap_check_child(&v, 64 << 20, why, sizeof(why)), 0);
	assert_int_equal(mmap_check_child(&v, 32 << 20, why, sizeof(why)), -1);
	assert_int_equal(mmap_check_child(&v, 128 << 20, why, sizeof(why)), -1);

	/* A child seeing host RAM above 4 GiB: past its limit. */
	parse_map(host_ram, ARRAY_SIZE(host_ram));
	assert_int_equal(mmap_check_child(&v, 0, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "past the child's limit"));

	/* meminfo: missing, then wrong, then right. */
	parse_map(split, ARRAY_SIZE(split));
	assert_int_equal(meminfo_check(&v, why, sizeof(why)), -1);
	v.has_meminfo = true;
	v.mem_lower = 640;
	v.mem_upper = 64 * 1024;
	assert_int_equal(meminfo_check(&v, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "mem_upper"));
	v.mem_upper = 63 * 1024;
	assert_int_equal(meminfo_check(&v, why, sizeof(why)), 0);
	v.mem_lower = 639;
	assert_int_equal(meminfo_check(&v, why, sizeof(why)), -1);
}

/* ---- ACPI: physical memory is a byte array at a fake base ---- */

#define FAKE_BASE 0xe0000ULL
static uint8_t phys_mem[8192];

static const void *fake_phys(uint64_t pa, uint32_t len)
{
	if (pa < FAKE_BASE || pa - FAKE_BASE + len > sizeof(phys_mem))
		return NULL;
	return phys_mem + (pa - FAKE_BASE);
}

static void fix_checksum(uint8_t *p, uint32_t len, unsigned at)
{
	uint8_t s = 0;
	uint32_t i;

	p[at] = 0;
	for (i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	p[at] = (uint8_t)-s;
}

static void make_table(uint32_t off, const char *sig, uint32_t len)
{
	struct acpi_header h = { .length = len, .revision = 1 };

	memcpy(h.signature, sig, 4);
	memset(phys_mem + off, 0, len);
	memcpy(phys_mem + off, &h, sizeof(h));
	fix_checksum(phys_mem + off, len, 9);
}

static uint8_t rsdp[36];

/* RSDT at +0x100 listing FACP (+0x200), MCFG (+0x300) and `third` (+0x400). */
static void make_acpi(const char *third)
{
	uint32_t entries[3] = { FAKE_BASE + 0x200, FAKE_BASE + 0x300, FAKE_BASE + 0x400 };
	uint32_t rsdt_pa = FAKE_BASE + 0x100;

	memset(phys_mem, 0, sizeof(phys_mem));
	make_table(0x200, "FACP", 64);
	make_table(0x300, "MCFG", 60);
	make_table(0x400, third, 48);
	make_table(0x100, "RSDT", 36 + sizeof(entries));
	memcpy(phys_mem + 0x100 + 36, entries, sizeof(entries));
	fix_checksum(phys_mem + 0x100, 36 + sizeof(entries), 9);
	memset(rsdp, 0, sizeof(rsdp));
	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 16, &rsdt_pa, 4);
	fix_checksum(rsdp, 20, 8);
}

static void test_acpi_hidden(void **state)
{
	struct guest_acpi a;
	const struct acpi_header *mcfg;

	(void)state;
	make_acpi("APIC");
	assert_int_equal(guest_acpi_init(&a, rsdp, 20, fake_phys, why, sizeof(why)), 0);
	assert_null(a.xsdt);
	assert_int_equal(guest_acpi_check_hidden(&a, why, sizeof(why)), 0);
	mcfg = guest_acpi_find(&a, "MCFG");
	assert_ptr_equal(mcfg, phys_mem + 0x300);
	assert_null(guest_acpi_find(&a, "HPET"));

	make_acpi("DMAR");
	assert_int_equal(guest_acpi_init(&a, rsdp, 20, fake_phys, why, sizeof(why)), 0);
	assert_int_equal(guest_acpi_check_hidden(&a, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "RSDT lists DMAR"));

	make_acpi("IVRS");
	assert_int_equal(guest_acpi_init(&a, rsdp, 20, fake_phys, why, sizeof(why)), 0);
	assert_int_equal(guest_acpi_check_hidden(&a, why, sizeof(why)), -1);

	/* A renamed table (checksum kept) is fine; a corrupted one is not. */
	make_acpi("XMAR");
	assert_int_equal(guest_acpi_init(&a, rsdp, 20, fake_phys, why, sizeof(why)), 0);
	assert_int_equal(guest_acpi_check_hidden(&a, why, sizeof(why)), 0);
	phys_mem[0x400 + 20]++;
	assert_int_equal(guest_acpi_check_hidden(&a, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "checksum"));
}

static void test_acpi_bad_roots(void **state)
{
	struct guest_acpi a;

	(void)state;
	assert_int_equal(guest_acpi_init(&a, NULL, 0, fake_phys, why, sizeof(why)), -1);
	make_acpi("APIC");
	rsdp[0] = 'X';
	assert_int_equal(guest_acpi_init(&a, rsdp, 20, fake_phys, why, sizeof(why)), -1);
	make_acpi("APIC");
	rsdp[9]++;                              /* OEM id changed, checksum not */
	assert_int_equal(guest_acpi_init(&a, rsdp, 20, fake_phys, why, sizeof(why)), -1);
	make_acpi("APIC");
	phys_mem[0x100 + 40]++;                 /* RSDT entry changed, checksum not */
	assert_int_equal(guest_acpi_init(&a, rsdp, 20, fake_phys, why, sizeof(why)), -1);
	make_acpi("APIC");
	phys_mem[0x100 + 4] = 0xff;             /* RSDT length past the fake memory */
	phys_mem[0x100 + 5] = 0xff;
	assert_int_equal(guest_acpi_init(&a, rsdp, 20, fake_phys, why, sizeof(why)), -1);
	/* Revision 2 with a length bigger than the tag. */
	make_acpi("APIC");
	rsdp[15] = 2;
	rsdp[20] = 36;
	fix_checksum(rsdp, 20, 8);
	fix_checksum(rsdp, 36, 32);
	assert_int_equal(guest_acpi_init(&a, rsdp, 20, fake_phys, why, sizeof(why)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fmt_matches_libc),
		cmocka_unit_test(test_fmt_truncates),
		cmocka_unit_test(test_opts_defaults),
		cmocka_unit_test(test_opts_every_option),
		cmocka_unit_test(test_opts_hypercall_suites),
		cmocka_unit_test(test_opts_crash_forms),
		cmocka_unit_test(test_opts_rejects),
		cmocka_unit_test(test_opts_exclude_limit),
		cmocka_unit_test(test_mb2_good),
		cmocka_unit_test(test_mb2_framing_errors),
		cmocka_unit_test(test_mb2_tag_errors),
		cmocka_unit_test(test_mmap_checks),
		cmocka_unit_test(test_child_and_meminfo),
		cmocka_unit_test(test_acpi_hidden),
		cmocka_unit_test(test_acpi_bad_roots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
