/* SPDX-License-Identifier: MIT */
/*
 * The device-domain calls (kernel/hvcall/domain.c, map.c, devid.c) through
 * the dispatcher, against a fake partition pair and the real domain layer
 * over a fake IOMMU vendor (tests/unit/fake_devdom.h): every call with good
 * and bad input, the exact status and reps completed, and no state changed
 * beyond them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/fake_pci.h"
#include "tests/unit/fake_devdom.h"
#include "kernel/hvcall/hvcall.h"
#include "kernel/hvcall/devdom.h"
#include "kernel/hvcall/devid.h"
#include "kernel/partition/partition.h"
#include "kernel/smp.h"
#include "iommu/iommu.h"
#include "kernel/frames.h"
#include "pci/dev.h"
#include "pci/regs.h"

#define IN_GPA      0x100000ULL     /* the root's hypercall input page */
#define OUT_GPA     0x101000ULL
#define DEP_GPA     0x1000000ULL    /* pages the root deposits, from 16 MiB up */
#define DATA_GPA    0x400000ULL     /* pages it maps */
#define IOVA        0x40000000ULL
#define RD          HV_MAP_GPA_READABLE
#define RW          (HV_MAP_GPA_READABLE | HV_MAP_GPA_WRITABLE)

/* ---- the fake machine (tests/unit/fake_devdom.h) ---- */

static uint64_t next_deposit;    /* the next GPA deposit() gives */

static int setup(void **state)
{
	int flags = state && *state ? *(const int *)*state : 0;
	struct fake_devdom_opts o = { .cm = flags & 1, .nr_ids = flags & 2 ? 8 : 0, .phys_add = phys_arena_add };

	phys_arena_reset();
	log_capture_reset();
	assert_int_equal(fake_devdom_setup(&o), 0);
	next_deposit = DEP_GPA;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_devdom_teardown();
	return 0;
}

/* ---- issuing calls ---- */

static struct partition *root(void) { return &partitions[0]; }
static struct partition *child(void) { return &partitions[1]; }
static struct hvcall_args last;

static uint64_t hc(struct partition *p, uint16_t code, unsigned count, unsigned start)
{
	last = (struct hvcall_args){ .control = code | (uint64_t)count << 32 | (uint64_t)start << 48,
				     .in_gpa = IN_GPA, .out_gpa = OUT_GPA, .may_continue = true };
	if (!p->is_root)
		last.in_gpa = last.out_gpa = 0;   /* the child's page 0: its RAM */
	hvcall_dispatch(p, NULL, &last);
	return last.result;
}
#define STATUS(r) ((unsigned)((r) & 0xffff))
#define REPS(r)   ((unsigned)(((r) >> 32) & 0xfff))

/* The caller's input page. */
static void *in_page(struct partition *p)
{
	return fake_devdom_va(part_chunk_hpa(p, p->is_root ? IN_GPA : 0));
}

static struct hv_input_device_domain dd(uint32_t id)
{
	struct hv_input_device_domain d = { .partition_id = HV_PARTITION_ID_SELF };

	d.domain_id.type = HV_DEVICE_DOMAIN_TYPE_S2;
	d.domain_id.id = id;
	return d;
}

static struct hvcall_counters *ctr(uint16_t code) { return hvcall_counters(1, code); }

static uint64_t deposit(unsigned n)
{
	uint64_t next = next_deposit;
	struct hv_deposit_memory *in = in_page(root());

	if (next + n * PAGE_SIZE > ROOT_END || next < DEP_GPA)
		next = DEP_GPA;
	memset(in, 0, PAGE_SIZE);
	in->partition_id = HV_PARTITION_ID_SELF;
	for (unsigned i = 0; i < n; i++) {
		while (!part_gpa_to_hpa(root(), next))
			next += PAGE_SIZE;
		in->gpa_page_list[i] = next >> PAGE_SHIFT;
		next += PAGE_SIZE;
	}
	next_deposit = next;
	return hc(root(), HVCALL_DEPOSIT_MEMORY, n, 0);
}

static uint64_t create(struct partition *p, uint32_t id)
{
	struct hv_input_create_device_domain *in = in_page(p);

	memset(in, 0, PAGE_SIZE);
	in->device_domain = dd(id);
	in->create_device_domain_flags = HV_CREATE_DEVICE_DOMAIN_FORWARD_PROGRESS_REQUIRED;
	return hc(p, HVCALL_CREATE_DEVICE_DOMAIN, 0, 0);
}

static uint64_t domain_call(uint16_t code, uint32_t id)
{
	struct hv_input_delete_device_domain *in = in_page(root());

	memset(in, 0, PAGE_SIZE);
	in->device_domain = dd(id);
	return hc(root(), code, 0, 0);
}

static uint64_t attach(uint32_t id, uint64_t devid)
{
	struct hv_input_attach_device_domain *in = in_page(root());

	memset(in, 0, PAGE_SIZE);
	in->device_domain = dd(id);
	in->device_id.as_uint64 = devid;
	return hc(root(), HVCALL_ATTACH_DEVICE_DOMAIN, 0, 0);
}

static uint64_t detach(uint64_t devid)
{
	struct hv_input_detach_device_domain *in = in_page(root());

	memset(in, 0, PAGE_SIZE);
	in->partition_id = HV_PARTITION_ID_SELF;
	in->device_id.as_uint64 = devid;
	return hc(root(), HVCALL_DETACH_DEVICE_DOMAIN, 0, 0);
}

static uint64_t pci_id(uint16_t rid)
{
	union hv_device_id id = { .as_uint64 = 0 };

	id.pci.rid = rid;
	id.pci.flags = (uint16_t)(HV_DEVICE_TYPE_PCI << 14);
	return id.as_uint64;
}

/* Map pfns[0..n) at iova from rep `start`, with a header as Linux fills it. */
static uint64_t map(uint32_t id, uint64_t iova, const uint64_t *pfns, unsigned n, unsigned start, uint32_t flags)
{
	struct hv_input_map_device_gpa_pages *in = in_page(root());

	memset(in, 0, PAGE_SIZE);
	in->device_domain = dd(id);
	in->map_flags = flags;
	in->target_device_va_base = iova;
	for (unsigned i = 0; i < n; i++)
		in->gpa_page_list[i] = pfns[i];
	return hc(root(), HVCALL_MAP_DEVICE_GPA_PAGES, n, start);
}

static uint64_t unmap(uint32_t id, uint64_t iova, unsigned n, unsigned start)
{
	struct hv_input_unmap_device_gpa_pages *in = in_page(root());

	memset(in, 0, PAGE_SIZE);
	in->device_domain = dd(id);
	in->target_device_va_base = iova;
	return hc(root(), HVCALL_UNMAP_DEVICE_GPA_PAGES, n, start);
}

#define assert_result(r, status, reps) do { \
	uint64_t r_ = (r); \
	assert_int_equal(STATUS(r_), (status)); \
	assert_int_equal(REPS(r_), (reps)); \
} while (0)

