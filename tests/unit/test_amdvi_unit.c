/* SPDX-License-Identifier: MIT */
/*
 * The AMD-Vi unit driver (iommu/amdvi/unit.c) behind its seam, against a
 * fake register window (tests/unit/fake_amdvi.c): the order of a move, one
 * COMPLETION_WAIT for a requester id and its alias, a move the unit does
 * not confirm undone (or blocked), flush errors, the firmware handover
 * without an untranslated window, and an event poll that costs one
 * register read when idle.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/fake_amdvi.h"
#include "tests/unit/fake_mmio.h"
#include "tests/unit/fake_pci.h"
#include "tests/unit/table_builder.h"
#include "iommu/iommu.h"
#include "iommu/amdvi/cmd.h"
#include "iommu/amdvi/ivrs.h"
#include "iommu/amdvi/regs.h"
#include "iommu/amdvi/unit.h"
#include "kernel/frames.h"
#include "kernel/phys.h"

#define ARENA_BASE 0x10000000ULL
#define ARENA_SIZE (8 * MiB)
#define UNIT_BASE  0xfed80000ULL
#define TABLE_PA   0x0e000000ULL
#define RID_EDU    0x0018            /* 00:03.0: no alias */
#define RID_PCI    0x0318            /* 03:03.0 behind a PCIe-to-PCI bridge ... */
#define RID_ALIAS  0x0300            /* ... whose DMA carries 03:00.0 */
#define ROOT_A     0x00200000ULL
#define ROOT_B     0x00300000ULL

static bool unit_failed;
static uint8_t *arena;
static uint8_t ivrs_table[4096];
static struct fake_amdvi fa;
static struct amdvi_unit *unit;
static unsigned faults_reported;
static struct iommu_fault last;

void iommu_fault_report(const void *u, paddr_t base, const struct iommu_fault *f)
{
	(void)u;
	(void)base;
	faults_reported++;
	last = *f;
}

static struct iommu_domain dom_a = { .kind = IOMMU_DOMAIN_PAGING, .hw_id = 5, .pt = { .root = ROOT_A, .levels = 4 } };
static struct iommu_domain dom_b = { .kind = IOMMU_DOMAIN_PAGING, .hw_id = 7, .pt = { .root = ROOT_B, .levels = 4 } };

static void build_ivrs(struct acpi_info *ai)
{
	struct tb t;
	struct acpi_ivrs v;
	struct ivhd_hw h = { IVRS_TYPE_IVHD_10, 0xd1, 0, 0x0008, 0x40, UNIT_BASE, 0, 0, 0x44 };
	struct ivhd_entry4_hw all = { IVHD_DEV_ALL, 0, 0 };
	struct ivhd_alias_hw alias = { IVHD_DEV_ALIAS_SELECT, RID_PCI, 0, 0, RID_ALIAS, 0 };
	uint32_t start;

	memset(&v, 0, sizeof(v));
	tb_begin(&t, &v, sizeof(v), "IVRS", 2);
	start = t.len;
	tb_put(&t, &h, sizeof(h));
	tb_put(&t, &all, sizeof(all));
	tb_put(&t, &alias, sizeof(alias));
	((struct ivhd_hw *)(t.buf + start))->length = (uint16_t)(t.len - start);
	tb_end(&t);
	memcpy(ivrs_table, t.buf, t.len);
	((struct acpi_header *)ivrs_table)->checksum = (uint8_t)(0x100 - acpi_checksum(ivrs_table, t.len));
	memset(ai, 0, sizeof(*ai));
	memcpy(ai->tables[0].signature, "IVRS", 5);
	ai->tables[0].pa = TABLE_PA;
	ai->tables[0].length = t.len;
	ai->count = 1;
}

