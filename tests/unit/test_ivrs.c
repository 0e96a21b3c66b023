/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/table_builder.h"
#include "iommu/amdvi/ivrs.h"
#include "iommu/amdvi/caps.h"
#include "iommu/amdvi/regs.h"

#define QEMU_BASE  0xfed80000ULL
#define QEMU_DEVID 0x0018          /* 00:03.0 */
#define QEMU_EFR   0x29d3ULL       /* measured on QEMU 7.2 */

static struct tb t;
static struct ivrs_info ii;

static void put(const void *p, uint32_t n)
{
	tb_put(&t, p, n);
}

static void ivrs_begin(uint32_t ivinfo)
{
	struct acpi_ivrs v;

	memset(&v, 0, sizeof(v));
	v.ivinfo = ivinfo;
	tb_begin(&t, &v, sizeof(v), "IVRS", 1);
}

static uint32_t ivrs_end(void)
{
	return tb_end(&t);
}

static uint32_t open_at;

static void ivhd_open(uint8_t type, uint16_t devid, uint64_t base)
{
	struct ivhd_ext_hw h;

	memset(&h, 0, sizeof(h));
	h.h.type = type;
	h.h.flags = 0xd1;
	h.h.devid = devid;
	h.h.cap_offset = 0x40;
	h.h.base = base;
	if (type == IVRS_TYPE_IVHD_10) {
		h.h.feature = 0x44;
	} else {
		h.efr = QEMU_EFR;
	}
	open_at = t.len;
	put(&h, type == IVRS_TYPE_IVHD_10 ? sizeof(h.h) : sizeof(h));
}

static void block_close(void)
{
	uint16_t len = t.len - open_at;

	memcpy(t.buf + open_at + 2, &len, 2);
}

static void dev4(uint8_t type, uint16_t devid, uint8_t setting)
{
	struct ivhd_entry4_hw e = { type, devid, setting };

	put(&e, sizeof(e));
}

static void alias(uint8_t type, uint16_t devid, uint16_t target)
{
	struct ivhd_alias_hw e = { type, devid, 0, 0, target, 0 };

	put(&e, sizeof(e));
}

static void special(uint8_t variety, uint8_t handle, uint16_t devid)
{
	struct ivhd_special_hw e = { IVHD_DEV_SPECIAL, 0, 0xd7, handle, devid, variety };

	put(&e, sizeof(e));
}

static void ivmd(uint8_t type, uint8_t flags, uint16_t devid, uint16_t aux, uint64_t start,
		 uint64_t size)
{
	struct ivmd_hw m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.flags = flags;
	m.length = sizeof(m);
	m.devid = devid;
	m.aux = aux;
	m.start = start;
	m.size = size;
	put(&m, sizeof(m));
}

/* QEMU's IVRS shape: one type 0x10 IVHD; all devices by range, the IOAPIC, the IOMMU itself. */
static void qemu_ivhd(void)
{
	ivhd_open(IVRS_TYPE_IVHD_10, QEMU_DEVID, QEMU_BASE);
	dev4(IVHD_DEV_START, 0x0000, 0);
	dev4(IVHD_DEV_END, 0xffff, 0);
	special(IVHD_SPECIAL_IOAPIC, 0, 0x00a0);
	dev4(IVHD_DEV_SELECT, QEMU_DEVID, 0);
	block_close();
}

static int setup(void **state)
{
	(void)state;
	memset(&t, 0, sizeof(t));
	log_capture_reset();
	acpi_mmio_forbid_reset();
	return 0;
}

