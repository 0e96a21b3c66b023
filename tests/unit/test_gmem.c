// SPDX-License-Identifier: MIT
/*
 * Guest-memory copies over a fake RAM whose pages are separate heap blocks:
 * copies that straddle pages, holes, wrapping ranges, and the rule that
 * nothing is written past the first missing page.
 */
#include <errno.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/fake_gmem.h"

static struct fake_gmem fg;

static int setup(void **state)
{
	(void)state;
	fake_gmem_init(&fg, 8);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_gmem_free(&fg);
	return 0;
}

static void test_write_read_across_pages(void **state)
{
	uint8_t src[3 * PAGE_SIZE], back[sizeof(src)];
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(gmem_write(&fg.gm, 0x1ff3, src, sizeof(src)), 0);
	assert_int_equal(*fake_gmem_at(&fg, 0x1ff3), src[0]);
	assert_int_equal(*fake_gmem_at(&fg, 0x2000), src[0xd]);
	assert_int_equal(*fake_gmem_at(&fg, 0x1ff2), 0xA5);
	assert_int_equal(*fake_gmem_at(&fg, 0x1ff3 + sizeof(src)), 0xA5);
	memset(back, 0, sizeof(back));
	assert_int_equal(gmem_read(&fg.gm, 0x1ff3, back, sizeof(back)), 0);
	assert_memory_equal(back, src, sizeof(src));
}

static void test_zero(void **state)
{
	(void)state;
	assert_int_equal(gmem_zero(&fg.gm, 0x0ffe, 4), 0);
	assert_int_equal(*fake_gmem_at(&fg, 0x0ffd), 0xA5);
	assert_int_equal(*fake_gmem_at(&fg, 0x0ffe), 0);
	assert_int_equal(*fake_gmem_at(&fg, 0x1001), 0);
	assert_int_equal(*fake_gmem_at(&fg, 0x1002), 0xA5);
}

static void test_hole_stops_at_first_missing_page(void **state)
{
	uint8_t src[3 * PAGE_SIZE];

	(void)state;
	memset(src, 0x11, sizeof(src));
	fake_gmem_hole(&fg, 0x3000);
	assert_int_equal(gmem_write(&fg.gm, 0x2800, src, sizeof(src)), -EFAULT);
	assert_int_equal(*fake_gmem_at(&fg, 0x2fff), 0x11);     /* before the hole: written */
	assert_int_equal(*fake_gmem_at(&fg, 0x4000), 0xA5);     /* after it: untouched */
	assert_int_equal(gmem_zero(&fg.gm, 0x3000, 1), -EFAULT);
	assert_int_equal(gmem_read(&fg.gm, 0x2000, src, 0x1001), -EFAULT);
	assert_false(gmem_range_ok(&fg.gm, 0x2000, 0x1001));
	assert_true(gmem_range_ok(&fg.gm, 0x2000, 0x1000));
}

static void test_beyond_ram_and_wrapping(void **state)
{
	uint8_t b = 0;

	(void)state;
	assert_int_equal(gmem_write(&fg.gm, 8 * PAGE_SIZE, &b, 1), -EFAULT);
	assert_int_equal(gmem_write(&fg.gm, 8 * PAGE_SIZE - 1, &b, 1), 0);
	assert_int_equal(gmem_write(&fg.gm, 8 * PAGE_SIZE - 1, &b, 2), -EFAULT);
	assert_int_equal(gmem_zero(&fg.gm, UINT64_MAX, 2), -EFAULT);
	assert_int_equal(gmem_zero(&fg.gm, 0x1000, UINT64_MAX), -EFAULT);
	assert_false(gmem_range_ok(&fg.gm, UINT64_MAX - 0xfff, 0x1000 + 1));
	assert_false(gmem_range_ok(&fg.gm, UINT64_MAX - 0xfff, 0x1000));
	assert_true(gmem_range_ok(&fg.gm, 0x5000, 0));
	assert_int_equal(gmem_zero(&fg.gm, UINT64_MAX, 0), 0);
}

static void test_lookups_bounded_by_pages(void **state)
{
	(void)state;
	fg.lookups = 0;
	assert_int_equal(gmem_zero(&fg.gm, 0x800, 2 * PAGE_SIZE), 0);
	assert_int_equal(fg.lookups, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_read_across_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hole_stops_at_first_missing_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_beyond_ram_and_wrapping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookups_bounded_by_pages, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