static void reset(void)
{
	struct phys_range pool = { ARENA_BASE, ARENA_BASE + ARENA_SIZE };

	memset(arena, 0, ARENA_SIZE);
	phys_arena_reset();
	phys_arena_add(ARENA_BASE, arena, ARENA_SIZE);
	assert_int_equal(frames_init(&pool, 1), 0);
	fake_mmio_reset();
	fake_amdvi_init(&fa, FAKE_AMDVI_EFR_QEMU);
	phys_arena_add(UNIT_BASE, fa.regs, sizeof(fa.regs));
	phys_arena_add(TABLE_PA, ivrs_table, sizeof(ivrs_table));
	fake_pci_reset();
	faults_reported = 0;
	log_capture_reset();
}

static void probe(void)
{
	struct iommu_limits lim;
	struct acpi_info ai;

	build_ivrs(&ai);
	assert_true(amdvi_iommu_ops.probe(&ai, &lim));
	unit = amdvi_iommu_ops.unit_for(0, RID_EDU, &unit_failed);
	assert_non_null(unit);
}

/* Probed and enabled, as iommu_init() leaves a unit. */
static void bring_up(void)
{
	reset();
	probe();
	assert_int_equal(amdvi_iommu_ops.enable(), 0);
	fake_trace_clear();
}

static int setup(void **state)
{
	(void)state;
	arena = aligned_alloc(PAGE_SIZE, ARENA_SIZE);
	return arena ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(arena);
	return 0;
}

static uint64_t root_of(uint16_t devid) { return unit->devtab[devid].q[0] & AMDVI_DTE0_ROOT; }
static uint16_t domid_of(uint16_t devid) { return FIELD_GET(AMDVI_DTE1_DOMAIN_ID, unit->devtab[devid].q[1]); }

/* ---- item 5: the order of a move, one wait ---- */

static void test_move_order_and_one_wait(void **state)
{
	int flush, inv, p_old, p_new, wait;

	(void)state;
	bring_up();
	assert_int_equal(amdvi_iommu_ops.set_rid(unit, RID_EDU, &dom_a), 0);
	fake_trace_clear();
	assert_int_equal(amdvi_iommu_ops.set_rid(unit, RID_EDU, &dom_b), 0);
	assert_int_equal(root_of(RID_EDU), ROOT_B);
	flush = fake_trace_flushed(&unit->devtab[RID_EDU], 32, 0);   /* the IVHD says: not coherent */
	inv = fake_trace_find(FAKE_EV_AMD_INV_DTE, 0);
	assert_true(flush >= 0 && inv > flush);
	assert_int_equal(fake_trace[inv].a, RID_EDU);
	assert_int_equal(fake_trace[inv].snap_lo & AMDVI_DTE0_ROOT, ROOT_B);
	p_old = fake_trace_find(FAKE_EV_AMD_INV_PAGES, (unsigned)inv);
	p_new = fake_trace_find(FAKE_EV_AMD_INV_PAGES, (unsigned)p_old + 1);
	wait = fake_trace_find(FAKE_EV_AMD_WAIT, 0);
	assert_true(p_old > inv && p_new > p_old && wait > p_new);
	assert_int_equal(fake_trace[p_old].b, 5);
	assert_int_equal(fake_trace[p_new].b, 7);
	assert_int_equal(fake_trace_count(FAKE_EV_AMD_WAIT), 1);
}

static void test_alias_moves_in_the_same_batch(void **state)
{
	(void)state;
	bring_up();
	assert_int_equal(amdvi_iommu_ops.set_rid(unit, RID_PCI, &dom_a), 0);
	assert_int_equal(root_of(RID_PCI), ROOT_A);
	assert_int_equal(root_of(RID_ALIAS), ROOT_A);
	assert_int_equal(fake_trace_count(FAKE_EV_AMD_INV_DTE), 2);
	assert_int_equal(fake_trace_count(FAKE_EV_AMD_WAIT), 1);   /* one wait for both ids */
}

/* ---- items 2 and 4: a move the unit does not confirm is undone ---- */

