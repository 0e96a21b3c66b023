/* SPDX-License-Identifier: MIT */
/*
 * AMD-Vi formats: commands, DTEs and events as the spec lays them out, the
 * reserved bits QEMU 7.2 checks (docs/ARCHITECTURE.md), and IVHD
 * device-id coverage with aliases.
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "iommu/amdvi/cmd.h"
#include "iommu/amdvi/hw.h"
#include "iommu/amdvi/ivrs.h"

#define OPCODE(c) FIELD_GET(AMDVI_CMD0_OPCODE, (c).q[0])

/* ---- commands ---- */

static void test_completion_wait(void **state)
{
	struct amdvi_cmd c = amdvi_cmd_completion_wait(0x000f000012345678ULL, 0xdeadbeefcafef00dULL);

	(void)state;
	assert_int_equal(OPCODE(c), AMDVI_CMD_COMPLETION_WAIT);
	assert_true(c.q[0] & AMDVI_CMD0_CW_S);
	assert_false(c.q[0] & (AMDVI_CMD0_CW_I | AMDVI_CMD0_CW_F));   /* no interrupt: polled */
	/* QEMU: store address = qword 0 bits 51:3, in place; bits 59:52 reserved. */
	assert_int_equal(c.q[0] & GENMASK(51, 3), 0x000f000012345678ULL);
	assert_int_equal(c.q[0] & GENMASK(59, 52), 0);
	assert_int_equal(c.q[1], 0xdeadbeefcafef00dULL);
	assert_int_equal(c.q[0], (1ULL << 60) | 0x000f000012345678ULL | 1);
}

static void test_inv_devtab(void **state)
{
	struct amdvi_cmd c = amdvi_cmd_inv_devtab(0xbeef);

	(void)state;
	assert_int_equal(OPCODE(c), AMDVI_CMD_INV_DEVTAB_ENTRY);
	assert_int_equal(FIELD_GET(AMDVI_CMD0_DEVICE_ID, c.q[0]), 0xbeef);
	/* QEMU logs ILLEGAL_COMMAND for qword 0 bits 59:16 or any qword 1 bit. */
	assert_int_equal(c.q[0] & GENMASK(59, 16), 0);
	assert_int_equal(c.q[1], 0);
}

static void test_inv_all(void **state)
{
	struct amdvi_cmd c = amdvi_cmd_inv_all();

	(void)state;
	assert_int_equal(c.q[0], 8ULL << 60);
	assert_int_equal(c.q[1], 0);
}

/* The invalidated range as the spec (and QEMU's decoder) reads it. */
static void inv_range(const struct amdvi_cmd *c, uint64_t *base, uint64_t *size, bool *all)
{
	uint64_t addr = c->q[1] & AMDVI_CMD1_ADDR;
	unsigned z;

	*all = false;
	if (!(c->q[1] & AMDVI_CMD1_S)) {
		*base = addr;
		*size = PAGE_SIZE;
		return;
	}
	z = __builtin_ctzll(~(addr | 0xfff));    /* first zero bit from bit 12 up */
	*all = z >= 51;
	*size = *all ? 0 : 1ULL << (z + 1);
	*base = *all ? 0 : addr & ~(*size - 1);
}

static struct amdvi_cmd check_pages(uint16_t domid, uint64_t iova, uint64_t size, uint64_t want_q1)
{
	struct amdvi_cmd c = amdvi_cmd_inv_pages(domid, iova, size);

	assert_int_equal(OPCODE(c), AMDVI_CMD_INV_IOMMU_PAGES);
	assert_int_equal(FIELD_GET(AMDVI_CMD0_DOMAIN_ID, c.q[0]), domid);
	assert_int_equal(FIELD_GET(AMDVI_CMD0_PASID, c.q[0]), 0);
	/* QEMU's reserved bits: qword 0 bits 31:20 and 59:48, qword 1 bits 11:3. */
	assert_int_equal(c.q[0] & (GENMASK(31, 20) | GENMASK(59, 48)), 0);
	assert_int_equal(c.q[1] & GENMASK(11, 3), 0);
	assert_true(c.q[1] & AMDVI_CMD1_PDE);
	assert_false(c.q[1] & AMDVI_CMD1_GN);
	assert_int_equal(c.q[1], want_q1);
	return c;
}

