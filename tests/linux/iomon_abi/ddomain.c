// SPDX-License-Identifier: GPL-2.0
/*
 * The device-domain flow of a Linux root's IOMMU driver on Hyper-V, against
 * QEMU's edu: create an S2 device domain, map a scattered buffer at an IOVA
 * that is not RAM in 507-PFN batches with the deposit-and-retry loop,
 * attach edu by its PCI device id, and show with edu's DMA that the IOVA
 * reaches exactly the mapped page; unmap and show the same DMA is blocked;
 * detach, delete, and show the default domain (bus address = physical
 * address) is back. A test whose step before it failed fails too, saying so.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/mshyperv.h>

#include "hvcall.h"
#include "tests.h"

#define DD_DOMAIN       0x11
#define DD_PAGES        1100            /* 507 + 507 + 86: three batches */
#define DD_IOVA         (4ULL << 30)    /* not RAM of a 512 MiB root: only the domain makes it reach RAM */
#define DD_SRC          1000            /* in the third batch */
#define DD_DST          3               /* in the first */
#define DD_LEN          EDU_DMA_MAX
#define PATTERN_A       0xa5
#define PATTERN_B       0x3c
#define PATTERN_C       0x5e

struct edu edu;

static struct {
	bool found, created, mapped, attached, detached;
	u64 device_id;
	struct page **pages;            /* the buffer, DD_PAGES pages one by one: scattered */
	u64 *pfn;
	struct page *scratch[2];        /* for the default-domain transfers */
} dd;

static u8 *va(struct page *p)
{
	return page_address(p);
}

static u64 iova_of(unsigned int i)
{
	return DD_IOVA + ((u64)i << PAGE_SHIFT);
}

/* First offset in [from, to) of page p not holding v, or -1. */
static int differs(struct page *p, unsigned int from, unsigned int to, u8 v)
{
	const u8 *b = va(p);
	unsigned int i;

	for (i = from; i < to; i++)
		if (READ_ONCE(b[i]) != v)
			return i;
	return -1;
}

static const char *status_str(u64 status, char *buf, size_t n)
{
	return iomon_status_name(hv_result(status), buf, n);
}

/* RAM -> edu -> RAM through two bus addresses. */
static bool dma_copy(u64 src, u64 dst, char *why, size_t n)
{
	if (edu_dma(&edu, src, false, DD_LEN)) {
		snprintf(why, n, "edu DMA from 0x%llx did not complete", src);
		return false;
	}
	if (edu_dma(&edu, dst, true, DD_LEN)) {
		snprintf(why, n, "edu DMA to 0x%llx did not complete", dst);
		return false;
	}
	return true;
}

/*
 * The PCI device id as Linux's Hyper-V code forms it (union hv_device_id
 * of <asm/hyperv-tlfs.h>). Linux names a device by its DMA alias, found
 * with pci_for_each_dma_alias(), which is not exported to modules; for a
 * device on a root bus, as edu is here, the alias is the device itself.
 */
static u64 linux_pci_device_id(struct pci_dev *pdev)
{
	union hv_device_id id = { .as_uint64 = 0 };

	if (!pci_is_root_bus(pdev->bus))
		return 0;
	id.device_type = HV_DEVICE_TYPE_PCI;
	id.pci.segment = pci_domain_nr(pdev->bus);
	id.pci.bdf.bus = pdev->bus->number;
	id.pci.bdf.device = PCI_SLOT(pdev->devfn);
	id.pci.bdf.function = PCI_FUNC(pdev->devfn);
	id.pci.source_shadow = HV_SOURCE_SHADOW_NONE;
	return id.as_uint64;
}

static void t_hypercall_page(void)
{
	char why[WHY_MAX], s[24];
	u64 id, status;

	if (!iomon_hypercalls_ready()) {
		tap(false, "Linux's hypercall page enabled", "hv_hypercall_pg or the per-CPU input page missing");
		return;
	}
	if (iomon_get_partition_id(&id, &status))
		snprintf(why, sizeof(why), "GET_PARTITION_ID: %s", status_str(status, s, sizeof(s)));
	else
		snprintf(why, sizeof(why), "GET_PARTITION_ID through it: partition %llu", id);
	tap(!hv_result(status), "Linux's hypercall page enabled", why);
}

