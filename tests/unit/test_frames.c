// SPDX-License-Identifier: MIT
/*
 * Frame allocator: the usable-range computation against hostile memory maps
 * (checked against a byte-level oracle too), then the allocator itself over
 * simulated physical memory (phys_arena_add), including above 4 GiB and an
 * arena at physical 0.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "kernel/frames.h"
#include "kernel/phys.h"

#define ARENA_SIZE   (4 * MiB)
#define ARENA_FRAMES (ARENA_SIZE / PAGE_SIZE)
#define HIGH_BASE    0x100000000ULL   /* 4 GiB: exercises addresses above 32 bits */

static struct phys_range out[FRAMES_MAX_RANGES];

static int reset_log(void **state)
{
	(void)state;
	log_capture_reset();
	return 0;
}

#define R(b, e) ((struct phys_range){ (b), (e) })

static void assert_ranges(const struct phys_range *got, unsigned n,
			  const struct phys_range *want, unsigned nwant)
{
	if (n != nwant) {
		for (unsigned i = 0; i < n; i++)
			fprintf(stderr, "  got [%#llx, %#llx)\n", (unsigned long long)got[i].base,
				(unsigned long long)got[i].end);
	}
	assert_int_equal(n, nwant);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(got[i].base, want[i].base);
		assert_int_equal(got[i].end, want[i].end);
	}
}

#define COMPUTE(map, res) \
	frames_compute_usable((map), ARRAY_SIZE(map), (res), ARRAY_SIZE(res), out, ARRAY_SIZE(out))
#define COMPUTE_NORES(map) \
	frames_compute_usable((map), ARRAY_SIZE(map), NULL, 0, out, ARRAY_SIZE(out))
#define ASSERT_RANGES(n, ...)							\
	do {									\
		const struct phys_range want_[] = { __VA_ARGS__ };		\
		assert_ranges(out, (n), want_, ARRAY_SIZE(want_));		\
	} while (0)

/* ---------------------------------------------------------------- usable ranges */

static void test_reserved_wins_over_available(void **state)
{
	const struct mem_range map[] = {
		{ 0x100000, 0x700000, MEM_AVAILABLE },
		{ 0x400000, 0x100000, MEM_RESERVED },
		{ 0x600800, 0x100, MEM_ACPI_RECLAIM },    /* unaligned: its whole page goes */
		{ 0x7ff000, 0x2000, MEM_ACPI_NVS },       /* straddles the end */
	};
	unsigned n = COMPUTE_NORES(map);
	(void)state;

	ASSERT_RANGES(n, R(0x100000, 0x400000), R(0x500000, 0x600000), R(0x601000, 0x7ff000));
}

static void test_unaligned_ranges_shrink_inward(void **state)
{
	const struct mem_range map[] = {
		{ 0x100800, 0x2000, MEM_AVAILABLE },      /* -> one whole page */
		{ 0x200001, 0xffe, MEM_AVAILABLE },       /* no whole page: dropped */
		{ 0x300000, 0x1fff, MEM_AVAILABLE },      /* -> one page */
	};
	unsigned n = COMPUTE_NORES(map);
	(void)state;

	ASSERT_RANGES(n, R(0x101000, 0x102000), R(0x300000, 0x301000));
}

static void test_touching_available_merged_before_alignment(void **state)
{
	/* Neither half holds a whole page, together they hold two. */
	const struct mem_range map[] = {
		{ 0x1800, 0x1000, MEM_AVAILABLE },
		{ 0x1000, 0x800, MEM_AVAILABLE },
		{ 0x2800, 0x800, MEM_AVAILABLE },
	};
	unsigned n = COMPUTE_NORES(map);
	(void)state;

	ASSERT_RANGES(n, R(0x1000, 0x3000));
}