static void test_qemu(void **state)
{
	const struct ivrs_ivhd *h = &ii.ivhds[0];

	(void)state;
	ivrs_begin(0x2800);
	qemu_ivhd();
	assert_int_equal(ivrs_parse(t.buf, ivrs_end(), &ii), 0);
	assert_int_equal(ii.ivinfo, 0x2800);
	assert_int_equal(ii.pa_size, 40);
	assert_int_equal(ii.va_size, 0);
	assert_false(ii.efr_sup);
	assert_int_equal(ii.ivhd_count, 1);
	assert_int_equal(h->type, IVRS_TYPE_IVHD_10);
	assert_int_equal(h->flags, 0xd1);
	assert_int_equal(h->devid, QEMU_DEVID);
	assert_int_equal(h->cap_offset, 0x40);
	assert_int_equal(h->base, QEMU_BASE);
	assert_int_equal(h->segment, 0);
	assert_int_equal(h->feature, 0x44);
	assert_false(h->has_efr);
	assert_int_equal(h->entry_count, 4);
	assert_int_equal(h->range_count, 2);
	assert_int_equal(h->ranges[0].first, 0x0000);
	assert_int_equal(h->ranges[0].last, 0xffff);
	assert_int_equal(h->ranges[0].kind, IVHD_DEV_START);
	assert_int_equal(h->ranges[1].first, QEMU_DEVID);
	assert_int_equal(h->ranges[1].last, QEMU_DEVID);
	assert_int_equal(h->special_count, 1);
	assert_int_equal(h->specials[0].variety, IVHD_SPECIAL_IOAPIC);
	assert_int_equal(h->specials[0].handle, 0);
	assert_int_equal(h->specials[0].devid, 0x00a0);
	assert_int_equal(h->specials[0].setting, 0xd7);
	assert_false(h->truncated);
	assert_int_equal(log_captured_count(LOG_WARN), 0);

	ivrs_report(&ii);
	assert_true(log_captured("I/amdvi: IVRS IVinfo 0x00002800 VAsize 0 PAsize 40"));
	assert_true(log_captured("I/amdvi: IVHD type 0x10 at 0x00000000fed80000 segment 0 devid 00:03.0 flags 0xd1, 4 device entries"));
	assert_true(log_captured("I/amdvi:   devices 00:00.0-ff:1f.7 setting 0x00"));
	assert_true(log_captured("I/amdvi:   devices 00:03.0-00:03.0 setting 0x00"));
	assert_true(log_captured("I/amdvi:   special ioapic handle 0 devid 00:14.0"));
}

static void test_newest_type_kept(void **state)
{
	const struct ivrs_ivhd *h = &ii.ivhds[0];

	(void)state;
	ivrs_begin(0x2800 | IVRS_IVINFO_EFRSUP);
	qemu_ivhd();
	ivhd_open(IVRS_TYPE_IVHD_40, QEMU_DEVID, QEMU_BASE);
	dev4(IVHD_DEV_ALL, 0, 0);
	block_close();
	ivhd_open(IVRS_TYPE_IVHD_11, QEMU_DEVID, QEMU_BASE);   /* older than 0x40: ignored */
	block_close();
	assert_int_equal(ivrs_parse(t.buf, ivrs_end(), &ii), 0);
	assert_true(ii.efr_sup);
	assert_int_equal(ii.ivhd_count, 1);
	assert_int_equal(ii.superseded, 2);
	assert_int_equal(h->type, IVRS_TYPE_IVHD_40);
	assert_true(h->has_efr);
	assert_int_equal(h->efr, QEMU_EFR);
	assert_int_equal(h->range_count, 1);        /* the 0x10 block's entries are gone */
	assert_int_equal(h->ranges[0].kind, IVHD_DEV_ALL);
	assert_int_equal(h->special_count, 0);
	assert_true(log_captured("D/amdvi: IVHD type 0x40 at offset 92 supersedes type 0x10 for IOMMU 00:03.0"));
	assert_true(log_captured("D/amdvi: IVHD type 0x11 at offset 136 ignored: type 0x40 describes IOMMU 00:03.0"));
	assert_int_equal(log_captured_count(LOG_WARN), 0);
	ivrs_report(&ii);
	assert_true(log_captured("I/amdvi: unit 0x00000000fed80000: EFR 0x00000000000029d3: PREF PPR GT IA GA HE, HATS 6-level"));
}

