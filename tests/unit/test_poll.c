/* SPDX-License-Identifier: MIT */
/*
 * The bounded polling helper (kernel/poll.c) and the idle poll
 * (kernel/idle.c) on the fake clock: done, failed and timed-out waits, a
 * late success that is not a timeout, and fault draining at most once per
 * period however often idle_poll() is called.
 */
#include <errno.h>

#include "tests/unit/harness.h"
#include "iommu/iommu.h"
#include "kernel/idle.h"
#include "kernel/poll.h"
#include "kernel/time.h"
#include "kernel/shell/shell.h"

static unsigned polls;
unsigned iommu_fault_poll(void)
{
	polls++;
	return 0;
}

static unsigned shell_polls;
void shell_poll(void)
{
	shell_polls++;
}

struct countdown {
	unsigned left;     /* checks until done */
	int fail_at;       /* check number that fails, or -1 */
	unsigned checks;
};

static int check(void *ctx)
{
	struct countdown *c = ctx;

	if ((int)c->checks++ == c->fail_at)
		return -EIO;
	return c->left && --c->left ? 0 : 1;
}

static void test_done_at_once(void **state)
{
	struct countdown c = { 1, -1, 0 };

	(void)state;
	assert_int_equal(poll_timeout_us(check, &c, 10), 0);
	assert_int_equal(c.checks, 1);
}

static void test_done_after_a_while(void **state)
{
	struct countdown c = { 50, -1, 0 };
	uint64_t t0 = time_now_us();

	(void)state;
	assert_int_equal(poll_timeout_us(check, &c, 1000), 0);
	assert_int_equal(c.checks, 50);
	assert_true(time_now_us() - t0 >= 49);   /* it waited between checks */
}

static void test_error_ends_the_wait(void **state)
{
	struct countdown c = { 1000, 3, 0 };

	(void)state;
	assert_int_equal(poll_timeout_us(check, &c, 1000000), -EIO);
	assert_int_equal(c.checks, 4);
}

static void test_times_out_bounded(void **state)
{
	struct countdown c = { 0xffffffffu, -1, 0 };
	uint64_t t0 = time_now_us();

	(void)state;
	assert_int_equal(poll_timeout_us(check, &c, 100), -ETIMEDOUT);
	assert_true(time_now_us() - t0 >= 100);
	assert_true(time_now_us() - t0 <= 102);
}

static void test_success_on_the_last_look_is_not_a_timeout(void **state)
{
	struct countdown c = { 0, -1, 0 };
	struct countdown probe = { 0xffffffffu, -1, 0 };

	(void)state;
	assert_int_equal(poll_timeout_us(check, &probe, 20), -ETIMEDOUT);
	c.left = probe.checks;   /* done exactly at the check after the deadline */
	assert_int_equal(poll_timeout_us(check, &c, 20), 0);
}

static void test_idle_poll_is_rate_limited(void **state)
{
	(void)state;
	udelay(IDLE_FAULT_POLL_US);
	polls = 0;
	idle_poll();
	assert_int_equal(polls, 1);
	for (unsigned i = 0; i < 100; i++)
		idle_poll();
	assert_int_equal(polls, 1);
	udelay(IDLE_FAULT_POLL_US);
	idle_poll();
	idle_poll();
	assert_int_equal(polls, 2);
	assert_int_equal(shell_polls, 2);   /* the serial line is read in the same slot */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_done_at_once),
		cmocka_unit_test(test_done_after_a_while),
		cmocka_unit_test(test_error_ends_the_wait),
		cmocka_unit_test(test_times_out_bounded),
		cmocka_unit_test(test_success_on_the_last_look_is_not_a_timeout),
		cmocka_unit_test(test_idle_poll_is_rate_limited),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