static void assert_iova(uint32_t id, uint64_t iova, paddr_t want)
{
	struct iommu_domain *d = iommu_domain_find(id);
	paddr_t pa = 0;
	int rc = pt_lookup(&d->pt, iova, &pa, NULL, NULL);

	if (want) {
		assert_int_equal(rc, 0);
		assert_int_equal(pa, want);
	} else {
		assert_int_equal(rc, -ENOENT);
	}
}

/* Linux's map loop: on INSUFFICIENT_MEMORY deposit and re-issue from the reps completed. */
static unsigned linux_map(uint32_t id, uint64_t iova, const uint64_t *pfns, unsigned n)
{
	unsigned done = 0, calls = 0;

	while (done < n) {
		uint64_t r = map(id, iova, pfns, n, done, RW);

		calls++;
		done = REPS(r);
		if (STATUS(r) == HV_STATUS_INSUFFICIENT_MEMORY) {
			assert_result(deposit(8), HV_STATUS_SUCCESS, 8);
			continue;
		}
		assert_int_equal(STATUS(r), HV_STATUS_SUCCESS);
		if (!last.advance_rip)   /* a continuation: re-execute with RCX as updated */
			done = (unsigned)((last.control & HV_HYPERCALL_REP_START_MASK) >> HV_HYPERCALL_REP_START_OFFSET);
	}
	return calls;
}

/* ---- create, delete, configure ---- */

static void test_create_and_delete(void **state)
{
	struct hv_input_create_device_domain *in = in_page(root());
	unsigned used;

	(void)state;
	/* No deposit yet: the root table cannot come from anywhere else. */
	assert_result(create(root(), 5), HV_STATUS_INSUFFICIENT_MEMORY, 0);
	assert_null(iommu_domain_find(5));
	assert_result(deposit(4), HV_STATUS_SUCCESS, 4);
	assert_result(create(child(), 5), HV_STATUS_ACCESS_DENIED, 0);
	assert_null(iommu_domain_find(5));
	assert_result(create(root(), 5), HV_STATUS_SUCCESS, 0);
	assert_non_null(iommu_domain_find(5));
	assert_int_equal(hv_pool_in_use(root()), 1);
	assert_int_equal(ctr(HVCALL_CREATE_DEVICE_DOMAIN)->table_pages, 1);
	assert_result(create(root(), 5), HV_STATUS_INVALID_PARAMETER, 0);   /* exists */
	assert_result(create(root(), 0), HV_STATUS_INVALID_PARAMETER, 0);
	assert_result(create(root(), 0xffffffff), HV_STATUS_INVALID_PARAMETER, 0);
	/* Bad fields, each alone. */
	create(root(), 6);   /* fills the page; the next ones are edits of it */
	assert_result(domain_call(HVCALL_DELETE_DEVICE_DOMAIN, 6), HV_STATUS_SUCCESS, 0);
	in->device_domain = dd(6);
	in->device_domain.domain_id.type = HV_DEVICE_DOMAIN_TYPE_S1;
	assert_result(hc(root(), HVCALL_CREATE_DEVICE_DOMAIN, 0, 0), HV_STATUS_FEATURE_UNAVAILABLE, 0);
	in->device_domain = dd(6);
	in->device_domain.domain_id.type = 7;
	assert_result(hc(root(), HVCALL_CREATE_DEVICE_DOMAIN, 0, 0), HV_STATUS_INVALID_PARAMETER, 0);
	in->device_domain = dd(6);
	in->device_domain.domain_id.reserved = 1;
	assert_result(hc(root(), HVCALL_CREATE_DEVICE_DOMAIN, 0, 0), HV_STATUS_INVALID_PARAMETER, 0);
	in->device_domain = dd(6);
	in->device_domain.owner_vtl = 1;
	assert_result(hc(root(), HVCALL_CREATE_DEVICE_DOMAIN, 0, 0), HV_STATUS_INVALID_PARAMETER, 0);
	in->device_domain = dd(6);
	in->create_device_domain_flags = 4;
	assert_result(hc(root(), HVCALL_CREATE_DEVICE_DOMAIN, 0, 0), HV_STATUS_INVALID_PARAMETER, 0);
	in->create_device_domain_flags = HV_CREATE_DEVICE_DOMAIN_INHERIT_OWNING_VTL;
	assert_result(hc(root(), HVCALL_CREATE_DEVICE_DOMAIN, 0, 0), HV_STATUS_INVALID_PARAMETER, 0);
	in->create_device_domain_flags = 0;
	in->device_domain.partition_id = 2;
	assert_result(hc(root(), HVCALL_CREATE_DEVICE_DOMAIN, 0, 0), HV_STATUS_INVALID_PARTITION_ID, 0);
	in->device_domain.partition_id = 1;    /* its own id works like SELF */
	assert_result(hc(root(), HVCALL_CREATE_DEVICE_DOMAIN, 0, 0), HV_STATUS_SUCCESS, 0);
	/* A rep count or a fast call on a simple call is malformed. */
	assert_result(hc(root(), HVCALL_CREATE_DEVICE_DOMAIN, 1, 0), HV_STATUS_INVALID_HYPERCALL_INPUT, 0);
	/* Delete: unknown, special, a child's attempt, attached, then fine. */
	assert_result(domain_call(HVCALL_DELETE_DEVICE_DOMAIN, 7), HV_STATUS_INVALID_PARAMETER, 0);
	assert_result(domain_call(HVCALL_DELETE_DEVICE_DOMAIN, 0), HV_STATUS_INVALID_PARAMETER, 0);
	assert_result(domain_call(HVCALL_DELETE_DEVICE_DOMAIN, 0xffffffff), HV_STATUS_INVALID_PARAMETER, 0);
	assert_result(hc(child(), HVCALL_DELETE_DEVICE_DOMAIN, 0, 0), HV_STATUS_ACCESS_DENIED, 0);
	assert_result(attach(5, pci_id(RID_NIC)), HV_STATUS_SUCCESS, 0);
	assert_result(domain_call(HVCALL_DELETE_DEVICE_DOMAIN, 5), HV_STATUS_INVALID_DEVICE_STATE, 0);
	assert_non_null(iommu_domain_find(5));
	assert_result(detach(pci_id(RID_NIC)), HV_STATUS_SUCCESS, 0);
	used = hv_pool_in_use(root());
	assert_result(domain_call(HVCALL_DELETE_DEVICE_DOMAIN, 5), HV_STATUS_SUCCESS, 0);
	assert_null(iommu_domain_find(5));
	assert_int_equal(hv_pool_in_use(root()), used - 1);   /* its table page is free again */
}

static const int few_ids = 2;

static void test_hardware_ids_run_out(void **state)
{
	unsigned made = 0;
	uint64_t r;

	(void)state;
	assert_result(deposit(16), HV_STATUS_SUCCESS, 16);
	while (STATUS(r = create(root(), 100 + made)) == HV_STATUS_SUCCESS)
		made++;
	assert_result(r, HV_STATUS_INSUFFICIENT_DEVICE_DOMAINS, 0);
	assert_int_equal(made, 5);
}