static void test_distinct_iommus_both_kept(void **state)
{
	(void)state;
	ivrs_begin(0x2800);
	qemu_ivhd();
	ivhd_open(IVRS_TYPE_IVHD_10, 0x0020, 0xfed84000);
	dev4(IVHD_DEV_SELECT, 0x0100, 0);
	block_close();
	ivhd_open(IVRS_TYPE_IVHD_10, QEMU_DEVID, QEMU_BASE);   /* exact repeat of the first */
	block_close();
	assert_int_equal(ivrs_parse(t.buf, ivrs_end(), &ii), 0);
	assert_int_equal(ii.ivhd_count, 2);
	assert_int_equal(ii.rejected, 1);
	assert_true(log_captured("W/amdvi: IVHD type 0x10 at offset 120 describes IOMMU 00:03.0 again, ignored"));
}

static void test_alias_and_ext_entries(void **state)
{
	const struct ivrs_ivhd *h = &ii.ivhds[0];
	struct ivhd_ext_entry_hw x = { IVHD_DEV_EXT_SELECT, 0x0300, 0, 0x80000000u };

	(void)state;
	ivrs_begin(0x2800);
	ivhd_open(IVRS_TYPE_IVHD_10, QEMU_DEVID, QEMU_BASE);
	alias(IVHD_DEV_ALIAS_SELECT, 0x0100, 0x0108);
	alias(IVHD_DEV_ALIAS_START, 0x0200, 0x0200);
	dev4(IVHD_DEV_END, 0x02ff, 0);
	put(&x, sizeof(x));
	block_close();
	assert_int_equal(ivrs_parse(t.buf, ivrs_end(), &ii), 0);
	assert_int_equal(h->range_count, 3);
	assert_true(h->ranges[0].alias);
	assert_int_equal(h->ranges[0].first, 0x0100);
	assert_int_equal(h->ranges[0].alias_devid, 0x0108);
	assert_true(h->ranges[1].alias);
	assert_int_equal(h->ranges[1].first, 0x0200);
	assert_int_equal(h->ranges[1].last, 0x02ff);
	assert_int_equal(h->ranges[1].alias_devid, 0x0200);
	assert_false(h->ranges[2].alias);
	assert_int_equal(h->ranges[2].ext, 0x80000000u);
	ivrs_report(&ii);
	assert_true(log_captured("I/amdvi:   devices 01:00.0-01:00.0 alias 01:01.0"));
	assert_true(log_captured("I/amdvi:   devices 02:00.0-02:1f.7 alias 02:00.0"));
	assert_true(log_captured("I/amdvi:   devices 03:00.0-03:00.0 setting 0x00 (extended)"));
}

/* The parsed entries answer coverage and alias queries the way the unit sees requester ids. */
static void test_alias_coverage_parsed(void **state)
{
	const struct ivrs_ivhd *h = &ii.ivhds[0];

	(void)state;
	ivrs_begin(0x2800);
	ivhd_open(IVRS_TYPE_IVHD_10, QEMU_DEVID, QEMU_BASE);
	dev4(IVHD_DEV_SELECT, 0x0010, 0);                   /* 00:02.0, a PCIe-to-PCI bridge */
	alias(IVHD_DEV_ALIAS_START, 0x0100, 0x0100);        /* its bus 1, seen as 01:00.0 */
	dev4(IVHD_DEV_END, 0x01ff, 0);
	special(IVHD_SPECIAL_IOAPIC, 0, 0x00a0);
	block_close();
	assert_int_equal(ivrs_parse(t.buf, ivrs_end(), &ii), 0);
	assert_true(ivrs_covers(h, 0x0010));
	assert_true(ivrs_covers(h, 0x0128));
	assert_true(ivrs_covers(h, 0x00a0));
	assert_false(ivrs_covers(h, 0x0018));
	assert_false(ivrs_covers(h, 0x0200));
	assert_int_equal(ivrs_alias(h, 0x0128), 0x0100);
	assert_int_equal(ivrs_alias(h, 0x0010), 0x0010);
	assert_int_equal(ivrs_devid_count(h), 1 + 256 + 1);
}

