// SPDX-License-Identifier: GPL-2.0
/*
 * iomon_abi: drives iomon's device-domain and direct-attach hypercalls from
 * a stock Linux kernel running as iomon's root partition, through Linux's
 * own hypercall code. Loading it runs the tests once and prints them as
 * TAP on the kernel console; the module then stays loaded so the results
 * can be read from /sys/module/iomon_abi/parameters/ (tests, failures).
 *
 * GPL: Linux exports its hypercall page (hv_hypercall_pg) to GPL modules only.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <asm/mshyperv.h>

#include "hvcall.h"
#include "tests.h"

unsigned long child;
module_param(child, ulong, 0444);
MODULE_PARM_DESC(child, "direct-attach edu to this partition id (>= 2; 0: skip that part)");

unsigned long child_dma_gpa = 0x2000000;
module_param(child_dma_gpa, ulong, 0444);
MODULE_PARM_DESC(child_dma_gpa, "the child's page that edu writes and the root then unmaps");

unsigned int attach_wait_ms = 5000;
module_param(attach_wait_ms, uint, 0444);
MODULE_PARM_DESC(attach_wait_ms, "ms between ATTACH_DEVICE and UNMAP_GPA_PAGES (the child's first DMA)");

unsigned int detach_wait_ms = 3000;
module_param(detach_wait_ms, uint, 0444);
MODULE_PARM_DESC(detach_wait_ms, "ms between UNMAP_GPA_PAGES and DETACH_DEVICE (the child's last DMA)");

unsigned int deposit_pages = 1;
module_param(deposit_pages, uint, 0444);
MODULE_PARM_DESC(deposit_pages, "pages deposited after each INSUFFICIENT_MEMORY (1..64)");

static unsigned int tap_base;
module_param(tap_base, uint, 0444);
MODULE_PARM_DESC(tap_base, "number of the TAP test before the module's first");

static unsigned int tests;
module_param(tests, uint, 0444);
MODULE_PARM_DESC(tests, "result: tests run");

static unsigned int failures;
module_param(failures, uint, 0444);
MODULE_PARM_DESC(failures, "result: tests failed");

void tap(bool ok, const char *what, const char *why)
{
	tests++;
	if (!ok)
		failures++;
	if (!why || !why[0])
		pr_info("%sok %u - iomon_abi: %s\n", ok ? "" : "not ", tap_base + tests, what);
	else if (ok)
		pr_info("ok %u - iomon_abi: %s (%s)\n", tap_base + tests, what, why);
	else
		pr_info("not ok %u - iomon_abi: %s: %s\n", tap_base + tests, what, why);
}

static int __init iomon_abi_init(void)
{
	if (deposit_pages == 0 || deposit_pages > IOMON_DEPOSIT_MAX || (child && child < 2))
		return -EINVAL;
	ddomain_run();
	if (child)
		attach_run();
	/* Console lines are at most 160 characters (the monitor's virtual UART): two lines. */
	pr_info("# iomon_abi: %u hypercalls, %u MAP_DEVICE_GPA_PAGES, %u INSUFFICIENT_MEMORY, %u restarts, %u deposits (%u pages)\n",
		iomon_stats.calls, iomon_stats.map_calls, iomon_stats.insufficient, iomon_stats.restarts,
		iomon_stats.deposits, iomon_stats.deposited_pages);
	pr_info("# iomon_abi: %u of %u tests failed\n", failures, tests);
	return 0;
}

static void __exit iomon_abi_exit(void)
{
	ddomain_release();
}

module_init(iomon_abi_init);
module_exit(iomon_abi_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("iomon's device-domain and direct-attach hypercalls through Linux's hypercall page");
