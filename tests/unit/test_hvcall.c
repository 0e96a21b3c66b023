// SPDX-License-Identifier: MIT
/*
 * The hypercall dispatcher against a fake machine (fake_hv.h): every rule
 * of the control word, the GPAs, rep calls and continuations, privileges,
 * and DEPOSIT/WITHDRAW, GET_PARTITION_ID, GET_IOMMU_CAPABILITIES,
 * GET_LOGICAL_DEVICE_PROPERTY, each with bad input: the exact status, the
 * exact reps completed, and nothing changed beyond them.
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/fake_hv.h"
#include "kernel/hvcall/hvcall.h"

#define CW(code, count, start) ((uint64_t)(code) | (uint64_t)(count) << 32 | (uint64_t)(start) << 48)

static struct partition *root, *child;
static uint64_t in_gpa, out_gpa;      /* a root page for input, another for output */

static int setup(void **state)
{
	(void)state;
	fake_hv_reset();
	log_capture_reset();
	root = fake_root();
	child = fake_child();
	in_gpa = fake_gpa(root, 0);
	out_gpa = fake_gpa(root, 1);
	return 0;
}

static void check_invariants(void)
{
	char why[160];

	if (fake_hv_check(why, sizeof(why)) < 0)
		fail_msg("invariant: %s", why);
}

/* A snapshot of everything a call may change. */
struct snap {
	struct fake_hv f;
	unsigned pool[2], used[2];
};

static struct snap snap_take(void)
{
	static struct snap s;

	s.f = fake;
	for (unsigned i = 0; i < 2; i++) {
		s.pool[i] = hv_pool_pages(&partitions[i]);
		s.used[i] = hv_pool_in_use(&partitions[i]);
	}
	return s;
}

/*
 * Nothing changed but the clock and call counts: stage-2s, DMA, pools, and
 * guest memory except page 0 of each partition (where the tests write inputs).
 */
static void assert_unchanged(const struct snap *s)
{
	assert_memory_equal(s->f.mapped, fake.mapped, sizeof(fake.mapped));
	assert_memory_equal(s->f.dma, fake.dma, sizeof(fake.dma));
	for (unsigned i = 0; i < 2; i++)
		assert_memory_equal(s->f.mem[i][1], fake.mem[i][1], (FAKE_PAGES - 1) * PAGE_SIZE);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(s->pool[i], hv_pool_pages(&partitions[i]));
		assert_int_equal(s->used[i], hv_pool_in_use(&partitions[i]));
	}
	check_invariants();
}

static void put_u64s(struct partition *p, uint64_t gpa, const uint64_t *v, unsigned n)
{
	memcpy(fake_gpa_ptr(p, gpa), v, n * 8);
}

static uint64_t get_u64(struct partition *p, uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, fake_gpa_ptr(p, gpa), 8);
	return v;
}

static void expect(uint64_t result, uint16_t status, unsigned reps)
{
	if (hv_result(result) != status || hv_repcomp(result) != reps)
		fail_msg("result 0x%llx: status 0x%x reps %u, expected 0x%x reps %u",
			 (unsigned long long)result, hv_result(result), hv_repcomp(result), status, reps);
}

/* Deposit input for `n` pages of p starting at RAM page `first`, into partition `pid`. */
static void deposit_input(struct partition *p, uint64_t gpa, uint64_t pid, unsigned first, unsigned n)
{
	uint64_t v[64];

	v[0] = pid;
	for (unsigned i = 0; i < n; i++)
		v[1 + i] = fake_gpa(p, first + i) >> PAGE_SHIFT;
	put_u64s(p, gpa, v, n + 1);
}

/* ---- GET_PARTITION_ID and the control word ---------------------------------------------- */

static void test_partition_id(void **state)
{
	struct hvcall_args a;
	(void)state;
	expect(fake_call(root, HVCALL_GET_PARTITION_ID, 0, out_gpa, &a), HV_STATUS_SUCCESS, 0);
	assert_true(a.advance_rip);
	assert_int_equal(get_u64(root, out_gpa), 1);
	expect(fake_call(child, HVCALL_GET_PARTITION_ID, 0, fake_gpa(child, 3), NULL), HV_STATUS_SUCCESS, 0);
	assert_int_equal(get_u64(child, fake_gpa(child, 3)), 2);
	assert_int_equal(hvcall_counters(1, HVCALL_GET_PARTITION_ID)->calls, 1);
	assert_int_equal(hvcall_counters(1, HVCALL_GET_PARTITION_ID)->status[hvcall_status_slot(0)], 1);
	assert_int_equal(hvcall_counters(2, HVCALL_GET_PARTITION_ID)->calls, 1);
}

static void test_unknown_code(void **state)
{
	struct snap s = snap_take();
	struct hvcall_args a;
	(void)state;
	expect(fake_call(root, 0x0001, in_gpa, out_gpa, &a), HV_STATUS_INVALID_HYPERCALL_CODE, 0);
	assert_true(a.advance_rip);
	/* A known code with a rep count and junk: still the code error first. */
	expect(fake_call(root, CW(0x7fff, 3, 1) | BIT(27), 1, 3, NULL), HV_STATUS_INVALID_HYPERCALL_CODE, 0);
	assert_unchanged(&s);
	assert_int_equal(hvcall_counters(1, 0x0001)->calls, 2);   /* unknown codes share a slot */
}

