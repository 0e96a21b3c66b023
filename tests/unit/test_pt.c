/* SPDX-License-Identifier: MIT */
/*
 * The page-table engine: geometry checks, largest-page choice, lookups,
 * -EEXIST, splitting on partial unmap, pool exhaustion, destroy, the cache
 * flush hook, the walk report; and, by replaying every recorded store onto
 * a copy of the old memory, that a concurrent walker only ever sees the old
 * or the new translation.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/pt_fake.h"

#define ARENA_PAGES 1024
#define RW          (PT_READ | PT_WRITE)
#define ALL_SIZES   (PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G)
#define DATA        0x100000000ULL         /* output addresses: 4 GiB up, away from the arena */

static struct pt_table t;

static int setup(void **state)
{
	(void)state;
	fake_init(ARENA_PAGES);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_fini();
	return 0;
}

static void init_vtd4(uint32_t sizes, void (*flush)(void *, size_t))
{
	assert_int_equal(pt_init(&t, &pt_fmt_vtd_sl, 4, 48, sizes, fake_pool(), flush), 0);
}

static void map_ok(uint64_t iova, paddr_t pa, uint64_t size, unsigned perms)
{
	uint64_t mapped = ~0ULL;

	assert_int_equal(pt_map_range(&t, iova, pa, size, perms, &mapped), 0);
	assert_int_equal(mapped, size);
}

static void unmap_ok(uint64_t iova, uint64_t size)
{
	uint64_t unmapped = ~0ULL;

	assert_int_equal(pt_unmap_range(&t, iova, size, &unmapped), 0);
	assert_int_equal(unmapped, size);
}

/* iova translates to pa through a page of page_size. */
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

/* Probes around a range: its ends, its neighbours, every 2M boundary (capped). */
static unsigned probes_for(uint64_t iova, uint64_t size, uint64_t *p)
{
	unsigned n = 0;

	p[n++] = iova - PAGE_SIZE;
	p[n++] = iova;
	p[n++] = iova + PAGE_SIZE;
	p[n++] = iova + size / 2;
	p[n++] = iova + size - PAGE_SIZE;
	p[n++] = iova + size;
	for (uint64_t a = ALIGN_UP(iova, 2 * MiB); a < iova + size && n < 60; a += 2 * MiB) {
		p[n++] = a;
		p[n++] = a - PAGE_SIZE;
	}
	return n;
}

static void replay(uint64_t iova, uint64_t size, uint64_t around)
{
	uint64_t p[96];
	unsigned n = probes_for(iova, size, p);

	n += probes_for(around, PAGE_SIZE, p + n);
	fake_record_stop();
	assert_true(fake_recorded_writes() > 0);
	fake_replay_check(&t, p, n);
}

static void test_init_rejects_geometry(void **state)
{
	(void)state;
	assert_int_equal(pt_init(&t, &pt_fmt_vtd_sl, 5, 57, ALL_SIZES, fake_pool(), NULL), -EINVAL);
	assert_true(log_captured("E/pt: vtd-sl: 5-level tables not supported"));
	assert_int_equal(pt_init(&t, &pt_fmt_vtd_sl, 2, 30, ALL_SIZES, fake_pool(), NULL), -EINVAL);
	assert_int_equal(pt_init(&t, &pt_fmt_ept, 3, 39, ALL_SIZES, fake_pool(), NULL), -EINVAL);
	assert_int_equal(pt_init(&t, &pt_fmt_x86, 3, 39, ALL_SIZES, fake_pool(), NULL), -EINVAL);
	assert_int_equal(pt_init(&t, &pt_fmt_amdvi_v1, 5, 57, ALL_SIZES, fake_pool(), NULL), -EINVAL);
	assert_int_equal(pt_init(&t, &pt_fmt_vtd_sl, 3, 40, ALL_SIZES, fake_pool(), NULL), -EINVAL);
	assert_true(log_captured("E/pt: vtd-sl: 40-bit addresses do not fit 3 levels"));
	assert_int_equal(pt_init(&t, &pt_fmt_vtd_sl, 4, 49, ALL_SIZES, fake_pool(), NULL), -EINVAL);
	assert_int_equal(pt_init(&t, &pt_fmt_vtd_sl, 4, 12, ALL_SIZES, fake_pool(), NULL), -EINVAL);
	assert_int_equal(pt_init(&t, &pt_fmt_vtd_sl, 4, 48, PT_SIZE_2M, fake_pool(), NULL), -EINVAL);
	assert_int_equal(pt_init(&t, &pt_fmt_vtd_sl, 4, 48, PT_SIZE_4K | PT_SIZE_1G, fake_pool(), NULL),
			 -EINVAL);
	assert_true(log_captured("E/pt: vtd-sl: page sizes 0x40001000 not supported"));
	assert_int_equal(pt_init(&t, &pt_fmt_vtd_sl, 4, 48, ALL_SIZES | BIT(16), fake_pool(), NULL),
			 -EINVAL);
	assert_int_equal(pt_init(&t, &pt_fmt_vtd_sl, 4, 48, ALL_SIZES, NULL, NULL), -EINVAL);
	assert_int_equal(fake_pool_allocs(), 0);
}