static void test_configure_accepts_only_s2_settings(void **state)
{
	struct hv_input_configure_device_domain *in = in_page(root());

	(void)state;
	deposit(2);
	create(root(), 9);
	memset(in, 0, PAGE_SIZE);
	in->device_domain = dd(9);
	in->settings.flags = HV_DEVICE_DOMAIN_TRANSLATION_ENABLED;
	assert_result(hc(root(), HVCALL_CONFIGURE_DEVICE_DOMAIN, 0, 0), HV_STATUS_SUCCESS, 0);
	in->settings.page_table_root = 0x123000;
	assert_result(hc(root(), HVCALL_CONFIGURE_DEVICE_DOMAIN, 0, 0), HV_STATUS_FEATURE_UNAVAILABLE, 0);
	in->settings.page_table_root = 0;
	in->settings.flags = HV_DEVICE_DOMAIN_TRANSLATION_ENABLED | HV_DEVICE_DOMAIN_BLOCKED;
	assert_result(hc(root(), HVCALL_CONFIGURE_DEVICE_DOMAIN, 0, 0), HV_STATUS_FEATURE_UNAVAILABLE, 0);
	in->settings.flags = 0;
	assert_result(hc(root(), HVCALL_CONFIGURE_DEVICE_DOMAIN, 0, 0), HV_STATUS_FEATURE_UNAVAILABLE, 0);
	in->settings.flags = 1ull << 3;
	assert_result(hc(root(), HVCALL_CONFIGURE_DEVICE_DOMAIN, 0, 0), HV_STATUS_INVALID_PARAMETER, 0);
	in->settings.flags = HV_DEVICE_DOMAIN_TRANSLATION_ENABLED;
	in->device_domain = dd(0);
	assert_result(hc(root(), HVCALL_CONFIGURE_DEVICE_DOMAIN, 0, 0), HV_STATUS_INVALID_PARAMETER, 0);
	assert_result(hc(child(), HVCALL_CONFIGURE_DEVICE_DOMAIN, 0, 0), HV_STATUS_ACCESS_DENIED, 0);
}

/* ---- attach and detach: the PCI form of hv_device_id ---- */

static void test_attach_and_detach(void **state)
{
	union hv_device_id id;

	(void)state;
	deposit(8);
	assert_result(create(root(), 5), HV_STATUS_SUCCESS, 0);
	assert_result(attach(5, pci_id(RID_EDU)), HV_STATUS_SUCCESS, 0);
	assert_ptr_equal(iommu_domain_of(fdd.edu), iommu_domain_find(5));
	/* Its unity range came along, tables from the root's pool. */
	assert_iova(5, UNITY_BASE, UNITY_BASE);
	assert_true(ctr(HVCALL_ATTACH_DEVICE_DOMAIN)->table_pages >= 2);
	assert_result(attach(5, pci_id(RID_EDU)), HV_STATUS_DEVICE_ALREADY_IN_DOMAIN, 0);
	assert_result(attach(5, pci_id(0x0500)), HV_STATUS_INVALID_DEVICE_ID, 0);
	/* Failed attaches took no table page: the count is what the domain has beyond its root. */
	assert_int_equal(ctr(HVCALL_ATTACH_DEVICE_DOMAIN)->table_pages,
			 iommu_domain_table_pages(iommu_domain_find(5)) - 1);
	assert_result(attach(6, pci_id(RID_NIC)), HV_STATUS_INVALID_PARAMETER, 0);   /* no domain 6 */
	/* Malformed ids: logical form, reserved bits, phantom functions, a range without shadow. */
	assert_result(attach(5, RID_NIC), HV_STATUS_INVALID_PARAMETER, 0);
	assert_result(attach(5, pci_id(RID_NIC) | 1ull << 51), HV_STATUS_INVALID_PARAMETER, 0);
	assert_result(attach(5, pci_id(RID_NIC) | 1ull << 48), HV_STATUS_INVALID_PARAMETER, 0);
	assert_result(attach(5, pci_id(RID_NIC) | 2ull << 40), HV_STATUS_INVALID_PARAMETER, 0);
	assert_result(attach(5, pci_id(RID_NIC) | 1ull << 16), HV_STATUS_INVALID_DEVICE_ID, 0);   /* segment 1 */
	/* Behind the PCIe-to-PCI bridge Linux names the alias 02:00.0, not the function. */
	assert_int_equal(hv_devid_of_pci_dev(fdd.conv1), pci_id(RID_SEC));
	assert_int_equal(hv_devid_of_pci_dev(fdd.nic), pci_id(RID_NIC));
	assert_result(attach(5, pci_id(0x0218)), HV_STATUS_INVALID_DEVICE_ID, 0);
	/* A bus range must be that bridge's (secondary 2, subordinate 2). */
	id.as_uint64 = pci_id(RID_SEC);
	id.pci.flags |= HV_PCI_ID_SOURCE_SHADOW;
	id.pci.secondary_bus = 2;
	id.pci.subordinate_bus = 3;
	assert_result(attach(5, id.as_uint64), HV_STATUS_INVALID_DEVICE_ID, 0);
	assert_ptr_equal(iommu_domain_of(fdd.conv1), iommu_domain_default());
	id.pci.subordinate_bus = 2;
	/* The group moves as a unit: both functions behind the bridge. */
	assert_result(attach(5, id.as_uint64), HV_STATUS_SUCCESS, 0);
	assert_ptr_equal(iommu_domain_of(fdd.conv1), iommu_domain_find(5));
	assert_ptr_equal(iommu_domain_of(fdd.conv2), iommu_domain_find(5));
	assert_result(attach(5, pci_id(RID_SEC)), HV_STATUS_DEVICE_ALREADY_IN_DOMAIN, 0);
	/* To the null domain and back to the default one. */
	assert_result(attach(0xffffffff, pci_id(RID_SEC)), HV_STATUS_SUCCESS, 0);
	assert_ptr_equal(iommu_domain_of(fdd.conv2), iommu_domain_null());
	assert_result(detach(pci_id(RID_SEC)), HV_STATUS_SUCCESS, 0);
	assert_ptr_equal(iommu_domain_of(fdd.conv2), iommu_domain_default());
	assert_result(detach(pci_id(RID_SEC)), HV_STATUS_SUCCESS, 0);   /* already there: fine */
	assert_result(detach(pci_id(0x0500)), HV_STATUS_INVALID_DEVICE_ID, 0);
	assert_result(attach(0, pci_id(RID_EDU)), HV_STATUS_SUCCESS, 0);
	assert_ptr_equal(iommu_domain_of(fdd.edu), iommu_domain_default());
	/* A child can do none of it. */
	assert_result(hc(child(), HVCALL_ATTACH_DEVICE_DOMAIN, 0, 0), HV_STATUS_ACCESS_DENIED, 0);
	assert_result(hc(child(), HVCALL_DETACH_DEVICE_DOMAIN, 0, 0), HV_STATUS_ACCESS_DENIED, 0);
	assert_ptr_equal(iommu_domain_of(fdd.edu), iommu_domain_default());
}