static void test_control_word_reserved(void **state)
{
	static const unsigned bits[] = { 27, 28, 29, 30, 31, 44, 45, 46, 47, 60, 61, 62, 63 };
	struct snap s = snap_take();
	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(bits); i++)
		expect(fake_call(root, HVCALL_GET_PARTITION_ID | BIT(bits[i]), 0, out_gpa, NULL),
		       HV_STATUS_INVALID_HYPERCALL_INPUT, 0);
	expect(fake_call(root, HVCALL_GET_PARTITION_ID | 1ull << 17, 0, out_gpa, NULL),
	       HV_STATUS_INVALID_HYPERCALL_INPUT, 0);   /* variable header */
	expect(fake_call(root, HVCALL_GET_PARTITION_ID | HV_HYPERCALL_FAST_BIT, 0, 0, NULL),
	       HV_STATUS_INVALID_HYPERCALL_INPUT, 0);   /* has output: cannot be fast */
	expect(fake_call(root, CW(HVCALL_GET_PARTITION_ID, 1, 0), 0, out_gpa, NULL),
	       HV_STATUS_INVALID_HYPERCALL_INPUT, 0);   /* simple call with a rep count */
	expect(fake_call(root, CW(HVCALL_GET_PARTITION_ID, 0, 1), 0, out_gpa, NULL),
	       HV_STATUS_INVALID_HYPERCALL_INPUT, 0);   /* ... or a rep start */
	/* Rep calls: count 0, start == count, start > count. */
	deposit_input(root, in_gpa, HV_PARTITION_ID_SELF, 4, 2);
	expect(fake_call(root, CW(HVCALL_DEPOSIT_MEMORY, 0, 0), in_gpa, 0, NULL), HV_STATUS_INVALID_HYPERCALL_INPUT, 0);
	expect(fake_call(root, CW(HVCALL_DEPOSIT_MEMORY, 2, 2), in_gpa, 0, NULL), HV_STATUS_INVALID_HYPERCALL_INPUT, 0);
	expect(fake_call(root, CW(HVCALL_DEPOSIT_MEMORY, 2, 3), in_gpa, 0, NULL), HV_STATUS_INVALID_HYPERCALL_INPUT, 0);
	expect(fake_call(root, CW(HVCALL_DEPOSIT_MEMORY, 2, 0) | HV_HYPERCALL_FAST_BIT, in_gpa, 0, NULL),
	       HV_STATUS_INVALID_HYPERCALL_INPUT, 0);
	assert_unchanged(&s);
	assert_int_equal(hvcall_counters(1, HVCALL_GET_PARTITION_ID)->status[hvcall_status_slot(3)], 17);
}

static void test_gpa_rules(void **state)
{
	struct snap s;
	(void)state;
	/* Output: misaligned, MMIO, beyond RAM, another partition's address space. */
	s = snap_take();
	expect(fake_call(root, HVCALL_GET_PARTITION_ID, 0, out_gpa + 4, NULL), HV_STATUS_INVALID_ALIGNMENT, 0);
	expect(fake_call(root, HVCALL_GET_PARTITION_ID, 0, FAKE_MMIO_GPA, NULL), HV_STATUS_INVALID_ALIGNMENT, 0);
	expect(fake_call(root, HVCALL_GET_PARTITION_ID, 0, fake_gpa(root, FAKE_PAGES), NULL),
	       HV_STATUS_INVALID_ALIGNMENT, 0);
	expect(fake_call(child, HVCALL_GET_PARTITION_ID, 0, FAKE_CHILD_HPA, NULL), HV_STATUS_INVALID_ALIGNMENT, 0);
	expect(fake_call(root, HVCALL_GET_PARTITION_ID, 0, FAKE_MONITOR_HPA, NULL), HV_STATUS_INVALID_ALIGNMENT, 0);
	/* Input: misaligned, crossing a page (3 + 511 elements of 8 bytes from offset 8), MMIO. */
	deposit_input(root, in_gpa, HV_PARTITION_ID_SELF, 4, 2);
	expect(fake_call(root, CW(HVCALL_DEPOSIT_MEMORY, 2, 0), in_gpa + 4, 0, NULL), HV_STATUS_INVALID_ALIGNMENT, 0);
	expect(fake_call(root, CW(HVCALL_DEPOSIT_MEMORY, 511, 0), in_gpa + 8, 0, NULL), HV_STATUS_INVALID_ALIGNMENT, 0);
	expect(fake_call(root, CW(HVCALL_DEPOSIT_MEMORY, 2, 0), in_gpa + PAGE_SIZE - 16, 0, NULL),
	       HV_STATUS_INVALID_ALIGNMENT, 0);
	expect(fake_call(root, CW(HVCALL_DEPOSIT_MEMORY, 2, 0), FAKE_MMIO_GPA, 0, NULL), HV_STATUS_INVALID_ALIGNMENT, 0);
	/* Rep start 1: a failure before any rep says 1 completed (counted from the list's start). */
	expect(fake_call(root, CW(HVCALL_DEPOSIT_MEMORY, 2, 1), in_gpa + 4, 0, NULL), HV_STATUS_INVALID_ALIGNMENT, 1);
	assert_unchanged(&s);
	/* Overlap: WITHDRAW input [in, in+16), output [in+8, ...). */
	{
		uint64_t v[3] = { HV_PARTITION_ID_SELF, 0, 0 };

		put_u64s(root, in_gpa, v, 2);
		s = snap_take();
		expect(fake_call(root, CW(HVCALL_WITHDRAW_MEMORY, 1, 0), in_gpa, in_gpa + 8, NULL),
		       HV_STATUS_INVALID_PARAMETER, 0);
		expect(fake_call(root, CW(HVCALL_WITHDRAW_MEMORY, 1, 0), in_gpa, in_gpa + 16, NULL),
		       HV_STATUS_NO_RESOURCES, 0);   /* adjacent is fine: the pool is just empty */
		assert_unchanged(&s);
	}
	/* Output list that would cross a page: 2 PFNs from the page's last 8 bytes. */
	expect(fake_call(root, CW(HVCALL_WITHDRAW_MEMORY, 2, 0), in_gpa, out_gpa + PAGE_SIZE - 8, NULL),
	       HV_STATUS_INVALID_ALIGNMENT, 0);
}