static void t_find(void)
{
	char why[WHY_MAX];

	dd.found = edu_open(&edu, why, sizeof(why)) == 0;
	tap(dd.found, "edu enabled (memory space, bus master), BAR0 mapped", why);
}

static void t_device_id(void)
{
	char why[WHY_MAX] = "no edu";
	bool ok = false;

	if (dd.found) {
		u64 ours = iomon_pci_device_id(pci_domain_nr(edu.pdev->bus), edu.pdev->bus->number,
					       edu.pdev->devfn);

		dd.device_id = linux_pci_device_id(edu.pdev);
		ok = dd.device_id && dd.device_id == ours;
		if (dd.device_id)
			snprintf(why, sizeof(why), "0x%llx, include/hv's 0x%llx", dd.device_id, ours);
		else
			snprintf(why, sizeof(why), "not on a root bus (this module does not follow DMA aliases)");
	}
	tap(ok, "edu's device id as Linux forms it = iomon's layout", why);
}

static bool default_dma(char *why, size_t n)
{
	int off;

	if (!dd.found) {
		snprintf(why, n, "no edu");
		return false;
	}
	memset(va(dd.scratch[0]), PATTERN_C, PAGE_SIZE);
	memset(va(dd.scratch[1]), 0, PAGE_SIZE);
	if (!dma_copy(page_to_phys(dd.scratch[0]), page_to_phys(dd.scratch[1]), why, n))
		return false;
	off = differs(dd.scratch[1], 0, DD_LEN, PATTERN_C);
	if (off >= 0 || differs(dd.scratch[1], DD_LEN, PAGE_SIZE, 0) >= 0) {
		snprintf(why, n, "physical 0x%llx does not hold exactly the transfer (offset %d)",
			 (u64)page_to_phys(dd.scratch[1]), off);
		return false;
	}
	snprintf(why, n, "0x%llx -> 0x%llx", (u64)page_to_phys(dd.scratch[0]), (u64)page_to_phys(dd.scratch[1]));
	return true;
}

static void t_default_dma(void)
{
	char why[WHY_MAX];

	tap(default_dma(why, sizeof(why)), "default domain: DMA lands at bus address = physical", why);
}

static void t_create(void)
{
	struct iomon_req r = { .op = IOMON_CREATE_DEVICE_DOMAIN, .domain = DD_DOMAIN };
	char why[WHY_MAX], s[24];
	u64 status = iomon_call(&r, HV_PARTITION_ID_SELF, deposit_pages);

	dd.created = hv_result_success(status);
	snprintf(why, sizeof(why), "S2, id 0x%x: %s", DD_DOMAIN, status_str(status, s, sizeof(s)));
	tap(dd.created, "CREATE_DEVICE_DOMAIN", why);
}

static int alloc_buffer(void)
{
	unsigned int i;

	dd.pages = kcalloc(DD_PAGES, sizeof(*dd.pages), GFP_KERNEL);
	dd.pfn = kcalloc(DD_PAGES, sizeof(*dd.pfn), GFP_KERNEL);
	if (!dd.pages || !dd.pfn)
		return -ENOMEM;
	for (i = 0; i < DD_PAGES; i++) {
		dd.pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!dd.pages[i])
			return -ENOMEM;
		dd.pfn[i] = page_to_pfn(dd.pages[i]);
	}
	return 0;
}

