/* SPDX-License-Identifier: MIT */
/*
 * The domain layer's hypercall-facing side (iommu/iommu.c): batched maps
 * with the DMA-able-RAM rule checked per page and exact progress, one
 * flush per call, tables from a caller's pool that can run dry, unity
 * ranges immune, hardware ids running out. A fake vendor records every
 * flush with its range; a fake deposit pool hands out a fixed number of
 * pages and records what comes back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/fake_pci.h"
#include "iommu/iommu.h"
#include "kernel/frames.h"
#include "pci/dev.h"

#define ARENA_BASE   0x10000000ULL   /* the monitor pool */
#define ARENA_SIZE   (4 * MiB)
#define DEPOSIT_BASE 0x30000000ULL   /* a partition's deposit pool: not DMA-able */
#define DEPOSIT_MAX  256
#define RAM_END      0x8000000ULL
#define RID_EDU      0x0008
#define RID_NIC      0x0010
#define UNITY_BASE   0x200000ULL
#define UNITY_END    0x204000ULL
#define IOVA         0x40000000ULL
#define RW           (PT_READ | PT_WRITE)

static uint8_t *arena, *deposit_arena;
static int unit_a;
static bool cm;                  /* the platform caches not-present entries */
static uint32_t nr_domain_ids;
static unsigned flush_calls;
static uint64_t flush_iova, flush_size;
static const struct iommu_domain *flushed;

static bool fake_probe(const struct acpi_info *ai, struct iommu_limits *lim)
{
	(void)ai;
	*lim = (struct iommu_limits){ .pt_levels = 4, .addr_width = 48,
				      .page_sizes = PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G, .coherent = true,
				      .domain_ids = nr_domain_ids ? nr_domain_ids : 1u << 16,
				      .caches_not_present = cm };
	return true;
}
static void *fake_unit_for(uint16_t seg, uint16_t rid, bool *failed) { (void)seg; (void)rid; *failed = false; return &unit_a; }
static paddr_t fake_unit_base(const void *u) { (void)u; return 0xfed90000; }
static int fake_set_rid(void *unit, uint16_t rid, const struct iommu_domain *d) { (void)unit; (void)rid; (void)d; return 0; }
static int fake_flush(const struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	flush_calls++;
	flushed = d;
	flush_iova = iova;
	flush_size = size;
	return 0;
}
static int fake_enable(void) { return 0; }
static unsigned fake_poll(void) { return 0; }
static unsigned fake_unity(struct iommu_unity *out, unsigned max)
{
	(void)max;
	out[0] = (struct iommu_unity){ 0, RID_EDU, RID_EDU, UNITY_BASE, UNITY_END };
	return 1;
}
const struct iommu_ops vtd_iommu_ops = {
	.name = "fake", .pt_format = &pt_fmt_vtd_sl, .probe = fake_probe, .unit_for = fake_unit_for,
	.unit_base = fake_unit_base, .set_rid = fake_set_rid, .flush = fake_flush,
	.enable = fake_enable, .fault_poll = fake_poll, .unity_ranges = fake_unity,
};
static bool no_probe(const struct acpi_info *ai, struct iommu_limits *l) { (void)ai; (void)l; return false; }
const struct iommu_ops amdvi_iommu_ops = { .name = "none", .probe = no_probe };

/* ---- a deposit pool: `avail` pages left, every page handed out tracked ---- */

static paddr_t dep_free[DEPOSIT_MAX];
static unsigned dep_n, dep_out;

static paddr_t dep_alloc(void *ctx)
{
	(void)ctx;
	if (!dep_n)
		return 0;
	dep_out++;
	return dep_free[--dep_n];
}
static void dep_release(void *ctx, paddr_t pa)
{
	(void)ctx;
	assert_true(pa >= DEPOSIT_BASE && pa < DEPOSIT_BASE + DEPOSIT_MAX * PAGE_SIZE);
	dep_out--;
	dep_free[dep_n++] = pa;
}
static const struct pt_pool deposit_pool = { dep_alloc, dep_release, NULL };
static paddr_t dep_next;