static void test_init_empty_pool(void **state)
{
	(void)state;
	fake_pool_limit(0);
	assert_int_equal(pt_init(&t, &pt_fmt_vtd_sl, 4, 48, ALL_SIZES, fake_pool(), NULL), -ENOMEM);
	assert_int_equal(fake_pool_in_use(), 0);
	fake_pool_limit(-1);
	init_vtd4(ALL_SIZES, NULL);
	assert_int_equal(fake_pool_in_use(), 1);
	assert_int_equal(t.stats.tables, 1);
	assert_int_equal(t.iova_limit, BIT(48));
	assert_int_equal(t.pa_limit, BIT(48));        /* VT-d: address bits >= AW reserved */
	for (unsigned i = 0; i < PT_ENTRIES; i++)     /* the garbage in the pool page is gone */
		assert_int_equal(fake_entry(t.root + i * 8), 0);
	pt_destroy(&t);
}

static void test_map_lookup_4k(void **state)
{
	paddr_t pa;
	unsigned perms;

	(void)state;
	init_vtd4(ALL_SIZES, NULL);
	map_ok(0x1000, DATA + 0x5000, 3 * PAGE_SIZE, PT_READ);
	assert_maps(0x1000, DATA + 0x5000, PAGE_SIZE);
	assert_maps(0x3000, DATA + 0x7000, PAGE_SIZE);
	assert_int_equal(pt_lookup(&t, 0x2abc, &pa, &perms, NULL), 0);
	assert_int_equal(pa, DATA + 0x6abc);
	assert_int_equal(perms, PT_READ);
	assert_hole(0);
	assert_hole(0x4000);
	assert_hole(1ULL << 40);
	assert_int_equal(pt_lookup(&t, BIT(48), NULL, NULL, NULL), -ERANGE);
	assert_int_equal(t.stats.tables, 4);
	assert_int_equal(fake_check_tables(&t, NULL), 4);
	pt_destroy(&t);
}

static void test_largest_page_chosen(void **state)
{
	uint64_t iova = 3 * GiB - 4 * PAGE_SIZE, pa = 5 * GiB - 4 * PAGE_SIZE, bytes;
	uint64_t size = 4 * PAGE_SIZE + GiB + 2 * MiB + PAGE_SIZE;

	(void)state;
	init_vtd4(ALL_SIZES, NULL);
	map_ok(iova, pa, size, RW);
	assert_maps(iova, pa, PAGE_SIZE);                       /* up to the 1G boundary */
	assert_maps(3 * GiB, 5 * GiB, GiB);
	assert_maps(3 * GiB + GiB - 1, 5 * GiB + GiB - 1, GiB);
	assert_maps(4 * GiB, 6 * GiB, 2 * MiB);
	assert_maps(4 * GiB + 2 * MiB, 6 * GiB + 2 * MiB, PAGE_SIZE);
	assert_hole(4 * GiB + 2 * MiB + PAGE_SIZE);
	fake_check_tables(&t, &bytes);
	assert_int_equal(bytes, size);
	pt_destroy(&t);
}

