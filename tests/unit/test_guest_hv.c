// SPDX-License-Identifier: MIT
/*
 * The test guest's hypercall layer (tests/guest/hvlib.c) against a fake
 * monitor: Linux's rep loop (rep start = reps completed), the deposit
 * accounting, the 507-page batch split of MAP_DEVICE_GPA_PAGES, the
 * deposit-and-retry loop on INSUFFICIENT_MEMORY, and the undo of a failed
 * map. The fake records every call, can run out of pool pages, end a call
 * early with SUCCESS (what Linux's loop tolerates), or fail at an element.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/guest/hvlib.h"

#define IOVA_BASE   0x100000000ULL
#define MAX_PAGES   16384
#define MAX_CALLS   256

struct fake {
	/* The device domain: IOVA page index -> PFN (0: not mapped). */
	uint64_t map[MAX_PAGES];
	uint64_t pool;                  /* pool pages the monitor still has */
	unsigned budget;                /* reps per call before a SUCCESS-partial return (0: all) */
	int64_t fail_at;                /* global IOVA page index whose map fails (-1: none) */
	/* The allocator: pages handed out and not returned. */
	uint64_t next_pfn, allocated, alloc_limit;
	/* Every call: control word. */
	uint64_t control[MAX_CALLS];
	unsigned ncalls;
	uint64_t deposited[MAX_PAGES];
	unsigned ndeposited;
	bool deposit_fails;
};

static uint64_t fake_gpa(void *cookie, const void *p)
{
	(void)cookie;
	return (uint64_t)(uintptr_t)p;
}

static uint64_t fake_alloc(void *cookie)
{
	struct fake *f = cookie;

	if (f->allocated == f->alloc_limit)
		return 0;
	f->allocated++;
	return f->next_pfn++;
}

static void fake_free(void *cookie, uint64_t pfn)
{
	struct fake *f = cookie;

	(void)pfn;
	f->allocated--;
}

static uint64_t result(unsigned status, unsigned reps)
{
	return (uint64_t)status | (uint64_t)reps << 32;
}

static uint64_t fake_issue(void *cookie, uint64_t control, uint64_t in_gpa, uint64_t out_gpa)
{
	struct fake *f = cookie;
	unsigned code = control & 0xffff, count = (control >> 32) & 0xfff;
	unsigned start = (control >> 48) & 0xfff, i, end;

	(void)out_gpa;
	if (f->ncalls < MAX_CALLS)
		f->control[f->ncalls++] = control;
	assert_true(start < count);
	assert_int_equal((control >> 17) & 0x3ff, 0);
	end = f->budget ? MIN(count, start + f->budget) : count;
	if (code == HVCALL_DEPOSIT_MEMORY) {
		const struct hv_deposit_memory *in = (const void *)(uintptr_t)in_gpa;

		assert_true(in->partition_id == HV_PARTITION_ID_SELF);
		if (f->deposit_fails)
			return result(HV_STATUS_INVALID_PARAMETER, 0);
		for (i = start; i < end; i++)
			f->deposited[f->ndeposited++ % MAX_PAGES] = in->gpa_page_list[i];
		f->pool += end - start;
		return result(HV_STATUS_SUCCESS, end);
	}
	if (code == HVCALL_MAP_DEVICE_GPA_PAGES) {
		const struct hv_input_map_device_gpa_pages *in = (const void *)(uintptr_t)in_gpa;
		uint64_t first = (in->target_device_va_base - IOVA_BASE) / PAGE_SIZE;

		assert_int_equal(in->device_domain.domain_id.as_uint64, (uint64_t)7 << 32);
		assert_true(in->device_domain.partition_id == HV_PARTITION_ID_SELF);
		assert_int_equal(in->map_flags, HV_MAP_GPA_READABLE | HV_MAP_GPA_WRITABLE);
		assert_true(count <= HV_MAP_DEVICE_GPA_BATCH_SIZE);
		for (i = start; i < end; i++) {
			if ((int64_t)(first + i) == f->fail_at)
				return result(HV_STATUS_INVALID_PARAMETER, i);
			if (!f->pool)
				return result(HV_STATUS_INSUFFICIENT_MEMORY, i);
			f->pool--;      /* the fake's cost: one table page per element */
			assert_int_equal(f->map[first + i], 0);
			f->map[first + i] = in->gpa_page_list[i];
		}
		return result(HV_STATUS_SUCCESS, end);
	}
	if (code == HVCALL_UNMAP_DEVICE_GPA_PAGES) {
		const struct hv_input_unmap_device_gpa_pages *in = (const void *)(uintptr_t)in_gpa;
		uint64_t first = (in->target_device_va_base - IOVA_BASE) / PAGE_SIZE;

		for (i = start; i < end; i++)
			f->map[first + i] = 0;
		return result(HV_STATUS_SUCCESS, end);
	}
	return result(HV_STATUS_INVALID_HYPERCALL_CODE, 0);
}