/* A device in a domain the root did not create (a child's) is not the root's to move. */
static void test_foreign_domain_is_left_alone(void **state)
{
	struct iommu_domain *foreign;
	int err;

	(void)state;
	deposit(2);
	create(root(), 5);
	foreign = iommu_domain_create(77, NULL, &err);
	assert_non_null(foreign);
	foreign->owner = 2;
	assert_int_equal(iommu_attach(foreign, fdd.nic), 0);
	assert_result(attach(5, pci_id(RID_NIC)), HV_STATUS_INVALID_DEVICE_STATE, 0);
	assert_result(detach(pci_id(RID_NIC)), HV_STATUS_INVALID_DEVICE_STATE, 0);
	assert_result(attach(77, pci_id(RID_EDU)), HV_STATUS_INVALID_PARAMETER, 0);   /* not its domain */
	assert_ptr_equal(iommu_domain_of(fdd.nic), foreign);
}

/* ---- map and unmap ---- */

static uint64_t pfns[HV_MAP_DEVICE_GPA_BATCH_SIZE];

static void scatter(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		pfns[i] = (DATA_GPA >> PAGE_SHIFT) + (i * 7) % 2048;
}

static const int caching = 1;

/* Linux's loop maps 507 scattered pages from an empty pool; one flush per call that mapped. */
static void test_map_with_the_deposit_loop(void **state)
{
	struct hvcall_counters *c = ctr(HVCALL_MAP_DEVICE_GPA_PAGES);
	unsigned calls;

	(void)state;
	deposit(1);
	assert_result(create(root(), 5), HV_STATUS_SUCCESS, 0);
	scatter(507);
	calls = linux_map(5, IOVA, pfns, 507);
	assert_true(calls > 1);
	for (unsigned i = 0; i < 507; i++)
		assert_iova(5, IOVA + i * PAGE_SIZE, pfns[i] << PAGE_SHIFT);
	assert_iova(5, IOVA + 507 * PAGE_SIZE, 0);
	assert_int_equal(c->calls, calls);
	assert_int_equal(c->reps, 507);
	assert_int_equal(c->status[hvcall_status_slot(HV_STATUS_INSUFFICIENT_MEMORY)], calls - 1);
	/* Caching mode: every call that mapped something flushed once, and only once. */
	assert_int_equal(c->iotlb_flushes, fdd.flushes);
	assert_true(fdd.flushes >= 1 && fdd.flushes <= calls);
	assert_int_equal(c->table_pages, hv_pool_in_use(root()) - 1);
	fdd.flushes = 0;
	assert_result(map(5, IOVA + GiB, pfns, 3, 0, RD), HV_STATUS_SUCCESS, 3);
	assert_int_equal(fdd.flushes, 1);
	assert_int_equal(fdd.flush_iova, IOVA + GiB);
	assert_int_equal(fdd.flush_size, 3 * PAGE_SIZE);
}

static void test_map_without_caching_mode_does_not_flush(void **state)
{
	(void)state;
	deposit(8);
	create(root(), 5);
	scatter(100);
	assert_result(map(5, IOVA, pfns, 100, 0, RW), HV_STATUS_SUCCESS, 100);
	assert_int_equal(fdd.flushes, 0);
	assert_int_equal(ctr(HVCALL_MAP_DEVICE_GPA_PAGES)->iotlb_flushes, 0);
	/* Unmap always fdd.flushes, once. */
	assert_result(unmap(5, IOVA, 100, 0), HV_STATUS_SUCCESS, 100);
	assert_int_equal(fdd.flushes, 1);
	assert_int_equal(fdd.flush_iova, IOVA);
	assert_int_equal(fdd.flush_size, 100 * PAGE_SIZE);
	assert_int_equal(ctr(HVCALL_UNMAP_DEVICE_GPA_PAGES)->iotlb_flushes, 1);
	assert_iova(5, IOVA, 0);
}

/* Element k is not the root's RAM: ACCESS_DENIED, reps k, pages before it mapped, after it not. */
static void test_map_refuses_foreign_pfns(void **state)
{
	const uint64_t bad[] = {
		0xfee00,                           /* MMIO */
		0x100000000ULL >> PAGE_SHIFT,      /* beyond its RAM */
		CHILD_HPA >> PAGE_SHIFT,           /* the child's RAM */
		MON_BASE >> PAGE_SHIFT,            /* monitor memory */
		0,                                 /* below its RAM */
		1ull << 60,                        /* a GPA that does not fit */
		0,                                 /* a page it deposited (set below) */
	};
	uint64_t r;

	(void)state;
	deposit(32);
	create(root(), 5);
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		uint64_t iova = IOVA + i * 2 * MiB;

		scatter(10);
		pfns[6] = i == ARRAY_SIZE(bad) - 1 ? (DEP_GPA >> PAGE_SHIFT) : bad[i];
		assert_false(part_gpa_to_hpa(root(), pfns[6] << PAGE_SHIFT) != 0 && i == ARRAY_SIZE(bad) - 1);
		r = map(5, iova, pfns, 10, 0, RW);
		assert_result(r, HV_STATUS_ACCESS_DENIED, 6);
		for (unsigned k = 0; k < 10; k++)
			assert_iova(5, iova + k * PAGE_SIZE, k < 6 ? pfns[k] << PAGE_SHIFT : 0);
		/* From rep start 2: reps still count from the start of the list. */
		assert_result(unmap(5, iova, 10, 0), HV_STATUS_SUCCESS, 10);
		assert_result(map(5, iova, pfns, 10, 2, RW), HV_STATUS_ACCESS_DENIED, 6);
		assert_iova(5, iova, 0);
		assert_iova(5, iova + 2 * PAGE_SIZE, pfns[2] << PAGE_SHIFT);
	}
	assert_int_equal(ctr(HVCALL_MAP_DEVICE_GPA_PAGES)->status[hvcall_status_slot(HV_STATUS_ACCESS_DENIED)],
			 2 * ARRAY_SIZE(bad));
}