static void test_above_4g(void **state)
{
	const struct mem_range map[] = {
		{ 0x100000, 0x7ff00000, MEM_AVAILABLE },
		{ HIGH_BASE, 0x40000000, MEM_AVAILABLE },
		{ HIGH_BASE + 0x20000000, 0x1000, MEM_RESERVED },
		{ 0xfec00000, 0x1000, MEM_RESERVED },
	};
	unsigned n = COMPUTE_NORES(map);
	(void)state;

	ASSERT_RANGES(n, R(0x100000, 0x80000000), R(HIGH_BASE, HIGH_BASE + 0x20000000),
		      R(HIGH_BASE + 0x20001000, HIGH_BASE + 0x40000000));
}

static void test_caller_reserved_holes(void **state)
{
	const struct mem_range map[] = { { 0x0, 0x1000000, MEM_AVAILABLE } };
	const struct phys_range res[] = {
		R(0x0, 0x100000),            /* the first MiB */
		R(0x200000, 0x300000),       /* the monitor image */
		R(0x400123, 0x400124),       /* one byte: its page goes */
		R(0xfff000, 0x2000000),      /* runs past the RAM */
		R(0x500000, 0x500000),       /* empty: ignored */
	};
	unsigned n = COMPUTE(map, res);
	(void)state;

	ASSERT_RANGES(n, R(0x100000, 0x200000), R(0x300000, 0x400000), R(0x401000, 0xfff000));
}

static void test_first_mib_reserved_bios_map(void **state)
{
	const struct mem_range map[] = {
		{ 0x0, 0x9fc00, MEM_AVAILABLE },
		{ 0x9fc00, 0x400, MEM_RESERVED },
		{ 0xf0000, 0x10000, MEM_RESERVED },
		{ 0x100000, 0x1fee0000, MEM_AVAILABLE },
		{ 0x1ffe0000, 0x20000, MEM_RESERVED },
		{ 0xfffc0000, 0x40000, MEM_RESERVED },
	};
	const struct phys_range res[] = { R(0x0, 0x100000) };
	unsigned n = COMPUTE(map, res);
	(void)state;

	ASSERT_RANGES(n, R(0x100000, 0x1ffe0000));
}

static void test_duplicates_and_unsorted(void **state)
{
	const struct mem_range map[] = {
		{ HIGH_BASE, 0x100000, MEM_AVAILABLE },
		{ 0x800000, 0x100000, MEM_RESERVED },
		{ 0x100000, 0x1000000, MEM_AVAILABLE },
		{ HIGH_BASE, 0x100000, MEM_AVAILABLE },
		{ 0x800000, 0x100000, MEM_RESERVED },
		{ 0x100000, 0x1000000, MEM_AVAILABLE },
		{ 0x200000, 0x10000, MEM_AVAILABLE },     /* nested inside the one above */
	};
	const struct phys_range res[] = { R(0x900000, 0xa00000), R(0x900000, 0xa00000) };
	unsigned n = COMPUTE(map, res);
	(void)state;

	ASSERT_RANGES(n, R(0x100000, 0x800000), R(0xa00000, 0x1100000),
		      R(HIGH_BASE, HIGH_BASE + 0x100000));
}

static void test_zero_length_and_wrapping(void **state)
{
	const struct mem_range map[] = {
		{ 0x100000, 0, MEM_RESERVED },                 /* zero length: ignored */
		{ 0x200000, 0, MEM_AVAILABLE },
		{ 0x100000, 0x1000000, MEM_AVAILABLE },
		{ 0xfffffffffffff000, 0x2000, MEM_AVAILABLE }, /* wraps: ignored */
		{ 0x800000, UINT64_MAX, MEM_RESERVED },        /* wraps: reserves from 8 MiB up */
	};
	unsigned n = COMPUTE_NORES(map);
	(void)state;

	ASSERT_RANGES(n, R(0x100000, 0x800000));
	assert_true(log_captured("W/frames: map entry 3 (0xfffffffffffff000 + 0x2000, type 1) wraps, ignored"));
	assert_true(log_captured("map entry 4"));
	assert_false(log_captured("map entry 0"));
}