static uint8_t in_page[4096] __aligned(4096);
static uint8_t deposit_page[4096] __aligned(4096);
static struct fake fk;
static struct hv_port port;

static int setup(void **state)
{
	(void)state;
	memset(&fk, 0, sizeof(fk));
	fk.fail_at = -1;
	fk.next_pfn = 0x80000;
	fk.alloc_limit = UINT64_MAX;
	port = (struct hv_port){ .issue = fake_issue, .alloc_page = fake_alloc,
				 .free_page = fake_free, .gpa_of = fake_gpa, .cookie = &fk,
				 .in_page = in_page, .deposit_page = deposit_page };
	return 0;
}

/* Scattered: descending PFNs, so nothing coalesces. */
static uint64_t pfn_desc(void *arg, uint64_t i)
{
	(void)arg;
	return 0x40000 - i;
}

static void assert_mapped(uint64_t npages)
{
	uint64_t i;

	for (i = 0; i < MAX_PAGES; i++)
		assert_int_equal(fk.map[i], i < npages ? pfn_desc(NULL, i) : 0);
}

static unsigned calls_of(unsigned code)
{
	unsigned i, n = 0;

	for (i = 0; i < fk.ncalls; i++)
		n += (fk.control[i] & 0xffff) == code;
	return n;
}

static void test_map_batches_with_pool(void **state)
{
	uint64_t mapped = 0;

	(void)state;
	fk.pool = 100000;
	assert_int_equal(hv_map_device_pages(&port, 7, IOVA_BASE, pfn_desc, NULL, 1100,
					     HV_MAP_GPA_READABLE | HV_MAP_GPA_WRITABLE, &mapped), 0);
	assert_int_equal(mapped, 1100);
	assert_mapped(1100);
	/* 507 + 507 + 86: three calls, counts in the control words. */
	assert_int_equal(fk.ncalls, 3);
	assert_int_equal(port.stats.map_calls, 3);
	assert_int_equal(fk.control[0] >> 32, 507);
	assert_int_equal(fk.control[1] >> 32, 507);
	assert_int_equal(fk.control[2] >> 32, 86);
	assert_int_equal(port.stats.deposits, 0);
}

static void test_map_deposit_and_retry(void **state)
{
	uint64_t mapped = 0;
	unsigned i;

	(void)state;
	assert_int_equal(hv_map_device_pages(&port, 7, IOVA_BASE, pfn_desc, NULL, 1100,
					     HV_MAP_GPA_READABLE | HV_MAP_GPA_WRITABLE, &mapped), 0);
	assert_int_equal(mapped, 1100);
	assert_mapped(1100);
	/* One element per pool page: ceil(1100 / 256) = 5 deposits of 256. */
	assert_int_equal(port.stats.deposits, 5);
	assert_int_equal(port.stats.deposited_pages, 5 * 256);
	assert_int_equal(port.stats.insufficient, 5);
	assert_int_equal(fk.pool, 5 * 256 - 1100);
	assert_int_equal(fk.allocated, 5 * 256);
	assert_int_equal(calls_of(HVCALL_DEPOSIT_MEMORY), 5);
	/*
	 * Map calls: the first finds an empty pool, then each maps 256 and the
	 * next batch is rebuilt from there (as Linux does), so 1 + 5 calls.
	 */
	assert_int_equal(calls_of(HVCALL_MAP_DEVICE_GPA_PAGES), 6);
	for (i = 0; i < fk.ncalls; i++)
		assert_int_equal(fk.control[i] >> 48, 0);
	/* The deposited PFNs are the allocator's, in order. */
	assert_int_equal(fk.deposited[0], 0x80000);
	assert_int_equal(fk.deposited[255], 0x80000 + 255);
}

static void test_rep_continuation_success_partial(void **state)
{
	uint64_t mapped = 0;

	(void)state;
	fk.pool = 100000;
	fk.budget = 100;        /* the fake stops every 100 reps with SUCCESS */
	assert_int_equal(hv_map_device_pages(&port, 7, IOVA_BASE, pfn_desc, NULL, 507,
					     HV_MAP_GPA_READABLE | HV_MAP_GPA_WRITABLE, &mapped), 0);
	assert_mapped(507);
	/* 0, 100, ..., 500: six calls, rep start = reps completed. */
	assert_int_equal(fk.ncalls, 6);
	assert_int_equal(fk.control[0] >> 48, 0);
	assert_int_equal(fk.control[1] >> 48, 100);
	assert_int_equal(fk.control[5] >> 48, 500);
	assert_int_equal((fk.control[5] >> 32) & 0xfff, 507);
}

