// SPDX-License-Identifier: MIT
/*
 * The Linux client module's calling logic (tests/linux/iomon_abi/hvcall.c)
 * and its input layouts (abi.c), on the host: the kernel headers they use
 * are stood in for by tests/unit/linux_shim/, and hv_do_hypercall() is a
 * fake monitor that records every call, maps into a table, runs out of pool
 * pages where a real one needs page-table pages, stops rep calls early on a
 * time budget, and fails elements on request.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <linux/gfp.h>
#include "include/hv/hv.h"
#include "tests/linux/iomon_abi/hvcall.h"

/* The shim's <asm/mshyperv.h> names these too, but with Linux's spelling of
 * what include/hv/ defines: the test takes only the prototypes it implements. */
bool hv_is_hyperv_initialized(void);
u64 hv_do_hypercall(u64 control, void *input, void *output);
extern void **hyperv_pcpu_input_arg;
extern void *hv_hypercall_pg;

#define NPAGES          4096            /* the fake's RAM, from PFN 0x1000 */
#define BASE_PFN        0x1000
#define MAP_SLOTS       2048            /* IOVA pages the fake can map from IOVA_BASE */
#define IOVA_BASE       (4ULL << 30)
#define TABLE_SPAN      512             /* one page-table page per 512 IOVA pages */
#define CALLS_MAX       256

enum { PG_FREE, PG_ALLOCATED, PG_FREED };

static struct page ram[NPAGES];
static unsigned next_page;
static int alloc_fail_order;            /* alloc_pages of this order or more fails; -1: never */
static unsigned alloc_budget;           /* successful allocations left */

static uint8_t input_page[4096] __attribute__((aligned(4096)));
static void *input_ptr = input_page;
void **hyperv_pcpu_input_arg = &input_ptr;
void *hv_hypercall_pg = input_page;

static struct {
	unsigned pool;                      /* pages deposited and not yet used */
	bool table[MAP_SLOTS / TABLE_SPAN]; /* which page-table pages exist */
	bool domain_root;                   /* CREATE took its page */
	uint64_t map[MAP_SLOTS];            /* IOVA page -> PFN, 0 = not mapped */
	unsigned budget;                    /* reps per call before a SUCCESS with reps left; 0 = no limit */
	int fail_map_at;                    /* MAP element index (absolute page) that fails; -1 none */
	int deposit_takes;                  /* DEPOSIT elements taken before INVALID_PARAMETER; -1 all */
	unsigned ncalls;
	struct { uint16_t code; unsigned reps, start; uint64_t first; } calls[CALLS_MAX];
} mon;

bool hv_is_hyperv_initialized(void)
{
	return true;
}

struct page *alloc_pages(unsigned int gfp, int order)
{
	struct page *p;
	unsigned i, n = 1u << order;

	/* Blocks are tried large first: their failures must not print Linux's allocation warning. */
	if (order > 0)
		assert_true(gfp & __GFP_NOWARN);
	if ((alloc_fail_order >= 0 && order >= alloc_fail_order) || !alloc_budget || next_page + n > NPAGES)
		return NULL;
	alloc_budget--;
	p = &ram[next_page];
	for (i = 0; i < n; i++)
		p[i].state = PG_ALLOCATED;
	next_page += n;
	return p;
}

void split_page(struct page *p, int order)
{
	(void)p;
	(void)order;
}

void __free_page(struct page *p)
{
	assert_int_equal(p->state, PG_ALLOCATED);
	p->state = PG_FREED;
}

static uint64_t result(uint16_t status, unsigned reps)
{
	return (uint64_t)status | (uint64_t)reps << HV_HYPERCALL_REP_COMP_OFFSET;
}

static bool is_ram(uint64_t pfn)
{
	return pfn >= BASE_PFN && pfn < BASE_PFN + NPAGES;
}