/* ---- DEPOSIT / WITHDRAW -------------------------------------------------------------- */

static void test_deposit_withdraw(void **state)
{
	struct hvcall_args a;
	(void)state;
	deposit_input(root, in_gpa, HV_PARTITION_ID_SELF, 4, 3);
	expect(fake_call(root, CW(HVCALL_DEPOSIT_MEMORY, 3, 0), in_gpa, 0, &a), HV_STATUS_SUCCESS, 3);
	assert_true(a.advance_rip);
	assert_int_equal(hv_pool_pages(root), 3);
	for (unsigned k = 4; k < 7; k++) {
		assert_false(fake.mapped[0][k]);
		assert_false(fake.dma[(FAKE_ROOT_BASE >> PAGE_SHIFT) + k]);
	}
	check_invariants();
	/* A deposited page is no longer the caller's RAM: not as output, not deposited twice. */
	expect(fake_call(root, HVCALL_GET_PARTITION_ID, 0, fake_gpa(root, 5), NULL), HV_STATUS_INVALID_ALIGNMENT, 0);
	deposit_input(root, in_gpa, HV_PARTITION_ID_SELF, 5, 1);
	expect(fake_call(root, CW(HVCALL_DEPOSIT_MEMORY, 1, 0), in_gpa, 0, NULL), HV_STATUS_INVALID_PARAMETER, 0);
	/* Withdraw more than there is: NO_RESOURCES with the 3 returned, their PFNs in the output. */
	{
		uint64_t v[2] = { HV_PARTITION_ID_SELF, 0 };
		uint64_t got = 0;

		put_u64s(root, in_gpa, v, 2);
		expect(fake_call(root, CW(HVCALL_WITHDRAW_MEMORY, 5, 0), in_gpa, out_gpa, NULL), HV_STATUS_NO_RESOURCES, 3);
		for (unsigned i = 0; i < 3; i++)
			got |= 1ull << ((get_u64(root, out_gpa + 8 * i) << PAGE_SHIFT) - FAKE_ROOT_BASE) / PAGE_SIZE;
		assert_int_equal(got, 0x70);
		assert_int_equal(get_u64(root, out_gpa + 24), 0);
	}
	assert_int_equal(hv_pool_pages(root), 0);
	for (unsigned k = 4; k < 7; k++) {
		assert_true(fake.mapped[0][k]);
		assert_true(fake.dma[(FAKE_ROOT_BASE >> PAGE_SHIFT) + k]);
	}
	check_invariants();
	assert_int_equal(hvcall_counters(1, HVCALL_DEPOSIT_MEMORY)->reps, 3);
	assert_int_equal(hvcall_counters(1, HVCALL_WITHDRAW_MEMORY)->reps, 3);
}

static void test_deposit_bad_elements(void **state)
{
	static const uint64_t bad[] = {
		FAKE_MMIO_GPA >> PAGE_SHIFT,                         /* MMIO */
		(FAKE_ROOT_BASE >> PAGE_SHIFT) + FAKE_PAGES,         /* beyond RAM */
		FAKE_MONITOR_HPA >> PAGE_SHIFT,                      /* monitor memory */
		FAKE_CHILD_HPA >> PAGE_SHIFT,                        /* another partition's memory */
		~0ull,                                               /* absurd */
	};
	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		uint64_t v[4] = { HV_PARTITION_ID_SELF, (FAKE_ROOT_BASE >> PAGE_SHIFT) + 8,
				  (FAKE_ROOT_BASE >> PAGE_SHIFT) + 9, bad[i] };
		struct snap s;

		put_u64s(root, in_gpa, v, 4);
		s = snap_take();
		expect(fake_call(root, CW(HVCALL_DEPOSIT_MEMORY, 3, 0), in_gpa, 0, NULL), HV_STATUS_INVALID_PARAMETER, 2);
		/* Exactly the two before it moved. */
		assert_false(fake.mapped[0][8]);
		assert_false(fake.mapped[0][9]);
		assert_int_equal(hv_pool_pages(root), 2);
		s.f.mapped[0][8] = s.f.mapped[0][9] = false;
		s.f.dma[(FAKE_ROOT_BASE >> PAGE_SHIFT) + 8] = s.f.dma[(FAKE_ROOT_BASE >> PAGE_SHIFT) + 9] = false;
		s.pool[0] += 2;
		assert_unchanged(&s);
		/* Give them back for the next round. */
		v[1] = 0;
		put_u64s(root, in_gpa, v, 2);
		expect(fake_call(root, CW(HVCALL_WITHDRAW_MEMORY, 2, 0), in_gpa, out_gpa, NULL), HV_STATUS_SUCCESS, 2);
		check_invariants();
	}
	/* Rep start: elements before it are not looked at (a bad one there is ignored). */
	{
		uint64_t v[3] = { HV_PARTITION_ID_SELF, ~0ull, (FAKE_ROOT_BASE >> PAGE_SHIFT) + 10 };

		put_u64s(root, in_gpa, v, 3);
		expect(fake_call(root, CW(HVCALL_DEPOSIT_MEMORY, 2, 1), in_gpa, 0, NULL), HV_STATUS_SUCCESS, 2);
		assert_false(fake.mapped[0][10]);
		assert_int_equal(hv_pool_pages(root), 1);
	}
	check_invariants();
}