static void test_inv_pages_encodings(void **state)
{
	const uint64_t s = AMDVI_CMD1_S, pde = AMDVI_CMD1_PDE;

	(void)state;
	check_pages(5, 0x7000, 0x1000, 0x7000 | pde);                 /* one 4K page: S=0 */
	check_pages(5, 0x7123, 0x10, 0x7000 | pde);                   /* inside one page */
	check_pages(5, 0x2000, 0x2000, 0x2000 | s | pde);             /* 8K: bit 12 clear */
	check_pages(5, 0x1000, 0x2000, 0x1000 | s | pde);             /* unaligned 8K: 16K at 0 */
	check_pages(5, 0x200000, 0x200000, 0x2ff000 | s | pde);       /* 2M: bits 19:12 set */
	check_pages(5, 0x40000000, 0x40000000, 0x5ffff000 | s | pde); /* 1G */
	check_pages(0xffff, 0, 0, AMDVI_INV_ALL_PAGES_ADDR | s | pde);  /* size 0: all */
	check_pages(1, 0xfffffffffffff000ULL, 0x2000, AMDVI_INV_ALL_PAGES_ADDR | s | pde);  /* wraps */
	check_pages(1, 0, 1ULL << 52, AMDVI_INV_ALL_PAGES_ADDR | s | pde);   /* reaches bit 51 */
	check_pages(1, 0x0007fffffffff000ULL, 0x2000, AMDVI_INV_ALL_PAGES_ADDR | s | pde);
}

static void test_inv_pages_cover_exactly(void **state)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL;

	(void)state;
	for (unsigned i = 0; i < 20000; i++) {
		uint64_t iova, size, last, base, sz;
		struct amdvi_cmd c;
		bool all;

		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		iova = (seed >> 16) & GENMASK(47, 0);
		size = 1 + ((seed & 0xffff) << ((seed >> 60) * 2));
		if (range_overflows(iova, size) || iova + size - 1 > GENMASK(47, 0))
			continue;
		last = iova + size - 1;
		c = amdvi_cmd_inv_pages(9, iova, size);
		inv_range(&c, &base, &sz, &all);
		assert_false(all);
		assert_true(sz >= PAGE_SIZE && (sz & (sz - 1)) == 0);
		assert_int_equal(base & (sz - 1), 0);
		assert_true(iova >= base && last <= base + sz - 1);
		/* Smallest such block: each half misses an end of the range. */
		if (sz > PAGE_SIZE)
			assert_true((iova & (sz / 2)) != (last & (sz / 2)));
	}
}

/* ---- device table entries ---- */

static void assert_no_qemu_reserved(const struct amdvi_dte *e)
{
	assert_int_equal(e->q[0] & AMDVI_DTE0_QEMU_RSVD, 0);
	assert_int_equal(e->q[2] & AMDVI_DTE2_QEMU_RSVD, 0);
	assert_int_equal(e->q[3] & AMDVI_DTE3_QEMU_RSVD, 0);
}

