/* SPDX-License-Identifier: MIT */
/*
 * The direct-attach and child stage-2 calls (kernel/hvcall/attach.c)
 * against a fake partition layer that records every request and can fail:
 * each input rule gives its status with nothing requested, and rep calls
 * report exact reps completed.
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "kernel/hvcall/attach.h"
#include "kernel/partition/assign.h"
#include "include/hv/hv_iommu.h"
#include "include/hv/hv_memory.h"
#include "pci/dev.h"

struct partition partitions[PART_MAX];
unsigned partition_count;

/* ---- Fakes ---------------------------------------------------------------------- */
static struct pci_dev fake_dev = { .seg = 0, .bus = 1, .devfn = 0x08 };
static unsigned assign_calls, unassign_calls, grant_calls, revoke_calls, dev_puts, commits, pending_commits;
static int assign_rc, unassign_rc, grant_fail_at = -1, grant_fail_rc = -EEXIST, revoke_rc;
static uint64_t last_logical, grant_gpa[16], revoke_gpa, revoke_size;
static paddr_t grant_hpa[16];
static unsigned grant_perms;
static bool budget_expired;

/* The pool a mirror's tables come from: the child's own deposit pool, never the monitor's. */
static paddr_t pool_page(void *ctx) { (void)ctx; return 0; }
static void pool_page_free(void *ctx, paddr_t pa) { (void)ctx; (void)pa; }
void hv_pool_pt_pool(struct partition *p, struct pt_pool *out)
{
	*out = (struct pt_pool){ .alloc = pool_page, .free = pool_page_free, .ctx = p };
}
int part_assign_device(struct partition *child, struct pci_dev *dev, uint64_t logical_id,
		       const struct pt_pool *pool)
{
	assert_ptr_equal(child, &partitions[1]);
	assert_ptr_equal(dev, &fake_dev);
	assert_non_null(pool);
	assert_ptr_equal(pool->ctx, child);
	assert_ptr_equal(pool->alloc, pool_page);
	assign_calls++;
	last_logical = logical_id;
	return assign_rc;
}
int part_unassign_device(struct partition *child, uint64_t logical_id)
{
	assert_ptr_equal(child, &partitions[1]);
	unassign_calls++;
	last_logical = logical_id;
	return unassign_rc;
}
bool part_dev_assigned(const struct pci_dev *d, struct partition **owner)
{
	(void)d;
	*owner = NULL;
	return false;
}
/* The devices' invalidation is left to part_s2_commit: one per invocation. */
int part_s2_grant_deferred(struct partition *p, uint64_t gpa, paddr_t hpa, uint64_t size, unsigned perms)
{
	assert_ptr_equal(p, &partitions[1]);
	assert_int_equal(size, PAGE_SIZE);
	assert_true(pending_commits > 0);   /* pending device-domain flushes before pages change hands */
	if ((int)grant_calls == grant_fail_at)
		return grant_fail_rc;
	grant_gpa[grant_calls] = gpa;
	grant_hpa[grant_calls] = hpa;
	grant_perms = perms;
	grant_calls++;
	return 0;
}
int part_s2_commit(struct partition *p)
{
	assert_ptr_equal(p, &partitions[1]);
	commits++;
	return grant_calls ? 1 : 0;   /* a flush when something was granted (caching mode) */
}
uint16_t hvcall_commit_pending_flushes(const struct hvcall_ctx *c)
{
	(void)c;
	pending_commits++;
	return HV_STATUS_SUCCESS;
}
int part_s2_revoke(struct partition *p, uint64_t gpa, uint64_t size)
{
	assert_ptr_equal(p, &partitions[1]);
	assert_true(pending_commits > revoke_calls);
	revoke_calls++;
	revoke_gpa = gpa;
	revoke_size = size;
	return revoke_rc;
}
/* Root RAM: GPAs below 64 MiB, at host 1 GiB + gpa. */
paddr_t part_gpa_to_hpa(const struct partition *p, uint64_t gpa)
{
	assert_ptr_equal(p, &partitions[0]);
	return gpa < 64 * MiB ? 0x40000000 + gpa : 0;
}
struct pci_dev *pci_dev_find(uint16_t seg, uint8_t bus, uint8_t devfn)
{
	return seg == 0 && bus == 1 && devfn == 0x08 ? &fake_dev : NULL;
}
void pci_dev_put(struct pci_dev *d) { assert_ptr_equal(d, &fake_dev); dev_puts++; }
uint16_t hvcall_status(int err)
{
	switch (err) {
	case 0: return HV_STATUS_SUCCESS;
	case -EINVAL: case -EEXIST: return HV_STATUS_INVALID_PARAMETER;
	case -EPERM: return HV_STATUS_ACCESS_DENIED;
	case -ENODEV: return HV_STATUS_INVALID_DEVICE_ID;
	case -EBUSY: return HV_STATUS_INVALID_DEVICE_STATE;
	case -ETIMEDOUT: return HV_STATUS_OPERATION_FAILED;
	case -ENOMEM: return HV_STATUS_INSUFFICIENT_MEMORY;
	default: return HV_STATUS_OPERATION_FAILED;
	}
}
bool hvcall_budget_expired(const struct hvcall_ctx *c) { (void)c; return budget_expired; }