static void test_deposit_failures_undone(void **state)
{
	struct snap s;
	(void)state;
	deposit_input(root, in_gpa, HV_PARTITION_ID_SELF, 4, 3);
	/* Stage-2 removal of the second page fails (it had to split a large page and had no table page). */
	s = snap_take();
	fake.fail_s2_unmap = 2;
	expect(fake_call(root, CW(HVCALL_DEPOSIT_MEMORY, 3, 0), in_gpa, 0, NULL), HV_STATUS_INSUFFICIENT_MEMORY, 1);
	assert_false(fake.mapped[0][4]);
	assert_true(fake.mapped[0][5]);
	check_invariants();
	/* Leaving the DMA-able set fails (its set is full): the page is mapped again. */
	fake_hv_reset();
	deposit_input(root, in_gpa, HV_PARTITION_ID_SELF, 4, 3);
	s = snap_take();
	fake.fail_ram_remove = 1;
	expect(fake_call(root, CW(HVCALL_DEPOSIT_MEMORY, 3, 0), in_gpa, 0, NULL), HV_STATUS_INSUFFICIENT_BUFFERS, 0);
	assert_unchanged(&s);
	/* Withdraw: mapping back fails: the page stays in the pool. */
	fake_hv_reset();
	deposit_input(root, in_gpa, HV_PARTITION_ID_SELF, 4, 2);
	expect(fake_call(root, CW(HVCALL_DEPOSIT_MEMORY, 2, 0), in_gpa, 0, NULL), HV_STATUS_SUCCESS, 2);
	{
		uint64_t v[2] = { HV_PARTITION_ID_SELF, 0 };

		put_u64s(root, in_gpa, v, 2);
	}
	/* Mapping a page back where it was needs no table page: an injected failure does not hit. */
	fake.fail_s2_map = fake.s2_maps + 1;
	fake.fail_ram_add = fake.ram_adds + 2;   /* the second page's DMA comes back no more */
	expect(fake_call(root, CW(HVCALL_WITHDRAW_MEMORY, 2, 0), in_gpa, out_gpa, NULL),
	       HV_STATUS_INSUFFICIENT_BUFFERS, 1);
	assert_int_equal(hv_pool_pages(root), 1);
	check_invariants();
}

static void test_deposit_privileges(void **state)
{
	struct snap s;
	(void)state;
	/* A child names the root, or a partition that does not exist: ACCESS_DENIED, even with bad PFNs. */
	deposit_input(child, fake_gpa(child, 0), 1, 4, 2);
	s = snap_take();
	expect(fake_call(child, CW(HVCALL_DEPOSIT_MEMORY, 2, 0), fake_gpa(child, 0), 0, NULL), HV_STATUS_ACCESS_DENIED, 0);
	deposit_input(child, fake_gpa(child, 0), 7, 4, 2);
	expect(fake_call(child, CW(HVCALL_DEPOSIT_MEMORY, 2, 0), fake_gpa(child, 0), 0, NULL), HV_STATUS_ACCESS_DENIED, 0);
	{
		uint64_t v[2] = { 1, ~0ull };

		put_u64s(child, fake_gpa(child, 0), v, 2);
		expect(fake_call(child, CW(HVCALL_DEPOSIT_MEMORY, 1, 0), fake_gpa(child, 0), 0, NULL),
		       HV_STATUS_ACCESS_DENIED, 0);
		put_u64s(child, fake_gpa(child, 0), v, 2);
		expect(fake_call(child, CW(HVCALL_WITHDRAW_MEMORY, 1, 0), fake_gpa(child, 0), fake_gpa(child, 1), NULL),
		       HV_STATUS_ACCESS_DENIED, 0);
	}
	/* The root names a partition that does not exist. */
	deposit_input(root, in_gpa, 9, 4, 2);
	expect(fake_call(root, CW(HVCALL_DEPOSIT_MEMORY, 2, 0), in_gpa, 0, NULL), HV_STATUS_INVALID_PARTITION_ID, 0);
	assert_unchanged(&s);
	/* A child deposits into its own pool: its pages leave its stage-2 (they were never DMA-able). */
	deposit_input(child, fake_gpa(child, 0), HV_PARTITION_ID_SELF, 4, 2);
	expect(fake_call(child, CW(HVCALL_DEPOSIT_MEMORY, 2, 0), fake_gpa(child, 0), 0, NULL), HV_STATUS_SUCCESS, 2);
	assert_int_equal(hv_pool_pages(child), 2);
	check_invariants();
	/* The root deposits into the child's pool; the child cannot withdraw the root's pages. */
	deposit_input(root, in_gpa, 2, 4, 2);
	expect(fake_call(root, CW(HVCALL_DEPOSIT_MEMORY, 2, 0), in_gpa, 0, NULL), HV_STATUS_SUCCESS, 2);
	assert_int_equal(hv_pool_pages(child), 4);
	{
		uint64_t v[2] = { HV_PARTITION_ID_SELF, 0 };

		put_u64s(child, fake_gpa(child, 0), v, 2);
		expect(fake_call(child, CW(HVCALL_WITHDRAW_MEMORY, 4, 0), fake_gpa(child, 0), fake_gpa(child, 1), NULL),
		       HV_STATUS_NO_RESOURCES, 2);
		v[0] = 2;
		put_u64s(root, in_gpa, v, 2);
		expect(fake_call(root, CW(HVCALL_WITHDRAW_MEMORY, 4, 0), in_gpa, out_gpa, NULL), HV_STATUS_NO_RESOURCES, 2);
	}
	assert_int_equal(hv_pool_pages(child), 0);
	check_invariants();
}