static void deposit(unsigned pages)
{
	while (pages--) {
		assert_true(dep_next < DEPOSIT_BASE + DEPOSIT_MAX * PAGE_SIZE);
		dep_free[dep_n++] = dep_next;
		dep_next += PAGE_SIZE;
	}
}

static struct pci_dev *edu, *nic;

static struct pci_dev *add_dev(uint8_t devfn, uint16_t rid)
{
	struct pci_dev_desc desc = { .bus = 0, .devfn = devfn, .vendor = 0x1234, .device = 0x11e8,
				     .class = 0x00ff00, .rids = { rid }, .nr_rids = 1 };
	struct pci_dev *d = NULL;

	fake_pci_endpoint(0, 0, devfn, 0x1234, 0x11e8, 0x00ff00);
	assert_int_equal(pci_dev_add(&desc, &d), 0);
	return d;
}

static int setup(void **state)
{
	static struct phys_range ram[] = { { 0x100000, RAM_END } };
	static const struct phys_range monitor[] = { { ARENA_BASE, ARENA_BASE + ARENA_SIZE } };
	struct phys_range pool = { ARENA_BASE, ARENA_BASE + ARENA_SIZE };
	struct iommu_memory mem = { ram, 1, monitor, 1 };
	struct acpi_info ai = { 0 };

	cm = state && *state && (*(const int *)*state & 1);
	nr_domain_ids = state && *state && (*(const int *)*state & 2) ? 8 : 0;
	arena = aligned_alloc(PAGE_SIZE, ARENA_SIZE);
	deposit_arena = aligned_alloc(PAGE_SIZE, DEPOSIT_MAX * PAGE_SIZE);
	memset(arena, 0, ARENA_SIZE);
	phys_arena_reset();
	phys_arena_add(ARENA_BASE, arena, ARENA_SIZE);
	phys_arena_add(DEPOSIT_BASE, deposit_arena, DEPOSIT_MAX * PAGE_SIZE);
	assert_int_equal(frames_init(&pool, 1), 0);
	dep_n = dep_out = 0;
	dep_next = DEPOSIT_BASE;
	fake_pci_reset();
	pci_dev_registry_reset();
	log_capture_reset();
	edu = add_dev(0x08, RID_EDU);
	nic = add_dev(0x10, RID_NIC);
	assert_int_equal(iommu_init(&ai, &mem), 0);
	flush_calls = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pci_dev_put(edu);
	pci_dev_put(nic);
	free(arena);
	free(deposit_arena);
	return 0;
}

static struct iommu_domain *new_domain(uint32_t id)
{
	int err = 0;
	struct iommu_domain *d;

	deposit(8);
	d = iommu_domain_create(id, &deposit_pool, &err);
	assert_non_null(d);
	return d;
}

/* Scattered pages, with a 2 MiB-aligned contiguous run in the middle. */
static paddr_t pages[PT_MAP_BATCH_MAX + 1];

static void fill_pages(unsigned n)
{
	for (unsigned k = 0; k < n; k++)
		pages[k] = 0x1000000 + (uint64_t)((k * 37) % 1024) * 2 * PAGE_SIZE;
	for (unsigned k = 0; k < 512 && 100 + k < n; k++)
		pages[100 + k] = 0x4000000 + (uint64_t)k * PAGE_SIZE;
}

static void assert_mapped(const struct iommu_domain *d, uint64_t iova, paddr_t want, bool mapped)
{
	paddr_t pa;

	assert_int_equal(pt_lookup(&d->pt, iova, &pa, NULL, NULL), mapped ? 0 : -ENOENT);
	if (mapped)
		assert_int_equal(pa, want);
}