static void test_clip_at_physical_limit(void **state)
{
	const uint64_t limit = 1ULL << 52;
	const struct mem_range map[] = {
		{ limit - 0x2000, 0x10000, MEM_AVAILABLE },
		{ limit + 0x100000, 0x100000, MEM_AVAILABLE },   /* wholly above: ignored */
	};
	unsigned n = COMPUTE_NORES(map);
	(void)state;

	ASSERT_RANGES(n, R(limit - 0x2000, limit));
}

static void test_output_capped(void **state)
{
	struct mem_range map[10];
	struct phys_range small[3];
	unsigned n;
	(void)state;

	for (unsigned i = 0; i < ARRAY_SIZE(map); i++)   /* backwards, with gaps */
		map[i] = (struct mem_range){ (uint64_t)(10 - i) * 0x200000, 0x100000, MEM_AVAILABLE };
	n = frames_compute_usable(map, ARRAY_SIZE(map), NULL, 0, small, ARRAY_SIZE(small));
	assert_ranges(small, n, (const struct phys_range[]){
		R(0x200000, 0x300000), R(0x400000, 0x500000), R(0x600000, 0x700000) }, 3);
	assert_true(log_captured("W/frames: 7 usable ranges beyond the first 3 dropped"));
}

static void test_too_many_inputs_fail_closed(void **state)
{
	static struct mem_range map[BOOT_MMAP_MAX + 1];
	static struct phys_range res[FRAMES_MAX_RESERVED + 1];
	(void)state;

	for (unsigned i = 0; i < ARRAY_SIZE(map); i++)
		map[i] = (struct mem_range){ (uint64_t)i << 21, 1 << 20, MEM_AVAILABLE };
	assert_int_equal(frames_compute_usable(map, ARRAY_SIZE(map), NULL, 0, out, ARRAY_SIZE(out)), 0);
	assert_int_equal(frames_compute_usable(map, 4, res, ARRAY_SIZE(res), out, ARRAY_SIZE(out)), 0);
	assert_true(log_captured("E/frames:"));
	assert_int_equal(frames_compute_usable(map, BOOT_MMAP_MAX, res, FRAMES_MAX_RESERVED,
					       out, ARRAY_SIZE(out)),
			 FRAMES_MAX_RANGES);   /* res is all-empty ranges; output capped */
}

/*
 * Random maps over a small window against a byte-level oracle: a page is
 * usable exactly when every byte of it is claimed available and no byte of
 * it is claimed by anything else or by the caller's reserved list.
 */
#define ORACLE_PAGES 24
#define ORACLE_BYTES (ORACLE_PAGES * PAGE_SIZE)

static uint64_t rnd_upto(uint64_t n)
{
	return (uint64_t)rand() % n;
}

static void random_range(uint64_t *base, uint64_t *len)
{
	*base = rnd_upto(ORACLE_BYTES);
	*len = rnd_upto(4) == 0 ? rnd_upto(64) : rnd_upto(ORACLE_BYTES / 3);
	if (rnd_upto(2))   /* often page aligned, to hit the exact edges */
		*base &= ~(PAGE_SIZE - 1), *len &= ~(PAGE_SIZE - 1);
}

static void oracle_mark(uint8_t *bytes, uint64_t base, uint64_t end, uint8_t bit)
{
	for (uint64_t b = base; b < MIN(end, (uint64_t)ORACLE_BYTES); b++)
		bytes[b] |= bit;
}

static bool oracle_page_usable(const uint8_t *bytes, unsigned page)
{
	for (uint64_t b = page * PAGE_SIZE; b < (page + 1) * PAGE_SIZE; b++)
		if (bytes[b] != 1)
			return false;
	return true;
}