/* ---- Continuation --------------------------------------------------------------------- */

static void test_continuation(void **state)
{
	struct hvcall_args a;
	unsigned entries;
	(void)state;
	/* Every clock read advances 20 us: a 50 us budget covers about two pages. */
	fake.clock_step_ns = 20000;
	deposit_input(root, in_gpa, HV_PARTITION_ID_SELF, 2, 20);
	expect(fake_call(root, CW(HVCALL_DEPOSIT_MEMORY, 20, 0), in_gpa, 0, &a), HV_STATUS_SUCCESS, 3);
	assert_false(a.advance_rip);                                     /* re-executed by the guest */
	assert_int_equal((a.control & HV_HYPERCALL_REP_START_MASK) >> HV_HYPERCALL_REP_START_OFFSET, 3);
	assert_int_equal(a.control & ~HV_HYPERCALL_REP_START_MASK, CW(HVCALL_DEPOSIT_MEMORY, 20, 0));
	assert_int_equal(hv_pool_pages(root), 3);
	check_invariants();
	expect(fake_call_to_end(root, a.control, in_gpa, 0, &entries), HV_STATUS_SUCCESS, 20);
	assert_true(entries > 2);
	assert_int_equal(hv_pool_pages(root), 20);
	assert_int_equal(hvcall_counters(1, HVCALL_DEPOSIT_MEMORY)->continuations, entries);
	assert_int_equal(hvcall_counters(1, HVCALL_DEPOSIT_MEMORY)->reps, 20);
	assert_int_equal(hvcall_counters(1, HVCALL_DEPOSIT_MEMORY)->status[0], 1);
	check_invariants();
	/* Withdraw continues the same way and each output element lands once. */
	{
		uint64_t v[2] = { HV_PARTITION_ID_SELF, 0 };

		put_u64s(root, in_gpa, v, 2);
		expect(fake_call_to_end(root, CW(HVCALL_WITHDRAW_MEMORY, 20, 0), in_gpa, out_gpa, &entries),
		       HV_STATUS_SUCCESS, 20);
		assert_true(entries > 2);
		for (unsigned i = 0; i < 20; i++)
			assert_int_not_equal(get_u64(root, out_gpa + 8 * i), 0);
	}
	check_invariants();
	/* A caller that cannot be continued (32-bit) gets the whole list in one go. */
	deposit_input(root, in_gpa, HV_PARTITION_ID_SELF, 2, 20);
	a = (struct hvcall_args){ .control = CW(HVCALL_DEPOSIT_MEMORY, 20, 0), .in_gpa = in_gpa };
	hvcall_dispatch(root, NULL, &a);
	expect(a.result, HV_STATUS_SUCCESS, 20);
	assert_true(a.advance_rip);
}

/* ---- The deposit pool as a page-table pool ---------------------------------------------- */

static void test_pt_pool(void **state)
{
	struct pt_pool pool;
	paddr_t got[4];
	(void)state;
	hv_pool_pt_pool(root, &pool);
	assert_int_equal(pool.alloc(pool.ctx), 0);   /* empty: 0, never the monitor's memory */
	deposit_input(root, in_gpa, HV_PARTITION_ID_SELF, 4, 3);
	expect(fake_call(root, CW(HVCALL_DEPOSIT_MEMORY, 3, 0), in_gpa, 0, NULL), HV_STATUS_SUCCESS, 3);
	for (unsigned i = 0; i < 3; i++) {
		got[i] = pool.alloc(pool.ctx);
		assert_true(got[i] >= fake_gpa(root, 4) && got[i] < fake_gpa(root, 7));
	}
	assert_int_equal(pool.alloc(pool.ctx), 0);
	assert_int_equal(hv_pool_in_use(root), 3);
	/* Pages in use are not withdrawn. */
	{
		uint64_t v[2] = { HV_PARTITION_ID_SELF, 0 };

		put_u64s(root, in_gpa, v, 2);
		expect(fake_call(root, CW(HVCALL_WITHDRAW_MEMORY, 3, 0), in_gpa, out_gpa, NULL), HV_STATUS_NO_RESOURCES, 0);
		pool.free(pool.ctx, got[1]);
		assert_int_equal(hv_pool_in_use(root), 2);
		expect(fake_call(root, CW(HVCALL_WITHDRAW_MEMORY, 3, 0), in_gpa, out_gpa, NULL), HV_STATUS_NO_RESOURCES, 1);
		assert_int_equal(get_u64(root, out_gpa) << PAGE_SHIFT, got[1]);
	}
	assert_int_equal(hv_pool_pages(root), 2);
	check_invariants();
}

/* ---- Capabilities and properties --------------------------------------------------------- */

