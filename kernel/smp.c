// SPDX-License-Identifier: MIT
/* Per-CPU identity: only the boot CPU runs until the AP start-up code lands. */
#include "kernel/smp.h"

unsigned smp_this_cpu(void)
{
	return 0;
}

unsigned smp_cpu_count(void)
{
	return 1;
}