static void check_against_oracle(const struct mem_range *map, unsigned nmap,
				 const struct phys_range *res, unsigned nres)
{
	static uint8_t bytes[ORACLE_BYTES];
	unsigned n = frames_compute_usable(map, nmap, res, nres, out, ARRAY_SIZE(out));

	memset(bytes, 0, sizeof(bytes));
	for (unsigned i = 0; i < nmap; i++)
		oracle_mark(bytes, map[i].base, map[i].base + map[i].len,
			    map[i].type == MEM_AVAILABLE ? 1 : 2);
	for (unsigned i = 0; i < nres; i++)
		oracle_mark(bytes, res[i].base, res[i].end, 2);
	for (unsigned i = 0; i < n; i++) {   /* sorted, disjoint, not touching, aligned */
		assert_true(IS_ALIGNED(out[i].base, PAGE_SIZE) && IS_ALIGNED(out[i].end, PAGE_SIZE));
		assert_true(out[i].base < out[i].end);
		if (i)
			assert_true(out[i - 1].end < out[i].base);
	}
	for (unsigned page = 0, i = 0; page < ORACLE_PAGES; page++) {
		uint64_t pa = page * PAGE_SIZE;
		bool in_out;

		while (i < n && out[i].end <= pa)
			i++;
		in_out = i < n && out[i].base <= pa;
		if (in_out != oracle_page_usable(bytes, page))
			fail_msg("page %u: computed %d, oracle %d", page, in_out, !in_out);
	}
}

static void test_random_maps_match_oracle(void **state)
{
	(void)state;
	srand(12345);
	for (unsigned iter = 0; iter < 400; iter++) {
		struct mem_range map[12];
		struct phys_range res[3];
		unsigned nmap = 1 + (unsigned)rnd_upto(ARRAY_SIZE(map));
		unsigned nres = (unsigned)rnd_upto(ARRAY_SIZE(res) + 1);

		for (unsigned i = 0; i < nmap; i++) {
			random_range(&map[i].base, &map[i].len);
			map[i].type = rnd_upto(3) ? MEM_AVAILABLE : 2 + (uint32_t)rnd_upto(4);
		}
		for (unsigned i = 0; i < nres; i++) {
			uint64_t len;

			random_range(&res[i].base, &len);
			res[i].end = res[i].base + len;
		}
		check_against_oracle(map, nmap, res, nres);
	}
}

/* ---------------------------------------------------------------- allocator */

struct arena {
	void *buf;
	paddr_t base;
};

static struct arena arena;

static void arena_setup(paddr_t base)
{
	arena.buf = aligned_alloc(PAGE_SIZE, ARENA_SIZE);
	assert_non_null(arena.buf);
	memset(arena.buf, 0xa5, ARENA_SIZE);
	arena.base = base;
	phys_arena_add(base, arena.buf, ARENA_SIZE);
}

static int setup_high(void **state)
{
	(void)state;
	log_capture_reset();
	phys_arena_reset();
	arena_setup(HIGH_BASE);
	assert_int_equal(frames_init(&R(HIGH_BASE, HIGH_BASE + ARENA_SIZE), 1), 0);
	return 0;
}

static int setup_zero(void **state)
{
	(void)state;
	log_capture_reset();
	phys_arena_reset();
	arena_setup(0);
	assert_int_equal(frames_init(&R(0, ARENA_SIZE), 1), 0);
	return 0;
}

static int teardown_arena(void **state)
{
	(void)state;
	phys_arena_reset();
	free(arena.buf);
	arena.buf = NULL;
	return 0;
}

static uint64_t free_frames(void)
{
	struct frames_stats st;

	frames_get_stats(&st);
	return st.free_frames;
}