static uint64_t fake_deposit(const struct hv_deposit_memory *in, unsigned start, unsigned count)
{
	unsigned i;

	for (i = start; i < count; i++) {
		if (mon.deposit_takes >= 0 && (int)i >= mon.deposit_takes)
			return result(HV_STATUS_INVALID_PARAMETER, i);
		assert_true(is_ram(in->gpa_page_list[i]));
		mon.pool++;
	}
	return result(HV_STATUS_SUCCESS, count);
}

static uint64_t fake_map(const struct hv_input_map_device_gpa_pages *in, unsigned start, unsigned count)
{
	uint64_t first = (in->target_device_va_base - IOVA_BASE) >> 12;
	unsigned i, done = 0;

	assert_int_equal(in->device_domain.partition_id, HV_PARTITION_ID_SELF);
	assert_int_equal(in->device_domain.domain_id.type, HV_DEVICE_DOMAIN_TYPE_S2);
	assert_int_equal(in->map_flags, HV_MAP_GPA_READABLE | HV_MAP_GPA_WRITABLE);
	for (i = start; i < count; i++, done++) {
		uint64_t slot = first + i;

		if (mon.budget && done == mon.budget)
			return result(HV_STATUS_SUCCESS, i);
		assert_true(slot < MAP_SLOTS);
		if ((int)slot == mon.fail_map_at || !is_ram(in->gpa_page_list[i]))
			return result(HV_STATUS_INVALID_PARAMETER, i);
		if (!mon.table[slot / TABLE_SPAN]) {
			if (!mon.pool)
				return result(HV_STATUS_INSUFFICIENT_MEMORY, i);
			mon.pool--;
			mon.table[slot / TABLE_SPAN] = true;
		}
		mon.map[slot] = in->gpa_page_list[i];
	}
	return result(HV_STATUS_SUCCESS, count);
}

static uint64_t fake_unmap(const struct hv_input_unmap_device_gpa_pages *in, unsigned start, unsigned count)
{
	uint64_t first = (in->target_device_va_base - IOVA_BASE) >> 12;
	unsigned i;

	for (i = start; i < count; i++)
		mon.map[first + i] = 0;
	return result(HV_STATUS_SUCCESS, count);
}

u64 hv_do_hypercall(u64 control, void *in, void *out)
{
	uint16_t code = control & 0xffff;
	unsigned count = (control >> 32) & 0xfff, start = (control >> 48) & 0xfff;

	assert_true(mon.ncalls < CALLS_MAX);
	mon.calls[mon.ncalls].code = code;
	mon.calls[mon.ncalls].reps = count;
	mon.calls[mon.ncalls].start = start;
	mon.calls[mon.ncalls].first = code == HVCALL_MAP_DEVICE_GPA_PAGES ?
		((struct hv_input_map_device_gpa_pages *)in)->target_device_va_base : 0;
	mon.ncalls++;
	switch (code) {
	case HVCALL_GET_PARTITION_ID:
		assert_null(in);
		*(uint64_t *)out = 1;
		return HV_STATUS_SUCCESS;
	case HVCALL_DEPOSIT_MEMORY:
		return fake_deposit(in, start, count);
	case HVCALL_MAP_DEVICE_GPA_PAGES:
		return fake_map(in, start, count);
	case HVCALL_UNMAP_DEVICE_GPA_PAGES:
		return fake_unmap(in, start, count);
	case HVCALL_CREATE_DEVICE_DOMAIN:
		if (!mon.domain_root) {
			if (!mon.pool)
				return HV_STATUS_INSUFFICIENT_MEMORY;
			mon.pool--;
			mon.domain_root = true;
		}
		return HV_STATUS_SUCCESS;
	default:
		return HV_STATUS_INVALID_HYPERCALL_CODE;
	}
}

static int setup(void **state)
{
	unsigned i;

	(void)state;
	memset(&mon, 0, sizeof(mon));
	mon.fail_map_at = -1;
	mon.deposit_takes = -1;
	for (i = 0; i < NPAGES; i++)
		ram[i] = (struct page){ .pfn = BASE_PFN + i, .state = PG_FREE };
	next_page = 0;
	alloc_fail_order = -1;
	alloc_budget = 1000;
	memset(&iomon_stats, 0, sizeof(iomon_stats));
	return 0;
}

