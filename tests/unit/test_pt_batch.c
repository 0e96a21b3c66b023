/* SPDX-License-Identifier: MIT */
/*
 * Batched maps (pt_map_batch, pt_map_pages): lists map like the same calls
 * one by one, contiguous neighbours merge into superpages, a bad list
 * changes nothing, -EEXIST and -ENOMEM stop with the exact prefix reported,
 * every store keeps a walker on the old or the new translation, and a
 * non-coherent walker gets one write-back per touched line and one fence
 * per call. Also the walk cache the batches rely on, across splits.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/pt_fake.h"

#define ARENA_PAGES 256
#define RW          (PT_READ | PT_WRITE)
#define ALL_SIZES   (PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G)
#define DATA        0x100000000ULL         /* output addresses: 4 GiB up, away from the arena */
#define NPAGES      507                    /* a full MAP_DEVICE_GPA_PAGES call */

static struct pt_table t;
static paddr_t pages[PT_MAP_BATCH_MAX + 8];

static int setup(void **state)
{
	(void)state;
	fake_init(ARENA_PAGES);
	fake_srand(9);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_fini();
	return 0;
}

static void init_vtd4(void (*flush)(void *, size_t))
{
	assert_int_equal(pt_init(&t, &pt_fmt_vtd_sl, 4, 48, ALL_SIZES, fake_pool(), flush), 0);
}

static void assert_maps(uint64_t iova, paddr_t pa, uint64_t page_size)
{
	paddr_t got;
	uint64_t size;

	assert_int_equal(pt_lookup(&t, iova, &got, NULL, &size), 0);
	assert_int_equal(got, pa);
	assert_int_equal(size, page_size);
}

static void assert_hole(uint64_t iova)
{
	assert_int_equal(pt_lookup(&t, iova, NULL, NULL, NULL), -ENOENT);
}

/* Distinct, scattered, never contiguous page addresses. */
static void scatter_pages(unsigned n)
{
	for (unsigned k = 0; k < n; k++)
		pages[k] = DATA + (fake_rand() % 1024) * 8 * MiB + 2 * k * PAGE_SIZE;
}

static void test_pages_map_like_single_calls(void **state)
{
	uint64_t iova = 2 * MiB - 100 * PAGE_SIZE;   /* crosses into a second leaf table */
	struct pt_progress p;

	(void)state;
	init_vtd4(NULL);
	scatter_pages(NPAGES);
	assert_int_equal(pt_map_pages(&t, iova, pages, NPAGES, RW, &p), 0);
	assert_int_equal(p.done, NPAGES);
	assert_int_equal(p.bytes, 0);
	for (unsigned k = 0; k < NPAGES; k++)
		assert_maps(iova + k * PAGE_SIZE, pages[k], PAGE_SIZE);
	assert_hole(iova - PAGE_SIZE);
	assert_hole(iova + NPAGES * PAGE_SIZE);
	assert_int_equal(fake_check_tables(&t, NULL), t.stats.tables);
	assert_int_equal(t.stats.tables, 1 + 1 + 1 + 2);
	/* Leaves, and the pointers linking two leaf tables, one L2 and one L3. */
	assert_int_equal(t.stats.entries_written, NPAGES + 2 + 1 + 1);
	/* An empty list maps nothing and succeeds. */
	assert_int_equal(pt_map_pages(&t, 0, pages, 0, RW, &p), 0);
	assert_int_equal(p.done, 0);
	pt_destroy(&t);
}