static void test_map_pages_without_caching_mode_needs_no_flush(void **state)
{
	struct iommu_domain *d = new_domain(0x10);
	struct pt_progress p;
	uint64_t size;

	(void)state;
	deposit(64);
	fill_pages(507);
	/* Page 100 + k is 0x4000000 + k * 4K, at IOVA 100 * 4K + k * 4K: the run 412..507 is not 2M aligned. */
	assert_int_equal(iommu_map_pages(d, IOVA, pages, 507, RW, &p), 0);
	assert_int_equal(p.done, 507);
	for (unsigned k = 0; k < 507; k++)
		assert_mapped(d, IOVA + k * PAGE_SIZE, pages[k], true);
	assert_mapped(d, IOVA + 507 * PAGE_SIZE, 0, false);
	assert_int_equal(iommu_flush_commit(d, NULL), 0);
	assert_int_equal(flush_calls, 0);
	/* 512 contiguous pages (more than a hypercall carries) at a 2 MiB-aligned IOVA: one 2M leaf. */
	for (unsigned k = 0; k < 512; k++)
		pages[k] = 0x4000000 + (uint64_t)k * PAGE_SIZE;
	assert_int_equal(iommu_map_pages(d, IOVA + 2 * GiB, pages, 512, RW, &p), 0);
	assert_int_equal(pt_lookup(&d->pt, IOVA + 2 * GiB + 5 * PAGE_SIZE, NULL, NULL, &size), 0);
	assert_int_equal(size, 2 * MiB);
	assert_int_equal(flush_calls, 0);
	/* An unmap always flushes, once, over what it unmapped. */
	assert_int_equal(iommu_unmap_pages(d, IOVA, 507 * PAGE_SIZE, &size), 0);
	assert_int_equal(size, 507 * PAGE_SIZE);
	assert_int_equal(iommu_flush_commit(d, NULL), 1);
	assert_int_equal(flush_calls, 1);
	assert_ptr_equal(flushed, d);
	assert_int_equal(flush_iova, IOVA);
	assert_int_equal(flush_size, 507 * PAGE_SIZE);
	assert_int_equal(iommu_flush_commit(d, NULL), 0);   /* nothing left to flush */
	assert_int_equal(flush_calls, 1);
}

static const int caching_mode = 1;

static void test_caching_mode_flushes_once_per_call(void **state)
{
	struct iommu_domain *d = new_domain(0x11);
	struct pt_progress p;

	(void)state;
	assert_true(iommu_get_limits()->caches_not_present);
	deposit(64);
	fill_pages(507);
	assert_int_equal(iommu_map_pages(d, IOVA, pages, 300, RW, &p), 0);
	assert_int_equal(iommu_map_pages(d, IOVA + 300 * PAGE_SIZE, pages + 300, 207, RW, &p), 0);
	assert_int_equal(flush_calls, 0);   /* nothing until the commit */
	assert_int_equal(iommu_flush_commit(d, NULL), 1);
	assert_int_equal(flush_calls, 1);
	assert_int_equal(flush_iova, IOVA);
	assert_int_equal(flush_size, 507 * PAGE_SIZE);
}

/* Invariant 1, per page: the prefix before a bad page is mapped, the rest untouched. */
static void test_each_page_must_be_dma_able(void **state)
{
	static const paddr_t bad[] = { ARENA_BASE, DEPOSIT_BASE, RAM_END, 0xfee00000, 0x100000000ULL };
	struct iommu_domain *d = new_domain(0x12);
	struct pt_progress p;
	uint64_t size;

	(void)state;
	deposit(64);
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		uint64_t iova = IOVA + i * 4 * MiB;

		fill_pages(20);
		pages[7] = bad[i];
		assert_int_equal(iommu_map_pages(d, iova, pages, 20, RW, &p), -EACCES);
		assert_int_equal(p.done, 7);
		for (unsigned k = 0; k < 20; k++)
			assert_mapped(d, iova + k * PAGE_SIZE, pages[k], k < 7);
	}
	/* A table page of the domain itself. */
	fill_pages(3);
	pages[0] = d->pt.root;
	assert_int_equal(iommu_map_pages(d, IOVA + GiB, pages, 3, RW, &p), -EACCES);
	assert_int_equal(p.done, 0);
	/* A page the root deposits stops being mappable at once. */
	assert_int_equal(iommu_ram_remove(0x3000000, PAGE_SIZE), 0);
	pages[0] = 0x2fff000;
	pages[1] = 0x3000000;
	assert_int_equal(iommu_map_pages(d, IOVA + GiB, pages, 2, RW, &p), -EACCES);
	assert_int_equal(p.done, 1);
	/* Misaligned page address: refused at that page. */
	pages[0] = 0x3001800;
	assert_int_equal(iommu_map_pages(d, IOVA + GiB + PAGE_SIZE, pages, 1, RW, &p), -EINVAL);
	assert_int_equal(p.done, 0);
	/* Past the IOVA space: the pages below the limit are mapped. */
	fill_pages(4);
	assert_int_equal(iommu_map_pages(d, (1ULL << 48) - 2 * PAGE_SIZE, pages, 4, RW, &p), -ERANGE);
	assert_int_equal(p.done, 2);
	assert_int_equal(iommu_unmap_pages(d, (1ULL << 48) - 2 * PAGE_SIZE, 4 * PAGE_SIZE, &size), -ERANGE);
	assert_int_equal(size, 2 * PAGE_SIZE);
}