static void test_ivmd(void **state)
{
	(void)state;
	ivrs_begin(0x2800);
	qemu_ivhd();
	ivmd(IVRS_TYPE_IVMD_SELECT, IVMD_FLAG_UNITY | IVMD_FLAG_IR | IVMD_FLAG_IW, 0x0010, 0,
	     0xa0000, 0x20000);
	ivmd(IVRS_TYPE_IVMD_RANGE, IVMD_FLAG_UNITY, 0x0200, 0x02ff, 0x7d000000, 0x100000);
	ivmd(IVRS_TYPE_IVMD_RANGE, IVMD_FLAG_UNITY, 0x0200, 0x0100, 0x7d000000, 0x1000);  /* reversed */
	ivmd(IVRS_TYPE_IVMD_ALL, IVMD_FLAG_UNITY, 0, 0, 0x7d000800, 0x1000);             /* unaligned */
	ivmd(IVRS_TYPE_IVMD_ALL, IVMD_FLAG_UNITY, 0, 0, 0xfffffffffffff000ULL, 0x2000); /* wraps */
	assert_int_equal(ivrs_parse(t.buf, ivrs_end(), &ii), 0);
	assert_int_equal(ii.ivhd_count, 1);
	assert_int_equal(ii.ivmd_count, 2);
	assert_int_equal(ii.rejected, 3);
	assert_int_equal(ii.ivmds[0].first, 0x0010);
	assert_int_equal(ii.ivmds[0].last, 0x0010);
	assert_int_equal(ii.ivmds[0].start, 0xa0000);
	assert_int_equal(ii.ivmds[0].size, 0x20000);
	assert_int_equal(ii.ivmds[0].flags, 7);
	assert_int_equal(ii.ivmds[1].last, 0x02ff);
	assert_true(log_captured("W/amdvi: IVMD type 0x22 at offset 156 (devices 02:00.0-01:00.0"));
	ivrs_report(&ii);
	assert_true(log_captured("I/amdvi: IVMD type 0x21 devices 00:02.0-00:02.0 flags 0x7 0x00000000000a0000 len 0x20000"));
}

static void test_ivhd_past_table(void **state)
{
	(void)state;
	ivrs_begin(0x2800);
	qemu_ivhd();
	ivrs_end();
	/* The IVHD is 44 bytes at 48; claim the table ends at 80. */
	((struct acpi_header *)t.buf)->length = 80;
	assert_int_equal(ivrs_parse(t.buf, t.len, &ii), 0);
	assert_true(ii.truncated);
	assert_int_equal(ii.ivhd_count, 0);
	assert_true(log_captured("W/amdvi: block type 0x10 at offset 48 has length 44 (32 bytes left), walk stopped"));
	assert_true(log_captured("W/amdvi: IVRS describes no usable IOMMU"));
}

static void test_ivhd_shorter_than_header(void **state)
{
	(void)state;
	ivrs_begin(0x2800);
	ivhd_open(IVRS_TYPE_IVHD_40, QEMU_DEVID, QEMU_BASE);
	t.len = open_at + 24;                    /* a type 0x40 header needs 40 bytes */
	block_close();
	qemu_ivhd();                             /* unreachable */
	assert_int_equal(ivrs_parse(t.buf, ivrs_end(), &ii), 0);
	assert_true(ii.truncated);
	assert_int_equal(ii.ivhd_count, 0);
	assert_true(log_captured("block type 0x40 at offset 48 has length 24, needs 40, walk stopped"));
}

static void test_zero_length_block(void **state)
{
	const uint8_t zero[4] = { 0x30, 0, 0, 0 };

	(void)state;
	ivrs_begin(0x2800);
	put(zero, sizeof(zero));
	assert_int_equal(ivrs_parse(t.buf, ivrs_end(), &ii), 0);
	assert_true(ii.truncated);
	assert_true(log_captured("block type 0x30 at offset 48 has length 0"));
}