static void test_dte_translating(void **state)
{
	struct amdvi_dte e;

	(void)state;
	assert_int_equal(amdvi_dte_encode(4, 0x000fedcba9876000ULL, 0x1234, true, true, &e), 0);
	assert_true(e.q[0] & AMDVI_DTE0_V);
	assert_true(e.q[0] & AMDVI_DTE0_TV);
	assert_int_equal(FIELD_GET(AMDVI_DTE0_MODE, e.q[0]), 4);
	assert_int_equal(e.q[0] & AMDVI_DTE0_ROOT, 0x000fedcba9876000ULL);
	assert_true(e.q[0] & AMDVI_DTE0_IR);
	assert_true(e.q[0] & AMDVI_DTE0_IW);
	assert_false(e.q[0] & (AMDVI_DTE0_GV | AMDVI_DTE0_PPR | AMDVI_DTE0_HAD));
	assert_int_equal(FIELD_GET(AMDVI_DTE1_DOMAIN_ID, e.q[1]), 0x1234);
	assert_int_equal(e.q[1] & ~AMDVI_DTE1_DOMAIN_ID, 0);   /* no IOTLB, no suppression, no exclusion */
	assert_int_equal(e.q[2], 0);                            /* interrupts not remapped */
	assert_int_equal(e.q[3], 0);
	assert_no_qemu_reserved(&e);

	assert_int_equal(amdvi_dte_encode(3, 0x1000, 1, true, false, &e), 0);
	assert_int_equal(FIELD_GET(AMDVI_DTE0_MODE, e.q[0]), 3);
	assert_true(e.q[0] & AMDVI_DTE0_IR);
	assert_false(e.q[0] & AMDVI_DTE0_IW);
	assert_no_qemu_reserved(&e);
}

static void test_dte_encode_rejects(void **state)
{
	struct amdvi_dte e;

	(void)state;
	assert_int_equal(amdvi_dte_encode(0, 0x1000, 1, true, true, &e), -EINVAL);  /* Mode 0 is not a table */
	assert_int_equal(amdvi_dte_encode(7, 0x1000, 1, true, true, &e), -EINVAL);  /* reserved */
	assert_int_equal(amdvi_dte_encode(4, 0x1800, 1, true, true, &e), -EINVAL);  /* not 4K aligned */
	assert_int_equal(amdvi_dte_encode(4, 0, 1, true, true, &e), -EINVAL);
	assert_int_equal(amdvi_dte_encode(4, 1ULL << 52, 1, true, true, &e), -EINVAL);
}

static void test_dte_blocked(void **state)
{
	struct amdvi_dte e = amdvi_dte_blocked(0xfffe, 0x00000000abcde000ULL);

	(void)state;
	/* V=0 would mean pass-through; TV=1 with IR=IW=0 denies every access. */
	assert_true(e.q[0] & AMDVI_DTE0_V);
	assert_true(e.q[0] & AMDVI_DTE0_TV);
	assert_false(e.q[0] & (AMDVI_DTE0_IR | AMDVI_DTE0_IW));
	/* A walk, should one start, finds only the empty table: never Mode 0 (silent in QEMU) or 7. */
	assert_int_equal(FIELD_GET(AMDVI_DTE0_MODE, e.q[0]), AMDVI_MODE_BLOCKED);
	assert_int_equal(e.q[0] & AMDVI_DTE0_ROOT, 0xabcde000ULL);
	assert_int_equal(FIELD_GET(AMDVI_DTE1_DOMAIN_ID, e.q[1]), 0xfffe);
	assert_int_equal(e.q[1] & ~AMDVI_DTE1_DOMAIN_ID, 0);
	assert_int_equal(e.q[2], 0);
	assert_int_equal(e.q[3], 0);
	assert_no_qemu_reserved(&e);
}

static void test_dte_field_positions(void **state)
{
	(void)state;
	/* Spot checks against the spec's bit numbers (DTE bit n = qword n/64, bit n%64). */
	assert_int_equal(AMDVI_DTE0_IR, BIT(61));
	assert_int_equal(AMDVI_DTE0_IW, BIT(62));
	assert_int_equal(AMDVI_DTE1_I, BIT(96 - 64));
	assert_int_equal(AMDVI_DTE1_SYSMGT, GENMASK(105 - 64, 104 - 64));
	assert_int_equal(AMDVI_DTE2_INT_TABLE_PTR, GENMASK(179 - 128, 134 - 128));
	assert_int_equal(AMDVI_DTE2_INIT_PASS, BIT(184 - 128));
	assert_int_equal(AMDVI_DTE2_INT_CTL, GENMASK(189 - 128, 188 - 128));
	assert_int_equal(AMDVI_DTE2_LINT1_PASS, BIT(191 - 128));
}