static void test_no_1g_without_capability(void **state)
{
	uint64_t bytes;

	(void)state;
	init_vtd4(PT_SIZE_4K | PT_SIZE_2M, NULL);
	map_ok(GiB, 2 * GiB, GiB, RW);
	assert_maps(GiB, 2 * GiB, 2 * MiB);
	assert_maps(2 * GiB - 1, 3 * GiB - 1, 2 * MiB);
	assert_int_equal(fake_check_tables(&t, &bytes), 3);     /* root, L3, one L2 of 512 leaves */
	assert_int_equal(bytes, GiB);
	pt_destroy(&t);

	init_vtd4(PT_SIZE_4K, NULL);
	map_ok(2 * MiB, 4 * MiB, 2 * MiB, RW);
	assert_maps(2 * MiB, 4 * MiB, PAGE_SIZE);
	assert_maps(4 * MiB - PAGE_SIZE, 6 * MiB - PAGE_SIZE, PAGE_SIZE);
	pt_destroy(&t);
}

static void test_misaligned_pa_gets_4k(void **state)
{
	(void)state;
	init_vtd4(ALL_SIZES, NULL);
	map_ok(2 * MiB, DATA + PAGE_SIZE, 2 * MiB, RW);   /* iova 2M aligned, pa only 4K */
	assert_maps(2 * MiB, DATA + PAGE_SIZE, PAGE_SIZE);
	assert_maps(4 * MiB - PAGE_SIZE, DATA + 2 * MiB, PAGE_SIZE);
	pt_destroy(&t);
}

static void test_map_argument_errors(void **state)
{
	uint64_t mapped = 1;

	(void)state;
	init_vtd4(ALL_SIZES, NULL);
	assert_int_equal(pt_map_range(&t, 0x800, DATA, PAGE_SIZE, RW, &mapped), -EINVAL);
	assert_int_equal(mapped, 0);
	assert_int_equal(pt_map_range(&t, 0, DATA + 8, PAGE_SIZE, RW, NULL), -EINVAL);
	assert_int_equal(pt_map_range(&t, 0, DATA, 100, RW, NULL), -EINVAL);
	assert_int_equal(pt_map_range(&t, 0, DATA, PAGE_SIZE, 0, NULL), -EINVAL);
	assert_int_equal(pt_map_range(&t, 0, DATA, PAGE_SIZE, PT_EXEC, NULL), -EINVAL);
	assert_int_equal(pt_map_range(&t, 0, DATA, PAGE_SIZE, RW | 8, NULL), -EINVAL);
	assert_int_equal(pt_map_range(&t, BIT(48) - PAGE_SIZE, DATA, 2 * PAGE_SIZE, RW, &mapped),
			 -ERANGE);
	assert_int_equal(mapped, 0);
	assert_int_equal(pt_map_range(&t, ~0ULL - 0xfff, DATA, 2 * PAGE_SIZE, RW, NULL), -ERANGE);
	assert_int_equal(pt_map_range(&t, 0, BIT(48) - PAGE_SIZE, 2 * PAGE_SIZE, RW, NULL), -ERANGE);
	assert_int_equal(pt_map_range(&t, 0, 0, 0, RW, &mapped), 0);
	assert_int_equal(mapped, 0);
	assert_int_equal(t.stats.entries_written, 0);
	/* Write-only is a VT-d mapping; it is not one in EPT. */
	map_ok(BIT(48) - PAGE_SIZE, BIT(48) - PAGE_SIZE, PAGE_SIZE, PT_WRITE);
	pt_destroy(&t);
	assert_int_equal(pt_init(&t, &pt_fmt_ept, 4, 48, ALL_SIZES, fake_pool(), NULL), 0);
	assert_int_equal(pt_map_range(&t, 0, DATA, PAGE_SIZE, PT_WRITE, NULL), -EINVAL);
	assert_int_equal(t.pa_limit, BIT(52));        /* EPT reaches 52 bits whatever the width */
	pt_destroy(&t);
}