static void test_device_entry_cut_off(void **state)
{
	const struct ivrs_ivhd *h = &ii.ivhds[0];

	(void)state;
	ivrs_begin(0x2800);
	ivhd_open(IVRS_TYPE_IVHD_10, QEMU_DEVID, QEMU_BASE);
	dev4(IVHD_DEV_SELECT, 0x0008, 0);
	special(IVHD_SPECIAL_IOAPIC, 0, 0x00a0);
	t.len -= 4;                              /* the 8-byte entry ends 4 bytes early */
	block_close();
	qemu_ivhd();                             /* the next block still parses */
	assert_int_equal(ivrs_parse(t.buf, ivrs_end(), &ii), 0);
	assert_int_equal(ii.ivhd_count, 1);     /* same IOMMU: the second block repeats the first */
	assert_true(h->truncated);
	assert_int_equal(h->range_count, 1);
	assert_int_equal(h->special_count, 0);
	assert_true(log_captured("W/amdvi: IVHD 0xfed80000: device entry type 0x48 at offset 76 runs past the block end"));
	assert_false(ii.truncated);
}

static void test_unpaired_range_entries(void **state)
{
	const struct ivrs_ivhd *h = &ii.ivhds[0];

	(void)state;
	ivrs_begin(0x2800);
	ivhd_open(IVRS_TYPE_IVHD_10, QEMU_DEVID, QEMU_BASE);
	dev4(IVHD_DEV_END, 0x00ff, 0);           /* END without START */
	dev4(IVHD_DEV_START, 0x0100, 0);
	dev4(IVHD_DEV_START, 0x0200, 0);         /* the first START never ends */
	dev4(IVHD_DEV_END, 0x02ff, 0);
	dev4(IVHD_DEV_START, 0x0500, 0);
	dev4(IVHD_DEV_END, 0x0400, 0);           /* reversed */
	dev4(IVHD_DEV_START, 0x0600, 0);         /* START without END at the block end */
	block_close();
	assert_int_equal(ivrs_parse(t.buf, ivrs_end(), &ii), 0);
	assert_int_equal(h->range_count, 1);
	assert_int_equal(h->ranges[0].first, 0x0200);
	assert_int_equal(h->ranges[0].last, 0x02ff);
	assert_true(log_captured("W/amdvi: device range END at offset 72 without START, ignored"));
	assert_true(log_captured("W/amdvi: device range START at offset 76 has no END (new START at offset 80)"));
	assert_true(log_captured("W/amdvi: device range 05:00.0-04:00.0 at offset 88 is reversed, ignored"));
	assert_true(log_captured("W/amdvi: device range START at offset 96 has no END, ignored"));
}

static void test_acpi_hid_entry(void **state)
{
	const struct ivrs_ivhd *h = &ii.ivhds[0];
	struct ivhd_hid_hw e = { .type = IVHD_DEV_ACPI_HID, .devid = 0x00a5, .setting = 0x40,
				 .uid_format = 2, .uid_length = 1 };

	(void)state;
	memcpy(e.hid, "AMDI0020", 8);
	ivrs_begin(0x2800);
	ivhd_open(IVRS_TYPE_IVHD_40, QEMU_DEVID, QEMU_BASE);
	put(&e, sizeof(e));
	put("0", 1);
	dev4(IVHD_DEV_SELECT, 0x0008, 0);
	e.uid_length = 200;                      /* runs past the block */
	put(&e, sizeof(e));
	block_close();
	assert_int_equal(ivrs_parse(t.buf, ivrs_end(), &ii), 0);
	assert_int_equal(h->hid_count, 1);
	assert_string_equal(h->hids[0].hid, "AMDI0020");
	assert_string_equal(h->hids[0].uid, "0");
	assert_int_equal(h->hids[0].devid, 0x00a5);
	assert_int_equal(h->range_count, 1);
	assert_true(h->truncated);
	assert_true(log_captured("device entry type 0xf0 at offset 115 runs past the block end"));
	ivrs_report(&ii);
	assert_true(log_captured("I/amdvi:   acpi hid AMDI0020 cid - uid 0 devid 00:14.5"));
}