/* ---- events ---- */

static void test_event_io_page_fault(void **state)
{
	/* As QEMU's amdvi_encode_event lays it out: devid in 15:0, info (code, flags) in 63:48. */
	const uint32_t ev[4] = {
		0x0018,                                                        /* 00:03.0 */
		(2u << 28) | ((uint32_t)(AMDVI_EVT_FLAG_I | AMDVI_EVT_FLAG_RW | AMDVI_EVT_FLAG_PE |
					 AMDVI_EVT_FLAG_PR) << 16) | 0x0003,
		0x89abc000, 0x00000001,
	};
	struct amdvi_event e;

	(void)state;
	assert_true(amdvi_event_decode(ev, &e));
	assert_int_equal(e.code, AMDVI_EVT_IO_PAGE_FAULT);
	assert_string_equal(amdvi_event_name(e.code), "IO_PAGE_FAULT");
	assert_true(e.has_devid);
	assert_int_equal(e.devid, 0x0018);
	assert_true(e.has_domid);
	assert_int_equal(e.domid, 3);
	assert_int_equal(e.addr, 0x189abc000ULL);
	assert_true(e.write && e.perm && e.present && e.intr);
	assert_false(e.rsvd || e.translation);
	assert_int_equal(e.flags, 0x078);
}

static void test_event_guest_fault_pasid(void **state)
{
	const uint32_t ev[4] = { 0x0005ff00, (2u << 28) | ((uint32_t)AMDVI_EVT_FLAG_GN << 16) | 0x1234, 0, 0 };
	struct amdvi_event e;

	(void)state;
	assert_true(amdvi_event_decode(ev, &e));
	assert_int_equal(e.devid, 0xff00);
	assert_false(e.has_domid);
	assert_int_equal(e.pasid, 0x51234);
	assert_false(e.write);
}

static void test_event_illegal_dte_and_command(void **state)
{
	const uint32_t dte[4] = { 0x0100, (1u << 28) | ((uint32_t)AMDVI_EVT_FLAG_RZ << 16), 0x7fe02000, 0 };
	const uint32_t cmd[4] = { 0xffff, (5u << 28), 0x12345670, 0 };
	struct amdvi_event e;

	(void)state;
	assert_true(amdvi_event_decode(dte, &e));
	assert_int_equal(e.code, AMDVI_EVT_ILLEGAL_DEV_TABLE_ENTRY);
	assert_string_equal(amdvi_event_name(e.code), "ILLEGAL_DEV_TABLE_ENTRY");
	assert_true(e.has_devid);
	assert_int_equal(e.devid, 0x0100);
	assert_false(e.has_domid);
	assert_true(e.rsvd);
	assert_int_equal(e.addr, 0x7fe02000);

	assert_true(amdvi_event_decode(cmd, &e));
	assert_int_equal(e.code, AMDVI_EVT_ILLEGAL_COMMAND_ERROR);
	assert_false(e.has_devid);   /* dword 0 is not a device id here */
	assert_int_equal(e.addr, 0x12345670);
}

static void test_event_empty_and_names(void **state)
{
	const uint32_t zero[4] = { 0x18, 0x0003, 0x1000, 0 };
	struct amdvi_event e;

	(void)state;
	assert_false(amdvi_event_decode(zero, &e));   /* code 0: never written */
	assert_string_equal(amdvi_event_name(3), "DEV_TAB_HARDWARE_ERROR");
	assert_string_equal(amdvi_event_name(4), "PAGE_TAB_HARDWARE_ERROR");
	assert_string_equal(amdvi_event_name(6), "COMMAND_HARDWARE_ERROR");
	assert_string_equal(amdvi_event_name(7), "IOTLB_INV_TIMEOUT");
	assert_string_equal(amdvi_event_name(8), "INVALID_DEVICE_REQUEST");
	assert_string_equal(amdvi_event_name(0), "UNKNOWN_EVENT");
	assert_string_equal(amdvi_event_name(0xf), "UNKNOWN_EVENT");
	assert_string_equal(amdvi_event_name(1000), "UNKNOWN_EVENT");
}