static void test_overlap_is_eexist(void **state)
{
	uint64_t mapped = 7;

	(void)state;
	init_vtd4(ALL_SIZES, NULL);
	map_ok(4 * MiB, DATA, 2 * MiB, RW);
	assert_int_equal(pt_map_range(&t, 5 * MiB, DATA, PAGE_SIZE, RW, &mapped), -EEXIST);
	assert_int_equal(mapped, 0);
	/* Starts in a hole, runs into the superpage: the hole part stays mapped, reported. */
	assert_int_equal(pt_map_range(&t, 4 * MiB - 2 * PAGE_SIZE, 2 * DATA, 3 * PAGE_SIZE, RW,
				      &mapped), -EEXIST);
	assert_int_equal(mapped, 2 * PAGE_SIZE);
	assert_maps(4 * MiB - PAGE_SIZE, 2 * DATA + PAGE_SIZE, PAGE_SIZE);
	assert_maps(4 * MiB, DATA, 2 * MiB);                    /* untouched */
	/* A 4K page inside a free 2M slot: the 2M map fills 4K pages up to it. */
	map_ok(8 * MiB + 2 * PAGE_SIZE, 3 * DATA, PAGE_SIZE, PT_READ);
	assert_int_equal(pt_map_range(&t, 8 * MiB, 4 * DATA, 2 * MiB, RW, &mapped), -EEXIST);
	assert_int_equal(mapped, 2 * PAGE_SIZE);
	assert_maps(8 * MiB + PAGE_SIZE, 4 * DATA + PAGE_SIZE, PAGE_SIZE);
	assert_maps(8 * MiB + 2 * PAGE_SIZE, 3 * DATA, PAGE_SIZE);
	assert_hole(8 * MiB + 3 * PAGE_SIZE);
	/* The caller undoes exactly what was reported. */
	unmap_ok(8 * MiB, mapped);
	assert_hole(8 * MiB);
	assert_maps(8 * MiB + 2 * PAGE_SIZE, 3 * DATA, PAGE_SIZE);
	pt_destroy(&t);
}

static void test_empty_table_is_reused(void **state)
{
	uint64_t tables;

	(void)state;
	init_vtd4(ALL_SIZES, NULL);
	map_ok(2 * MiB, DATA + PAGE_SIZE, 2 * MiB, RW);
	tables = t.stats.tables;
	unmap_ok(2 * MiB, 2 * MiB);
	assert_hole(2 * MiB);
	assert_int_equal(t.stats.tables, tables);      /* not freed: walkers may cache it */
	map_ok(2 * MiB, DATA, 2 * MiB, RW);
	assert_maps(2 * MiB, DATA, PAGE_SIZE);          /* goes into the table left behind */
	assert_maps(4 * MiB - PAGE_SIZE, DATA + 2 * MiB - PAGE_SIZE, PAGE_SIZE);
	assert_int_equal(t.stats.tables, tables);
	pt_destroy(&t);
}

static void test_map_replay_never_a_wrong_translation(void **state)
{
	uint64_t iova = GiB - 2 * MiB - PAGE_SIZE, size = 2 * GiB + 4 * MiB;

	(void)state;
	init_vtd4(ALL_SIZES, fake_flush);
	map_ok(GiB - 4 * MiB, DATA, PAGE_SIZE, PT_READ);        /* a neighbour that must stay */
	fake_record_start();
	map_ok(iova, 3 * GiB - 2 * MiB - PAGE_SIZE, size, RW);
	replay(iova, size, GiB - 4 * MiB);
	assert_maps(GiB, 3 * GiB, GiB);
	pt_destroy(&t);
}

static void test_split_2m_on_partial_unmap(void **state)
{
	uint64_t writes;

	(void)state;
	init_vtd4(ALL_SIZES, fake_flush);
	map_ok(6 * MiB, DATA + 6 * MiB, 2 * MiB, PT_READ);
	writes = t.stats.entries_written;
	fake_record_start();
	unmap_ok(7 * MiB, PAGE_SIZE);
	replay(6 * MiB, 2 * MiB, 7 * MiB);
	assert_int_equal(t.stats.splits, 1);
	assert_int_equal(t.stats.entries_written - writes, 512 + 1 + 1);
	assert_hole(7 * MiB);
	assert_maps(7 * MiB - PAGE_SIZE, DATA + 7 * MiB - PAGE_SIZE, PAGE_SIZE);
	assert_maps(7 * MiB + PAGE_SIZE, DATA + 7 * MiB + PAGE_SIZE, PAGE_SIZE);
	assert_maps(6 * MiB, DATA + 6 * MiB, PAGE_SIZE);
	{
		unsigned perms;

		assert_int_equal(pt_lookup(&t, 8 * MiB - PAGE_SIZE, NULL, &perms, NULL), 0);
		assert_int_equal(perms, PT_READ);       /* the split kept the permissions */
	}
	pt_destroy(&t);
}