static void test_unknown_entry_sizes(void **state)
{
	const struct ivrs_ivhd *h = &ii.ivhds[0];
	uint8_t e16[16] = { 0x85 };              /* bits 7:6 = 2: a 16-byte entry */
	uint8_t e8[8] = { 0x50 };                /* an unknown 8-byte entry */
	uint8_t f5[4] = { 0xf5 };                /* variable, no known size */

	(void)state;
	ivrs_begin(0x2800);
	ivhd_open(IVRS_TYPE_IVHD_10, QEMU_DEVID, QEMU_BASE);
	put(e16, sizeof(e16));
	put(e8, sizeof(e8));
	dev4(IVHD_DEV_PAD, 0, 0);
	dev4(IVHD_DEV_SELECT, 0x0008, 0);
	put(f5, sizeof(f5));
	dev4(IVHD_DEV_SELECT, 0x0010, 0);        /* unreachable */
	block_close();
	assert_int_equal(ivrs_parse(t.buf, ivrs_end(), &ii), 0);
	assert_int_equal(h->range_count, 1);
	assert_int_equal(h->ranges[0].first, 0x0008);
	assert_int_equal(h->entry_count, 4);
	assert_true(h->truncated);
	assert_true(log_captured("device entry type 0xf5 at offset 104 has no known size"));
}

static void test_range_cap(void **state)
{
	(void)state;
	ivrs_begin(0x2800);
	ivhd_open(IVRS_TYPE_IVHD_10, QEMU_DEVID, QEMU_BASE);
	for (unsigned i = 0; i < IVRS_MAX_RANGES + 6; i++)
		dev4(IVHD_DEV_SELECT, i, 0);
	block_close();
	assert_int_equal(ivrs_parse(t.buf, ivrs_end(), &ii), 0);
	assert_int_equal(ii.ivhds[0].range_count, IVRS_MAX_RANGES);
	assert_int_equal(ii.ivhds[0].dropped, 6);
	assert_int_equal(log_captured_count(LOG_WARN), 1);
}

static void test_bad_base_and_unknown_block(void **state)
{
	const uint8_t other[8] = { 0x30, 0, 8, 0, 1, 2, 3, 4 };

	(void)state;
	ivrs_begin(0x2800);
	put(other, sizeof(other));
	ivhd_open(IVRS_TYPE_IVHD_10, QEMU_DEVID, 0xfed80100);
	block_close();
	qemu_ivhd();
	assert_int_equal(ivrs_parse(t.buf, ivrs_end(), &ii), 0);
	assert_int_equal(ii.unknown_count, 1);
	assert_int_equal(ii.rejected, 1);
	assert_int_equal(ii.ivhd_count, 1);
	assert_true(log_captured("W/amdvi: IVHD at offset 56: base 0xfed80100 is null or not 16 KiB aligned"));
}

static void test_header_checks(void **state)
{
	(void)state;
	ivrs_begin(0x2800);
	qemu_ivhd();
	ivrs_end();
	assert_int_equal(ivrs_parse(t.buf, 47, &ii), -EINVAL);
	assert_int_equal(ivrs_parse(NULL, 92, &ii), -EINVAL);
	assert_true(log_captured("W/amdvi: no IVRS table given"));
	memcpy(t.buf, "IVRX", 4);
	assert_int_equal(ivrs_parse(t.buf, 92, &ii), -EINVAL);
	assert_true(log_captured("W/amdvi: table signature is not IVRS"));
}

static void test_efr_qemu(void **state)
{
	struct amdvi_caps c;

	(void)state;
	amdvi_efr_decode(QEMU_EFR, &c);
	assert_true(c.pref);
	assert_true(c.ppr);
	assert_false(c.xt);
	assert_false(c.nx);
	assert_true(c.gt);
	assert_true(c.ia);
	assert_true(c.ga);
	assert_true(c.he);
	assert_false(c.pc);
	assert_int_equal(c.hats, 2);
	assert_int_equal(c.host_levels, 6);
	assert_int_equal(c.gats, 2);
	assert_int_equal(c.guest_levels, 0);       /* GATS 2 is reserved */
	assert_int_equal(c.glx, 0);
	amdvi_caps_log(QEMU_BASE, &c);
	assert_true(log_captured("I/amdvi: unit 0x00000000fed80000: EFR 0x00000000000029d3: PREF PPR GT IA GA HE, HATS 6-level"));
}