/* Allocate until exhausted; every frame distinct, inside the arena, not the bitmap, not 0. */
static uint64_t drain(paddr_t bitmap_pa, bool *taken)
{
	uint64_t n = 0;
	paddr_t pa;

	while ((pa = frame_alloc()) != 0) {
		uint64_t idx = (pa - arena.base) >> PAGE_SHIFT;

		assert_true(IS_ALIGNED(pa, PAGE_SIZE));
		assert_true(pa >= arena.base && idx < ARENA_FRAMES);
		assert_int_not_equal(pa, bitmap_pa);
		assert_false(taken[idx]);
		taken[idx] = true;
		/* Scribble over the frame: a bitmap living inside it would be destroyed. */
		memset(phys_map(pa, PAGE_SIZE, PHYS_WB), 0xff, PAGE_SIZE);
		n++;
	}
	return n;
}

static void test_stats_after_init(void **state)
{
	struct frames_stats st;
	const struct phys_range *ranges;
	(void)state;

	frames_get_stats(&st);
	assert_int_equal(st.total_frames, ARENA_FRAMES);
	assert_int_equal(st.bitmap_bytes, ARENA_FRAMES / 8);
	assert_int_equal(st.free_frames, ARENA_FRAMES - 1);   /* one page of bitmap */
	assert_int_equal(st.ranges, 1);
	assert_int_equal(st.lowest, HIGH_BASE);
	assert_int_equal(st.highest_end, HIGH_BASE + ARENA_SIZE);
	assert_int_equal(frames_ranges(&ranges), 1);
	assert_int_equal(ranges[0].base, HIGH_BASE);
	assert_int_equal(ranges[0].end, HIGH_BASE + ARENA_SIZE);
}

static void test_alloc_until_exhausted(void **state)
{
	static bool taken[ARENA_FRAMES];
	uint64_t before = free_frames();
	(void)state;

	memset(taken, 0, sizeof(taken));
	assert_int_equal(drain(HIGH_BASE, taken), before);
	assert_int_equal(free_frames(), 0);
	assert_int_equal(frame_alloc(), 0);
	assert_int_equal(frames_alloc_contig(1, PAGE_SIZE), 0);
	/* The bitmap survived the scribbling: free and reallocate still work. */
	frames_free(HIGH_BASE + 0x5000, 1);
	assert_int_equal(free_frames(), 1);
	assert_int_equal(frame_alloc(), HIGH_BASE + 0x5000);
	assert_int_equal(log_captured_count(LOG_ERR), 0);
}

static void test_frame_zero_never_returned(void **state)
{
	static bool taken[ARENA_FRAMES];
	const struct phys_range *ranges;
	struct frames_stats st;
	(void)state;

	frames_get_stats(&st);
	assert_int_equal(st.total_frames, ARENA_FRAMES - 1);   /* page 0 is not managed */
	assert_int_equal(frames_ranges(&ranges), 1);
	assert_int_equal(ranges[0].base, PAGE_SIZE);
	memset(taken, 0, sizeof(taken));
	taken[0] = true;   /* drain() fails if page 0 ever comes back */
	assert_int_equal(drain(PAGE_SIZE, taken), ARENA_FRAMES - 2);
	assert_int_equal(frames_alloc_contig(1, PAGE_SIZE), 0);
	/* Page 0 cannot be slipped in by a free either. */
	frames_free(0, 1);
	assert_true(log_captured("E/frames: free of 1 frames at 0x0: not allocatable"));
	assert_int_equal(frame_alloc(), 0);
}

static void test_contig_aligned(void **state)
{
	paddr_t pa, low;
	(void)state;

	/* The bitmap sits in the first 2 MiB, so the only 2 MiB-aligned run is the second half. */
	pa = frames_alloc_contig(512, 2 * MiB);
	assert_int_equal(pa, HIGH_BASE + 2 * MiB);
	assert_int_equal(frames_alloc_contig(512, 2 * MiB), 0);
	assert_int_equal(frames_alloc_contig(1, 4 * GiB), 0);   /* the one 4G-aligned frame is the bitmap */
	/* 511 frames fit after the bitmap page. */
	low = frames_alloc_contig(511, PAGE_SIZE);
	assert_int_equal(low, HIGH_BASE + PAGE_SIZE);
	assert_int_equal(free_frames(), 0);
	frames_free(pa, 512);
	assert_int_equal(frames_alloc_contig(16, 64 * KiB), HIGH_BASE + 2 * MiB);
	assert_int_equal(log_captured_count(LOG_ERR), 0);
}

