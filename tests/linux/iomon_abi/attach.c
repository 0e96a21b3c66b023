// SPDX-License-Identifier: GPL-2.0
/*
 * Direct attach, from the root's side: give edu to a child partition with
 * ATTACH_DEVICE and a logical id (the child's test guest, option
 * `edu-child`, finds it, programs it and DMAs into its own RAM through its
 * stage-2), take one page of the child away with UNMAP_GPA_PAGES (the
 * child sees its DMA there blocked), then DETACH_DEVICE. iomon gives a
 * detached device back to the root, in the default domain with bus
 * mastering off (kernel/partition/assign.c), so the module turns bus
 * mastering on again and shows its DMA lands at bus address = physical.
 *
 * While the child owns edu its registers and configuration page are not
 * in the root's view at all: nothing here touches edu between the attach
 * and the detach.
 */
#include <linux/delay.h>
#include <linux/pci.h>
#include <asm/mshyperv.h>

#include "hvcall.h"
#include "tests.h"

static bool attached;

/* The logical id the child knows edu by, as the bare-metal test root picks it: the requester id. */
static u64 logical_id(void)
{
	return PCI_DEVID(edu.pdev->bus->number, edu.pdev->devfn);
}

static void t_attach(void)
{
	char why[WHY_MAX] = "no edu", s[24];
	struct iomon_stats before = iomon_stats;

	if (edu.pdev) {
		struct iomon_req r = {
			.op = IOMON_ATTACH_DEVICE, .partition = child, .logical_id = logical_id(),
			.device_id = iomon_pci_device_id(pci_domain_nr(edu.pdev->bus), edu.pdev->bus->number,
							 edu.pdev->devfn),
		};
		/* As Linux's root does: on INSUFFICIENT_MEMORY one page more for the child, then again. */
		u64 status = iomon_call(&r, child, 1);

		attached = hv_result_success(status);
		snprintf(why, sizeof(why), "partition %lu, logical id 0x%llx: %s, %u deposits", child,
			 logical_id(), iomon_status_name(hv_result(status), s, sizeof(s)),
			 iomon_stats.deposits - before.deposits);
	}
	tap(attached, "ATTACH_DEVICE edu to the child", why);
}

static void t_unmap_child(void)
{
	char why[WHY_MAX] = "edu not attached", s[24];
	bool ok = false;

	if (attached) {
		struct iomon_req r = { .op = IOMON_UNMAP_GPA_PAGES, .partition = child, .addr = child_dma_gpa };
		unsigned int deposits;
		u64 status, dstatus;

		/* The child's first DMA into the page must get through before the page goes. */
		msleep(attach_wait_ms);
		status = iomon_rep_call(&r, 1);
		/* A mirror (AMD-Vi) splits a large page with a page of the child's pool: deposit, again. */
		for (deposits = 0; hv_result(status) == HV_STATUS_INSUFFICIENT_MEMORY &&
				   deposits < IOMON_DEPOSITS_PER_OP; deposits++) {
			iomon_stats.insufficient++;
			if (iomon_deposit(child, 1, &dstatus))
				break;
			status = iomon_rep_call(&r, 1);
		}
		ok = hv_result_success(status) && hv_repcomp(status) == 1;
		snprintf(why, sizeof(why), "GPA 0x%lx of partition %lu, after %u ms: %s", child_dma_gpa, child,
			 attach_wait_ms, iomon_status_name(hv_result(status), s, sizeof(s)));
	}
	tap(ok, "UNMAP_GPA_PAGES of the child's DMA page", why);
}

static void t_detach(void)
{
	char why[WHY_MAX] = "edu not attached", s[24];

	if (attached) {
		struct iomon_req r = { .op = IOMON_DETACH_DEVICE, .partition = child, .logical_id = logical_id() };
		u64 status;

		/* Let the child see the block and finish before its device goes. */
		msleep(detach_wait_ms);
		status = iomon_call(&r, HV_PARTITION_ID_SELF, deposit_pages);
		attached = !hv_result_success(status);
		snprintf(why, sizeof(why), "logical id 0x%llx, after %u ms: %s", logical_id(), detach_wait_ms,
			 iomon_status_name(hv_result(status), s, sizeof(s)));
	}
	tap(edu.pdev && !attached, "DETACH_DEVICE: edu back to the root", why);
}

static void t_back(void)
{
	char why[WHY_MAX] = "edu not back", *got;
	struct page *src, *dst;
	bool ok = false;

	if (!edu.pdev || attached) {
		tap(false, "edu back: bus master on, DMA lands at bus address = physical", why);
		return;
	}
	src = alloc_page(GFP_KERNEL);
	dst = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!src || !dst) {
		snprintf(why, sizeof(why), "no memory");
	} else if (!edu_master_on(&edu)) {
		snprintf(why, sizeof(why), "Command register does not show memory space and bus mastering");
	} else {
		memset(page_address(src), 0x6d, PAGE_SIZE);
		if (edu_dma(&edu, page_to_phys(src), false, EDU_DMA_MAX) ||
		    edu_dma(&edu, page_to_phys(dst), true, EDU_DMA_MAX)) {
			snprintf(why, sizeof(why), "edu DMA did not complete");
		} else {
			got = page_address(dst);
			ok = memchr_inv(got, 0x6d, EDU_DMA_MAX) == NULL &&
			     memchr_inv(got + EDU_DMA_MAX, 0, PAGE_SIZE - EDU_DMA_MAX) == NULL;
			snprintf(why, sizeof(why), ok ? "0x%llx -> 0x%llx" : "0x%llx -> 0x%llx: not exactly the transfer",
				 (u64)page_to_phys(src), (u64)page_to_phys(dst));
		}
	}
	if (src)
		__free_page(src);
	if (dst)
		__free_page(dst);
	tap(ok, "edu back: bus master on, DMA lands at bus address = physical", why);
}

void attach_run(void)
{
	t_attach();
	t_unmap_child();
	t_detach();
	t_back();
}