static void test_efr_fields(void **state)
{
	struct amdvi_caps c;

	(void)state;
	amdvi_efr_decode(AMDVI_EFR_XTSUP | AMDVI_EFR_NXSUP | AMDVI_EFR_PCSUP | AMDVI_EFR_SNPSUP |
			 FIELD_PREP(AMDVI_EFR_PASMAX, 0xf) | FIELD_PREP(AMDVI_EFR_GATS, 1) |
			 FIELD_PREP(AMDVI_EFR_SMIFRC, 5) | FIELD_PREP(AMDVI_EFR_HATS, 3), &c);
	assert_true(c.xt && c.nx && c.pc && c.snp);
	assert_false(c.pref || c.gt);
	assert_int_equal(c.pasmax, 0xf);
	assert_int_equal(c.guest_levels, 5);
	assert_int_equal(c.smif_rc, 5);
	assert_int_equal(c.host_levels, 0);        /* HATS 3 is reserved */
	amdvi_caps_log(QEMU_BASE, &c);
	assert_true(log_captured("W/amdvi: unit 0x00000000fed80000: EFR 0x8000000f00141e0c: XT NX PC SNP, HATS 3 is reserved"));
	amdvi_efr_decode(0, &c);
	assert_int_equal(c.host_levels, 4);
	amdvi_caps_log(QEMU_BASE, &c);
	assert_true(log_captured("EFR 0x0000000000000000: none, HATS 4-level"));
}

/* Item 13 of the IOMMU hardening issue: IVHD register windows over memory are refused. */
static void test_ivhd_over_memory_refused(void **state)
{
	(void)state;
	assert_int_equal(acpi_mmio_forbid("RAM", 0x100000, 0x1fffe000), 0);
	ivrs_begin(0x2800);
	ivhd_open(IVRS_TYPE_IVHD_10, QEMU_DEVID + 8, 0x1fffc000);   /* half in RAM */
	block_close();
	qemu_ivhd();
	assert_int_equal(ivrs_parse(t.buf, ivrs_end(), &ii), 0);
	assert_int_equal(ii.ivhd_count, 1);
	assert_int_equal(ii.ivhds[0].base, QEMU_BASE);
	assert_int_equal(ii.rejected, 1);
	assert_true(log_captured("E/amdvi: IVHD at offset 48: register window 0x1fffc000-0x1fffffff overlaps RAM, skipped"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_qemu, setup),
		cmocka_unit_test_setup(test_ivhd_over_memory_refused, setup),
		cmocka_unit_test_setup(test_newest_type_kept, setup),
		cmocka_unit_test_setup(test_distinct_iommus_both_kept, setup),
		cmocka_unit_test_setup(test_alias_and_ext_entries, setup),
		cmocka_unit_test_setup(test_alias_coverage_parsed, setup),
		cmocka_unit_test_setup(test_ivmd, setup),
		cmocka_unit_test_setup(test_ivhd_past_table, setup),
		cmocka_unit_test_setup(test_ivhd_shorter_than_header, setup),
		cmocka_unit_test_setup(test_zero_length_block, setup),
		cmocka_unit_test_setup(test_device_entry_cut_off, setup),
		cmocka_unit_test_setup(test_unpaired_range_entries, setup),
		cmocka_unit_test_setup(test_acpi_hid_entry, setup),
		cmocka_unit_test_setup(test_unknown_entry_sizes, setup),
		cmocka_unit_test_setup(test_range_cap, setup),
		cmocka_unit_test_setup(test_bad_base_and_unknown_block, setup),
		cmocka_unit_test_setup(test_header_checks, setup),
		cmocka_unit_test_setup(test_efr_qemu, setup),
		cmocka_unit_test_setup(test_efr_fields, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