static unsigned count_state(int state)
{
	unsigned i, n = 0;

	for (i = 0; i < NPAGES; i++)
		n += ram[i].state == state;
	return n;
}

static unsigned calls_of(uint16_t code)
{
	unsigned i, n = 0;

	for (i = 0; i < mon.ncalls; i++)
		n += mon.calls[i].code == code;
	return n;
}

/* The buffer: n PFNs, scattered (every third page of the fake RAM's top half). */
static void buffer(u64 *pfn, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		pfn[i] = BASE_PFN + NPAGES / 2 + (i * 3) % (NPAGES / 2);
}

static void test_map_batches_deposit_and_retry(void **state)
{
	static u64 pfn[1100];
	unsigned mapped = 0, i;
	u64 status;

	(void)state;
	buffer(pfn, 1100);
	assert_int_equal(iomon_map(0x11, IOVA_BASE, pfn, 1100, true, 1, &mapped, &status), 0);
	assert_int_equal(mapped, 1100);
	for (i = 0; i < 1100; i++)
		assert_int_equal(mon.map[i], pfn[i]);
	assert_int_equal(mon.map[1100], 0);
	/* Three batches of at most 507, each short of a table page once: slots 0, 512 (in
	 * batch two, rep 5) and 1024 (in batch three, rep 10). */
	assert_int_equal(iomon_stats.insufficient, 3);
	assert_int_equal(iomon_stats.restarts, 2);
	assert_int_equal(iomon_stats.map_calls, 6);
	assert_int_equal(iomon_stats.deposits, 3);
	assert_int_equal(calls_of(HVCALL_DEPOSIT_MEMORY), 3);
	for (i = 0; i < mon.ncalls; i++) {
		assert_true(mon.calls[i].reps <= 507);
		assert_int_equal(mon.calls[i].start, 0);
	}
	/* A call that had to stop restarts at the first page not done: IOVA page 512. */
	assert_int_equal(mon.calls[4].code, HVCALL_DEPOSIT_MEMORY);
	assert_int_equal(mon.calls[5].code, HVCALL_MAP_DEVICE_GPA_PAGES);
	assert_int_equal(mon.calls[5].first, IOVA_BASE + 512 * 4096ULL);
	/* The deposited pages are the monitor's: never freed. */
	assert_int_equal(count_state(PG_ALLOCATED), 3);
	assert_int_equal(count_state(PG_FREED), 0);
}

static void test_map_time_budget_is_linux_s_to_continue(void **state)
{
	static u64 pfn[600];
	unsigned mapped = 0, i;
	u64 status;

	(void)state;
	mon.budget = 100;
	mon.pool = 2;
	buffer(pfn, 600);
	assert_int_equal(iomon_map(0x11, IOVA_BASE, pfn, 600, true, 1, &mapped, &status), 0);
	assert_int_equal(mapped, 600);
	for (i = 0; i < 600; i++)
		assert_int_equal(mon.map[i], pfn[i]);
	/* SUCCESS with reps left is continued inside hv_do_rep_hypercall, from the reps completed. */
	assert_int_equal(iomon_stats.map_calls, 2);
	assert_int_equal(iomon_stats.restarts, 0);
	assert_int_equal(mon.ncalls, 7);      /* 507 in 6 calls of 100, then 93 */
	assert_int_equal(mon.calls[1].start, 100);
	assert_int_equal(mon.calls[5].start, 500);
}