static void test_contig_fragmented(void **state)
{
	static bool taken[ARENA_FRAMES];
	(void)state;

	memset(taken, 0, sizeof(taken));
	drain(HIGH_BASE, taken);
	for (uint64_t i = 2; i < ARENA_FRAMES; i += 2)   /* every other frame free */
		frames_free(HIGH_BASE + i * PAGE_SIZE, 1);
	assert_int_equal(frames_alloc_contig(2, PAGE_SIZE), 0);
	frames_free(HIGH_BASE + 0x101000, 1);   /* now 0x100000..0x102000 is a free pair */
	assert_int_equal(frames_alloc_contig(2, PAGE_SIZE), HIGH_BASE + 0x100000);
	assert_int_equal(frames_alloc_contig(2, PAGE_SIZE), 0);
	assert_int_equal(log_captured_count(LOG_ERR), 0);
}

static void test_contig_invalid_args(void **state)
{
	(void)state;
	assert_int_equal(frames_alloc_contig(0, PAGE_SIZE), 0);
	assert_int_equal(frames_alloc_contig(1, 0), 0);
	assert_int_equal(frames_alloc_contig(1, 3 * PAGE_SIZE), 0);
	assert_int_equal(frames_alloc_contig(1, 2048), 0);
	assert_int_equal(frames_alloc_contig(ARENA_FRAMES, PAGE_SIZE), 0);   /* bitmap in the way */
	assert_int_equal(frames_alloc_contig(UINT64_MAX, PAGE_SIZE), 0);
	assert_int_equal(log_captured_count(LOG_ERR), 5);
}

static void test_free_and_realloc(void **state)
{
	uint64_t before = free_frames();
	paddr_t a, b;
	(void)state;

	a = frame_alloc();
	b = frame_alloc();
	assert_int_not_equal(a, 0);
	assert_int_not_equal(a, b);
	assert_int_equal(free_frames(), before - 2);
	frames_free(a, 1);
	assert_int_equal(free_frames(), before - 1);
	assert_int_equal(frame_alloc(), a);
	frames_free(a, 1);
	frames_free(b, 1);
	assert_int_equal(free_frames(), before);
	assert_int_equal(log_captured_count(LOG_ERR), 0);
}

static void test_double_free_detected(void **state)
{
	paddr_t a = frame_alloc();
	uint64_t before;
	(void)state;

	frames_free(a, 1);
	before = free_frames();
	frames_free(a, 1);
	assert_true(log_captured("E/frames: double free"));
	assert_int_equal(free_frames(), before);
	/* A run that is only partly allocated is refused as a whole. */
	a = frame_alloc();
	log_capture_reset();
	frames_free(a, 2);
	assert_true(log_captured("E/frames: double free"));
	assert_int_equal(free_frames(), before - 1);
	frames_free(a, 1);
	assert_int_equal(free_frames(), before);
}

static void test_free_bad_frames_detected(void **state)
{
	uint64_t before = free_frames();
	(void)state;

	frames_free(HIGH_BASE, 1);                      /* the bitmap's own page */
	frames_free(0x1000, 1);                         /* never usable */
	frames_free(HIGH_BASE + ARENA_SIZE - PAGE_SIZE, 2);   /* runs off the range */
	frames_free(HIGH_BASE + 0x2100, 1);             /* unaligned */
	assert_int_equal(log_captured_count(LOG_ERR), 4);
	assert_int_equal(free_frames(), before);
	frames_free(HIGH_BASE + 0x2000, 0);             /* nothing to do */
	assert_int_equal(log_captured_count(LOG_ERR), 4);
}