static void test_whole_call_errors_change_nothing(void **state)
{
	struct iommu_domain *d = new_domain(0x13);
	struct pt_progress p = { 99, 99 };
	uint64_t size;

	(void)state;
	fill_pages(PT_MAP_BATCH_MAX + 1);
	assert_int_equal(iommu_map_pages(iommu_domain_default(), IOVA, pages, 1, RW, &p), -EPERM);
	assert_int_equal(p.done, 0);
	assert_int_equal(iommu_map_pages(iommu_domain_null(), IOVA, pages, 1, RW, &p), -EPERM);
	assert_int_equal(iommu_map_pages(d, IOVA + 0x800, pages, 1, RW, &p), -EINVAL);
	assert_int_equal(iommu_map_pages(d, IOVA, pages, 0, RW, &p), -EINVAL);
	assert_int_equal(iommu_map_pages(d, IOVA, pages, PT_MAP_BATCH_MAX + 1, RW, &p), -EINVAL);
	assert_int_equal(iommu_unmap_pages(iommu_domain_default(), 0x1000000, PAGE_SIZE, &size), -EPERM);
	assert_int_equal(iommu_unmap_pages(d, IOVA, 0, &size), -EINVAL);
	assert_int_equal(iommu_unmap_pages(d, IOVA + 1, PAGE_SIZE, &size), -EINVAL);
	assert_int_equal(d->pt.stats.entries_written, 0);
	assert_false(iommu_flush_pending(d));
	assert_int_equal(iommu_flush_commit(d, NULL), 0);
}

static void test_remap_stops_at_the_overlap(void **state)
{
	struct iommu_domain *d = new_domain(0x14);
	struct pt_progress p;

	(void)state;
	deposit(16);
	fill_pages(10);
	assert_int_equal(iommu_map_pages(d, IOVA + 5 * PAGE_SIZE, pages, 1, RW, &p), 0);
	assert_int_equal(iommu_map_pages(d, IOVA, pages, 10, RW, &p), -EEXIST);
	assert_int_equal(p.done, 5);
}

