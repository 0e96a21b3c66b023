// SPDX-License-Identifier: MIT
/*
 * Partition memory maps: the root's from firmware maps (typical, hostile,
 * overlapping, random against an oracle, with the RAM set computed by the
 * frame allocator's own code), and a child's.
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "kernel/partition/guest_map.h"

static struct mem_range out[64];
static unsigned nout;

static void expect(const struct mem_range *want, unsigned n)
{
	unsigned i;

	assert_int_equal(nout, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(out[i].base, want[i].base);
		assert_int_equal(out[i].len, want[i].len);
		assert_int_equal(out[i].type, want[i].type);
	}
}

/* A SeaBIOS-like map; the monitor at [16M, 32M), a child at [256M, 320M). */
static const struct mem_range bios_map[] = {
	{ 0x0, 0x9fc00, MEM_AVAILABLE },
	{ 0x9fc00, 0x400, MEM_RESERVED },
	{ 0xf0000, 0x10000, MEM_RESERVED },
	{ 0x100000, 0x1ff00000 - 0x100000, MEM_AVAILABLE },
	{ 0x1ff00000, 0x100000, MEM_RESERVED },
	{ 0xfeffc000, 0x4000, MEM_RESERVED },
	{ 0xfffc0000, 0x40000, MEM_RESERVED },
};

static void test_root_typical(void **state)
{
	static const struct phys_range ram[] = {
		{ 0x0, 0x9f000 },
		{ 0x100000, 0x1000000 },
		{ 0x2000000, 0x10000000 },
		{ 0x14000000, 0x1ff00000 },
	};
	static const struct mem_range want[] = {
		{ 0x0, 0x9f000, MEM_AVAILABLE },
		{ 0x9fc00, 0x400, MEM_RESERVED },
		{ 0xf0000, 0x10000, MEM_RESERVED },
		{ 0x100000, 0xf00000, MEM_AVAILABLE },
		{ 0x2000000, 0xe000000, MEM_AVAILABLE },
		{ 0x14000000, 0x1ff00000 - 0x14000000, MEM_AVAILABLE },
		{ 0x1ff00000, 0x100000, MEM_RESERVED },
		{ 0xfeffc000, 0x4000, MEM_RESERVED },
		{ 0xfffc0000, 0x40000, MEM_RESERVED },
	};

	(void)state;
	assert_int_equal(guest_map_root(bios_map, ARRAY_SIZE(bios_map), ram, ARRAY_SIZE(ram), out,
					ARRAY_SIZE(out), &nout), 0);
	expect(want, ARRAY_SIZE(want));
}

static void test_root_overlapping_types(void **state)
{
	/* Overlapping non-available claims: the more restrictive wins; unknown is reserved. */
	static const struct mem_range fw[] = {
		{ 0x100000, 0x7f00000, MEM_AVAILABLE },
		{ 0x8000000, 0x10000, MEM_ACPI_RECLAIM },
		{ 0x8008000, 0x10000, MEM_ACPI_NVS },
		{ 0x800c000, 0x1000, MEM_BAD },
		{ 0x8020000, 0x1000, 12 },                      /* unknown type */
		{ 0x8021000, 0x1000, MEM_RESERVED },            /* adjacent same type: merged */
		{ 0x8030000, 0, MEM_RESERVED },                 /* empty: nothing */
		{ 0xfffffffffffff000ULL, 0x2000, MEM_RESERVED }, /* wraps, and above the limit */
		{ 0xfee00000, UINT64_MAX, MEM_RESERVED },       /* wraps: reserved to the top */
	};
	static const struct phys_range ram[] = { { 0x100000, 0x8000000 } };
	static const struct mem_range want[] = {
		{ 0x100000, 0x7f00000, MEM_AVAILABLE },
		{ 0x8000000, 0x8000, MEM_ACPI_RECLAIM },
		{ 0x8008000, 0x4000, MEM_ACPI_NVS },
		{ 0x800c000, 0x1000, MEM_BAD },
		{ 0x800d000, 0xb000, MEM_ACPI_NVS },
		{ 0x8020000, 0x2000, MEM_RESERVED },
		{ 0xfee00000, BIT(52) - 0xfee00000, MEM_RESERVED },
	};

	(void)state;
	assert_int_equal(guest_map_root(fw, ARRAY_SIZE(fw), ram, ARRAY_SIZE(ram), out,
					ARRAY_SIZE(out), &nout), 0);
	expect(want, ARRAY_SIZE(want));
}