static void test_map_failure_unmaps_what_was_mapped(void **state)
{
	static u64 pfn[1100];
	unsigned mapped = 99, i;
	u64 status;

	(void)state;
	mon.pool = 8;
	mon.fail_map_at = 600;
	buffer(pfn, 1100);
	assert_int_equal(iomon_map(0x11, IOVA_BASE, pfn, 1100, true, 1, &mapped, &status), -EIO);
	assert_int_equal(hv_result(status), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(mapped, 0);
	for (i = 0; i < MAP_SLOTS; i++)
		assert_int_equal(mon.map[i], 0);
	assert_int_equal(mon.calls[mon.ncalls - 1].code, HVCALL_UNMAP_DEVICE_GPA_PAGES);
	assert_int_equal(mon.calls[mon.ncalls - 1].reps, 600);
}

static void test_map_deposit_refused_stops(void **state)
{
	static u64 pfn[10];
	unsigned mapped = 99;
	u64 status;

	(void)state;
	alloc_budget = 0;                     /* no page to deposit */
	buffer(pfn, 10);
	assert_int_equal(iomon_map(0x11, IOVA_BASE, pfn, 10, true, 1, &mapped, &status), -ENOMEM);
	assert_int_equal(mapped, 0);
	assert_int_equal(iomon_stats.insufficient, 1);
	assert_int_equal(iomon_map(0x11, IOVA_BASE, pfn, 4096, true, 1, &mapped, &status), -EINVAL);
}

static void test_deposit_keeps_only_what_the_monitor_took(void **state)
{
	u64 status;

	(void)state;
	mon.deposit_takes = 2;
	assert_int_equal(iomon_deposit(HV_PARTITION_ID_SELF, 5, &status), -EIO);
	assert_int_equal(hv_result(status), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(mon.pool, 2);
	/* 5 = 4 + 1: two blocks; pages 0-1 went to the monitor, 2-4 come back. */
	assert_int_equal(count_state(PG_ALLOCATED), 2);
	assert_int_equal(count_state(PG_FREED), 3);
	assert_int_equal(ram[0].state, PG_ALLOCATED);
	assert_int_equal(ram[1].state, PG_ALLOCATED);
	assert_int_equal(iomon_stats.deposited_pages, 2);
	assert_int_equal(iomon_stats.deposits, 0);
}

static void test_deposit_allocates_smaller_blocks_or_nothing(void **state)
{
	u64 status;

	(void)state;
	alloc_fail_order = 1;                 /* only single pages */
	assert_int_equal(iomon_deposit(7, 3, &status), 0);
	assert_int_equal(mon.pool, 3);
	assert_int_equal(iomon_stats.deposited_pages, 3);
	/* Out of memory half-way: what was allocated is freed, nothing deposited. */
	alloc_budget = 1;
	assert_int_equal(iomon_deposit(7, 2, &status), -ENOMEM);
	assert_int_equal(count_state(PG_FREED), 1);
	assert_int_equal(calls_of(HVCALL_DEPOSIT_MEMORY), 1);
	assert_int_equal(iomon_deposit(7, 0, &status), -EINVAL);
	assert_int_equal(iomon_deposit(7, IOMON_DEPOSIT_MAX + 1, &status), -EINVAL);
}

static void test_call_deposits_and_retries(void **state)
{
	struct iomon_req r = { .op = IOMON_CREATE_DEVICE_DOMAIN, .domain = 0x11 };
	u64 status, id;

	(void)state;
	status = iomon_call(&r, HV_PARTITION_ID_SELF, 1);
	assert_int_equal(hv_result(status), HV_STATUS_SUCCESS);
	assert_int_equal(mon.ncalls, 3);      /* CREATE, DEPOSIT, CREATE */
	assert_int_equal(iomon_stats.insufficient, 1);
	/* A monitor that never has enough: the loop ends. */
	alloc_budget = 0;
	mon.domain_root = false;
	status = iomon_call(&r, HV_PARTITION_ID_SELF, 1);
	assert_int_equal(hv_result(status), HV_STATUS_INSUFFICIENT_MEMORY);
	assert_int_equal(iomon_get_partition_id(&id, &status), 0);
	assert_int_equal(id, 1);
	assert_true(iomon_hypercalls_ready());
}

static void test_layouts(void **state)
{
	struct iomon_req r = { .op = IOMON_CREATE_DEVICE_DOMAIN, .domain = 0x11 };
	const uint64_t *q = (const uint64_t *)input_page;
	u64 *list;
	char buf[16];

	(void)state;
	memset(input_page, 0xff, sizeof(input_page));
	assert_int_equal(iomon_fill(input_page, &r, &list), HVCALL_CREATE_DEVICE_DOMAIN);
	assert_null(list);
	assert_int_equal(q[0], HV_PARTITION_ID_SELF);
	assert_int_equal(q[1], 0);                                  /* owner VTL and padding */
	assert_int_equal(q[2], 0x11ULL << 32 | HV_DEVICE_DOMAIN_TYPE_S2);
	assert_int_equal(*(const uint32_t *)&q[3], HV_CREATE_DEVICE_DOMAIN_FORWARD_PROGRESS_REQUIRED);
	assert_int_equal(q[4], 0);                                  /* the rest of the page zeroed */

	r = (struct iomon_req){ .op = IOMON_MAP_DEVICE_GPA_PAGES, .domain = 0x11, .addr = IOVA_BASE };
	assert_int_equal(iomon_fill(input_page, &r, &list), HVCALL_MAP_DEVICE_GPA_PAGES);
	assert_ptr_equal(list, &q[5]);
	assert_int_equal(q[3] >> 32, HV_MAP_GPA_READABLE);          /* read-only unless writable */
	assert_int_equal(q[4], IOVA_BASE);
	assert_int_equal(iomon_map_batch(), 507);

	r = (struct iomon_req){ .op = IOMON_ATTACH_DEVICE, .partition = 2, .device_id = 0x4000000000000008ULL,
				.logical_id = 8 };
	assert_int_equal(iomon_fill(input_page, &r, &list), HVCALL_ATTACH_DEVICE);
	assert_int_equal(q[0], 2);
	assert_int_equal(q[1], 0x4000000000000008ULL);
	assert_int_equal(q[2], HV_ATTDEV_LOGICAL_ID);
	assert_int_equal(q[3], 8);

	r = (struct iomon_req){ .op = IOMON_UNMAP_GPA_PAGES, .partition = 2, .addr = 0x2000000 };
	assert_int_equal(iomon_fill(input_page, &r, &list), HVCALL_UNMAP_GPA_PAGES);
	assert_int_equal(q[1], 0x2000000);

	r = (struct iomon_req){ .op = IOMON_DETACH_DEVICE_DOMAIN, .device_id = 0x4000000000000010ULL };
	assert_int_equal(iomon_fill(input_page, &r, &list), HVCALL_DETACH_DEVICE_DOMAIN);
	assert_int_equal(q[0], HV_PARTITION_ID_SELF);
	assert_int_equal(q[1], 0x4000000000000010ULL);

	/* 00:01.0 in segment 0, and 0001:02:03.4. */
	assert_int_equal(iomon_pci_device_id(0, 0, 0x08), 0x4000000000000008ULL);
	assert_int_equal(iomon_pci_device_id(1, 2, 3 << 3 | 4), 0x400000000001021cULL);
	assert_string_equal(iomon_status_name(HV_STATUS_INSUFFICIENT_MEMORY, buf, sizeof(buf)),
			    "INSUFFICIENT_MEMORY");
	assert_string_equal(iomon_status_name(0x4242, buf, sizeof(buf)), "status 0x4242");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_map_batches_deposit_and_retry, setup),
		cmocka_unit_test_setup(test_map_time_budget_is_linux_s_to_continue, setup),
		cmocka_unit_test_setup(test_map_failure_unmaps_what_was_mapped, setup),
		cmocka_unit_test_setup(test_map_deposit_refused_stops, setup),
		cmocka_unit_test_setup(test_deposit_keeps_only_what_the_monitor_took, setup),
		cmocka_unit_test_setup(test_deposit_allocates_smaller_blocks_or_nothing, setup),
		cmocka_unit_test_setup(test_call_deposits_and_retries, setup),
		cmocka_unit_test_setup(test_layouts, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