/* ---- IVHD coverage ---- */

static void add_range(struct ivrs_ivhd *h, uint8_t kind, uint16_t first, uint16_t last,
		      bool alias, uint16_t alias_devid)
{
	h->ranges[h->range_count++] = (struct ivrs_devrange){
		.first = first, .last = last, .kind = kind, .alias = alias, .alias_devid = alias_devid,
	};
}

static void test_ivrs_coverage(void **state)
{
	static struct ivrs_ivhd h;

	(void)state;
	memset(&h, 0, sizeof(h));
	add_range(&h, IVHD_DEV_SELECT, 0x0008, 0x0008, false, 0);              /* 00:01.0 */
	add_range(&h, IVHD_DEV_START, 0x0100, 0x01ff, false, 0);               /* bus 1 */
	add_range(&h, IVHD_DEV_ALIAS_START, 0x0200, 0x02ff, true, 0x0110);     /* bus 2 behind 01:02.0 */
	h.specials[h.special_count++] = (struct ivrs_special){ .variety = IVHD_SPECIAL_IOAPIC, .devid = 0x00a0 };

	assert_true(ivrs_covers(&h, 0x0008));
	assert_false(ivrs_covers(&h, 0x0010));
	assert_true(ivrs_covers(&h, 0x0100));
	assert_true(ivrs_covers(&h, 0x01ff));
	assert_true(ivrs_covers(&h, 0x0250));
	assert_true(ivrs_covers(&h, 0x00a0));
	assert_false(ivrs_covers(&h, 0x0300));
	assert_false(ivrs_covers(&h, 0xffff));
	assert_int_equal(ivrs_devid_count(&h), 1 + 256 + 256 + 1);

	assert_int_equal(ivrs_alias(&h, 0x0150), 0x0150);   /* no alias: its own id */
	assert_int_equal(ivrs_alias(&h, 0x0250), 0x0110);   /* the bridge's id reaches the unit */
	assert_int_equal(ivrs_alias(&h, 0x0300), 0x0300);   /* not covered: unchanged */
}

static void test_ivrs_later_entry_wins(void **state)
{
	static struct ivrs_ivhd h;

	(void)state;
	memset(&h, 0, sizeof(h));
	add_range(&h, IVHD_DEV_ALL, 0x0000, 0xffff, false, 0);
	add_range(&h, IVHD_DEV_ALIAS_SELECT, 0x0310, 0x0310, true, 0x0300);
	add_range(&h, IVHD_DEV_SELECT, 0x0420, 0x0420, false, 0);
	add_range(&h, IVHD_DEV_ALIAS_SELECT, 0x0420, 0x0420, true, 0x0400);
	add_range(&h, IVHD_DEV_SELECT, 0x0420, 0x0420, false, 0);

	assert_int_equal(ivrs_devid_count(&h), 65536);
	assert_int_equal(ivrs_alias(&h, 0x0310), 0x0300);
	assert_int_equal(ivrs_alias(&h, 0x0311), 0x0311);
	assert_int_equal(ivrs_alias(&h, 0x0420), 0x0420);   /* the last entry removes the alias */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_completion_wait),
		cmocka_unit_test(test_inv_devtab),
		cmocka_unit_test(test_inv_all),
		cmocka_unit_test(test_inv_pages_encodings),
		cmocka_unit_test(test_inv_pages_cover_exactly),
		cmocka_unit_test(test_dte_translating),
		cmocka_unit_test(test_dte_encode_rejects),
		cmocka_unit_test(test_dte_blocked),
		cmocka_unit_test(test_dte_field_positions),
		cmocka_unit_test(test_event_io_page_fault),
		cmocka_unit_test(test_event_guest_fault_pasid),
		cmocka_unit_test(test_event_illegal_dte_and_command),
		cmocka_unit_test(test_event_empty_and_names),
		cmocka_unit_test(test_ivrs_coverage),
		cmocka_unit_test(test_ivrs_later_entry_wins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