/* The deposit-and-retry loop: INSUFFICIENT_MEMORY with exact progress, then from there. */
static void test_empty_pool_and_retry(void **state)
{
	struct frames_stats before, after;
	struct iommu_domain *d;
	struct pt_progress p;
	unsigned start = 0, rounds = 0;
	int err = 0;

	(void)state;
	frames_get_stats(&before);
	assert_null(iommu_domain_create(0x15, &deposit_pool, &err));   /* no page for the root */
	assert_int_equal(err, -ENOMEM);
	deposit(1);
	d = iommu_domain_create(0x15, &deposit_pool, &err);
	assert_non_null(d);
	/* One page per call, one call per 2 MiB of IOVA: a new leaf table each time. */
	for (unsigned k = 0; k < 507; k++)
		pages[k] = 0x1000000 + (uint64_t)k * PAGE_SIZE;
	while (start < 20) {
		int rc = iommu_map_pages(d, IOVA + 3 * GiB + (uint64_t)start * 2 * MiB, pages + start, 1,
					 RW, &p);

		if (rc == -ENOMEM) {
			assert_int_equal(p.done, 0);
			deposit(1);
			rounds++;
			continue;
		}
		assert_int_equal(rc, 0);
		start++;
	}
	assert_true(rounds >= 20);   /* a leaf table each, plus the upper levels */
	/* 507 pages across a 1 GiB boundary, pool dry halfway: done is exact and the retry finishes. */
	start = 0;
	while (start < 507) {
		int rc = iommu_map_pages(d, IOVA + 7 * GiB - 256 * PAGE_SIZE + (uint64_t)start * PAGE_SIZE,
					 pages + start, 507 - start, RW, &p);

		for (unsigned k = 0; k < 507; k++)
			assert_mapped(d, IOVA + 7 * GiB - 256 * PAGE_SIZE + k * PAGE_SIZE, pages[k],
				      k < start + p.done);
		start += p.done;
		if (rc == -ENOMEM) {
			deposit(1);
			continue;
		}
		assert_int_equal(rc, 0);
	}
	assert_int_equal(start, 507);
	assert_int_equal(iommu_domain_table_pages(d), dep_out);
	/* No table page from the monitor: what it gave is the map counts (a counter page, the directory). */
	frames_get_stats(&after);
	assert_true(after.free_frames < before.free_frames && after.free_frames > before.free_frames - 64);
	assert_true(iommu_page_dma_mapped(0x1000000));
	assert_int_equal(iommu_domain_destroy(d), 0);
	assert_int_equal(dep_out, 0);                               /* every page back to its pool */
	assert_false(iommu_page_dma_mapped(0x1000000));           /* counts dropped with the domain */
	frames_get_stats(&after);
	assert_int_equal(after.free_frames, before.free_frames);
}

/* A page some device domain maps cannot be deposited: counted per mapping, across domains. */
static void test_mapped_pages_are_counted(void **state)
{
	struct iommu_domain *a = new_domain(0x20), *b = new_domain(0x21);
	struct pt_progress p;
	uint64_t size;

	(void)state;
	deposit(32);
	pages[0] = 0x2000000;
	pages[1] = 0x2001000;
	assert_false(iommu_page_dma_mapped(0x2000000));
	assert_int_equal(iommu_map_pages(a, IOVA, pages, 2, RW, &p), 0);
	assert_int_equal(iommu_map_pages(b, IOVA, pages, 1, RW, &p), 0);
	assert_int_equal(iommu_map_pages(a, IOVA + MiB, pages, 1, RW, &p), 0);   /* twice in a */
	assert_true(iommu_page_dma_mapped(0x2000000));
	assert_true(iommu_page_dma_mapped(0x2001000));
	assert_false(iommu_page_dma_mapped(0x2002000));
	/* Taking it out of the DMA-able set (a deposit) is refused under the map's own lock. */
	assert_int_equal(iommu_ram_remove(0x2001000, PAGE_SIZE), -EBUSY);
	assert_int_equal(iommu_ram_remove(0x2000000, 2 * PAGE_SIZE), -EBUSY);
	assert_true(iommu_ram_is_dma_able(0x2000000, 2 * PAGE_SIZE));
	assert_int_equal(iommu_ram_remove(0x2002000, PAGE_SIZE), 0);
	assert_int_equal(iommu_ram_add(0x2002000, PAGE_SIZE, true), 0);
	assert_int_equal(iommu_unmap_pages(a, IOVA, 2 * PAGE_SIZE, &size), 0);
	assert_false(iommu_page_dma_mapped(0x2001000));
	assert_true(iommu_page_dma_mapped(0x2000000));    /* a at IOVA + 1M, and b */
	assert_int_equal(iommu_unmap_pages(a, IOVA + MiB, PAGE_SIZE, &size), 0);
	assert_true(iommu_page_dma_mapped(0x2000000));    /* b */
	assert_int_equal(iommu_unmap_pages(b, IOVA, 64 * PAGE_SIZE, &size), 0);   /* holes too */
	assert_false(iommu_page_dma_mapped(0x2000000));
	/* A 2 MiB leaf cut in the middle: only the unmapped pages drop. */
	for (unsigned k = 0; k < 512; k++)
		pages[k] = 0x4000000 + (uint64_t)k * PAGE_SIZE;
	assert_int_equal(iommu_map_pages(a, IOVA + GiB, pages, 512, RW, &p), 0);
	assert_int_equal(iommu_unmap_pages(a, IOVA + GiB + 8 * PAGE_SIZE, 2 * PAGE_SIZE, &size), 0);
	assert_true(iommu_page_dma_mapped(0x4007000));
	assert_false(iommu_page_dma_mapped(0x4008000));
	assert_false(iommu_page_dma_mapped(0x4009000));
	assert_true(iommu_page_dma_mapped(0x400a000));
	assert_int_equal(iommu_domain_destroy(a), 0);
	assert_false(iommu_page_dma_mapped(0x4007000));
}