static void test_contiguous_pages_become_superpages(void **state)
{
	struct pt_progress p;

	(void)state;
	init_vtd4(NULL);
	/* Contiguous, 2M-aligned from the second page on, but only 511 of them. */
	for (unsigned k = 0; k < 514; k++)
		pages[k] = DATA + 2 * MiB - PAGE_SIZE + k * PAGE_SIZE;
	assert_int_equal(pt_map_pages(&t, 4 * MiB - PAGE_SIZE, pages, 512, RW, &p), 0);
	assert_int_equal(p.done, 512);
	assert_maps(4 * MiB - PAGE_SIZE, DATA + 2 * MiB - PAGE_SIZE, PAGE_SIZE);
	assert_maps(4 * MiB, DATA + 2 * MiB, PAGE_SIZE);  /* 511 pages left: not a whole 2M */
	pt_destroy(&t);

	/* Runs merge when both IOVA and PA follow on. */
	init_vtd4(NULL);
	{
		struct pt_map_run runs[] = {
			{ 8 * MiB, DATA + 8 * MiB, MiB },        /* two halves of one 2M page */
			{ 9 * MiB, DATA + 9 * MiB, MiB },
			{ 10 * MiB, DATA + 20 * MiB, MiB },      /* IOVA follows, PA does not */
			{ 12 * MiB, DATA + 21 * MiB, MiB },      /* PA follows, IOVA does not */
		};

		assert_int_equal(pt_map_batch(&t, runs, ARRAY_SIZE(runs), RW, &p), 0);
		assert_int_equal(p.done, 4);
		assert_maps(9 * MiB + PAGE_SIZE, DATA + 9 * MiB + PAGE_SIZE, 2 * MiB);
		assert_maps(10 * MiB, DATA + 20 * MiB, PAGE_SIZE);
		assert_hole(11 * MiB);
		assert_maps(12 * MiB + MiB - PAGE_SIZE, DATA + 22 * MiB - PAGE_SIZE, PAGE_SIZE);
	}
	pt_destroy(&t);

	/* 512 contiguous, suitably aligned pages of a page list: one 2M leaf. */
	init_vtd4(NULL);
	for (unsigned k = 0; k < 512; k++)
		pages[k] = DATA + 6 * MiB + k * PAGE_SIZE;
	assert_int_equal(pt_map_pages(&t, 2 * MiB, pages, 512, RW, &p), 0);
	assert_maps(2 * MiB, DATA + 6 * MiB, 2 * MiB);
	assert_int_equal(t.stats.entries_written, 1 + 1 + 1);
	pt_destroy(&t);
}

static void test_bad_list_changes_nothing(void **state)
{
	struct pt_map_run runs[3] = {
		{ 0, DATA, PAGE_SIZE }, { 2 * MiB, DATA + MiB, PAGE_SIZE }, { 4 * MiB, DATA, PAGE_SIZE },
	};
	struct pt_progress p;
	uint8_t *before;

	(void)state;
	init_vtd4(NULL);
	scatter_pages(8);
	before = fake_snapshot();

	pages[5] |= 0x800;                                     /* misaligned in the middle */
	assert_int_equal(pt_map_pages(&t, 0, pages, 8, RW, &p), -EINVAL);
	assert_int_equal(p.done, 0);
	pages[5] = BIT(48);                                    /* past VT-d's 48-bit width */
	assert_int_equal(pt_map_pages(&t, 0, pages, 8, RW, &p), -ERANGE);
	pages[5] = DATA;
	assert_int_equal(pt_map_pages(&t, BIT(48) - 4 * PAGE_SIZE, pages, 8, RW, &p), -ERANGE);
	assert_int_equal(pt_map_pages(&t, PAGE_SIZE / 2, pages, 8, RW, &p), -EINVAL);
	assert_int_equal(pt_map_pages(&t, 0, pages, 8, PT_EXEC, &p), -EINVAL);
	assert_int_equal(pt_map_pages(&t, 0, pages, PT_MAP_BATCH_MAX + 1, RW, &p), -EINVAL);

	runs[2].size = 0;
	assert_int_equal(pt_map_batch(&t, runs, 3, RW, &p), -EINVAL);
	runs[2].size = 3 * PAGE_SIZE / 2;
	assert_int_equal(pt_map_batch(&t, runs, 3, RW, &p), -EINVAL);
	runs[2] = (struct pt_map_run){ BIT(48) - PAGE_SIZE, DATA, 2 * PAGE_SIZE };
	assert_int_equal(pt_map_batch(&t, runs, 3, RW, &p), -ERANGE);
	assert_int_equal(p.done, 0);
	assert_int_equal(p.bytes, 0);

	assert_true(fake_same_as(before));
	assert_int_equal(t.stats.entries_written, 0);
	free(before);
	pt_destroy(&t);
}