/* ---- Helpers -------------------------------------------------------------------- */
static union { struct hv_input_attach_device a; struct hv_input_detach_device d;
	       struct hv_input_map_gpa_pages m; struct hv_input_unmap_gpa_pages u; uint8_t raw[4096]; } in;
static struct hvcall_counters ctr;
static struct hvcall_ctx ctx;

static int setup(void **state)
{
	(void)state;
	memset(partitions, 0, sizeof(partitions));
	partition_count = 2;
	partitions[0] = (struct partition){ .id = 1, .is_root = true, .state = PART_RUNNING };
	partitions[1] = (struct partition){ .id = 2, .state = PART_RUNNING };
	assign_calls = unassign_calls = grant_calls = revoke_calls = dev_puts = commits = pending_commits = 0;
	assign_rc = unassign_rc = revoke_rc = 0;
	grant_fail_at = -1;
	grant_fail_rc = -EEXIST;
	budget_expired = false;
	memset(&in, 0, sizeof(in));
	memset(&ctr, 0, sizeof(ctr));
	ctx = (struct hvcall_ctx){ .caller = &partitions[0], .in = &in, .ctr = &ctr };
	return 0;
}

static void good_attach(void)
{
	memset(&in, 0, sizeof(in));
	partitions[1].state = PART_RUNNING;
	in.a.partition_id = 2;
	in.a.device_id.pci.rid = 0x0108;   /* 01:01.0 */
	in.a.device_id.pci.flags = (uint16_t)(HV_DEVICE_TYPE_PCI << 14);
	in.a.attdev_flags = HV_ATTDEV_LOGICAL_ID;
	in.a.logical_devid = 0x10108;
}

/* ---- ATTACH / DETACH ------------------------------------------------------------ */
static void test_attach_moves_the_device(void **state)
{
	(void)state;
	good_attach();
	assert_int_equal(hvcall_attach_device(&ctx), HV_STATUS_SUCCESS);
	assert_int_equal(assign_calls, 1);
	assert_int_equal(last_logical, 0x10108);
	assert_int_equal(dev_puts, 1);   /* the lookup's reference is dropped */
}

static void test_attach_input_rules(void **state)
{
	(void)state;
	good_attach(); in.a.partition_id = 1;          /* the root itself */
	assert_int_equal(hvcall_attach_device(&ctx), HV_STATUS_INVALID_PARTITION_ID);
	good_attach(); in.a.partition_id = 3;          /* no such partition */
	assert_int_equal(hvcall_attach_device(&ctx), HV_STATUS_INVALID_PARTITION_ID);
	good_attach(); in.a.partition_id = HV_PARTITION_ID_SELF;
	assert_int_equal(hvcall_attach_device(&ctx), HV_STATUS_INVALID_PARTITION_ID);
	good_attach(); in.a.attdev_flags = 0;          /* Linux always sets logical_id */
	assert_int_equal(hvcall_attach_device(&ctx), HV_STATUS_INVALID_PARAMETER);
	good_attach(); in.a.attdev_flags |= 1u << 1;   /* reserved */
	assert_int_equal(hvcall_attach_device(&ctx), HV_STATUS_INVALID_PARAMETER);
	good_attach(); in.a.attdev_vtl = 1;
	assert_int_equal(hvcall_attach_device(&ctx), HV_STATUS_INVALID_PARAMETER);
	good_attach(); in.a.rsvd1 = 1;
	assert_int_equal(hvcall_attach_device(&ctx), HV_STATUS_INVALID_PARAMETER);
	good_attach(); in.a.resvd2 = 1;
	assert_int_equal(hvcall_attach_device(&ctx), HV_STATUS_INVALID_PARAMETER);
	good_attach(); in.a.attdev_flags |= HV_ATTDEV_ATS_ENABLED;
	assert_int_equal(hvcall_attach_device(&ctx), HV_STATUS_FEATURE_UNAVAILABLE);
	good_attach(); in.a.device_id.pci.flags = (uint16_t)(HV_DEVICE_TYPE_LOGICAL << 14);
	assert_int_equal(hvcall_attach_device(&ctx), HV_STATUS_INVALID_DEVICE_ID);
	good_attach(); in.a.device_id.pci.flags |= 0x0008;   /* RsvdZ */
	assert_int_equal(hvcall_attach_device(&ctx), HV_STATUS_INVALID_DEVICE_ID);
	good_attach(); in.a.device_id.pci.rid = 0x0110;      /* nothing there */
	assert_int_equal(hvcall_attach_device(&ctx), HV_STATUS_INVALID_DEVICE_ID);
	good_attach(); partitions[1].state = PART_STOPPED;
	assert_int_equal(hvcall_attach_device(&ctx), HV_STATUS_INVALID_PARTITION_STATE);
	assert_int_equal(assign_calls, 0);   /* nothing reached the mechanism */
}