static void test_unity_ranges_are_immune(void **state)
{
	struct iommu_domain *d = new_domain(0x16);
	struct pt_progress p;
	uint64_t size;
	paddr_t pa;

	(void)state;
	deposit(16);
	assert_int_equal(iommu_attach(d, edu), 0);
	assert_int_equal(pt_lookup(&d->pt, UNITY_BASE, &pa, NULL, NULL), 0);
	fill_pages(8);
	/* Pages 0..3 below the range, page 4 is its first. */
	assert_int_equal(iommu_map_pages(d, UNITY_BASE - 4 * PAGE_SIZE, pages, 8, RW, &p), -EPERM);
	assert_int_equal(p.done, 4);
	assert_int_equal(pt_lookup(&d->pt, UNITY_BASE, &pa, NULL, NULL), 0);
	assert_int_equal(pa, UNITY_BASE);
	assert_int_equal(iommu_unmap_pages(d, UNITY_BASE - 4 * PAGE_SIZE, 8 * PAGE_SIZE, &size), -EPERM);
	assert_int_equal(size, 4 * PAGE_SIZE);
	assert_int_equal(pt_lookup(&d->pt, UNITY_BASE, &pa, NULL, NULL), 0);
	assert_int_equal(pa, UNITY_BASE);
	assert_int_equal(iommu_flush_commit(d, NULL), 1);
	assert_int_equal(flush_iova, UNITY_BASE - 4 * PAGE_SIZE);
	assert_int_equal(flush_size, 4 * PAGE_SIZE);
	/* Delete is refused while a device is attached. */
	assert_int_equal(iommu_domain_destroy(d), -EBUSY);
	assert_int_equal(iommu_detach(edu), 0);
	assert_int_equal(iommu_domain_destroy(d), 0);
}

static const int few_ids = 2;

/* Hardware domain ids run out before the slots do: -ENOSPC (INSUFFICIENT_DEVICE_DOMAINS). */
static void test_hardware_ids_run_out(void **state)
{
	unsigned made = 0;
	int err = 0;

	(void)state;
	deposit(32);
	while (iommu_domain_create(0x100 + made, &deposit_pool, &err))
		made++;
	assert_int_equal(err, -ENOSPC);
	assert_int_equal(made, 5);   /* 8 ids: 0 unused, default, null, then slots 2..6 */
	assert_null(iommu_domain_create(IOMMU_DOMAIN_DEFAULT_ID, &deposit_pool, &err));
	assert_int_equal(err, -EEXIST);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define TP(fn, p) cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, (void *)(p))

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_map_pages_without_caching_mode_needs_no_flush),
		TP(test_caching_mode_flushes_once_per_call, &caching_mode),
		T(test_each_page_must_be_dma_able),
		T(test_whole_call_errors_change_nothing),
		T(test_remap_stops_at_the_overlap),
		T(test_empty_pool_and_retry),
		T(test_unity_ranges_are_immune),
		T(test_mapped_pages_are_counted),
		TP(test_hardware_ids_run_out, &few_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