static void test_map_header_errors(void **state)
{
	struct hv_input_map_device_gpa_pages *in = in_page(root());
	uint64_t r;

	(void)state;
	deposit(8);
	create(root(), 5);
	scatter(4);
	assert_result(map(5, IOVA + 0x800, pfns, 4, 0, RW), HV_STATUS_INVALID_PARAMETER, 0);
	assert_result(map(5, IOVA, pfns, 4, 1, HV_MAP_GPA_WRITABLE), HV_STATUS_INVALID_PARAMETER, 1);
	assert_result(map(5, IOVA, pfns, 4, 0, RW | HV_MAP_GPA_KERNEL_EXECUTABLE), HV_STATUS_INVALID_PARAMETER, 0);
	assert_result(map(5, IOVA, pfns, 4, 0, RW | HV_MAP_GPA_LARGE_PAGE), HV_STATUS_INVALID_PARAMETER, 0);
	assert_result(map(6, IOVA, pfns, 4, 0, RW), HV_STATUS_INVALID_PARAMETER, 0);
	assert_result(map(0, IOVA, pfns, 4, 0, RW), HV_STATUS_INVALID_PARAMETER, 0);
	assert_result(map(0xffffffff, IOVA, pfns, 4, 0, RW), HV_STATUS_INVALID_PARAMETER, 0);
	map(5, IOVA, pfns, 4, 0, RW);
	assert_result(last.result, HV_STATUS_SUCCESS, 4);
	assert_result(unmap(5, IOVA, 4, 0), HV_STATUS_SUCCESS, 4);
	in->target_vtl = 1;
	assert_result(hc(root(), HVCALL_MAP_DEVICE_GPA_PAGES, 4, 0), HV_STATUS_INVALID_PARAMETER, 0);
	in->target_vtl = 0;
	in->device_domain.partition_id = 2;
	assert_result(hc(root(), HVCALL_MAP_DEVICE_GPA_PAGES, 4, 0), HV_STATUS_INVALID_PARTITION_ID, 0);
	in->device_domain.partition_id = HV_PARTITION_ID_SELF;
	/* The dispatcher's rules: rep count 0, start past count, a list crossing the page. */
	assert_result(hc(root(), HVCALL_MAP_DEVICE_GPA_PAGES, 0, 0), HV_STATUS_INVALID_HYPERCALL_INPUT, 0);
	assert_result(hc(root(), HVCALL_MAP_DEVICE_GPA_PAGES, 4, 4), HV_STATUS_INVALID_HYPERCALL_INPUT, 0);
	assert_result(hc(root(), HVCALL_MAP_DEVICE_GPA_PAGES, 508, 0), HV_STATUS_INVALID_ALIGNMENT, 0);
	/* A child: ACCESS_DENIED before anything else. */
	r = hc(child(), HVCALL_MAP_DEVICE_GPA_PAGES, 4, 0);
	assert_result(r, HV_STATUS_ACCESS_DENIED, 0);
	assert_iova(5, IOVA, 0);
	/* Already mapped: stops there. */
	map(5, IOVA + 2 * PAGE_SIZE, pfns, 1, 0, RW);
	assert_result(map(5, IOVA, pfns, 4, 0, RW), HV_STATUS_INVALID_PARAMETER, 2);
}

static void test_unmap_rules(void **state)
{
	(void)state;
	deposit(8);
	create(root(), 5);
	assert_result(attach(5, pci_id(RID_EDU)), HV_STATUS_SUCCESS, 0);
	scatter(8);
	assert_result(map(5, UNITY_BASE - 4 * PAGE_SIZE, pfns, 8, 0, RW), HV_STATUS_ACCESS_DENIED, 4);
	fdd.flushes = 0;
	/* The unity range is immune: the pages before it go, it stays. */
	assert_result(unmap(5, UNITY_BASE - 4 * PAGE_SIZE, 8, 0), HV_STATUS_ACCESS_DENIED, 4);
	assert_iova(5, UNITY_BASE - PAGE_SIZE, 0);
	assert_iova(5, UNITY_BASE, UNITY_BASE);
	assert_int_equal(fdd.flushes, 1);
	assert_result(unmap(5, IOVA + 1, 8, 0), HV_STATUS_INVALID_PARAMETER, 0);
	assert_result(unmap(0, IOVA, 8, 0), HV_STATUS_INVALID_PARAMETER, 0);
	assert_result(unmap(5, 1ull << 48, 8, 2), HV_STATUS_INVALID_PARAMETER, 2);
	assert_result(hc(child(), HVCALL_UNMAP_DEVICE_GPA_PAGES, 8, 0), HV_STATUS_ACCESS_DENIED, 0);
	/* 4095 pages, holes included, one call. */
	assert_result(unmap(5, IOVA, 4095, 0), HV_STATUS_SUCCESS, 4095);
}

/* A page a device domain maps cannot be deposited (it would become a table a device can write). */
static void test_deposit_refuses_a_mapped_page(void **state)
{
	struct hv_deposit_memory *in = in_page(root());

	(void)state;
	deposit(8);
	create(root(), 5);
	pfns[0] = DATA_GPA >> PAGE_SHIFT;
	assert_result(map(5, IOVA, pfns, 1, 0, RW), HV_STATUS_SUCCESS, 1);
	memset(in, 0, PAGE_SIZE);
	in->partition_id = HV_PARTITION_ID_SELF;
	in->gpa_page_list[0] = DATA_GPA >> PAGE_SHIFT;
	assert_result(hc(root(), HVCALL_DEPOSIT_MEMORY, 1, 0), HV_STATUS_INVALID_PARAMETER, 0);
	assert_true(part_gpa_to_hpa(root(), DATA_GPA) != 0);
	assert_result(unmap(5, IOVA, 1, 0), HV_STATUS_SUCCESS, 1);
	memset(in, 0, PAGE_SIZE);
	in->partition_id = HV_PARTITION_ID_SELF;
	in->gpa_page_list[0] = DATA_GPA >> PAGE_SHIFT;
	assert_result(hc(root(), HVCALL_DEPOSIT_MEMORY, 1, 0), HV_STATUS_SUCCESS, 1);
	/* Deposited: not mappable any more. */
	assert_result(map(5, IOVA, pfns, 1, 0, RW), HV_STATUS_ACCESS_DENIED, 0);
}

/*
 * Found by fuzz_hvcall: a page of edu's unity range (RMRR), mapped in
 * edu's device domain for good and not counted as a map, could be
 * deposited and become a page table edu's DMA reaches.
 */
static void test_deposit_refuses_a_unity_page(void **state)
{
	struct hv_deposit_memory *in = in_page(root());
	paddr_t pa = 0;

	(void)state;
	assert_result(deposit(8), HV_STATUS_SUCCESS, 8);
	assert_result(create(root(), 5), HV_STATUS_SUCCESS, 0);
	assert_result(attach(5, pci_id(RID_EDU)), HV_STATUS_SUCCESS, 0);
	memset(in, 0, PAGE_SIZE);
	in->partition_id = HV_PARTITION_ID_SELF;
	in->gpa_page_list[0] = UNITY_BASE >> PAGE_SHIFT;
	assert_result(hc(root(), HVCALL_DEPOSIT_MEMORY, 1, 0), HV_STATUS_INVALID_PARAMETER, 0);
	assert_false(hv_pool_holds_hpa(UNITY_BASE));
	assert_int_equal(part_gpa_to_hpa(root(), UNITY_BASE), UNITY_BASE);
	/* Not through the default domain either (no device there needs it). */
	assert_result(detach(pci_id(RID_EDU)), HV_STATUS_SUCCESS, 0);
	assert_result(hc(root(), HVCALL_DEPOSIT_MEMORY, 1, 0), HV_STATUS_INVALID_PARAMETER, 0);
	assert_false(hv_pool_holds_hpa(UNITY_BASE));
	assert_int_equal(iommu_ram_remove(UNITY_BASE, PAGE_SIZE), -EBUSY);
	assert_int_equal(pt_lookup(iommu_domain_table(iommu_domain_default(), 4), UNITY_BASE, &pa, NULL, NULL), 0);
}