static void test_attach_reports_the_mechanisms_refusal(void **state)
{
	(void)state;
	good_attach();
	assign_rc = -EBUSY;
	assert_int_equal(hvcall_attach_device(&ctx), HV_STATUS_INVALID_DEVICE_STATE);
	assign_rc = -EPERM;
	assert_int_equal(hvcall_attach_device(&ctx), HV_STATUS_ACCESS_DENIED);
	assert_int_equal(dev_puts, 2);
}

/* The child's pool has no page for a mirror's tables: the root deposits to the child and retries. */
static void test_attach_with_an_empty_child_pool(void **state)
{
	(void)state;
	good_attach();
	assign_rc = -ENOMEM;
	assert_int_equal(hvcall_attach_device(&ctx), HV_STATUS_INSUFFICIENT_MEMORY);
	assign_rc = 0;
	assert_int_equal(hvcall_attach_device(&ctx), HV_STATUS_SUCCESS);
	assert_int_equal(assign_calls, 2);
	assert_int_equal(dev_puts, 2);
}

static void test_detach_by_logical_id(void **state)
{
	(void)state;
	in.d.partition_id = 2;
	in.d.logical_devid = 0x10108;
	assert_int_equal(hvcall_detach_device(&ctx), HV_STATUS_SUCCESS);
	assert_int_equal(last_logical, 0x10108);
	unassign_rc = -ENOENT;
	assert_int_equal(hvcall_detach_device(&ctx), HV_STATUS_INVALID_DEVICE_ID);
	in.d.partition_id = 9;
	assert_int_equal(hvcall_detach_device(&ctx), HV_STATUS_INVALID_PARTITION_ID);
	assert_int_equal(unassign_calls, 2);
}

/* ---- MAP / UNMAP_GPA_PAGES -------------------------------------------------------- */
static void map_input(unsigned n)
{
	in.m.target_partition_id = 2;
	in.m.target_gpa_base = 0x8000000;
	in.m.map_flags = HV_MAP_GPA_READABLE | HV_MAP_GPA_WRITABLE;
	for (unsigned i = 0; i < n; i++)
		in.m.source_gpa_page_list[i] = 0x100 + i;   /* root GPA 1 MiB + i pages */
	ctx.rep_count = n;
	ctx.rep_start = 0;
}

static void test_map_gpa_pages_maps_each_root_page(void **state)
{
	(void)state;
	map_input(3);
	ctx.rep_start = 1;   /* a continuation: element 0 was done before */
	assert_int_equal(hvcall_map_gpa_pages(&ctx), HV_STATUS_SUCCESS);
	assert_int_equal(ctx.reps_done, 3);
	assert_int_equal(grant_calls, 2);
	assert_int_equal(grant_gpa[0], 0x8001000);
	assert_int_equal(grant_hpa[0], 0x40000000 + 0x101000);
	assert_int_equal(grant_perms, PT_READ | PT_WRITE);
	assert_int_equal(pending_commits, 1);
}