static void t_map(void)
{
	const char *what = "MAP_DEVICE_GPA_PAGES, 507-PFN batches, deposit-and-retry";
	struct iomon_stats before = iomon_stats;
	char why[WHY_MAX], s[24];
	unsigned int mapped;
	u64 status;
	int err;

	if (!dd.created || alloc_buffer()) {
		tap(false, what, dd.created ? "no memory for the buffer" : "no device domain");
		return;
	}
	err = iomon_map(DD_DOMAIN, DD_IOVA, dd.pfn, DD_PAGES, true, deposit_pages, &mapped, &status);
	dd.mapped = !err;
	if (err)
		snprintf(why, sizeof(why), "%s after %u map calls",
			 err == -ENOMEM ? "no memory to deposit" : status_str(status, s, sizeof(s)),
			 iomon_stats.map_calls - before.map_calls);
	else
		snprintf(why, sizeof(why), "%u pages: %u calls, %u INSUFFICIENT_MEMORY, %u restarts, %u deposits",
			 DD_PAGES, iomon_stats.map_calls - before.map_calls,
			 iomon_stats.insufficient - before.insufficient, iomon_stats.restarts - before.restarts,
			 iomon_stats.deposits - before.deposits);
	tap(dd.mapped, what, why);
}

static void t_attach(void)
{
	struct iomon_req r = { .op = IOMON_ATTACH_DEVICE_DOMAIN, .domain = DD_DOMAIN, .device_id = dd.device_id };
	char why[WHY_MAX] = "no edu or no device domain", s[24];
	u64 status;

	if (dd.found && dd.created && dd.device_id) {
		status = iomon_call(&r, HV_PARTITION_ID_SELF, deposit_pages);
		dd.attached = hv_result_success(status);
		snprintf(why, sizeof(why), "device id 0x%llx: %s", dd.device_id, status_str(status, s, sizeof(s)));
	}
	tap(dd.attached, "ATTACH_DEVICE_DOMAIN edu by its PCI device id", why);
}

static void t_dma_lands(void)
{
	char why[WHY_MAX] = "edu not attached to a mapped domain";
	bool ok = false;
	int off;

	if (dd.attached && dd.mapped) {
		memset(va(dd.pages[DD_SRC]), PATTERN_A, PAGE_SIZE);
		memset(va(dd.pages[DD_DST]), 0, PAGE_SIZE);
		memset(va(dd.pages[DD_DST - 1]), 0, PAGE_SIZE);
		memset(va(dd.pages[DD_DST + 1]), 0, PAGE_SIZE);
		ok = dma_copy(iova_of(DD_SRC), iova_of(DD_DST), why, sizeof(why));
	}
	if (ok) {
		off = differs(dd.pages[DD_DST], 0, DD_LEN, PATTERN_A);
		ok = off < 0 && differs(dd.pages[DD_DST], DD_LEN, PAGE_SIZE, 0) < 0 &&
		     differs(dd.pages[DD_DST - 1], 0, PAGE_SIZE, 0) < 0 &&
		     differs(dd.pages[DD_DST + 1], 0, PAGE_SIZE, 0) < 0;
		snprintf(why, sizeof(why), ok ? "IOVA 0x%llx -> 0x%llx = physical 0x%llx" :
			 "IOVA 0x%llx -> 0x%llx = physical 0x%llx: not exactly the transfer there",
			 iova_of(DD_SRC), iova_of(DD_DST), (u64)page_to_phys(dd.pages[DD_DST]));
	}
	tap(ok, "DMA lands at the mapped page", why);
}

static void t_unmap(void)
{
	struct iomon_req r = { .op = IOMON_UNMAP_DEVICE_GPA_PAGES, .domain = DD_DOMAIN, .addr = DD_IOVA };
	char why[WHY_MAX] = "nothing mapped", s[24];
	bool ok = false;
	u64 status;

	if (dd.mapped) {
		status = iomon_rep_call(&r, DD_PAGES);
		ok = hv_result_success(status) && hv_repcomp(status) == DD_PAGES;
		dd.mapped = !ok;
		snprintf(why, sizeof(why), "%u pages: %s, %u reps completed", DD_PAGES,
			 status_str(status, s, sizeof(s)), hv_repcomp(status));
	}
	tap(ok, "UNMAP_DEVICE_GPA_PAGES of the whole buffer", why);
}