static void test_eexist_stops_at_the_element(void **state)
{
	struct pt_map_run runs[] = {
		{ 0, DATA, PAGE_SIZE },
		{ 8 * PAGE_SIZE, DATA + 8 * PAGE_SIZE, 4 * PAGE_SIZE },   /* its third page is taken */
		{ 64 * PAGE_SIZE, DATA, PAGE_SIZE },
	};
	struct pt_progress p;

	(void)state;
	init_vtd4(NULL);
	scatter_pages(10);
	assert_int_equal(pt_map_range(&t, 5 * PAGE_SIZE, DATA + 64 * MiB, PAGE_SIZE, PT_READ, NULL),
			 0);
	assert_int_equal(pt_map_pages(&t, 0, pages, 10, RW, &p), -EEXIST);
	assert_int_equal(p.done, 5);
	assert_int_equal(p.bytes, 0);
	for (unsigned k = 0; k < 5; k++)
		assert_maps(k * PAGE_SIZE, pages[k], PAGE_SIZE);
	assert_maps(5 * PAGE_SIZE, DATA + 64 * MiB, PAGE_SIZE);   /* the old mapping stays */
	for (unsigned k = 6; k < 10; k++)
		assert_hole(k * PAGE_SIZE);

	/* A multi-page element: its mapped prefix is reported in bytes. */
	assert_int_equal(pt_unmap_range(&t, 0, 16 * PAGE_SIZE, NULL), 0);
	assert_int_equal(pt_map_range(&t, 10 * PAGE_SIZE, DATA, PAGE_SIZE, PT_READ, NULL), 0);
	assert_int_equal(pt_map_batch(&t, runs, 3, RW, &p), -EEXIST);
	assert_int_equal(p.done, 1);
	assert_int_equal(p.bytes, 2 * PAGE_SIZE);
	assert_maps(9 * PAGE_SIZE, DATA + 9 * PAGE_SIZE, PAGE_SIZE);
	assert_maps(10 * PAGE_SIZE, DATA, PAGE_SIZE);
	assert_hole(11 * PAGE_SIZE);
	assert_hole(64 * PAGE_SIZE);
	pt_destroy(&t);
}

static void test_enomem_leaves_the_failing_element_untouched(void **state)
{
	uint64_t iova = 2 * MiB - 4 * PAGE_SIZE;   /* 4 pages fit the first leaf table */
	struct pt_progress p;
	unsigned in_use;
	uint8_t *before;

	(void)state;
	init_vtd4(NULL);
	scatter_pages(8);
	/* The first leaf table exists; the second needs one page the pool lacks. */
	assert_int_equal(pt_map_range(&t, 0, DATA, PAGE_SIZE, RW, NULL), 0);
	fake_pool_limit(0);
	in_use = fake_pool_in_use();
	assert_int_equal(pt_map_pages(&t, iova, pages, 8, RW, &p), -ENOMEM);
	assert_int_equal(p.done, 4);
	for (unsigned k = 0; k < 4; k++)
		assert_maps(iova + k * PAGE_SIZE, pages[k], PAGE_SIZE);
	for (unsigned k = 4; k < 8; k++)
		assert_hole(iova + k * PAGE_SIZE);
	assert_int_equal(fake_pool_in_use(), in_use);
	assert_int_equal(fake_check_tables(&t, NULL), t.stats.tables);

	/* Retrying the rest with pages available completes the list. */
	before = fake_snapshot();
	assert_int_equal(pt_map_pages(&t, iova + 4 * PAGE_SIZE, pages + 4, 4, RW, &p), -ENOMEM);
	assert_true(fake_same_as(before));                  /* nothing at all changed */
	free(before);
	fake_pool_limit(-1);
	assert_int_equal(pt_map_pages(&t, iova + 4 * PAGE_SIZE, pages + 4, 4, RW, &p), 0);
	assert_int_equal(p.done, 4);
	assert_maps(iova + 7 * PAGE_SIZE, pages[7], PAGE_SIZE);
	pt_destroy(&t);
}

/* Probes: both ends of every element, and what lies between them. */
static unsigned probes_for_pages(uint64_t iova, unsigned n, uint64_t *probe)
{
	unsigned m = 0;

	probe[m++] = iova - PAGE_SIZE;
	for (unsigned k = 0; k <= n; k++)
		probe[m++] = iova + k * PAGE_SIZE;
	return m;
}