static void test_root_ram_must_be_available(void **state)
{
	static const struct phys_range in_hole[] = { { 0x9f000, 0xa1000 } };
	static const struct phys_range on_reserved[] = { { 0x1fe00000, 0x1ff01000 } };
	static const struct phys_range beyond[] = { { 0x20000000, 0x20001000 } };
	static const struct phys_range empty[] = { { 0x200000, 0x200000 } };
	/* Available claims that overlap a reserved one: the RAM may not touch the reserved part. */
	static const struct mem_range fw[] = {
		{ 0x0, 0x40000000, MEM_AVAILABLE },
		{ 0x10000000, 0x1000, MEM_RESERVED },
	};
	static const struct phys_range over[] = { { 0x0, 0x20000000 } };
	static const struct phys_range around[] = { { 0x0, 0x10000000 }, { 0x10001000, 0x40000000 } };

	(void)state;
	log_capture_reset();
	assert_int_equal(guest_map_root(bios_map, ARRAY_SIZE(bios_map), in_hole, 1, out, 64, &nout),
			 -EINVAL);
	assert_true(log_captured("not available memory"));
	assert_int_equal(guest_map_root(bios_map, ARRAY_SIZE(bios_map), on_reserved, 1, out, 64,
					&nout), -EINVAL);
	assert_int_equal(guest_map_root(bios_map, ARRAY_SIZE(bios_map), beyond, 1, out, 64, &nout),
			 -EINVAL);
	assert_int_equal(guest_map_root(bios_map, ARRAY_SIZE(bios_map), empty, 1, out, 64, &nout),
			 -EINVAL);
	log_capture_reset();
	assert_int_equal(guest_map_root(fw, 2, over, 1, out, 64, &nout), -EINVAL);
	assert_true(log_captured("overlaps firmware type 2"));
	assert_int_equal(guest_map_root(fw, 2, around, 2, out, 64, &nout), 0);
	assert_int_equal(nout, 3);
	assert_int_equal(out[1].type, MEM_RESERVED);
	assert_int_equal(out[1].base, 0x10000000);
	assert_int_equal(out[1].len, 0x1000);
}

/* RAM spanning several touching/overlapping available firmware entries is accepted. */
static void test_root_ram_over_split_available(void **state)
{
	static const struct mem_range fw[] = {
		{ 0x200000, 0x300000, MEM_AVAILABLE },
		{ 0x100000, 0x180000, MEM_AVAILABLE },
		{ 0x280000, 0x10000, MEM_AVAILABLE },
	};
	static const struct phys_range ram[] = { { 0x100000, 0x500000 } };

	(void)state;
	assert_int_equal(guest_map_root(fw, 3, ram, 1, out, 64, &nout), 0);
	assert_int_equal(nout, 1);
	assert_int_equal(out[0].base, 0x100000);
	assert_int_equal(out[0].len, 0x400000);
}

static void test_root_no_space_and_limits(void **state)
{
	static const struct phys_range ram[] = { { 0x0, 0x9f000 } };
	static struct mem_range many[GUEST_MAP_MAX_IN + 1];

	(void)state;
	assert_int_equal(guest_map_root(bios_map, ARRAY_SIZE(bios_map), ram, 1, out, 5, &nout),
			 -ENOSPC);
	assert_int_equal(guest_map_root(bios_map, ARRAY_SIZE(bios_map), ram, 1, out, 6, &nout), 0);
	assert_int_equal(guest_map_root(many, ARRAY_SIZE(many), ram, 1, out, 64, &nout), -EINVAL);
}

static uint64_t rng = 0x1234567887654321ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* The type an address must have in the root's map (0: absent). */
static uint32_t oracle(const struct mem_range *fw, unsigned nfw, const struct phys_range *ram,
		       unsigned nram, uint64_t a)
{
	static const int rank[] = { [MEM_AVAILABLE] = 0, [MEM_ACPI_RECLAIM] = 1,
				    [MEM_ACPI_NVS] = 2, [MEM_RESERVED] = 3, [MEM_BAD] = 4 };
	uint32_t best = 0;
	unsigned i;

	for (i = 0; i < nram; i++)
		if (a >= ram[i].base && a < ram[i].end)
			return MEM_AVAILABLE;
	for (i = 0; i < nfw; i++)
		if (fw[i].type != MEM_AVAILABLE && a >= fw[i].base && a - fw[i].base < fw[i].len &&
		    (!best || rank[fw[i].type] > rank[best]))
			best = fw[i].type;
	return best;
}