static void t_dma_blocked(void)
{
	char why[WHY_MAX] = "edu not attached, or the buffer still mapped";
	bool ok = false;
	int off;

	if (dd.attached && !dd.mapped) {
		/* edu's buffer still holds PATTERN_A from the last transfer. */
		memset(va(dd.pages[DD_DST]), PATTERN_B, PAGE_SIZE);
		if (edu_dma(&edu, iova_of(DD_DST), true, DD_LEN)) {
			snprintf(why, sizeof(why), "edu DMA to IOVA 0x%llx did not complete", iova_of(DD_DST));
		} else {
			off = differs(dd.pages[DD_DST], 0, PAGE_SIZE, PATTERN_B);
			ok = off < 0;
			snprintf(why, sizeof(why), ok ? "physical 0x%llx unchanged" : "physical 0x%llx written",
				 (u64)page_to_phys(dd.pages[DD_DST]));
		}
	}
	tap(ok, "after unmap the same DMA is blocked", why);
}

static bool detach(char *why, size_t n)
{
	struct iomon_req r = { .op = IOMON_DETACH_DEVICE_DOMAIN, .device_id = dd.device_id };
	char s[24];
	u64 status = iomon_call(&r, HV_PARTITION_ID_SELF, deposit_pages);

	snprintf(why, n, "%s", status_str(status, s, sizeof(s)));
	return hv_result_success(status);
}

static bool delete(char *why, size_t n)
{
	struct iomon_req r = { .op = IOMON_DELETE_DEVICE_DOMAIN, .domain = DD_DOMAIN };
	char s[24];
	u64 status = iomon_call(&r, HV_PARTITION_ID_SELF, deposit_pages);

	snprintf(why, n, "%s", status_str(status, s, sizeof(s)));
	return hv_result_success(status);
}

static void t_detach(void)
{
	char why[WHY_MAX] = "edu not attached";

	if (dd.attached && detach(why, sizeof(why))) {
		dd.attached = false;
		dd.detached = true;
	}
	tap(dd.detached, "DETACH_DEVICE_DOMAIN", why);
}

static void t_delete(void)
{
	char why[WHY_MAX] = "no domain, or edu still attached";
	bool ok = false;

	if (dd.created && !dd.attached && delete(why, sizeof(why))) {
		dd.created = false;
		ok = true;
	}
	tap(ok, "DELETE_DEVICE_DOMAIN", why);
}

static void t_default_again(void)
{
	char why[WHY_MAX] = "edu was never detached";

	tap(dd.detached && default_dma(why, sizeof(why)),
	    "default domain again: DMA lands at bus address = physical", why);
}

/* Whatever a failed step left behind goes now, so edu is back in the default domain. */
static void cleanup(void)
{
	char why[WHY_MAX];
	unsigned int i;

	if (dd.attached && detach(why, sizeof(why)))
		dd.attached = false;
	if (dd.mapped) {
		struct iomon_req r = { .op = IOMON_UNMAP_DEVICE_GPA_PAGES, .domain = DD_DOMAIN, .addr = DD_IOVA };

		dd.mapped = !hv_result_success(iomon_rep_call(&r, DD_PAGES));
	}
	if (dd.created && !dd.attached && !dd.mapped && delete(why, sizeof(why)))
		dd.created = false;
	/* Pages a device may still reach are never given back to Linux. */
	if (dd.pages && !dd.mapped) {
		for (i = 0; i < DD_PAGES; i++)
			if (dd.pages[i])
				__free_page(dd.pages[i]);
	}
	kfree(dd.pages);
	kfree(dd.pfn);
	dd.pages = NULL;
	dd.pfn = NULL;
}

void ddomain_run(void)
{
	dd.scratch[0] = alloc_page(GFP_KERNEL);
	dd.scratch[1] = alloc_page(GFP_KERNEL);
	t_hypercall_page();
	t_find();
	if (!dd.scratch[0] || !dd.scratch[1])
		dd.found = false;   /* every DMA test then says why */
	t_device_id();
	t_default_dma();
	t_create();
	t_map();
	t_attach();
	t_dma_lands();
	t_unmap();
	t_dma_blocked();
	t_detach();
	t_delete();
	t_default_again();
	cleanup();
}

void ddomain_release(void)
{
	if (dd.scratch[0])
		__free_page(dd.scratch[0]);
	if (dd.scratch[1])
		__free_page(dd.scratch[1]);
	edu_close(&edu);
}
