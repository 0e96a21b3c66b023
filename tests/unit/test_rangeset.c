/* SPDX-License-Identifier: MIT */
/* The DMA-able memory set (iommu/rangeset.c): merging, splitting, a full array. */
#include <errno.h>

#include "tests/unit/harness.h"
#include "iommu/rangeset.h"

static struct rangeset s;

static void test_add_merges_neighbours(void **state)
{
	(void)state;
	rangeset_clear(&s);
	assert_int_equal(rangeset_add(&s, 0x1000, 0x3000), 0);
	assert_int_equal(rangeset_add(&s, 0x5000, 0x6000), 0);
	assert_int_equal(rangeset_add(&s, 0x3000, 0x5000), 0);   /* touches both */
	assert_int_equal(s.n, 1);
	assert_true(rangeset_contains(&s, 0x1000, 0x6000));
	assert_false(rangeset_contains(&s, 0x1000, 0x7000));
	assert_int_equal(rangeset_add(&s, 0x1000, 0x1800), -EINVAL);
	assert_int_equal(rangeset_add(&s, 0x2000, 0x1000), -EINVAL);
}

static void test_remove_splits_and_trims(void **state)
{
	(void)state;
	rangeset_clear(&s);
	assert_int_equal(rangeset_add(&s, 0x10000, 0x20000), 0);
	assert_int_equal(rangeset_add(&s, 0x30000, 0x40000), 0);
	assert_int_equal(rangeset_remove(&s, 0x14000, 0x15000), 0);   /* a hole */
	assert_int_equal(s.n, 3);
	assert_false(rangeset_overlaps(&s, 0x14000, 0x15000));
	assert_true(rangeset_contains(&s, 0x15000, 0x20000));
	assert_int_equal(rangeset_remove(&s, 0x18000, 0x38000), 0);   /* across two */
	assert_int_equal(s.n, 3);
	assert_true(rangeset_contains(&s, 0x38000, 0x40000));
	assert_false(rangeset_overlaps(&s, 0x18000, 0x38000));
	assert_int_equal(rangeset_remove(&s, 0, 0x100000), 0);
	assert_int_equal(s.n, 0);
}

static void test_full_set_changes_nothing(void **state)
{
	(void)state;
	rangeset_clear(&s);
	for (unsigned i = 0; i < RANGESET_MAX; i++)
		assert_int_equal(rangeset_add(&s, i * 0x10000ULL, i * 0x10000ULL + 0x3000), 0);
	assert_int_equal(rangeset_add(&s, 0x5000000, 0x5001000), -ENOSPC);
	/* A hole needs a slot: refused, and the range is still whole. */
	assert_int_equal(rangeset_remove(&s, 0x11000, 0x12000), -ENOSPC);
	assert_true(rangeset_contains(&s, 0x10000, 0x13000));
	/* Trimming an end needs none. */
	assert_int_equal(rangeset_remove(&s, 0x12000, 0x13000), 0);
	assert_false(rangeset_overlaps(&s, 0x12000, 0x13000));
	assert_int_equal(s.n, RANGESET_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_merges_neighbours),
		cmocka_unit_test(test_remove_splits_and_trims),
		cmocka_unit_test(test_full_set_changes_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