static void test_batch_replay_and_flushes(void **state)
{
	static uint64_t probe[NPAGES + 8];
	uint64_t iova = 3 * GiB - 64 * PAGE_SIZE, fences, bytes;
	struct pt_progress p;
	unsigned n, calls;

	(void)state;
	init_vtd4(fake_flush);
	assert_int_equal(pt_map_range(&t, iova - PAGE_SIZE, DATA, PAGE_SIZE, PT_READ, NULL), 0);
	scatter_pages(NPAGES);
	/* New tables and leaves into existing ones, across a 1G boundary. */
	fake_record_start();
	fences = t.stats.fences;
	assert_int_equal(pt_map_pages(&t, iova, pages, NPAGES, RW, &p), 0);
	fake_record_stop();
	n = probes_for_pages(iova, NPAGES, probe);
	fake_replay_check(&t, probe, n);              /* every store flushed, tables before links */
	assert_int_equal(t.stats.fences - fences, 1);  /* one fence for the whole call */
	pt_destroy(&t);

	/* Into a present leaf table: the touched lines, each once, in one call. */
	init_vtd4(fake_flush);
	assert_int_equal(pt_map_range(&t, 0, DATA, 2 * MiB - PAGE_SIZE, RW, NULL), 0);
	assert_int_equal(pt_unmap_range(&t, 0, 2 * MiB - PAGE_SIZE, NULL), 0);
	calls = fake_flush_calls();
	fences = t.stats.fences;
	bytes = fake_flush_bytes();
	assert_int_equal(pt_map_pages(&t, 0, pages, NPAGES, RW, &p), 0);
	assert_int_equal(fake_flush_calls() - calls, 1);
	assert_int_equal(fake_flush_bytes() - bytes, ALIGN_UP(NPAGES * 8, 64));
	assert_int_equal(t.stats.fences - fences, 1);

	/* Every other line: one call per line, no line twice, still one fence. */
	{
		struct pt_map_run runs[32];

		for (unsigned k = 0; k < 32; k++)
			runs[k] = (struct pt_map_run){ GiB + (2 * k * 8 + k % 8) * PAGE_SIZE,
						       DATA + 2 * k * 8 * PAGE_SIZE, PAGE_SIZE };
		/* The leaf table exists (its first page), so only those 32 stores. */
		assert_int_equal(pt_map_range(&t, GiB + 2 * MiB - PAGE_SIZE, DATA, PAGE_SIZE, RW,
					      NULL), 0);
		calls = fake_flush_calls();
		bytes = fake_flush_bytes();
		fences = t.stats.fences;
		fake_record_start();
		assert_int_equal(pt_map_batch(&t, runs, 32, RW, &p), 0);
		fake_record_stop();
		assert_int_equal(fake_recorded_writes(), 32);
		assert_int_equal(fake_flush_calls() - calls, 32);
		assert_int_equal(fake_flush_bytes() - bytes, 32 * 64);
		assert_int_equal(t.stats.fences - fences, 1);
		n = 0;
		for (unsigned k = 0; k < 32; k++)
			probe[n++] = runs[k].iova, probe[n++] = runs[k].iova + PAGE_SIZE;
		fake_replay_check(&t, probe, n);
	}
	/* A coherent walker: the hook is never called, no fence needed. */
	pt_destroy(&t);
	init_vtd4(NULL);
	assert_int_equal(pt_map_pages(&t, 0, pages, NPAGES, RW, &p), 0);
	assert_int_equal(t.stats.fences, 0);
	pt_destroy(&t);
}

