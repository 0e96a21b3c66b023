/* SPDX-License-Identifier: MIT */
/*
 * The remote stage-2 flush protocol (kernel/partition/s2_sync.c): a thread
 * plays a CPU running a guest that only leaves it when kicked; the
 * narrowing side must not return before that CPU flushed, must kick only a
 * CPU in its guest, and must give up (-ETIMEDOUT) on one that never exits.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "kernel/partition/s2_sync.h"
#include "kernel/partition/exits.h"
#include "arch/x86/kick.h"
#include "kernel/time.h"

struct partition partitions[PART_MAX];
unsigned partition_count = 2;

/* ---- Fakes ---------------------------------------------------------------------- */
static struct part_vcpu child_vcpu;
static unsigned flushes;             /* flush_s2 on the child's vcpu */
static unsigned kicks;
static bool kick_flag;               /* the guest "exits" when it sees it */
static bool guest_ignores_kicks;
static uint64_t fake_now;
static bool fake_clock;              /* advance the clock on every read */

static void fake_flush_s2(struct vcpu *v) { assert_ptr_equal(v, &child_vcpu.vcpu); __atomic_add_fetch(&flushes, 1, __ATOMIC_SEQ_CST); }
static const struct vcpu_ops fake_ops = { .name = "fake", .flush_s2 = fake_flush_s2 };
const struct vcpu_ops *part_vops = &fake_ops;

void cpu_kick(unsigned cpu)
{
	assert_int_equal(cpu, 1);
	__atomic_add_fetch(&kicks, 1, __ATOMIC_SEQ_CST);
	if (!guest_ignores_kicks)
		__atomic_store_n(&kick_flag, true, __ATOMIC_SEQ_CST);
}
unsigned smp_this_cpu(void) { return 0; }
uint64_t time_now_us(void)
{
	return fake_clock ? __atomic_add_fetch(&fake_now, 1000, __ATOMIC_SEQ_CST) : __atomic_load_n(&fake_now, __ATOMIC_SEQ_CST);
}

/* ---- The child's CPU --------------------------------------------------------------- */
static bool stop_guest;

static void *guest_cpu(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop_guest, __ATOMIC_SEQ_CST)) {
		part_s2_before_entry(&child_vcpu);
		while (!__atomic_exchange_n(&kick_flag, false, __ATOMIC_SEQ_CST) &&
		       !__atomic_load_n(&stop_guest, __ATOMIC_SEQ_CST))
			;   /* "in its guest": a tight loop that never exits by itself */
		part_s2_after_exit(&child_vcpu);
	}
	return NULL;
}

static int setup(void **state)
{
	(void)state;
	memset(partitions, 0, sizeof(partitions));
	partitions[1] = (struct partition){ .id = 2, .ncpus = 1, .cpus = { 1 } };
	child_vcpu = (struct part_vcpu){ .vcpu = { .part = &partitions[1], .cpu = 1 } };
	flushes = kicks = 0;
	kick_flag = guest_ignores_kicks = stop_guest = fake_clock = false;
	fake_now = 0;
	return 0;
}

static void test_flush_waits_for_the_running_cpu(void **state)
{
	pthread_t t;
	unsigned before;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, guest_cpu, NULL), 0);
	while (!part_s2_cpu_in_guest(1))
		;
	before = __atomic_load_n(&flushes, __ATOMIC_SEQ_CST);
	for (unsigned round = 0; round < 200; round++) {
		assert_int_equal(part_s2_flush_cpus(&partitions[1]), 0);
		/* Returned: the child's CPU flushed since the narrowing, or is out of its guest. */
		assert_true(__atomic_load_n(&flushes, __ATOMIC_SEQ_CST) > before + round ||
			    !part_s2_cpu_in_guest(1));
	}
	assert_true(kicks >= 1);
	__atomic_store_n(&stop_guest, true, __ATOMIC_SEQ_CST);
	pthread_join(t, NULL);
	assert_true(flushes >= before + 1);
}

static void test_a_cpu_out_of_its_guest_is_not_kicked(void **state)
{
	(void)state;
	assert_false(part_s2_cpu_in_guest(1));
	assert_int_equal(part_s2_flush_cpus(&partitions[1]), 0);
	assert_int_equal(kicks, 0);
	/* It flushes on its way in, because the generation moved. */
	part_s2_before_entry(&child_vcpu);
	assert_int_equal(flushes, 1);
	part_s2_after_exit(&child_vcpu);
	part_s2_before_entry(&child_vcpu);   /* nothing changed since: no flush */
	assert_int_equal(flushes, 1);
	part_s2_after_exit(&child_vcpu);
}

static void test_a_cpu_that_never_exits_times_out(void **state)
{
	pthread_t t;

	(void)state;
	guest_ignores_kicks = true;
	assert_int_equal(pthread_create(&t, NULL, guest_cpu, NULL), 0);
	while (!part_s2_cpu_in_guest(1))
		;
	fake_clock = true;   /* a millisecond per read: kicks are repeated, then it gives up */
	assert_int_equal(part_s2_flush_cpus(&partitions[1]), -ETIMEDOUT);
	assert_true(kicks > 1);
	__atomic_store_n(&stop_guest, true, __ATOMIC_SEQ_CST);
	pthread_join(t, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_flush_waits_for_the_running_cpu, setup),
		cmocka_unit_test_setup(test_a_cpu_out_of_its_guest_is_not_kicked, setup),
		cmocka_unit_test_setup(test_a_cpu_that_never_exits_times_out, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