/*
 * Found by fuzz_hvcall: a withdraw whose default-domain invalidation is not
 * confirmed put the page back into the pool while the identity map already
 * reached it again. The grant fails closed (a stale entry says not
 * present), so the page goes back to the root, DMA-able, out of the pool.
 */
static void test_withdraw_survives_an_unconfirmed_flush(void **state)
{
	struct hv_input_withdraw_memory *in = in_page(root());
	uint64_t *out = fake_devdom_va(OUT_GPA);
	paddr_t pa = 0;

	(void)state;
	assert_result(deposit(1), HV_STATUS_SUCCESS, 1);
	assert_int_equal(hv_pool_pages(root()), 1);
	memset(in, 0, PAGE_SIZE);
	in->partition_id = HV_PARTITION_ID_SELF;
	fdd.fail_flush = fdd.all_flushes + 1;
	assert_result(hc(root(), HVCALL_WITHDRAW_MEMORY, 1, 0), HV_STATUS_SUCCESS, 1);
	assert_int_equal(out[0], DEP_GPA >> PAGE_SHIFT);
	assert_int_equal(hv_pool_pages(root()), 0);
	assert_true(part_gpa_to_hpa(root(), DEP_GPA) == DEP_GPA);
	assert_true(iommu_ram_is_dma_able(DEP_GPA, PAGE_SIZE));
	assert_int_equal(pt_lookup(iommu_domain_table(iommu_domain_default(), 4), DEP_GPA, &pa, NULL, NULL), 0);
	assert_int_equal(pa, DEP_GPA);
	assert_true(log_captured("not confirmed"));
}

/* A call that cannot finish in its budget continues with RIP not advanced, from where it stopped. */
static void test_map_continues_past_its_budget(void **state)
{
	(void)state;
	deposit(16);
	create(root(), 5);
	scatter(507);
	fdd.clock_step = 30000;   /* each clock reading: 30 us; the budget is 50 us */
	/* Two chunks of 128 fit (readings at 30, 60 us; 90 us is past the deadline at 80 us). */
	assert_result(map(5, IOVA, pfns, 507, 0, RW), HV_STATUS_SUCCESS, 256);
	assert_false(last.advance_rip);
	assert_int_equal((last.control & HV_HYPERCALL_REP_START_MASK) >> HV_HYPERCALL_REP_START_OFFSET, 256);
	assert_int_equal(fdd.flushes, 0);
	/* Re-executed as the guest would (RCX updated, RIP not advanced): the rest. */
	assert_result(map(5, IOVA, pfns, 507, 256, RW), HV_STATUS_SUCCESS, 507);
	assert_true(last.advance_rip);
	for (unsigned i = 0; i < 507; i++)
		assert_iova(5, IOVA + i * PAGE_SIZE, pfns[i] << PAGE_SHIFT);
	assert_int_equal(ctr(HVCALL_MAP_DEVICE_GPA_PAGES)->continuations, 1);
	assert_int_equal(ctr(HVCALL_MAP_DEVICE_GPA_PAGES)->reps, 507);
}

/* ---- one flush per call, across continuations ---- */

static uint64_t withdraw(unsigned n)
{
	struct hv_input_withdraw_memory *in = in_page(root());

	memset(in, 0, PAGE_SIZE);
	in->partition_id = HV_PARTITION_ID_SELF;
	return hc(root(), HVCALL_WITHDRAW_MEMORY, n, 0);
}

/* 1100 mapped pages, then an UNMAP of them that runs out of its budget after 1024 (clock as above). */
static struct iommu_domain *unmap_left_pending(void)
{
	struct iommu_domain *d;

	deposit(32);
	create(root(), 5);
	d = iommu_domain_find(5);
	for (unsigned first = 0; first < 1100; first += 500) {
		unsigned n = MIN(500u, 1100 - first);

		for (unsigned i = 0; i < n; i++)
			pfns[i] = (DATA_GPA >> PAGE_SHIFT) + first + i;
		assert_result(map(5, IOVA + (uint64_t)first * PAGE_SIZE, pfns, n, 0, RW), HV_STATUS_SUCCESS, n);
	}
	fdd.flushes = 0;
	fdd.clock_step = 30000;   /* two chunks of 512 fit in the budget */
	assert_result(unmap(5, IOVA, 1100, 0), HV_STATUS_SUCCESS, 1024);
	assert_false(last.advance_rip);
	fdd.clock_step = 0;
	assert_int_equal(fdd.flushes, 0);   /* the continuation does not flush ... */
	assert_true(iommu_flush_pending(d));   /* ... it leaves the span pending in the domain */
	assert_iova(5, IOVA, 0);
	return d;
}

static void test_continued_unmap_flushes_once(void **state)
{
	struct hvcall_counters *c = ctr(HVCALL_UNMAP_DEVICE_GPA_PAGES);
	struct iommu_domain *d;

	(void)state;
	d = unmap_left_pending();
	/* The guest re-executes from rep start 1024: the call ends with one flush over all of it. */
	assert_result(unmap(5, IOVA, 1100, 1024), HV_STATUS_SUCCESS, 1100);
	assert_true(last.advance_rip);
	assert_int_equal(fdd.flushes, 1);
	assert_int_equal(fdd.flush_iova, IOVA);
	assert_int_equal(fdd.flush_size, 1100 * PAGE_SIZE);
	assert_false(iommu_flush_pending(d));
	assert_int_equal(c->calls, 2);
	assert_int_equal(c->continuations, 1);
	assert_int_equal(c->iotlb_flushes, 1);   /* one per completed call, not per entry */
}

/* A page the unmap released cannot become the monitor's while a device may still reach it. */
static void test_deposit_commits_a_pending_flush_first(void **state)
{
	struct hv_deposit_memory *in = in_page(root());

	(void)state;
	unmap_left_pending();
	memset(in, 0, PAGE_SIZE);
	in->partition_id = HV_PARTITION_ID_SELF;
	in->gpa_page_list[0] = DATA_GPA >> PAGE_SHIFT;   /* unmapped by the continued call */
	assert_result(hc(root(), HVCALL_DEPOSIT_MEMORY, 1, 0), HV_STATUS_SUCCESS, 1);
	assert_int_equal(fdd.flushes, 1);
	assert_int_equal(fdd.flush_iova, IOVA);
	assert_int_equal(fdd.flush_size, 1024 * PAGE_SIZE);
	assert_false(iommu_flush_pending(iommu_domain_find(5)));
	assert_int_equal(ctr(HVCALL_DEPOSIT_MEMORY)->iotlb_flushes, 1);
	/* The unmap then ends with its own one flush, over what it did since. */
	assert_result(unmap(5, IOVA, 1100, 1024), HV_STATUS_SUCCESS, 1100);
	assert_int_equal(fdd.flushes, 2);
	assert_int_equal(fdd.flush_iova, IOVA + 1024 * PAGE_SIZE);
	assert_int_equal(fdd.flush_size, 76 * PAGE_SIZE);
	assert_int_equal(ctr(HVCALL_UNMAP_DEVICE_GPA_PAGES)->iotlb_flushes, 1);
}