static void test_split_1g_down_to_the_cut(void **state)
{
	uint64_t cut = 2 * GiB + 3 * MiB + 2 * PAGE_SIZE, bytes;

	(void)state;
	init_vtd4(ALL_SIZES, fake_flush);
	map_ok(2 * GiB, 4 * GiB, GiB, RW);
	fake_record_start();
	unmap_ok(cut, PAGE_SIZE);
	replay(2 * GiB, GiB, cut);
	assert_int_equal(t.stats.splits, 2);
	assert_maps(2 * GiB, 4 * GiB, 2 * MiB);                 /* 1G -> 2M pieces */
	assert_maps(3 * GiB - 1, 5 * GiB - 1, 2 * MiB);
	assert_maps(cut - PAGE_SIZE, 4 * GiB + 3 * MiB + PAGE_SIZE, PAGE_SIZE);  /* 4K at the cut */
	assert_maps(2 * GiB + 2 * MiB, 4 * GiB + 2 * MiB, PAGE_SIZE);
	assert_maps(2 * GiB + 4 * MiB, 4 * GiB + 4 * MiB, 2 * MiB);
	assert_hole(cut);
	fake_check_tables(&t, &bytes);
	assert_int_equal(bytes, GiB - PAGE_SIZE);
	pt_destroy(&t);
}

static void test_split_at_both_ends(void **state)
{
	uint64_t from = 10 * MiB + PAGE_SIZE, size = 4 * MiB, bytes;

	(void)state;
	init_vtd4(ALL_SIZES, fake_flush);
	map_ok(8 * MiB, DATA, 8 * MiB, RW);                     /* four 2M pages */
	fake_record_start();
	unmap_ok(from, size);
	replay(8 * MiB, 8 * MiB, from + size);
	assert_int_equal(t.stats.splits, 2);
	assert_maps(8 * MiB, DATA, 2 * MiB);
	assert_maps(10 * MiB, DATA + 2 * MiB, PAGE_SIZE);
	assert_hole(from);
	assert_hole(12 * MiB);
	assert_hole(from + size - PAGE_SIZE);
	assert_maps(from + size, DATA + 6 * MiB + PAGE_SIZE, PAGE_SIZE);
	assert_maps(16 * MiB - PAGE_SIZE, DATA + 8 * MiB - PAGE_SIZE, PAGE_SIZE);
	fake_check_tables(&t, &bytes);
	assert_int_equal(bytes, 8 * MiB - size);
	pt_destroy(&t);
}

static void test_unmap_holes_and_errors(void **state)
{
	uint64_t unmapped = 9;

	(void)state;
	init_vtd4(ALL_SIZES, NULL);
	unmap_ok(0, 4 * GiB);                                   /* nothing mapped: not an error */
	assert_int_equal(t.stats.entries_written, 0);
	map_ok(GiB + PAGE_SIZE, DATA, PAGE_SIZE, RW);
	map_ok(3 * GiB, 2 * DATA, 2 * MiB, RW);
	unmap_ok(GiB - 2 * MiB, 2 * GiB + 4 * MiB);             /* holes and mappings mixed */
	assert_hole(GiB + PAGE_SIZE);
	assert_hole(3 * GiB);
	assert_int_equal(pt_unmap_range(&t, 0x10, PAGE_SIZE, &unmapped), -EINVAL);
	assert_int_equal(unmapped, 0);
	assert_int_equal(pt_unmap_range(&t, 0, PAGE_SIZE + 1, NULL), -EINVAL);
	assert_int_equal(pt_unmap_range(&t, BIT(48) - PAGE_SIZE, 2 * PAGE_SIZE, NULL), -ERANGE);
	pt_destroy(&t);
}