static uint32_t lookup(uint64_t a)
{
	unsigned i;

	for (i = 0; i < nout; i++)
		if (a >= out[i].base && a - out[i].base < out[i].len)
			return out[i].type;
	return 0;
}

/*
 * Random overlapping maps; RAM = the frame allocator's usable set minus a
 * few random carve-outs (monitor, children). Every boundary +-1 must match
 * the oracle, and the output must be sorted, disjoint and merged.
 */
static void test_root_random_against_oracle(void **state)
{
	unsigned iter;

	(void)state;
	for (iter = 0; iter < 400; iter++) {
		struct mem_range fw[12];
		struct phys_range carve[3], ram[64];
		unsigned nfw = 1 + rnd() % 12, nram, i, k;

		for (i = 0; i < nfw; i++) {
			fw[i].base = (rnd() % 64) * 0x800;
			fw[i].len = (rnd() % 32) * 0x800 + (rnd() % 4 ? 0 : rnd() % 0x800);
			fw[i].type = (uint32_t)(rnd() % 3 ? MEM_AVAILABLE : 2 + rnd() % 4);
		}
		for (i = 0; i < 3; i++) {
			carve[i].base = (rnd() % 32) * 0x1000;
			carve[i].end = carve[i].base + (rnd() % 4) * 0x1000;
		}
		log_capture_reset();
		nram = frames_compute_usable(fw, nfw, carve, 3, ram, ARRAY_SIZE(ram));
		assert_int_equal(guest_map_root(fw, nfw, ram, nram, out, ARRAY_SIZE(out), &nout), 0);
		for (i = 0; i < nout; i++) {
			assert_true(out[i].len > 0);
			if (i) {
				assert_true(out[i - 1].base + out[i - 1].len <= out[i].base);
				assert_false(out[i - 1].base + out[i - 1].len == out[i].base &&
					     out[i - 1].type == out[i].type);
			}
		}
		for (i = 0; i < nfw + 3; i++) {
			uint64_t pts[2];

			if (i < nfw)
				pts[0] = fw[i].base, pts[1] = fw[i].base + fw[i].len;
			else
				pts[0] = carve[i - nfw].base, pts[1] = carve[i - nfw].end;
			for (k = 0; k < 2; k++) {
				uint64_t a;

				for (a = pts[k] ? pts[k] - 1 : 0; a <= pts[k] + 1; a++)
					assert_int_equal(lookup(a), oracle(fw, nfw, ram, nram, a));
			}
		}
	}
}

static void test_child(void **state)
{
	static const struct mem_range want1[] = { { 0, 64 * MiB, MEM_AVAILABLE } };
	static const struct phys_range res[] = {
		{ 0x9f000, 0x100000 },
		{ 63 * MiB, 65 * MiB },          /* straddles the end: clipped */
		{ 80 * MiB, 81 * MiB },          /* outside: absent */
	};
	static const struct mem_range want2[] = {
		{ 0, 0x9f000, MEM_AVAILABLE },
		{ 0x9f000, 0x61000, MEM_RESERVED },
		{ 0x100000, 62 * MiB, MEM_AVAILABLE },
		{ 63 * MiB, 1 * MiB, MEM_RESERVED },
	};

	(void)state;
	assert_int_equal(guest_map_child(64 * MiB, NULL, 0, out, 64, &nout), 0);
	expect(want1, 1);
	assert_int_equal(guest_map_child(64 * MiB, res, 3, out, 64, &nout), 0);
	expect(want2, 4);
	assert_int_equal(guest_map_child(64 * MiB, res, 3, out, 3, &nout), -ENOSPC);
	assert_int_equal(guest_map_child(0, NULL, 0, out, 64, &nout), -EINVAL);
	assert_int_equal(guest_map_child(0x1800, NULL, 0, out, 64, &nout), -EINVAL);
	assert_int_equal(guest_map_child(64 * MiB, NULL, 1, out, 64, &nout), -EINVAL);
	assert_int_equal(guest_map_child(6 * GiB, NULL, 0, out, 64, &nout), 0);
	assert_int_equal(out[0].len, 6 * GiB);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_typical),
		cmocka_unit_test(test_root_overlapping_types),
		cmocka_unit_test(test_root_ram_must_be_available),
		cmocka_unit_test(test_root_ram_over_split_available),
		cmocka_unit_test(test_root_no_space_and_limits),
		cmocka_unit_test(test_root_random_against_oracle),
		cmocka_unit_test(test_child),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