static void test_caps(void **state)
{
	struct hv_output_get_iommu_capabilities out;
	uint64_t v[2] = { HV_PARTITION_ID_SELF, 0 };
	uint64_t cin = fake_gpa(child, 0), cout = fake_gpa(child, 1);
	(void)state;
	put_u64s(child, cin, v, 2);
	expect(fake_call(child, HVCALL_GET_IOMMU_CAPABILITIES, cin, cout, NULL), HV_STATUS_SUCCESS, 0);
	memcpy(&out, fake_gpa_ptr(child, cout), sizeof(out));
	assert_int_equal(out.size, 24);
	assert_int_equal(out.max_iova_width, 48);
	assert_int_equal(out.iommu_cap, HV_IOMMU_CAP_PRESENT | HV_IOMMU_CAP_S2);
	assert_int_equal(out.pgsize_bitmap, (1ull << 12) | (1ull << 21) | (1ull << 30));
	v[1] = 1;
	put_u64s(child, cin, v, 2);
	expect(fake_call(child, HVCALL_GET_IOMMU_CAPABILITIES, cin, cout, NULL), HV_STATUS_INVALID_PARAMETER, 0);
	v[0] = 1;
	v[1] = 0;
	put_u64s(child, cin, v, 2);
	expect(fake_call(child, HVCALL_GET_IOMMU_CAPABILITIES, cin, cout, NULL), HV_STATUS_ACCESS_DENIED, 0);
	fake.iommu = false;
	v[0] = HV_PARTITION_ID_SELF;
	put_u64s(child, cin, v, 2);
	expect(fake_call(child, HVCALL_GET_IOMMU_CAPABILITIES, cin, cout, NULL), HV_STATUS_SUCCESS, 0);
	memcpy(&out, fake_gpa_ptr(child, cout), sizeof(out));
	assert_int_equal(out.size, 24);
	assert_int_equal(out.iommu_cap, 0);
	check_invariants();
}

static void test_property(void **state)
{
	struct hv_input_get_logical_device_property in = { HV_PARTITION_ID_SELF, 0x10, 10, 0 };
	(void)state;
	memcpy(fake_gpa_ptr(root, in_gpa), &in, sizeof(in));
	expect(fake_call(root, HVCALL_GET_LOGICAL_DEVICE_PROPERTY, in_gpa, out_gpa, NULL), HV_STATUS_SUCCESS, 0);
	assert_int_equal(get_u64(root, out_gpa), HV_DEVICE_IOMMU_ENABLED);
	in.code = 11;
	memcpy(fake_gpa_ptr(root, in_gpa), &in, sizeof(in));
	expect(fake_call(root, HVCALL_GET_LOGICAL_DEVICE_PROPERTY, in_gpa, out_gpa, NULL), HV_STATUS_UNKNOWN_PROPERTY, 0);
	in.code = 10;
	in.logical_device_id = 0x12;
	memcpy(fake_gpa_ptr(root, in_gpa), &in, sizeof(in));
	expect(fake_call(root, HVCALL_GET_LOGICAL_DEVICE_PROPERTY, in_gpa, out_gpa, NULL), HV_STATUS_INVALID_DEVICE_ID, 0);
	in.logical_device_id = 1ull << 40;
	memcpy(fake_gpa_ptr(root, in_gpa), &in, sizeof(in));
	expect(fake_call(root, HVCALL_GET_LOGICAL_DEVICE_PROPERTY, in_gpa, out_gpa, NULL), HV_STATUS_INVALID_DEVICE_ID, 0);
	/* The child does not own the root's devices. */
	in.logical_device_id = 0x10;
	memcpy(fake_gpa_ptr(child, 0), &in, sizeof(in));
	expect(fake_call(child, HVCALL_GET_LOGICAL_DEVICE_PROPERTY, 0, 0x1000, NULL), HV_STATUS_INVALID_DEVICE_ID, 0);
	in.reserved = 1;
	memcpy(fake_gpa_ptr(root, in_gpa), &in, sizeof(in));
	expect(fake_call(root, HVCALL_GET_LOGICAL_DEVICE_PROPERTY, in_gpa, out_gpa, NULL), HV_STATUS_INVALID_PARAMETER, 0);
	check_invariants();   /* no device reference leaked */
}

/* ---- The errno table and the counters' report ------------------------------------------- */