static void test_pool_exhaustion_during_map(void **state)
{
	uint64_t iova = 4 * MiB - 3 * PAGE_SIZE, mapped = 0, bytes;

	(void)state;
	init_vtd4(ALL_SIZES, NULL);
	/* Four 2M regions of 4K pages need L3, L2 and four L1 tables; allow three. */
	fake_pool_limit(3);
	assert_int_equal(pt_map_range(&t, iova, DATA + PAGE_SIZE, 6 * MiB, RW, &mapped), -ENOMEM);
	assert_int_equal(mapped, 3 * PAGE_SIZE);                /* exactly the first L1 table's part */
	assert_maps(iova, DATA + PAGE_SIZE, PAGE_SIZE);
	assert_maps(4 * MiB - PAGE_SIZE, DATA + 3 * PAGE_SIZE, PAGE_SIZE);
	assert_hole(4 * MiB);
	fake_check_tables(&t, &bytes);
	assert_int_equal(bytes, mapped);                        /* and nothing else */
	assert_int_equal(fake_pool_in_use(), 4);
	/* More pages deposited: the caller resumes where it stopped. */
	fake_pool_limit(-1);
	map_ok(iova + mapped, DATA + PAGE_SIZE + mapped, 6 * MiB - mapped, RW);
	assert_maps(4 * MiB, DATA + 4 * PAGE_SIZE, PAGE_SIZE);
	fake_check_tables(&t, &bytes);
	assert_int_equal(bytes, 6 * MiB);
	pt_destroy(&t);
	assert_int_equal(fake_pool_in_use(), 0);
}

static void test_pool_exhaustion_during_split(void **state)
{
	uint64_t unmapped = 5, tables;
	uint8_t *before;

	(void)state;
	init_vtd4(ALL_SIZES, NULL);
	map_ok(GiB, 2 * GiB, GiB, RW);
	tables = t.stats.tables;
	before = fake_snapshot();
	/* A cut inside the 1G page needs two new tables; only one is there. */
	fake_pool_limit(1);
	assert_int_equal(pt_unmap_range(&t, GiB + 5 * PAGE_SIZE, PAGE_SIZE, &unmapped), -ENOMEM);
	assert_int_equal(unmapped, 0);
	assert_true(fake_same_as(before));                      /* nothing changed */
	assert_int_equal(t.stats.tables, tables);
	assert_int_equal(fake_pool_in_use(), tables);
	assert_maps(GiB + 5 * PAGE_SIZE, 2 * GiB + 5 * PAGE_SIZE, GiB);
	free(before);
	fake_pool_limit(-1);

	/* Two whole 2M pages then a cut: the whole ones go, the cut stops it. */
	map_ok(4 * GiB, 6 * GiB, 6 * MiB, RW);
	fake_pool_limit(0);
	assert_int_equal(pt_unmap_range(&t, 4 * GiB, 4 * MiB + PAGE_SIZE, &unmapped), -ENOMEM);
	assert_int_equal(unmapped, 4 * MiB);
	assert_hole(4 * GiB + 4 * MiB - PAGE_SIZE);
	assert_maps(4 * GiB + 4 * MiB, 6 * GiB + 4 * MiB, 2 * MiB);
	fake_pool_limit(-1);
	unmap_ok(4 * GiB + 4 * MiB, PAGE_SIZE);
	assert_maps(4 * GiB + 4 * MiB + PAGE_SIZE, 6 * GiB + 4 * MiB + PAGE_SIZE, PAGE_SIZE);
	pt_destroy(&t);
}

static void test_destroy_returns_every_page(void **state)
{
	(void)state;
	init_vtd4(ALL_SIZES, NULL);
	map_ok(0, DATA + PAGE_SIZE, 5 * MiB, RW);
	map_ok(GiB, 2 * GiB, GiB, RW);
	map_ok(BIT(40), DATA, 4 * MiB, PT_READ);
	unmap_ok(GiB + 3 * MiB, PAGE_SIZE);
	unmap_ok(0, 5 * MiB);
	assert_true(fake_pool_in_use() > 5);
	assert_int_equal(fake_pool_in_use(), t.stats.tables);
	assert_int_equal(fake_check_tables(&t, NULL), t.stats.tables);
	pt_destroy(&t);
	assert_int_equal(fake_pool_in_use(), 0);
	assert_int_equal(fake_pool_allocs(), fake_pool_frees());
	assert_int_equal(t.stats.tables, 0);
	assert_int_equal(t.root, 0);
	pt_destroy(&t);                                        /* twice is harmless */
	assert_int_equal(fake_pool_frees(), fake_pool_allocs());
}

