/* SPDX-License-Identifier: MIT */
#include "kernel/idle.h"
#include "kernel/time.h"
#include "iommu/iommu.h"
#include "arch/x86/io.h"
#include "kernel/shell/shell.h"

static uint64_t next_poll_us;

void idle_poll(void)
{
	uint64_t now = time_now_us(), due = __atomic_load_n(&next_poll_us, __ATOMIC_RELAXED);

	/* One CPU per period wins the slot; the others go on at once. */
	if (now < due || !__atomic_compare_exchange_n(&next_poll_us, &due, now + IDLE_FAULT_POLL_US, false,
						      __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;
	iommu_fault_poll();
	shell_poll();
}

void idle_loop(void)
{
	for (;;) {
		idle_poll();
		cpu_relax();
	}
}
