/* SPDX-License-Identifier: MIT */
/*
 * The VT-d unit driver (iommu/vtd/unit.c, vtd.c) against a fake register
 * window (tests/unit/fake_vtd.c): the order of operations of a move, one
 * wait per batch, every invalidation failure reaching the caller, a move
 * the unit does not confirm undone (or the device blocked), the firmware
 * handover, and a fault poll that costs one register read when idle.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/fake_mmio.h"
#include "tests/unit/fake_pci.h"
#include "tests/unit/fake_vtd.h"
#include "tests/unit/table_builder.h"
#include "iommu/iommu.h"
#include "iommu/vtd/unit.h"
#include "iommu/vtd/regs.h"
#include "kernel/frames.h"
#include "kernel/options.h"
#include "kernel/phys.h"

#define ARENA_BASE 0x10000000ULL
#define ARENA_SIZE (4 * MiB)
#define UNIT_BASE  0xfed90000ULL
#define TABLE_PA   0x0e000000ULL
#define SID_EDU    0x0018            /* 00:03.0 */
#define SLPT_A     0x00200000ULL
#define SLPT_B     0x00300000ULL

struct boot_options boot_options;

static uint8_t *arena;
static uint8_t dmar_table[4096];
static struct fake_vtd fv;
static struct vtd_unit unit;
static unsigned faults_reported;
static bool unit_failed;
static struct iommu_fault last;

/* The domain layer's table lookup, as iommu.c answers it for a single-depth domain. */
const struct pt_table *iommu_domain_table(const struct iommu_domain *d, unsigned levels)
{
	return d->pt.root && d->pt.levels == levels ? &d->pt : NULL;
}

void iommu_fault_report(const void *u, paddr_t base, const struct iommu_fault *f)
{
	(void)u;
	(void)base;
	faults_reported++;
	last = *f;
}

static void reset(uint64_t cap, uint64_t ecap)
{
	struct phys_range pool = { ARENA_BASE, ARENA_BASE + ARENA_SIZE };

	memset(arena, 0, ARENA_SIZE);
	phys_arena_reset();
	phys_arena_add(ARENA_BASE, arena, ARENA_SIZE);
	assert_int_equal(frames_init(&pool, 1), 0);
	fake_mmio_reset();
	fake_vtd_init(&fv, cap, ecap);
	phys_arena_add(UNIT_BASE, fv.regs, sizeof(fv.regs));
	phys_arena_add(TABLE_PA, dmar_table, sizeof(dmar_table));
	fake_pci_reset();
	memset(&boot_options, 0, sizeof(boot_options));
	faults_reported = 0;
	log_capture_reset();
}

static const struct dmar_drhd drhd = { .base = UNIT_BASE, .reg_size = FAKE_VTD_WINDOW };