/* N pages, one IOTLB flush for the call (it used to be one per page). */
static void test_map_gpa_pages_flushes_once(void **state)
{
	(void)state;
	map_input(12);
	assert_int_equal(hvcall_map_gpa_pages(&ctx), HV_STATUS_SUCCESS);
	assert_int_equal(ctx.reps_done, 12);
	assert_int_equal(grant_calls, 12);
	assert_int_equal(commits, 1);
	assert_int_equal(ctr.iotlb_flushes, 1);
	/* Stopped by a bad element: what was granted is still flushed before the call returns. */
	map_input(4);
	in.m.source_gpa_page_list[2] = 64 * MiB / PAGE_SIZE;
	grant_calls = 0;
	pending_commits = 0;
	assert_int_equal(hvcall_map_gpa_pages(&ctx), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(commits, 2);
	assert_int_equal(ctr.iotlb_flushes, 2);
}

static void test_map_gpa_pages_stops_at_a_bad_element(void **state)
{
	(void)state;
	map_input(4);
	in.m.source_gpa_page_list[2] = 64 * MiB / PAGE_SIZE;   /* beyond the root's RAM */
	assert_int_equal(hvcall_map_gpa_pages(&ctx), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(ctx.reps_done, 2);
	map_input(4);
	in.m.source_gpa_page_list[1] = 1ull << 60;   /* would overflow a GPA */
	grant_calls = 0;
	assert_int_equal(hvcall_map_gpa_pages(&ctx), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(ctx.reps_done, 1);
	map_input(4);
	grant_calls = 0;
	grant_fail_at = 3;   /* target already mapped */
	assert_int_equal(hvcall_map_gpa_pages(&ctx), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(ctx.reps_done, 3);
	map_input(4);
	grant_calls = 0;
	grant_fail_at = 2;   /* the mirror needs a table page, the child's pool has none */
	grant_fail_rc = -ENOMEM;
	assert_int_equal(hvcall_map_gpa_pages(&ctx), HV_STATUS_INSUFFICIENT_MEMORY);
	assert_int_equal(ctx.reps_done, 2);
}

static void test_map_gpa_pages_header_rules_change_nothing(void **state)
{
	(void)state;
	map_input(2);
	in.m.target_gpa_base |= 0x800;
	assert_int_equal(hvcall_map_gpa_pages(&ctx), HV_STATUS_INVALID_PARAMETER);
	map_input(2);
	in.m.map_flags = HV_MAP_GPA_WRITABLE;   /* no read */
	assert_int_equal(hvcall_map_gpa_pages(&ctx), HV_STATUS_INVALID_PARAMETER);
	map_input(2);
	in.m.map_flags |= HV_MAP_GPA_LARGE_PAGE;
	assert_int_equal(hvcall_map_gpa_pages(&ctx), HV_STATUS_INVALID_PARAMETER);
	map_input(2);
	in.m.target_partition_id = 1;
	assert_int_equal(hvcall_map_gpa_pages(&ctx), HV_STATUS_INVALID_PARTITION_ID);
	assert_int_equal(grant_calls, 0);
	assert_int_equal(ctx.reps_done, 0);
}

static void test_map_gpa_pages_budget_continues(void **state)
{
	(void)state;
	map_input(5);
	budget_expired = true;   /* one element per invocation */
	assert_int_equal(hvcall_map_gpa_pages(&ctx), HV_STATUS_SUCCESS);
	assert_int_equal(ctx.reps_done, 1);
	assert_int_equal(grant_calls, 1);
	assert_int_equal(commits, 0);   /* a widening: the flush waits for the invocation that ends the call */
	ctx.rep_start = 1;
	budget_expired = false;
	assert_int_equal(hvcall_map_gpa_pages(&ctx), HV_STATUS_SUCCESS);
	assert_int_equal(ctx.reps_done, 5);
	assert_int_equal(commits, 1);
	assert_int_equal(ctr.iotlb_flushes, 1);   /* one for the call */
}

static void test_unmap_gpa_pages_one_revoke_for_the_range(void **state)
{
	(void)state;
	in.u.target_partition_id = 2;
	in.u.target_gpa_base = 0x8000000;
	ctx.rep_count = 8;
	ctx.rep_start = 2;
	assert_int_equal(hvcall_unmap_gpa_pages(&ctx), HV_STATUS_SUCCESS);
	assert_int_equal(revoke_calls, 1);
	assert_int_equal(revoke_gpa, 0x8002000);
	assert_int_equal(revoke_size, 6 * PAGE_SIZE);
	assert_int_equal(ctx.reps_done, 8);
	assert_int_equal(ctr.iotlb_flushes, 1);
	revoke_rc = -ETIMEDOUT;   /* a CPU could not be made to flush */
	assert_int_equal(hvcall_unmap_gpa_pages(&ctx), HV_STATUS_OPERATION_FAILED);
	assert_int_equal(ctx.reps_done, 2);
	in.u.unmap_flags = 1;
	assert_int_equal(hvcall_unmap_gpa_pages(&ctx), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(revoke_calls, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_attach_moves_the_device, setup),
		cmocka_unit_test_setup(test_attach_input_rules, setup),
		cmocka_unit_test_setup(test_attach_reports_the_mechanisms_refusal, setup),
		cmocka_unit_test_setup(test_attach_with_an_empty_child_pool, setup),
		cmocka_unit_test_setup(test_detach_by_logical_id, setup),
		cmocka_unit_test_setup(test_map_gpa_pages_maps_each_root_page, setup),
		cmocka_unit_test_setup(test_map_gpa_pages_flushes_once, setup),
		cmocka_unit_test_setup(test_map_gpa_pages_stops_at_a_bad_element, setup),
		cmocka_unit_test_setup(test_map_gpa_pages_header_rules_change_nothing, setup),
		cmocka_unit_test_setup(test_map_gpa_pages_budget_continues, setup),
		cmocka_unit_test_setup(test_unmap_gpa_pages_one_revoke_for_the_range, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