static void test_reserve(void **state)
{
	uint64_t before = free_frames();
	paddr_t a = frame_alloc(), pa;
	(void)state;

	assert_int_equal(a, HIGH_BASE + PAGE_SIZE);
	assert_int_equal(frames_reserve(a, PAGE_SIZE), -EBUSY);
	assert_int_equal(frames_reserve(HIGH_BASE, 1), -EBUSY);   /* bitmap page */
	/* Busy at the start: nothing of the free rest may be taken. */
	assert_int_equal(frames_reserve(a, 16 * PAGE_SIZE), -EBUSY);
	assert_int_equal(free_frames(), before - 1);
	/* Unaligned request: whole pages around it, and the part outside RAM is ignored. */
	assert_int_equal(frames_reserve(HIGH_BASE + 0x2800, 0x1000), 0);   /* pages 2 and 3 */
	assert_int_equal(free_frames(), before - 3);
	/* Beyond the usable range is ignored; pa + len == 2^64 exactly is not a wrap. */
	pa = HIGH_BASE + ARENA_SIZE - PAGE_SIZE;
	assert_int_equal(frames_reserve(pa, 0 - pa), 0);
	assert_int_equal(free_frames(), before - 4);
	assert_int_equal(frames_reserve(pa - PAGE_SIZE, 0x10000), -EBUSY);
	assert_int_equal(free_frames(), before - 4);
	assert_int_equal(frame_alloc(), HIGH_BASE + 0x4000);
	assert_int_equal(frames_reserve(0x1000, 0x1000), 0);               /* wholly outside */
	assert_int_equal(frames_reserve(HIGH_BASE + 0x8000, 0), 0);
	assert_int_equal(frames_reserve(UINT64_MAX - 5, 10), -EINVAL);      /* wraps */
	assert_int_equal(free_frames(), before - 5);
	/* Reserved frames are used: freeing them is legal (a late table released). */
	frames_free(HIGH_BASE + 0x2000, 2);
	assert_int_equal(free_frames(), before - 3);
}

static void test_init_failures(void **state)
{
	void *buf = aligned_alloc(PAGE_SIZE, 64 * KiB);
	(void)state;

	log_capture_reset();
	phys_arena_reset();
	assert_int_equal(frames_init(NULL, 0), -ENOMEM);
	/* Usable memory that phys_map cannot reach: no home for the bitmaps. */
	assert_int_equal(frames_init(&R(0x200000, 0x400000), 1), -ENOMEM);
	assert_true(log_captured("E/frames: no usable range can hold"));
	assert_int_equal(frame_alloc(), 0);
	/* Unaligned, inverted, unsorted ranges are refused one by one. */
	phys_arena_add(0x10000, buf, 64 * KiB);
	{
		const struct phys_range bad[] = {
			R(0x10000, 0x20000), R(0x8000, 0x9000) /* unsorted */,
			R(0x30800, 0x40000), R(0x50000, 0x50000), R(0x70000, 0x60000),
		};
		struct frames_stats st;

		log_capture_reset();
		assert_int_equal(frames_init(bad, ARRAY_SIZE(bad)), 0);
		frames_get_stats(&st);
		assert_int_equal(st.ranges, 1);
		assert_int_equal(st.total_frames, 16);
		assert_int_equal(log_captured_count(LOG_ERR), 4);
		assert_true(log_captured("usable range 1 (0x8000..0x9000)"));
	}
	phys_arena_reset();
	free(buf);
}