static void test_flush_hook(void **state)
{
	(void)state;
	init_vtd4(ALL_SIZES, NULL);
	map_ok(0, DATA, 4 * MiB, RW);
	unmap_ok(PAGE_SIZE, PAGE_SIZE);
	assert_int_equal(fake_flush_calls(), 0);               /* coherent walker: never called */
	pt_destroy(&t);

	init_vtd4(ALL_SIZES, fake_flush);
	assert_int_equal(fake_flush_calls(), 1);               /* the new root */
	/* Every store flushed; every new table flushed before it is linked. */
	fake_record_start();
	map_ok(GiB - PAGE_SIZE, DATA - PAGE_SIZE, 4 * MiB + 2 * PAGE_SIZE, RW);
	replay(GiB - PAGE_SIZE, 4 * MiB + 2 * PAGE_SIZE, GiB + MiB);
	fake_record_start();
	unmap_ok(GiB + MiB, 2 * MiB);                           /* splits two 2M pages */
	replay(GiB - PAGE_SIZE, 4 * MiB + 2 * PAGE_SIZE, GiB + MiB);
	assert_int_equal(t.stats.splits, 2);
	pt_destroy(&t);
}

struct walk_log {
	unsigned n;
	struct pt_walk_step steps[PT_MAX_LEVELS];
};

static void collect(void *ctx, const struct pt_walk_step *step)
{
	struct walk_log *log = ctx;

	assert_true(log->n < PT_MAX_LEVELS);
	log->steps[log->n++] = *step;
}

static void test_walk_reports_each_level(void **state)
{
	struct walk_log log = { 0 };

	(void)state;
	init_vtd4(ALL_SIZES, NULL);
	map_ok(BIT(39) + 2 * MiB + PAGE_SIZE, DATA + PAGE_SIZE, PAGE_SIZE, PT_READ);
	map_ok(BIT(39) + 4 * MiB, DATA, 2 * MiB, RW);
	assert_int_equal(pt_walk(&t, BIT(39) + 2 * MiB + PAGE_SIZE, collect, &log), 4);
	assert_int_equal(log.steps[0].level, 4);
	assert_int_equal(log.steps[0].table, t.root);
	assert_int_equal(log.steps[0].index, 1);
	assert_true(log.steps[0].present && !log.steps[0].leaf);
	assert_int_equal(log.steps[1].table, log.steps[0].addr);
	assert_int_equal(log.steps[2].index, 1);
	assert_int_equal(log.steps[3].level, 1);
	assert_true(log.steps[3].leaf);
	assert_int_equal(log.steps[3].addr, DATA + PAGE_SIZE);
	assert_int_equal(log.steps[3].perms, PT_READ);
	assert_int_equal(log.steps[3].entry, DATA + PAGE_SIZE + 1);   /* R, nothing else */

	log.n = 0;
	assert_int_equal(pt_walk(&t, BIT(39) + 5 * MiB, collect, &log), 3);
	assert_true(log.steps[2].leaf);
	assert_int_equal(log.steps[2].addr, DATA);

	log.n = 0;
	assert_int_equal(pt_walk(&t, 0, collect, &log), 1);     /* stops at the missing entry */
	assert_false(log.steps[0].present);
	assert_int_equal(pt_walk(&t, BIT(48), collect, &log), -ERANGE);
	pt_destroy(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_rejects_geometry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_empty_pool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_lookup_4k, setup, teardown),
		cmocka_unit_test_setup_teardown(test_largest_page_chosen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_1g_without_capability, setup, teardown),
		cmocka_unit_test_setup_teardown(test_misaligned_pa_gets_4k, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_argument_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap_is_eexist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_table_is_reused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_replay_never_a_wrong_translation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_2m_on_partial_unmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_1g_down_to_the_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_at_both_ends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_holes_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_exhaustion_during_map, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_exhaustion_during_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_returns_every_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_hook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_reports_each_level, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