static void test_status_table(void **state)
{
	(void)state;
	assert_int_equal(hvcall_status(0), HV_STATUS_SUCCESS);
	assert_int_equal(hvcall_status(5), HV_STATUS_SUCCESS);
	assert_int_equal(hvcall_status(-EINVAL), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(hvcall_status(-EACCES), HV_STATUS_ACCESS_DENIED);
	assert_int_equal(hvcall_status(-EPERM), HV_STATUS_ACCESS_DENIED);
	assert_int_equal(hvcall_status(-ENOMEM), HV_STATUS_INSUFFICIENT_MEMORY);
	assert_int_equal(hvcall_status(-ENOSPC), HV_STATUS_INSUFFICIENT_DEVICE_DOMAINS);
	assert_int_equal(hvcall_status(-ENODEV), HV_STATUS_INVALID_DEVICE_ID);
	assert_int_equal(hvcall_status(-EALREADY), HV_STATUS_DEVICE_ALREADY_IN_DOMAIN);
	assert_int_equal(hvcall_status(-EBUSY), HV_STATUS_INVALID_DEVICE_STATE);
	assert_int_equal(hvcall_status(-EXDEV), HV_STATUS_OPERATION_DENIED);
	assert_int_equal(hvcall_status(-ESRCH), HV_STATUS_INVALID_PARTITION_ID);
	assert_int_equal(hvcall_status(-ESTALE), HV_STATUS_INVALID_PARTITION_STATE);
	assert_int_equal(hvcall_status(-ETIMEDOUT), HV_STATUS_OPERATION_FAILED);
	assert_int_equal(hvcall_status(-12345), HV_STATUS_OPERATION_FAILED);
}

static void test_report(void **state)
{
	(void)state;
	expect(fake_call(root, HVCALL_GET_PARTITION_ID, 0, out_gpa, NULL), HV_STATUS_SUCCESS, 0);
	expect(fake_call(root, HVCALL_GET_PARTITION_ID, 0, out_gpa + 1, NULL), HV_STATUS_INVALID_ALIGNMENT, 0);
	hvcall_report(root);
	assert_true(log_captured("root: GET_PARTITION_ID calls=2 reps=0 continuations=0 flushes=0 table_pages=0 "
				 "SUCCESS=1 INVALID_ALIGNMENT=1"));
	assert_false(log_captured("child:"));
}

/* The shell's accessor: codes used, in table order, unknown codes last; nothing for others. */
static void test_code_stats(void **state)
{
	struct hvcall_code_stats st;

	(void)state;
	assert_false(hvcall_code_stats(1, 0, &st));
	expect(fake_call(root, 0x0001, 0, 0, NULL), HV_STATUS_INVALID_HYPERCALL_CODE, 0);
	expect(fake_call(root, HVCALL_GET_PARTITION_ID, 0, out_gpa, NULL), HV_STATUS_SUCCESS, 0);
	expect(fake_call(root, HVCALL_GET_PARTITION_ID, 0, out_gpa + 1, NULL), HV_STATUS_INVALID_ALIGNMENT, 0);
	assert_true(hvcall_code_stats(1, 0, &st));
	assert_true(st.known);
	assert_int_equal(st.code, HVCALL_GET_PARTITION_ID);
	assert_string_equal(st.name, "GET_PARTITION_ID");
	assert_int_equal(st.c.calls, 2);
	assert_int_equal(st.c.status[hvcall_status_slot(HV_STATUS_SUCCESS)], 1);
	assert_int_equal(st.c.status[hvcall_status_slot(HV_STATUS_INVALID_ALIGNMENT)], 1);
	assert_string_equal(hvcall_slot_name(hvcall_status_slot(HV_STATUS_INVALID_ALIGNMENT)), "INVALID_ALIGNMENT");
	assert_string_equal(hvcall_slot_name(HVCALL_STATUS_SLOTS - 1), "other");
	assert_true(hvcall_code_stats(1, 1, &st));
	assert_false(st.known);
	assert_string_equal(st.name, "unknown");
	assert_int_equal(st.c.calls, 1);
	assert_false(hvcall_code_stats(1, 2, &st));
	assert_false(hvcall_code_stats(2, 0, &st));           /* the child called nothing */
	assert_false(hvcall_code_stats(0, 0, &st));           /* no partition 0 */
	assert_false(hvcall_code_stats(PART_MAX + 1, 0, &st));
	hvcall_counters_reset();
	assert_false(hvcall_code_stats(1, 0, &st));
}

/* ---- The dispatcher core against a test table ------------------------------------------ */

static unsigned fn_calls;
static uint8_t fn_in[64];
static unsigned fn_reps_report;      /* what the rep function claims (absolute index) */
static uint16_t fn_status;

static uint16_t simple_fn(struct hvcall_ctx *c)
{
	fn_calls++;
	memcpy(fn_in, c->in, MIN(c->in_len, sizeof(fn_in)));
	return fn_status;
}

static uint16_t rep_fn(struct hvcall_ctx *c)
{
	fn_calls++;
	c->reps_done = fn_reps_report;
	return fn_status;
}

#define T_ROOT_SIMPLE 0x7001
#define T_ROOT_REP    0x7002
#define T_FAST        0x7003
static const struct hvcall_desc test_table[] = {
	{ .code = T_ROOT_SIMPLE, .name = "T_ROOT_SIMPLE", .root_only = true, .in_fixed = 24, .out_fixed = 8,
	  .fn = simple_fn },
	{ .code = T_ROOT_REP, .name = "T_ROOT_REP", .rep = true, .root_only = true, .in_fixed = 8, .in_elem = 8,
	  .fn = rep_fn },
	{ .code = T_FAST, .name = "T_FAST", .in_fixed = 16, .fn = simple_fn },
};

static int setup_table(void **state)
{
	setup(state);
	hvcall_set_table(test_table, ARRAY_SIZE(test_table));
	fn_calls = 0;
	fn_status = HV_STATUS_SUCCESS;
	fn_reps_report = 0;
	return 0;
}

static int teardown_table(void **state)
{
	(void)state;
	hvcall_set_table(NULL, 0);
	return 0;
}

static void test_root_only(void **state)
{
	uint64_t cin = fake_gpa(child, 0), cout = fake_gpa(child, 1);
	struct snap s = snap_take();
	(void)state;
	/* A child: ACCESS_DENIED whatever else is wrong, and the call never runs. */
	expect(fake_call(child, T_ROOT_SIMPLE, cin, cout, NULL), HV_STATUS_ACCESS_DENIED, 0);
	expect(fake_call(child, T_ROOT_SIMPLE | BIT(30) | HV_HYPERCALL_FAST_BIT, 3, 5, NULL), HV_STATUS_ACCESS_DENIED, 0);
	expect(fake_call(child, CW(T_ROOT_REP, 4, 9), FAKE_MMIO_GPA + 1, 0, NULL), HV_STATUS_ACCESS_DENIED, 0);
	assert_int_equal(fn_calls, 0);
	assert_unchanged(&s);
	assert_int_equal(hvcall_counters(2, T_ROOT_SIMPLE)->status[hvcall_status_slot(HV_STATUS_ACCESS_DENIED)], 2);
	/* The root: the call runs with the input copied. */
	memset(fake_gpa_ptr(root, in_gpa), 0x5a, 24);
	expect(fake_call(root, T_ROOT_SIMPLE, in_gpa, out_gpa, NULL), HV_STATUS_SUCCESS, 0);
	assert_int_equal(fn_calls, 1);
	assert_int_equal(fn_in[23], 0x5a);
	/* Input and output in one page, output right after the input (Linux's pvIOMMU layout). */
	expect(fake_call(root, T_ROOT_SIMPLE, in_gpa, in_gpa + 24, NULL), HV_STATUS_SUCCESS, 0);
	expect(fake_call(root, T_ROOT_SIMPLE, in_gpa, in_gpa + 16, NULL), HV_STATUS_INVALID_PARAMETER, 0);
	expect(fake_call(root, T_ROOT_SIMPLE, in_gpa + 8, in_gpa + 8, NULL), HV_STATUS_INVALID_PARAMETER, 0);
	expect(fake_call(root, T_ROOT_SIMPLE, in_gpa + 8, in_gpa, NULL), HV_STATUS_SUCCESS, 0);   /* output just before */
	assert_int_equal(fn_calls, 3);
}

static void test_fast_input(void **state)
{
	(void)state;
	expect(fake_call(child, T_FAST | HV_HYPERCALL_FAST_BIT, 0x1122334455667788ull, 0x99aabbccddeeff00ull, NULL),
	       HV_STATUS_SUCCESS, 0);
	assert_int_equal(fn_calls, 1);
	assert_int_equal(fn_in[0], 0x88);
	assert_int_equal(fn_in[8], 0x00);
	assert_int_equal(fn_in[15], 0x99);
	/* The same call from memory: the registers are GPAs again. */
	memset(fake_gpa_ptr(child, 0), 0x77, 16);
	expect(fake_call(child, T_FAST, 0, 0, NULL), HV_STATUS_SUCCESS, 0);
	assert_int_equal(fn_in[15], 0x77);
	/* Fast with a rep count is still malformed. */
	expect(fake_call(child, CW(T_FAST, 1, 0) | HV_HYPERCALL_FAST_BIT, 0, 0, NULL), HV_STATUS_INVALID_HYPERCALL_INPUT, 0);
}

static void test_rep_reports(void **state)
{
	struct hvcall_args a;
	(void)state;
	/* An element error: its status with the function's exact count. */
	fn_status = HV_STATUS_INSUFFICIENT_MEMORY;
	fn_reps_report = 5;
	expect(fake_call(root, CW(T_ROOT_REP, 8, 2), in_gpa, 0, &a), HV_STATUS_INSUFFICIENT_MEMORY, 5);
	assert_true(a.advance_rip);
	/* A count outside [start, count] is a monitor bug: OPERATION_FAILED, reps = start, logged. */
	fn_status = HV_STATUS_SUCCESS;
	fn_reps_report = 9;
	expect(fake_call(root, CW(T_ROOT_REP, 8, 2), in_gpa, 0, NULL), HV_STATUS_OPERATION_FAILED, 2);
	fn_reps_report = 1;
	expect(fake_call(root, CW(T_ROOT_REP, 8, 2), in_gpa, 0, NULL), HV_STATUS_OPERATION_FAILED, 2);
	assert_true(log_captured("T_ROOT_REP returned reps_done"));
	/* SUCCESS without progress would loop forever: refused. */
	fn_reps_report = 2;
	expect(fake_call(root, CW(T_ROOT_REP, 8, 2), in_gpa, 0, &a), HV_STATUS_OPERATION_FAILED, 2);
	assert_true(a.advance_rip);
	/* SUCCESS with progress short of the count: a continuation from there. */
	fn_reps_report = 6;
	expect(fake_call(root, CW(T_ROOT_REP, 8, 2), in_gpa, 0, &a), HV_STATUS_SUCCESS, 6);
	assert_false(a.advance_rip);
	assert_int_equal(a.control, CW(T_ROOT_REP, 8, 6));
	assert_int_equal(hvcall_counters(1, T_ROOT_REP)->continuations, 1);
	assert_int_equal(hvcall_counters(1, T_ROOT_REP)->reps, 3 + 4);
	/* All done. */
	fn_reps_report = 8;
	expect(fake_call(root, CW(T_ROOT_REP, 8, 6), in_gpa, 0, &a), HV_STATUS_SUCCESS, 8);
	assert_true(a.advance_rip);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_partition_id, setup),
		cmocka_unit_test_setup(test_unknown_code, setup),
		cmocka_unit_test_setup(test_control_word_reserved, setup),
		cmocka_unit_test_setup(test_gpa_rules, setup),
		cmocka_unit_test_setup(test_deposit_withdraw, setup),
		cmocka_unit_test_setup(test_deposit_bad_elements, setup),
		cmocka_unit_test_setup(test_deposit_failures_undone, setup),
		cmocka_unit_test_setup(test_deposit_privileges, setup),
		cmocka_unit_test_setup(test_continuation, setup),
		cmocka_unit_test_setup(test_pt_pool, setup),
		cmocka_unit_test_setup(test_caps, setup),
		cmocka_unit_test_setup(test_property, setup),
		cmocka_unit_test_setup(test_status_table, setup),
		cmocka_unit_test_setup(test_report, setup),
		cmocka_unit_test_setup(test_code_stats, setup),
		cmocka_unit_test_setup_teardown(test_root_only, setup_table, teardown_table),
		cmocka_unit_test_setup_teardown(test_fast_input, setup_table, teardown_table),
		cmocka_unit_test_setup_teardown(test_rep_reports, setup_table, teardown_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