static void test_two_ranges(void **state)
{
	void *low = aligned_alloc(PAGE_SIZE, 64 * KiB);
	static bool taken[ARENA_FRAMES];
	const struct phys_range usable[] = {
		R(0x100000, 0x110000), R(HIGH_BASE, HIGH_BASE + ARENA_SIZE),
	};
	struct frames_stats st;
	uint64_t n_low = 0, n;
	paddr_t pa;
	(void)state;

	log_capture_reset();
	phys_arena_reset();
	phys_arena_add(0x100000, low, 64 * KiB);
	arena_setup(HIGH_BASE);
	assert_int_equal(frames_init(usable, ARRAY_SIZE(usable)), 0);
	frames_get_stats(&st);
	assert_int_equal(st.total_frames, 16 + ARENA_FRAMES);
	assert_int_equal(st.free_frames, 16 + ARENA_FRAMES - 1);   /* bitmaps in the low range */
	for (n_low = 0; n_low < 15; n_low++) {
		pa = frame_alloc();
		assert_true(pa > 0x100000 && pa < 0x110000);
	}
	memset(taken, 0, sizeof(taken));
	n = drain(0x100000, taken);
	assert_int_equal(n, ARENA_FRAMES);
	free(low);
	teardown_arena(NULL);
}

/*
 * Several CPUs allocating and freeing at once must never get the same frame
 * and must keep the free count exact (the spin lock). Heavy churn makes a
 * missing lock show up as a duplicate frame or a drifted count.
 */
#define THREADS    4
#define PER_THREAD 200
#define CHURN      20000

static void *alloc_worker(void *arg)
{
	paddr_t *got = arg;

	for (unsigned i = 0; i < CHURN; i++) {
		paddr_t pa = frame_alloc();

		if (pa)
			frames_free(pa, 1);
	}
	for (unsigned i = 0; i < PER_THREAD; i++)
		got[i] = frame_alloc();
	return NULL;
}

static void test_concurrent_alloc(void **state)
{
	static paddr_t got[THREADS][PER_THREAD];
	static bool taken[ARENA_FRAMES];
	pthread_t t[THREADS];
	uint64_t before = free_frames();
	(void)state;

	for (unsigned i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, alloc_worker, got[i]), 0);
	for (unsigned i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	memset(taken, 0, sizeof(taken));
	for (unsigned i = 0; i < THREADS; i++) {
		for (unsigned j = 0; j < PER_THREAD; j++) {
			uint64_t idx = (got[i][j] - HIGH_BASE) >> PAGE_SHIFT;

			assert_int_not_equal(got[i][j], 0);
			assert_false(taken[idx]);
			taken[idx] = true;
		}
	}
	assert_int_equal(free_frames(), before - THREADS * PER_THREAD);
	assert_int_equal(log_captured_count(LOG_ERR), 0);
}

#define T(fn)  cmocka_unit_test_setup(fn, reset_log)
#define TH(fn) cmocka_unit_test_setup_teardown(fn, setup_high, teardown_arena)
#define TZ(fn) cmocka_unit_test_setup_teardown(fn, setup_zero, teardown_arena)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_reserved_wins_over_available),
		T(test_unaligned_ranges_shrink_inward),
		T(test_touching_available_merged_before_alignment),
		T(test_above_4g),
		T(test_caller_reserved_holes),
		T(test_first_mib_reserved_bios_map),
		T(test_duplicates_and_unsorted),
		T(test_zero_length_and_wrapping),
		T(test_clip_at_physical_limit),
		T(test_output_capped),
		T(test_too_many_inputs_fail_closed),
		T(test_random_maps_match_oracle),
		TH(test_stats_after_init),
		TH(test_alloc_until_exhausted),
		TZ(test_frame_zero_never_returned),
		TH(test_contig_aligned),
		TH(test_contig_fragmented),
		TH(test_contig_invalid_args),
		TH(test_free_and_realloc),
		TH(test_double_free_detected),
		TH(test_free_bad_frames_detected),
		TH(test_reserve),
		T(test_init_failures),
		T(test_two_ranges),
		TH(test_concurrent_alloc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