static uint64_t stuck_issue(void *cookie, uint64_t control, uint64_t in, uint64_t out)
{
	(void)cookie; (void)control; (void)in; (void)out;
	return result(HV_STATUS_SUCCESS, 3);
}

static void test_rep_no_progress_stops(void **state)
{
	uint64_t status;

	(void)state;
	port.issue = stuck_issue;
	status = hv_do_rep_hypercall(&port, HVCALL_UNMAP_DEVICE_GPA_PAGES, 10, 0, in_page, NULL);
	assert_int_equal(hv_result(status), HV_GUEST_NO_PROGRESS);
	assert_int_equal(port.stats.calls, 2);      /* 0 -> 3, then 3 again: stop */
}

static void test_map_failure_undone(void **state)
{
	uint64_t mapped = 99;

	(void)state;
	fk.pool = 100000;
	fk.fail_at = 600;       /* in the second batch, after 93 of its elements */
	assert_int_equal(hv_map_device_pages(&port, 7, IOVA_BASE, pfn_desc, NULL, 1100,
					     HV_MAP_GPA_READABLE | HV_MAP_GPA_WRITABLE, &mapped),
			 HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(mapped, 0);
	assert_mapped(0);
	assert_int_equal(calls_of(HVCALL_UNMAP_DEVICE_GPA_PAGES), 1);
	assert_int_equal(fk.control[2] >> 32 & 0xfff, 600);  /* exactly the 600 mapped */
}

static void test_map_deposit_alloc_fails(void **state)
{
	uint64_t mapped = 99;

	(void)state;
	fk.alloc_limit = 300;   /* one deposit of 256, then 44 pages: not enough for another */
	assert_int_equal(hv_map_device_pages(&port, 7, IOVA_BASE, pfn_desc, NULL, 1100,
					     HV_MAP_GPA_READABLE | HV_MAP_GPA_WRITABLE, &mapped), -1);
	assert_int_equal(mapped, 0);
	assert_mapped(0);
	assert_int_equal(fk.allocated, 256);   /* the failed allocation's 44 are freed */
	assert_int_equal(port.stats.deposits, 1);
}

static void test_map_deposit_refused(void **state)
{
	uint64_t mapped = 99;

	(void)state;
	fk.deposit_fails = true;
	assert_int_equal(hv_map_device_pages(&port, 7, IOVA_BASE, pfn_desc, NULL, 10,
					     HV_MAP_GPA_READABLE | HV_MAP_GPA_WRITABLE, &mapped),
			 HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(mapped, 0);
	assert_int_equal(fk.allocated, 0);
	assert_int_equal(calls_of(HVCALL_UNMAP_DEVICE_GPA_PAGES), 0);   /* nothing was mapped */
}

static uint64_t never_enough_issue(void *cookie, uint64_t control, uint64_t in, uint64_t out)
{
	if ((control & 0xffff) == HVCALL_MAP_DEVICE_GPA_PAGES) {
		fk.control[fk.ncalls++ % MAX_CALLS] = control;
		return result(HV_STATUS_INSUFFICIENT_MEMORY, 0);
	}
	return fake_issue(cookie, control, in, out);
}

static void test_map_gives_up_on_endless_insufficient(void **state)
{
	uint64_t mapped = 99;

	(void)state;
	/* A monitor that takes deposits but never maps: bounded, nothing to undo. */
	port.issue = never_enough_issue;
	assert_int_equal(hv_map_device_pages(&port, 7, IOVA_BASE, pfn_desc, NULL, 10,
					     HV_MAP_GPA_READABLE | HV_MAP_GPA_WRITABLE, &mapped),
			 HV_STATUS_INSUFFICIENT_MEMORY);
	assert_int_equal(mapped, 0);
	assert_int_equal(port.stats.deposits, HV_MAP_DEPOSITS_MAX);
	assert_int_equal(port.stats.insufficient, HV_MAP_DEPOSITS_MAX + 1);
	assert_int_equal(calls_of(HVCALL_UNMAP_DEVICE_GPA_PAGES), 0);
}

static void test_deposit_limits(void **state)
{
	(void)state;
	assert_int_equal(hv_call_deposit_pages(&port, HV_PARTITION_ID_SELF, 0), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(hv_call_deposit_pages(&port, HV_PARTITION_ID_SELF, 512), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(fk.ncalls, 0);
	assert_int_equal(hv_call_deposit_pages(&port, HV_PARTITION_ID_SELF, 511), 0);
	assert_int_equal(fk.pool, 511);
	assert_int_equal(fk.control[0] >> 32, 511);
}

static void test_unmap_batches(void **state)
{
	uint64_t unmapped = 0;

	(void)state;
	assert_int_equal(hv_unmap_device_pages(&port, 7, IOVA_BASE, 5000, &unmapped), 0);
	assert_int_equal(unmapped, 5000);
	assert_int_equal(fk.ncalls, 2);
	assert_int_equal(fk.control[0] >> 32, 4095);
	assert_int_equal(fk.control[1] >> 32, 905);
}

/* CREATE_DEVICE_DOMAIN needing two pool pages: deposit, retry, until it fits. */
static unsigned create_needs;

static uint64_t create_issue(void *cookie, uint64_t control, uint64_t in, uint64_t out)
{
	if ((control & 0xffff) == HVCALL_CREATE_DEVICE_DOMAIN) {
		const struct hv_input_create_device_domain *x = (const void *)(uintptr_t)in;

		/* The input survives the deposits in between. */
		assert_int_equal(x->device_domain.domain_id.as_uint64, (uint64_t)0x33 << 32);
		fk.control[fk.ncalls++ % MAX_CALLS] = control;
		if (fk.pool < create_needs)
			return result(HV_STATUS_INSUFFICIENT_MEMORY, 0);
		fk.pool -= create_needs;
		return result(HV_STATUS_SUCCESS, 0);
	}
	return fake_issue(cookie, control, in, out);
}

static void test_call_with_deposits(void **state)
{
	struct hv_input_create_device_domain *in = (void *)in_page;
	uint64_t r;

	(void)state;
	hv_fill_device_domain(&in->device_domain, 0x33);
	port.issue = create_issue;
	create_needs = 2;
	r = hv_call_with_deposits(&port, HVCALL_CREATE_DEVICE_DOMAIN, in, NULL, HV_PARTITION_ID_SELF, 1);
	assert_int_equal(hv_result(r), HV_STATUS_SUCCESS);
	assert_int_equal(port.stats.deposits, 2);
	assert_int_equal(calls_of(HVCALL_CREATE_DEVICE_DOMAIN), 3);
	assert_int_equal(fk.pool, 0);
	/* Never enough: bounded, the last INSUFFICIENT_MEMORY comes back. */
	create_needs = 100000;
	r = hv_call_with_deposits(&port, HVCALL_CREATE_DEVICE_DOMAIN, in, NULL, HV_PARTITION_ID_SELF, 1);
	assert_int_equal(hv_result(r), HV_STATUS_INSUFFICIENT_MEMORY);
	assert_int_equal(port.stats.deposits, 2 + HV_MAP_DEPOSITS_MAX);
	/* A failing deposit ends it too. */
	fk.deposit_fails = true;
	r = hv_call_with_deposits(&port, HVCALL_CREATE_DEVICE_DOMAIN, in, NULL, HV_PARTITION_ID_SELF, 1);
	assert_int_equal(hv_result(r), HV_STATUS_INSUFFICIENT_MEMORY);
	assert_int_equal(port.stats.deposits, 2 + HV_MAP_DEPOSITS_MAX);
}

static void test_ids(void **state)
{
	struct hv_input_device_domain d;

	(void)state;
	assert_int_equal(hv_pci_device_id(0, 0, 3, 0), 0x4000000000000018ULL);
	assert_int_equal(hv_pci_device_id(1, 0x12, 0x1f, 7), 0x40000000000112ffULL);
	hv_fill_device_domain(&d, 0x1234);
	assert_true(d.partition_id == HV_PARTITION_ID_SELF);
	assert_int_equal(d.domain_id.as_uint64, 0x123400000000ULL);
	assert_int_equal(d.owner_vtl, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_map_batches_with_pool, setup),
		cmocka_unit_test_setup(test_map_deposit_and_retry, setup),
		cmocka_unit_test_setup(test_rep_continuation_success_partial, setup),
		cmocka_unit_test_setup(test_rep_no_progress_stops, setup),
		cmocka_unit_test_setup(test_map_failure_undone, setup),
		cmocka_unit_test_setup(test_map_deposit_alloc_fails, setup),
		cmocka_unit_test_setup(test_map_deposit_refused, setup),
		cmocka_unit_test_setup(test_map_gives_up_on_endless_insufficient, setup),
		cmocka_unit_test_setup(test_deposit_limits, setup),
		cmocka_unit_test_setup(test_unmap_batches, setup),
		cmocka_unit_test_setup(test_call_with_deposits, setup),
		cmocka_unit_test_setup(test_ids, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