static void bring_up(uint64_t cap, uint64_t ecap)
{
	reset(cap, ecap);
	assert_int_equal(vtd_unit_init(&unit, &drhd), 0);
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

static struct vtd_entry128 *entry_of(uint16_t sid)
{
	struct vtd_entry128 *ctx = phys_map(unit.root[sid >> 8].lo & VTD_ROOT_LO_CTP, PAGE_SIZE, PHYS_WB);

	assert_non_null(ctx);
	return &ctx[sid & 0xff];
}

static uint64_t entry_lo(paddr_t slpt) { return slpt | VTD_CTX_LO_P; }

/* ---- item 5: one batch, one wait; the order of a move ---- */

static void test_move_order_and_one_wait(void **state)
{
	struct vtd_entry128 *ce;
	int cc, flush, t_old, t_new, wait;

	(void)state;
	bring_up(FAKE_VTD_CAP_QEMU48, FAKE_VTD_ECAP_QEMU);   /* ECAP.C = 0: tables must be flushed */
	assert_int_equal(vtd_context_set(&unit, 0, SID_EDU, 5, SLPT_A), 0);
	fake_trace_clear();
	assert_int_equal(vtd_context_set(&unit, 0, SID_EDU, 7, SLPT_B), 0);
	ce = entry_of(SID_EDU);
	assert_int_equal(ce->lo, entry_lo(SLPT_B));
	assert_int_equal(FIELD_GET(VTD_CTX_HI_DID, ce->hi), 7);

	/* entry stored and flushed, then CC (old DID), IOTLB old, IOTLB new, one wait */
	flush = fake_trace_flushed(ce, sizeof(*ce), 0);
	cc = fake_trace_find(FAKE_EV_VTD_CC, 0);
	assert_true(flush >= 0 && cc > flush);
	assert_int_equal(fake_trace[cc].a, VTD_INV_DEVICE);
	assert_int_equal(fake_trace[cc].b, 5);                    /* the OLD domain id */
	assert_int_equal(fake_trace[cc].c, SID_EDU);
	assert_int_equal(fake_trace[cc].snap_lo, entry_lo(SLPT_B)); /* the unit already sees the new entry */
	t_old = fake_trace_find(FAKE_EV_VTD_IOTLB, (unsigned)cc);
	t_new = fake_trace_find(FAKE_EV_VTD_IOTLB, (unsigned)t_old + 1);
	wait = fake_trace_find(FAKE_EV_VTD_WAIT, 0);
	assert_true(t_old > cc && t_new > t_old && wait > t_new);
	assert_int_equal(fake_trace[t_old].a, VTD_INV_DOMAIN);
	assert_int_equal(fake_trace[t_old].b, 5);
	assert_int_equal(fake_trace[t_new].b, 7);
	assert_int_equal(fake_trace_count(FAKE_EV_VTD_WAIT), 1);   /* NOVA style: one wait per batch */
	assert_true(fake_trace[wait].ok);
}

static void test_first_attach_invalidates_not_present_tag(void **state)
{
	int cc;

	(void)state;
	bring_up(FAKE_VTD_CAP_QEMU48 | VTD_CAP_CM, FAKE_VTD_ECAP_QEMU);
	assert_int_equal(vtd_context_set(&unit, 0, SID_EDU, 5, SLPT_A), 0);
	/* Not present before: a caching-mode unit tagged the cached entry with domain id 0. */
	cc = fake_trace_find(FAKE_EV_VTD_CC, 0);
	assert_true(cc >= 0);
	assert_int_equal(fake_trace[cc].b, 0);
	assert_int_equal(fake_trace_count(FAKE_EV_VTD_IOTLB), 1);   /* only the new domain */
	assert_int_equal(fake_trace_count(FAKE_EV_VTD_WAIT), 1);
}

static void test_coherent_unit_needs_no_flush(void **state)
{
	(void)state;
	bring_up(FAKE_VTD_CAP_QEMU48, FAKE_VTD_ECAP_QEMU | VTD_ECAP_C);
	assert_int_equal(vtd_context_set(&unit, 0, SID_EDU, 5, SLPT_A), 0);
	assert_int_equal(fake_trace_count(FAKE_EV_CACHE_FLUSH), 0);
}

static void test_write_buffer_flush_before_invalidation(void **state)
{
	int wbf, cc;

	(void)state;
	bring_up(FAKE_VTD_CAP_QEMU48 | VTD_CAP_RWBF, FAKE_VTD_ECAP_QEMU);
	assert_int_equal(vtd_context_set(&unit, 0, SID_EDU, 5, SLPT_A), 0);
	wbf = fake_trace_find(FAKE_EV_VTD_WBF, 0);
	cc = fake_trace_find(FAKE_EV_VTD_CC, 0);
	assert_true(wbf >= 0 && cc > wbf);
}

/* ---- items 2 and 4: failures reach the caller, and a move is all or nothing ---- */

static void test_wait_timeout_restores_old_entry(void **state)
{
	struct vtd_entry128 *ce;

	(void)state;
	bring_up(FAKE_VTD_CAP_QEMU48, FAKE_VTD_ECAP_QEMU);
	assert_int_equal(vtd_context_set(&unit, 0, SID_EDU, 5, SLPT_A), 0);
	fv.fail_from = fv.waits;
	fv.fail_count = 1;                 /* the move's wait is never written; the undo's is */
	log_capture_reset();
	fake_trace_clear();
	assert_int_equal(vtd_context_set(&unit, 0, SID_EDU, 7, SLPT_B), -ETIMEDOUT);
	ce = entry_of(SID_EDU);
	assert_int_equal(ce->lo, entry_lo(SLPT_A));
	assert_int_equal(FIELD_GET(VTD_CTX_HI_DID, ce->hi), 5);
	assert_true(log_captured("E/vtd: unit 0x00000000fed90000: invalidation wait timed out: context-cache device/page did 5 sid 00:03.0"));
	assert_true(log_captured("E/vtd: unit 0x00000000fed90000: invalidation wait timed out: iotlb domain did 7"));
	assert_true(log_captured("00:03.0: move not confirmed (-"));
	assert_true(log_captured("old context entry restored"));
	/* the undo was itself confirmed: CC with the new (abandoned) domain id, then a good wait */
	assert_int_equal(fake_trace_count(FAKE_EV_VTD_WAIT), 2);
}

static void test_move_and_undo_fail_leaves_device_blocked(void **state)
{
	struct vtd_entry128 *ce;

	(void)state;
	bring_up(FAKE_VTD_CAP_QEMU48, FAKE_VTD_ECAP_QEMU);
	assert_int_equal(vtd_context_set(&unit, 0, SID_EDU, 5, SLPT_A), 0);
	fv.fail_from = fv.waits;
	fv.fail_count = FAKE_VTD_FOREVER;
	assert_int_equal(vtd_context_set(&unit, 0, SID_EDU, 7, SLPT_B), -ENOTRECOVERABLE);
	ce = entry_of(SID_EDU);
	assert_int_equal(ce->lo, 0);       /* not present: blocked, not in either domain */
	assert_int_equal(ce->hi, 0);
	assert_true(log_captured("move and its undo not confirmed: context entry cleared (blocked)"));
}

static void test_full_queue_fails_the_move(void **state)
{
	(void)state;
	bring_up(FAKE_VTD_CAP_QEMU48, FAKE_VTD_ECAP_QEMU);
	assert_int_equal(vtd_context_set(&unit, 0, SID_EDU, 5, SLPT_A), 0);
	fv.iqh = (unit.queue_tail + 1) % 256;   /* the unit stopped fetching with the ring full */
	assert_int_equal(vtd_context_set(&unit, 0, SID_EDU, 7, SLPT_B), -ENOTRECOVERABLE);
	assert_true(log_captured("invalidation queue full (the unit stopped fetching); not submitted: context-cache device/page did 5 sid 00:03.0"));
	assert_int_equal(entry_of(SID_EDU)->lo, 0);
}

static void test_queue_error_is_reported_and_undone(void **state)
{
	(void)state;
	bring_up(FAKE_VTD_CAP_QEMU48, FAKE_VTD_ECAP_QEMU);
	assert_int_equal(vtd_context_set(&unit, 0, SID_EDU, 5, SLPT_A), 0);
	fv.fail_from = fv.waits;
	fv.fail_count = 1;
	fv.fail_with_iqe = true;
	assert_int_equal(vtd_context_set(&unit, 0, SID_EDU, 7, SLPT_B), -EIO);
	assert_true(log_captured("invalidation queue error at descriptor"));
	assert_int_equal(entry_of(SID_EDU)->lo, entry_lo(SLPT_A));
	assert_int_equal(fake_vtd_reg(&fv, VTD_REG_FSTS) & VTD_FSTS_IQE, 0);   /* cleared for the undo */
}

static void test_flushes_report_errors(void **state)
{
	(void)state;
	bring_up(FAKE_VTD_CAP_QEMU48, FAKE_VTD_ECAP_QEMU);
	assert_int_equal(vtd_flush_iotlb(&unit, 5, 0x40000000, PAGE_SIZE), 0);
	fv.fail_from = fv.waits;
	fv.fail_count = FAKE_VTD_FOREVER;
	assert_int_equal(vtd_flush_iotlb(&unit, 5, 0x40000000, PAGE_SIZE), -ETIMEDOUT);
	assert_true(log_captured("invalidation wait timed out: iotlb device/page did 5 addr 0x40000000 am 0"));
	assert_int_equal(vtd_flush_all(&unit), -ETIMEDOUT);
}

static void test_register_invalidation_errors(void **state)
{
	int cc;

	(void)state;
	reset(FAKE_VTD_CAP_QEMU48, FAKE_VTD_ECAP_QEMU);
	boot_options.vtd_noqi = true;
	assert_int_equal(vtd_unit_init(&unit, &drhd), 0);
	assert_false(unit.qi);
	assert_int_equal(vtd_context_set(&unit, 0, SID_EDU, 5, SLPT_A), 0);
	fake_trace_clear();
	assert_int_equal(vtd_context_set(&unit, 0, SID_EDU, 7, SLPT_B), 0);
	cc = fake_trace_find(FAKE_EV_VTD_CC, 0);
	assert_true(cc >= 0);
	assert_int_equal(fake_trace[cc].b, 5);
	fv.regs_stuck = true;
	assert_int_equal(vtd_context_set(&unit, 0, SID_EDU, 9, SLPT_A), -ENOTRECOVERABLE);
	assert_true(log_captured("E/vtd: unit 0x00000000fed90000: invalidation register 0x28 stuck: context-cache device/page did 7 sid 00:03.0"));
	assert_int_equal(entry_of(SID_EDU)->lo, 0);
	assert_int_equal(vtd_flush_iotlb(&unit, 7, 0, 0), -ETIMEDOUT);
}

static void test_bring_up_fails_when_flush_fails(void **state)
{
	(void)state;
	reset(FAKE_VTD_CAP_QEMU48, FAKE_VTD_ECAP_QEMU);
	fv.fail_from = 0;
	fv.fail_count = FAKE_VTD_FOREVER;
	assert_int_equal(vtd_unit_init(&unit, &drhd), -ETIMEDOUT);
	assert_true(log_captured("bring-up failed"));
}

static void test_status_bit_that_never_sets(void **state)
{
	(void)state;
	reset(FAKE_VTD_CAP_QEMU48, FAKE_VTD_ECAP_QEMU);
	fv.gsts_stuck = true;
	assert_int_equal(vtd_unit_init(&unit, &drhd), -EIO);
	assert_true(log_captured("E/vtd: unit 0x00000000fed90000: GSTS bit 0x40000000 did not set"));
	bring_up(FAKE_VTD_CAP_QEMU48, FAKE_VTD_ECAP_QEMU);
	fv.gsts_stuck = true;
	assert_int_equal(vtd_unit_enable_translation(&unit), -ETIMEDOUT);
	assert_false(unit.translating);
}

/* ---- item 6: firmware handover ---- */

static void test_firmware_queue_disabled_before_iqa(void **state)
{
	(void)state;
	reset(FAKE_VTD_CAP_QEMU48, FAKE_VTD_ECAP_QEMU);
	fake_vtd_set_gsts(&fv, VTD_GSTS_TES | VTD_GSTS_QIES | VTD_GSTS_RTPS);
	assert_int_equal(vtd_unit_init(&unit, &drhd), 0);
	assert_int_equal(fv.iqa_while_qie, 0);
	assert_true(fv.gsts & VTD_GSTS_QIES);
	assert_true(unit.qi);
	assert_true(log_captured("firmware left queued invalidation on; disabling it first"));
	/* translation stays on across the handover, through our empty root table */
	assert_int_equal(fv.te_turned_off, 0);
	assert_true(fv.gsts & VTD_GSTS_TES);
	assert_int_equal(fake_vtd_reg(&fv, VTD_REG_RTADDR), unit.root_pa);
	assert_int_equal(vtd_context_set(&unit, 0, SID_EDU, 5, SLPT_A), 0);
	assert_int_equal(vtd_unit_enable_translation(&unit), 0);
	assert_int_equal(fv.te_turned_off, 0);
}

static void test_firmware_queue_with_noqi(void **state)
{
	(void)state;
	reset(FAKE_VTD_CAP_QEMU48, FAKE_VTD_ECAP_QEMU);
	fake_vtd_set_gsts(&fv, VTD_GSTS_QIES);
	boot_options.vtd_noqi = true;
	/* registers are dead while QIE is on: it must go off before register invalidation */
	assert_int_equal(vtd_unit_init(&unit, &drhd), 0);
	assert_false(fv.gsts & VTD_GSTS_QIES);
	assert_true(fake_trace_count(FAKE_EV_VTD_CC) >= 1);
}

/* ---- item 15: fault polling is cheap and single-drainer ---- */

static void test_fault_poll_idle_is_one_read(void **state)
{
	uint32_t before[FAKE_VTD_WINDOW / 4];
	unsigned reads = 0;

	(void)state;
	bring_up(FAKE_VTD_CAP_QEMU48, FAKE_VTD_ECAP_QEMU);
	memcpy(before, fv.reads, sizeof(before));
	assert_int_equal(vtd_fault_poll(&unit), 0);
	for (unsigned i = 0; i < FAKE_VTD_WINDOW / 4; i++)
		reads += fv.reads[i] - before[i];
	assert_int_equal(reads, 1);
	assert_int_equal(fv.reads[VTD_REG_FSTS / 4] - before[VTD_REG_FSTS / 4], 1);
}

static void test_fault_poll_drains_once(void **state)
{
	(void)state;
	bring_up(FAKE_VTD_CAP_QEMU48, FAKE_VTD_ECAP_QEMU);
	fake_vtd_fault(&fv, 0, SID_EDU, 0x5000, 5, false);
	/* another CPU is draining: this one leaves the record alone */
	spin_lock(&unit.fault_lock);
	assert_int_equal(vtd_fault_poll(&unit), 0);
	assert_int_equal(faults_reported, 0);
	spin_unlock(&unit.fault_lock);
	assert_int_equal(vtd_fault_poll(&unit), 1);
	assert_int_equal(faults_reported, 1);
	assert_int_equal(last.rid, SID_EDU);
	assert_int_equal(last.addr, 0x5000);
	assert_true(last.is_write);
	assert_int_equal(vtd_fault_poll(&unit), 0);   /* F was cleared */
}

static void test_fault_overflow_lines_are_bounded(void **state)
{
	(void)state;
	bring_up(FAKE_VTD_CAP_QEMU48, FAKE_VTD_ECAP_QEMU);
	for (unsigned i = 0; i < 50; i++) {
		uint32_t fsts = VTD_FSTS_PFO;

		memcpy(fv.regs + VTD_REG_FSTS, &fsts, 4);
		vtd_fault_poll(&unit);
	}
	assert_int_equal(unit.faults_overflowed, 50);
	assert_true(log_captured_count(LOG_WARN) <= 8);
}

/* ---- the seam: vtd_iommu_ops over a DMAR ---- */

static void dmar_with_one_unit(struct acpi_info *ai)
{
	struct tb t;
	struct acpi_dmar d;
	struct dmar_drhd_hw h = { { DMAR_TYPE_DRHD, sizeof(h) }, DMAR_DRHD_INCLUDE_PCI_ALL, 0, 0, UNIT_BASE };

	memset(&d, 0, sizeof(d));
	d.haw = 47;
	tb_begin(&t, &d, sizeof(d), "DMAR", 1);
	tb_put(&t, &h, sizeof(h));
	tb_end(&t);
	memcpy(dmar_table, t.buf, t.len);
	((struct acpi_header *)dmar_table)->checksum = (uint8_t)(0x100 - acpi_checksum(dmar_table, t.len));
	memset(ai, 0, sizeof(*ai));
	memcpy(ai->tables[0].signature, "DMAR", 5);
	ai->tables[0].pa = TABLE_PA;
	ai->tables[0].length = t.len;
	ai->count = 1;
}

static void test_ops_set_rid_and_flush_report_errors(void **state)
{
	struct iommu_limits lim;
	struct acpi_info ai;
	struct iommu_domain a = { .kind = IOMMU_DOMAIN_PAGING, .hw_id = 5, .pt = { .root = SLPT_A, .levels = 4 } };
	struct iommu_domain b = { .kind = IOMMU_DOMAIN_PAGING, .hw_id = 7, .pt = { .root = SLPT_B, .levels = 4 } };
	void *u;

	(void)state;
	reset(FAKE_VTD_CAP_QEMU48, FAKE_VTD_ECAP_QEMU);
	dmar_with_one_unit(&ai);
	assert_true(vtd_iommu_ops.probe(&ai, &lim));
	u = vtd_iommu_ops.unit_for(0, SID_EDU, &unit_failed);
	assert_non_null(u);
	assert_int_equal(vtd_iommu_ops.set_rid(u, SID_EDU, &a), 0);
	assert_int_equal(vtd_iommu_ops.flush(&a, 0, 0), 0);
	fv.fail_from = fv.waits;
	fv.fail_count = 1;
	assert_int_equal(vtd_iommu_ops.set_rid(u, SID_EDU, &b), -ETIMEDOUT);
	fv.fail_from = fv.waits;
	fv.fail_count = FAKE_VTD_FOREVER;
	assert_int_equal(vtd_iommu_ops.flush(&a, 0x1000, PAGE_SIZE), -ETIMEDOUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_move_order_and_one_wait),
		cmocka_unit_test(test_first_attach_invalidates_not_present_tag),
		cmocka_unit_test(test_coherent_unit_needs_no_flush),
		cmocka_unit_test(test_write_buffer_flush_before_invalidation),
		cmocka_unit_test(test_wait_timeout_restores_old_entry),
		cmocka_unit_test(test_move_and_undo_fail_leaves_device_blocked),
		cmocka_unit_test(test_full_queue_fails_the_move),
		cmocka_unit_test(test_queue_error_is_reported_and_undone),
		cmocka_unit_test(test_flushes_report_errors),
		cmocka_unit_test(test_register_invalidation_errors),
		cmocka_unit_test(test_bring_up_fails_when_flush_fails),
		cmocka_unit_test(test_status_bit_that_never_sets),
		cmocka_unit_test(test_firmware_queue_disabled_before_iqa),
		cmocka_unit_test(test_firmware_queue_with_noqi),
		cmocka_unit_test(test_fault_poll_idle_is_one_read),
		cmocka_unit_test(test_fault_poll_drains_once),
		cmocka_unit_test(test_fault_overflow_lines_are_bounded),
		cmocka_unit_test(test_ops_set_rid_and_flush_report_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