/* The unmap freed no table page: they stay in use, and WITHDRAW returns exactly the free ones. */
static void test_withdraw_commits_and_never_returns_table_pages(void **state)
{
	unsigned used, pages;

	(void)state;
	unmap_left_pending();
	used = hv_pool_in_use(root());
	pages = hv_pool_pages(root());
	assert_true(used > 1);
	assert_result(withdraw(pages), HV_STATUS_NO_RESOURCES, pages - used);
	assert_int_equal(fdd.flushes, 1);   /* committed before any page moved */
	assert_false(iommu_flush_pending(iommu_domain_find(5)));
	assert_int_equal(ctr(HVCALL_WITHDRAW_MEMORY)->iotlb_flushes, 1);
	assert_int_equal(hv_pool_in_use(root()), used);
	assert_int_equal(hv_pool_pages(root()), used);
	/* Only deleting the domain frees its tables; then they can be withdrawn. */
	assert_result(unmap(5, IOVA, 1100, 1024), HV_STATUS_SUCCESS, 1100);
	assert_result(domain_call(HVCALL_DELETE_DEVICE_DOMAIN, 5), HV_STATUS_SUCCESS, 0);
	assert_int_equal(hv_pool_in_use(root()), 0);
	assert_result(withdraw(used), HV_STATUS_SUCCESS, used);
	assert_int_equal(hv_pool_pages(root()), 0);
}

/* DELETE of a domain with a flush pending: flushed before its tables go back to the pool. */
static void test_delete_commits_a_pending_flush_first(void **state)
{
	(void)state;
	unmap_left_pending();
	assert_result(domain_call(HVCALL_DELETE_DEVICE_DOMAIN, 5), HV_STATUS_SUCCESS, 0);
	assert_int_equal(fdd.flushes, 1);
	assert_int_equal(fdd.flush_size, 1024 * PAGE_SIZE);
	assert_int_equal(ctr(HVCALL_DELETE_DEVICE_DOMAIN)->iotlb_flushes, 1);
	assert_int_equal(hv_pool_in_use(root()), 0);
	/* The abandoned continuation cannot find its domain any more. */
	assert_result(unmap(5, IOVA, 1100, 1024), HV_STATUS_INVALID_PARAMETER, 1024);
	assert_int_equal(fdd.flushes, 1);
}

/* A device moving in or out, or another call on the domain, commits the pending flush too. */
static void test_moves_and_other_calls_commit_a_pending_flush(void **state)
{
	struct iommu_domain *d;

	(void)state;
	d = unmap_left_pending();
	assert_result(attach(5, pci_id(RID_NIC)), HV_STATUS_SUCCESS, 0);
	assert_int_equal(fdd.flushes, 1);
	assert_false(iommu_flush_pending(d));
	/* Again pending, then a second call (another vcpu's map) on the same domain ends first. */
	assert_result(unmap(5, IOVA, 1100, 1024), HV_STATUS_SUCCESS, 1100);
	assert_int_equal(fdd.flushes, 2);
	pfns[0] = DATA_GPA >> PAGE_SHIFT;
	for (unsigned i = 0; i < 3; i++)
		assert_result(map(5, IOVA + GiB + i * 2 * MiB, pfns, 1, 0, RW), HV_STATUS_SUCCESS, 1);
	fdd.clock_step = 30000;
	assert_result(unmap(5, IOVA + GiB, 1100, 0), HV_STATUS_SUCCESS, 1024);
	fdd.clock_step = 0;
	assert_int_equal(fdd.flushes, 2);
	assert_result(unmap(5, IOVA + 2 * GiB, 1, 0), HV_STATUS_SUCCESS, 1);
	assert_int_equal(fdd.flushes, 3);   /* one flush: its own page and the other call's span */
	assert_int_equal(fdd.flush_iova, IOVA + GiB);
	assert_false(iommu_flush_pending(d));
	assert_result(detach(pci_id(RID_NIC)), HV_STATUS_SUCCESS, 0);
	assert_int_equal(fdd.flushes, 3);   /* nothing pending: the move needs no extra flush */
}

/* FLUSH_DEVICE_DOMAIN(_LIST) fold what is pending into their one flush. */
static void test_flush_calls_fold_a_pending_flush(void **state)
{
	struct hv_input_flush_device_domain_list *in = in_page(root());
	struct iommu_domain *d;

	(void)state;
	d = unmap_left_pending();
	assert_result(domain_call(HVCALL_FLUSH_DEVICE_DOMAIN, 5), HV_STATUS_SUCCESS, 0);
	assert_int_equal(fdd.flushes, 1);
	assert_int_equal(fdd.flush_size, 0);   /* the whole domain covers the pending span */
	assert_false(iommu_flush_pending(d));
	assert_result(unmap(5, IOVA, 1100, 1024), HV_STATUS_SUCCESS, 1100);
	assert_int_equal(fdd.flushes, 2);
	/* Pending again; a list of one page far away: one flush over both. */
	fdd.clock_step = 30000;
	assert_result(unmap(5, IOVA, 1100, 0), HV_STATUS_SUCCESS, 1024);
	fdd.clock_step = 0;
	memset(in, 0, PAGE_SIZE);
	in->device_domain = dd(5);
	in->iova_list[0] = IOVA + 4096 * PAGE_SIZE;
	assert_result(hc(root(), HVCALL_FLUSH_DEVICE_DOMAIN_LIST, 1, 0), HV_STATUS_SUCCESS, 1);
	assert_int_equal(fdd.flushes, 3);
	assert_int_equal(fdd.flush_iova, IOVA);
	assert_int_equal(fdd.flush_size, 4097 * PAGE_SIZE);
	assert_false(iommu_flush_pending(d));
}

/* ---- the deposit pool: no cap but the RAM ---- */

#define BIG_POOL 5000   /* more than the 4096 pages the pool once held */