static void test_wait_timeout_restores_old_dtes(void **state)
{
	(void)state;
	bring_up();
	assert_int_equal(amdvi_iommu_ops.set_rid(unit, RID_PCI, &dom_a), 0);
	fa.fail_from = fa.waits;
	fa.fail_count = 1;                 /* the move's wait never stores; the undo's does */
	log_capture_reset();
	assert_int_equal(amdvi_iommu_ops.set_rid(unit, RID_PCI, &dom_b), -ETIMEDOUT);
	assert_int_equal(root_of(RID_PCI), ROOT_A);
	assert_int_equal(root_of(RID_ALIAS), ROOT_A);
	assert_int_equal(domid_of(RID_ALIAS), 5);
	assert_true(log_captured("E/amdvi: unit 0x00000000fed80000: COMPLETION_WAIT not done after 1 s"));
	assert_true(log_captured("E/amdvi: unit 0x00000000fed80000: invalidation not confirmed: INVALIDATE_DEVTAB_ENTRY 03:03.0"));
	assert_true(log_captured("invalidation not confirmed: INVALIDATE_IOMMU_PAGES domain 7"));
	assert_true(log_captured("03:03.0: move not confirmed (-"));
	assert_true(log_captured("old device table entry restored"));
}

static void test_move_and_undo_fail_leaves_ids_blocked(void **state)
{
	(void)state;
	bring_up();
	assert_int_equal(amdvi_iommu_ops.set_rid(unit, RID_PCI, &dom_a), 0);
	fa.fail_from = fa.waits;
	fa.fail_count = FAKE_AMDVI_FOREVER;
	assert_int_equal(amdvi_iommu_ops.set_rid(unit, RID_PCI, &dom_b), -ENOTRECOVERABLE);
	for (unsigned i = 0; i < 2; i++) {
		const struct amdvi_dte *e = &unit->devtab[i ? RID_ALIAS : RID_PCI];

		assert_true(e->q[0] & AMDVI_DTE0_V);
		assert_true(e->q[0] & AMDVI_DTE0_TV);
		assert_false(e->q[0] & (AMDVI_DTE0_IR | AMDVI_DTE0_IW));
	}
	assert_true(log_captured("move and its undo not confirmed: device table entry blocked"));
}

static void test_full_command_buffer_fails_the_move(void **state)
{
	(void)state;
	bring_up();
	assert_int_equal(amdvi_iommu_ops.set_rid(unit, RID_EDU, &dom_a), 0);
	fa.stalled = true;
	fa.head = (unit->cmd_tail + 1) % 256;   /* the unit stopped fetching with the ring full */
	assert_int_equal(amdvi_iommu_ops.set_rid(unit, RID_EDU, &dom_b), -ENOTRECOVERABLE);
	assert_true(log_captured("command buffer full for 1 s"));
	assert_true(log_captured("commands not submitted: INVALIDATE_DEVTAB_ENTRY 00:03.0"));
	assert_false(unit->devtab[RID_EDU].q[0] & (AMDVI_DTE0_IR | AMDVI_DTE0_IW));
}

static void test_flush_reports_errors(void **state)
{
	(void)state;
	bring_up();
	assert_int_equal(amdvi_iommu_ops.flush(&dom_a, 0x1000, PAGE_SIZE), 0);
	fa.fail_from = fa.waits;
	fa.fail_count = FAKE_AMDVI_FOREVER;
	assert_int_equal(amdvi_iommu_ops.flush(&dom_a, 0x1000, PAGE_SIZE), -ETIMEDOUT);
	assert_true(log_captured("invalidation not confirmed: INVALIDATE_IOMMU_PAGES domain 5 addr 0x1000"));
}

static void test_enable_reports_errors(void **state)
{
	(void)state;
	reset();
	probe();
	fa.fail_from = 0;
	fa.fail_count = FAKE_AMDVI_FOREVER;
	assert_int_equal(amdvi_iommu_ops.enable(), -EIO);
	assert_true(log_captured("invalidation at enable not confirmed"));
}

/* ---- item 6: a unit firmware left translating never passes DMA untranslated ---- */

