/* SPDX-License-Identifier: MIT */
#define LOG_TAG "selftest"
#include "kernel/selftest.h"
#include "kernel/log.h"
#include "kernel/panic.h"

/* Nothing is mapped at low virtual addresses: there is no identity map. */
#define UNMAPPED_ADDRESS 0xdead000ULL

static void __attribute__((noinline)) touch_unmapped(void)
{
	volatile uint64_t *p = (volatile uint64_t *)UNMAPPED_ADDRESS;

	pr_info("reading unmapped address 0x%llx: expect a #PF register dump", UNMAPPED_ADDRESS);
	(void)*p;
}

/* Each frame keeps 1 KiB live so the compiler can neither shrink nor tail-call it. */
static unsigned __attribute__((noinline)) recurse(unsigned depth)
{
	volatile uint8_t pad[1024];

	pad[0] = (uint8_t)depth;
	if (depth > (1u << 20))   /* unreachable: 32 KiB of stack runs out long before */
		return 0;
	return recurse(depth + 1) + pad[0];
}

bool selftest_run(enum selftest t)
{
	switch (t) {
	case SELFTEST_NONE:
		return true;
	case SELFTEST_FAULT:
		touch_unmapped();
		break;
	case SELFTEST_UD:
		pr_info("executing ud2: expect a #UD register dump");
		__asm__ volatile("ud2");
		break;
	case SELFTEST_STACK:
		pr_info("overflowing the boot stack: expect a #DF on its own stack");
		recurse(0);
		break;
	}
	pr_err("self-test '%s' returned instead of faulting", selftest_name(t));
	return false;
}