static void test_pool_holds_more_than_4096_pages(void **state)
{
	struct hv_deposit_memory *in = in_page(root());
	unsigned used, returned = 0, still = 0;

	(void)state;
	for (unsigned first = 0; first < BIG_POOL; first += 500) {
		memset(in, 0, PAGE_SIZE);
		in->partition_id = HV_PARTITION_ID_SELF;
		for (unsigned i = 0; i < 500; i++)
			in->gpa_page_list[i] = (0x800000 >> PAGE_SHIFT) + first + i;
		assert_result(hc(root(), HVCALL_DEPOSIT_MEMORY, 500, 0), HV_STATUS_SUCCESS, 500);
	}
	assert_int_equal(hv_pool_pages(root()), BIG_POOL);
	assert_int_equal(hv_pool_in_use(root()), 0);
	/* Tables for pages 2 MiB apart: a table page each. */
	assert_result(create(root(), 5), HV_STATUS_SUCCESS, 0);
	pfns[0] = DATA_GPA >> PAGE_SHIFT;
	for (unsigned i = 0; i < 64; i++)
		assert_result(map(5, IOVA + (uint64_t)i * 2 * MiB, pfns, 1, 0, RW), HV_STATUS_SUCCESS, 1);
	used = hv_pool_in_use(root());
	assert_true(used > 64);
	assert_int_equal(ctr(HVCALL_MAP_DEVICE_GPA_PAGES)->table_pages + 1, used);
	/* WITHDRAW gives back exactly the free pages, each back where it came from. */
	for (;;) {
		uint64_t r = withdraw(500);

		returned += REPS(r);
		if (STATUS(r) == HV_STATUS_NO_RESOURCES)
			break;
		assert_result(r, HV_STATUS_SUCCESS, 500);
	}
	assert_int_equal(returned, BIG_POOL - used);
	assert_int_equal(hv_pool_pages(root()), used);
	assert_int_equal(hv_pool_in_use(root()), used);
	for (unsigned i = 0; i < BIG_POOL; i++) {
		uint64_t gpa = 0x800000 + (uint64_t)i * PAGE_SIZE;
		bool pooled = hv_pool_holds_gpa(root(), gpa);

		assert_true(pooled != (part_gpa_to_hpa(root(), gpa) != 0));   /* one or the other */
		still += pooled;
	}
	assert_int_equal(still, used);
	/* Its tables come back once the domain is gone. */
	for (unsigned i = 0; i < 64; i++)
		assert_result(unmap(5, IOVA + (uint64_t)i * 2 * MiB, 1, 0), HV_STATUS_SUCCESS, 1);
	assert_result(domain_call(HVCALL_DELETE_DEVICE_DOMAIN, 5), HV_STATUS_SUCCESS, 0);
	assert_result(withdraw(500), HV_STATUS_NO_RESOURCES, used);
	assert_int_equal(hv_pool_pages(root()), 0);
}

/* No monitor memory for the bookkeeping: deposits refused, nothing moved, one error line however often retried. */
static void test_pool_without_bookkeeping_memory(void **state)
{
	(void)state;
	fdd.no_map_memory = true;
	for (unsigned i = 0; i < 3; i++)
		assert_result(deposit(1), HV_STATUS_INSUFFICIENT_BUFFERS, 0);
	assert_int_equal(log_captured_count(LOG_ERR), 1);
	assert_int_equal(hv_pool_pages(root()), 0);
	assert_true(part_gpa_to_hpa(root(), DEP_GPA) != 0);   /* back in its stage-2 */
	assert_true(iommu_ram_is_dma_able(DEP_GPA, PAGE_SIZE));
}

/* ---- flush ---- */

static void test_flush_calls(void **state)
{
	struct hv_input_flush_device_domain_list *in = in_page(root());

	(void)state;
	deposit(4);
	create(root(), 5);
	assert_result(domain_call(HVCALL_FLUSH_DEVICE_DOMAIN, 5), HV_STATUS_SUCCESS, 0);
	assert_int_equal(fdd.flushes, 1);
	assert_int_equal(fdd.flush_size, 0);   /* the whole domain */
	assert_result(domain_call(HVCALL_FLUSH_DEVICE_DOMAIN, 0xffffffff), HV_STATUS_SUCCESS, 0);
	assert_int_equal(fdd.flushes, 1);
	assert_result(domain_call(HVCALL_FLUSH_DEVICE_DOMAIN, 6), HV_STATUS_INVALID_PARAMETER, 0);
	((struct hv_input_flush_device_domain *)in)->flags = 1;
	assert_result(hc(root(), HVCALL_FLUSH_DEVICE_DOMAIN, 0, 0), HV_STATUS_INVALID_PARAMETER, 0);
	assert_int_equal(ctr(HVCALL_FLUSH_DEVICE_DOMAIN)->iotlb_flushes, 1);
	/* A list: one flush over the union. */
	memset(in, 0, PAGE_SIZE);
	in->device_domain = dd(5);
	in->flags = HV_FLUSH_DEVICE_DOMAIN_LIST_IOMMU_FORMAT;
	in->iova_list[0] = (IOVA + 4 * PAGE_SIZE) | 2;           /* 4 pages */
	in->iova_list[1] = IOVA | 0;                             /* 1 page */
	in->iova_list[2] = (IOVA + 16 * PAGE_SIZE) | 3;          /* 8 pages */
	fdd.flushes = 0;
	assert_result(hc(root(), HVCALL_FLUSH_DEVICE_DOMAIN_LIST, 3, 0), HV_STATUS_SUCCESS, 3);
	assert_int_equal(fdd.flushes, 1);
	assert_int_equal(fdd.flush_iova, IOVA);
	assert_int_equal(fdd.flush_size, 24 * PAGE_SIZE);
	/* A misaligned element: reps exact, the ones before it still flushed, once. */
	in->iova_list[1] = (IOVA + PAGE_SIZE) | 1;
	assert_result(hc(root(), HVCALL_FLUSH_DEVICE_DOMAIN_LIST, 3, 0), HV_STATUS_INVALID_PARAMETER, 1);
	assert_int_equal(fdd.flushes, 2);
	assert_int_equal(fdd.flush_size, 4 * PAGE_SIZE);
	in->iova_list[1] = 63;                                   /* 2^63 pages: too many */
	assert_result(hc(root(), HVCALL_FLUSH_DEVICE_DOMAIN_LIST, 3, 1), HV_STATUS_INVALID_PARAMETER, 1);
	in->flags = 2;
	assert_result(hc(root(), HVCALL_FLUSH_DEVICE_DOMAIN_LIST, 3, 0), HV_STATUS_INVALID_PARAMETER, 0);
	assert_result(hc(child(), HVCALL_FLUSH_DEVICE_DOMAIN_LIST, 3, 0), HV_STATUS_ACCESS_DENIED, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define TP(fn, p) cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, (void *)(p))

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_create_and_delete),
		TP(test_hardware_ids_run_out, &few_ids),
		T(test_configure_accepts_only_s2_settings),
		T(test_attach_and_detach),
		T(test_foreign_domain_is_left_alone),
		TP(test_map_with_the_deposit_loop, &caching),
		T(test_map_without_caching_mode_does_not_flush),
		T(test_map_refuses_foreign_pfns),
		T(test_map_header_errors),
		T(test_unmap_rules),
		T(test_deposit_refuses_a_mapped_page),
		T(test_map_continues_past_its_budget),
		T(test_continued_unmap_flushes_once),
		T(test_deposit_commits_a_pending_flush_first),
		T(test_withdraw_commits_and_never_returns_table_pages),
		T(test_delete_commits_a_pending_flush_first),
		T(test_moves_and_other_calls_commit_a_pending_flush),
		T(test_flush_calls_fold_a_pending_flush),
		T(test_pool_holds_more_than_4096_pages),
		T(test_pool_without_bookkeeping_memory),
		T(test_flush_calls),
		T(test_withdraw_survives_an_unconfirmed_flush),
		T(test_deposit_refuses_a_unity_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