static void test_firmware_translation_stays_on(void **state)
{
	int inv;

	(void)state;
	reset();
	fake_amdvi_set_control(&fa, AMDVI_CTRL_IOMMU_EN | AMDVI_CTRL_CMD_BUF_EN | AMDVI_CTRL_EVT_LOG_EN);
	fake_amdvi_set_reg(&fa, AMDVI_REG_EXCL_BASE, 0x100000 | 1);
	probe();
	assert_int_equal(fa.untranslated_windows, 0);
	assert_true(fake_amdvi_reg(&fa, AMDVI_REG_CONTROL) & AMDVI_CTRL_IOMMU_EN);
	assert_int_equal(fake_amdvi_reg(&fa, AMDVI_REG_DEV_TABLE_BASE) & AMDVI_DEV_TABLE_ADDR, unit->devtab_pa);
	assert_int_equal(fake_amdvi_reg(&fa, AMDVI_REG_EXCL_BASE), 0);
	/* what the unit cached of the firmware's table is dropped, and that is confirmed */
	inv = fake_trace_find(FAKE_EV_AMD_INV_ALL, 0);
	assert_true(inv >= 0 && fake_trace_find(FAKE_EV_AMD_WAIT, (unsigned)inv) > inv);
	assert_true(log_captured("firmware left translation on"));
	/* moves work at once, and enable keeps translation on */
	assert_int_equal(amdvi_iommu_ops.set_rid(unit, RID_EDU, &dom_a), 0);
	assert_int_equal(amdvi_iommu_ops.enable(), 0);
	assert_int_equal(fa.untranslated_windows, 0);
}

/* ---- item 15: the event poll is cheap and single-drainer ---- */

static void test_event_poll_idle_is_one_read(void **state)
{
	unsigned before[FAKE_AMDVI_WINDOW / 8], reads = 0;

	(void)state;
	bring_up();
	memcpy(before, fa.reads, sizeof(before));
	assert_int_equal(amdvi_iommu_ops.fault_poll(), 0);
	for (unsigned i = 0; i < FAKE_AMDVI_WINDOW / 8; i++)
		reads += fa.reads[i] - before[i];
	assert_int_equal(reads, 1);
}

static void test_event_poll_drains_once(void **state)
{
	struct amdvi_event_hw *log;

	(void)state;
	bring_up();
	log = phys_map(fake_amdvi_reg(&fa, AMDVI_REG_EVT_LOG_BASE) & AMDVI_RING_ADDR, PAGE_SIZE, PHYS_WB);
	assert_non_null(log);
	log[0] = (struct amdvi_event_hw){ { RID_EDU, FIELD_PREP(AMDVI_EVT1_CODE, AMDVI_EVT_IO_PAGE_FAULT) |
					     FIELD_PREP(AMDVI_EVT1_FLAGS, AMDVI_EVT_FLAG_RW) | 5, 0x5000, 0 } };
	fake_amdvi_set_reg(&fa, AMDVI_REG_EVT_TAIL, FIELD_PREP(AMDVI_RING_PTR, 1));
	spin_lock(&unit->evt_lock);
	assert_int_equal(amdvi_iommu_ops.fault_poll(), 0);   /* another CPU is draining */
	spin_unlock(&unit->evt_lock);
	assert_int_equal(amdvi_iommu_ops.fault_poll(), 1);
	assert_int_equal(faults_reported, 1);
	assert_int_equal(last.rid, RID_EDU);
	assert_int_equal(last.addr, 0x5000);
	assert_true(last.is_write);
	assert_int_equal(FIELD_GET(AMDVI_RING_PTR, fake_amdvi_reg(&fa, AMDVI_REG_EVT_HEAD)), 1);
	assert_int_equal(amdvi_iommu_ops.fault_poll(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_move_order_and_one_wait),
		cmocka_unit_test(test_alias_moves_in_the_same_batch),
		cmocka_unit_test(test_wait_timeout_restores_old_dtes),
		cmocka_unit_test(test_move_and_undo_fail_leaves_ids_blocked),
		cmocka_unit_test(test_full_command_buffer_fails_the_move),
		cmocka_unit_test(test_flush_reports_errors),
		cmocka_unit_test(test_enable_reports_errors),
		cmocka_unit_test(test_firmware_translation_stays_on),
		cmocka_unit_test(test_event_poll_idle_is_one_read),
		cmocka_unit_test(test_event_poll_drains_once),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