static void test_walk_cache_follows_splits_and_destroy(void **state)
{
	struct pt_progress p;
	paddr_t pa = DATA + 6 * MiB + 5 * PAGE_SIZE;

	(void)state;
	init_vtd4(NULL);
	/* Warm the cache on one leaf table, then replace a superpage elsewhere. */
	assert_int_equal(pt_map_range(&t, 0, DATA, PAGE_SIZE, RW, NULL), 0);
	assert_int_equal(pt_map_range(&t, 6 * MiB, DATA + 6 * MiB, 2 * MiB, RW, NULL), 0);
	assert_int_equal(pt_unmap_range(&t, 6 * MiB + 5 * PAGE_SIZE, PAGE_SIZE, NULL), 0);
	assert_int_equal(t.stats.splits, 1);
	assert_int_equal(pt_map_pages(&t, 6 * MiB + 5 * PAGE_SIZE, &pa, 1, RW, &p), 0);
	assert_maps(6 * MiB + 5 * PAGE_SIZE, pa, PAGE_SIZE);
	assert_maps(6 * MiB + 6 * PAGE_SIZE, DATA + 6 * MiB + 6 * PAGE_SIZE, PAGE_SIZE);
	assert_int_equal(pt_map_pages(&t, 6 * MiB + 6 * PAGE_SIZE, &pa, 1, RW, &p), -EEXIST);
	assert_int_equal(pt_map_pages(&t, 0, &pa, 1, RW, &p), -EEXIST);
	assert_int_equal(fake_check_tables(&t, NULL), t.stats.tables);
	pt_destroy(&t);

	/* A new table on the same memory starts with an empty cache. */
	init_vtd4(NULL);
	assert_int_equal(pt_map_pages(&t, 0, &pa, 1, RW, &p), 0);
	assert_int_equal(t.stats.tables, 4);
	assert_maps(0, pa, PAGE_SIZE);
	pt_destroy(&t);
	assert_int_equal(fake_pool_frees(), fake_pool_allocs());
	/* A destroyed table refuses everything and touches no memory. */
	assert_int_equal(pt_map_pages(&t, 0, &pa, 1, RW, &p), -ERANGE);
	assert_int_equal(pt_map_range(&t, 0, pa, PAGE_SIZE, RW, NULL), -ERANGE);
	assert_int_equal(pt_unmap_range(&t, 0, PAGE_SIZE, NULL), -ERANGE);
	assert_int_equal(pt_lookup(&t, 0, NULL, NULL, NULL), -ERANGE);
	assert_int_equal(fake_pool_allocs(), fake_pool_frees());
}

/* Every format: a page list and a run list against lookups and the table checks. */
static void test_every_format(void **state)
{
	static const struct pt_format *const fmts[] = {
		&pt_fmt_vtd_sl, &pt_fmt_amdvi_v1, &pt_fmt_ept, &pt_fmt_x86,
	};
	struct pt_progress p;

	(void)state;
	for (unsigned f = 0; f < ARRAY_SIZE(fmts); f++) {
		unsigned perms = fmts[f] == &pt_fmt_x86 || fmts[f] == &pt_fmt_ept ?
				 PT_READ | PT_EXEC : PT_READ;
		struct pt_map_run runs[] = {
			{ GiB, DATA + GiB, GiB },
			{ 4 * GiB + PAGE_SIZE, DATA, 2 * MiB },
		};

		assert_int_equal(pt_init(&t, fmts[f], 4, 48, ALL_SIZES, fake_pool(), fake_flush), 0);
		scatter_pages(64);
		fake_record_start();
		assert_int_equal(pt_map_pages(&t, 2 * MiB - 32 * PAGE_SIZE, pages, 64, perms, &p), 0);
		assert_int_equal(pt_map_batch(&t, runs, 2, perms, &p), 0);
		fake_record_stop();
		for (unsigned k = 0; k < 64; k++) {
			struct ref_tr r = ref_translate(&t, NULL, 2 * MiB - 32 * PAGE_SIZE + k * PAGE_SIZE);

			assert_true(r.present);
			assert_int_equal(r.pa, pages[k]);
			assert_int_equal(r.perms, perms);
		}
		assert_maps(GiB + 5 * PAGE_SIZE, DATA + GiB + 5 * PAGE_SIZE, GiB);
		assert_maps(4 * GiB + 2 * MiB, DATA + 2 * MiB - PAGE_SIZE, PAGE_SIZE);
		assert_int_equal(fake_check_tables(&t, NULL), t.stats.tables);
		{
			uint64_t probe[] = { 2 * MiB - 33 * PAGE_SIZE, 2 * MiB - PAGE_SIZE, 2 * MiB,
					     2 * MiB + 32 * PAGE_SIZE, GiB, 2 * GiB - PAGE_SIZE,
					     4 * GiB, 4 * GiB + PAGE_SIZE, 4 * GiB + 2 * MiB };

			fake_replay_check(&t, probe, ARRAY_SIZE(probe));
		}
		pt_destroy(&t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pages_map_like_single_calls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contiguous_pages_become_superpages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_list_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eexist_stops_at_the_element, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enomem_leaves_the_failing_element_untouched, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_batch_replay_and_flushes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_cache_follows_splits_and_destroy, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_every_format, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
