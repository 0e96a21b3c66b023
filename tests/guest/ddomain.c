// SPDX-License-Identifier: MIT
/*
 * `ddomain` (root): the device-domain flow of a Linux root's IOMMU driver
 * on Hyper-V, driving QEMU's edu through it. Create an S2 device domain,
 * deposit pages, map a scattered buffer at a high IOVA in 507-page batches
 * with the deposit-and-retry loop, attach edu by its PCI hv_device_id, and
 * show with edu's DMA that the IOVA reaches exactly the mapped page; unmap,
 * and show the same DMA is blocked and the page unchanged; detach, delete,
 * and show the default domain (IOVA = GPA) is back. Each step is one TAP
 * test; a step whose predecessor failed fails too, saying so.
 */
#include "tests/guest/edu.h"
#include "tests/guest/fmt.h"
#include "tests/guest/hvport.h"

#define FAIL(...) do { gsnprintf(why, n, __VA_ARGS__); return false; } while (0)

#define DD_DOMAIN_ID    0x10
#define DD_PAGES        1100            /* 507 + 507 + 86 */
#define DD_IOVA         (4 * GiB)       /* not root RAM: only the domain can make it reach RAM */
#define DD_SRC          1000            /* in the third batch */
#define DD_DST          3               /* in the first */
#define DD_LEN          2048
#define DD_DEPOSIT      2               /* fewer than the map needs: the retry loop must run */
#define PATTERN_A       0xa5
#define PATTERN_B       0x3c
#define PATTERN_C       0x5e

static struct {
	struct edu edu;
	bool found, created, mapped, attached, detached;
	uint64_t pfn[DD_PAGES];
	uint64_t scratch_src, scratch_dst;   /* PFNs for the default-domain checks */
} dd;

static uint8_t *page_va(uint64_t pfn)
{
	return (uint8_t *)(uintptr_t)(pfn << PAGE_SHIFT);
}

static void fill(uint64_t pfn, uint8_t v)
{
	memset(page_va(pfn), v, PAGE_SIZE);
}

/* First offset in [from, to) of the page that does not hold `v`, or -1. */
static int differs(uint64_t pfn, unsigned from, unsigned to, uint8_t v)
{
	const volatile uint8_t *p = page_va(pfn);
	unsigned i;

	for (i = from; i < to; i++)
		if (p[i] != v)
			return (int)i;
	return -1;
}

/* src -> buffer -> dst through bus addresses; dst must then hold `v` in [0, DD_LEN). */
static bool dma_copy(uint64_t src_bus, uint64_t dst_bus, char *why, size_t n)
{
	if (edu_dma(&dd.edu, src_bus, false, DD_LEN))
		FAIL("edu DMA from bus address 0x%llx did not complete", (unsigned long long)src_bus);
	if (edu_dma(&dd.edu, dst_bus, true, DD_LEN))
		FAIL("edu DMA to bus address 0x%llx did not complete", (unsigned long long)dst_bus);
	return true;
}

static uint64_t status_of(uint64_t r)
{
	return hv_result(r);
}

/* One call; on INSUFFICIENT_MEMORY deposit and retry, as Linux does (one page at a time; CREATE needs its root table page). */
static uint64_t dd_simple(const struct guest_ctx *c, uint16_t code)
{
	struct hv_port *p = guest_hv_port(c);

	return hv_call_with_deposits(p, code, p->in_page, NULL, HV_PARTITION_ID_SELF, 1);
}

static uint64_t edu_device_id(void)
{
	return hv_pci_device_id(0, dd.edu.bus, dd.edu.dev, dd.edu.fn);
}

bool dd_test_find(const struct guest_ctx *c, char *why, size_t n)
{
	if (edu_find(&c->view, true, &dd.edu))
		FAIL("no %04x:%04x on bus 0 through ECAM", EDU_VENDOR_ID, EDU_DEVICE_ID);
	if (edu_enable(&dd.edu, false, why, n))
		return false;
	dd.found = true;
	gsnprintf(why, n, "00:%02x.%x, BAR0 0x%llx", dd.edu.dev, dd.edu.fn,
		  (unsigned long long)dd.edu.bar);
	return true;
}

static bool default_domain_dma(const struct guest_ctx *c, char *why, size_t n)
{
	int off;

	guest_hv_port(c);       /* sets up the page allocator */
	if (!dd.found)
		FAIL("no edu");
	if (!dd.scratch_src) {
		dd.scratch_src = guest_page_alloc();
		dd.scratch_dst = guest_page_alloc();
		if (!dd.scratch_src || !dd.scratch_dst)
			FAIL("no free page");
	}
	fill(dd.scratch_src, PATTERN_C);
	fill(dd.scratch_dst, 0);
	if (!dma_copy(dd.scratch_src << PAGE_SHIFT, dd.scratch_dst << PAGE_SHIFT, why, n))
		return false;
	off = differs(dd.scratch_dst, 0, DD_LEN, PATTERN_C);
	if (off >= 0)
		FAIL("GPA 0x%llx + 0x%x holds 0x%02x, not 0x%02x", (unsigned long long)dd.scratch_dst << PAGE_SHIFT,
		     off, page_va(dd.scratch_dst)[off], PATTERN_C);
	if (differs(dd.scratch_dst, DD_LEN, PAGE_SIZE, 0) >= 0)
		FAIL("bytes beyond the transfer changed");
	gsnprintf(why, n, "GPA 0x%llx -> 0x%llx", (unsigned long long)dd.scratch_src << PAGE_SHIFT,
		  (unsigned long long)dd.scratch_dst << PAGE_SHIFT);
	return true;
}

bool dd_test_default_dma(const struct guest_ctx *c, char *why, size_t n)
{
	return default_domain_dma(c, why, n);
}

bool dd_test_create(const struct guest_ctx *c, char *why, size_t n)
{
	struct hv_input_create_device_domain *in = guest_hv_port(c)->in_page;
	uint64_t r;

	memset(in, 0, sizeof(*in));
	hv_fill_device_domain(&in->device_domain, DD_DOMAIN_ID);
	in->create_device_domain_flags = HV_CREATE_DEVICE_DOMAIN_FORWARD_PROGRESS_REQUIRED;
	r = dd_simple(c, HVCALL_CREATE_DEVICE_DOMAIN);
	if (status_of(r) != HV_STATUS_SUCCESS)
		FAIL("result 0x%llx", (unsigned long long)r);
	dd.created = true;
	gsnprintf(why, n, "S2, id 0x%x", DD_DOMAIN_ID);
	return true;
}

bool dd_test_deposit(const struct guest_ctx *c, char *why, size_t n)
{
	int err = hv_call_deposit_pages(guest_hv_port(c), HV_PARTITION_ID_SELF, DD_DEPOSIT);

	if (err)
		FAIL(err < 0 ? "no free page to deposit" : "status 0x%x", err);
	gsnprintf(why, n, "%u pages", DD_DEPOSIT);
	return true;
}

static uint64_t dd_pfn(void *arg, uint64_t i)
{
	(void)arg;
	return dd.pfn[i];
}

bool dd_test_map(const struct guest_ctx *c, char *why, size_t n)
{
	struct hv_port *p = guest_hv_port(c);
	struct hv_stats before = p->stats;
	uint64_t mapped = 0;
	unsigned i;
	int err;

	if (!dd.created)
		FAIL("no device domain");
	for (i = 0; i < DD_PAGES; i++) {
		dd.pfn[i] = guest_page_alloc();
		if (!dd.pfn[i])
			FAIL("only %u of %u pages free", i, DD_PAGES);
	}
	err = hv_map_device_pages(p, DD_DOMAIN_ID, DD_IOVA, dd_pfn, NULL, DD_PAGES,
				  HV_MAP_GPA_READABLE | HV_MAP_GPA_WRITABLE, &mapped);
	if (err)
		FAIL("%s 0x%x after %llu pages (%llu still mapped)", err < 0 ? "deposit failed," : "status",
		     err < 0 ? 0 : err, (unsigned long long)mapped, (unsigned long long)mapped);
	dd.mapped = true;
	gsnprintf(why, n, "%u pages at IOVA 0x%llx: %llu map calls, %llu INSUFFICIENT_MEMORY, %llu deposits of %u",
		  DD_PAGES, (unsigned long long)DD_IOVA,
		  (unsigned long long)(p->stats.map_calls - before.map_calls),
		  (unsigned long long)(p->stats.insufficient - before.insufficient),
		  (unsigned long long)(p->stats.deposits - before.deposits), HV_MAP_DEPOSIT_PAGES);
	return true;
}

bool dd_test_attach(const struct guest_ctx *c, char *why, size_t n)
{
	struct hv_input_attach_device_domain *in = guest_hv_port(c)->in_page;
	uint64_t r;

	if (!dd.found || !dd.created)
		FAIL("no edu or no device domain");
	memset(in, 0, sizeof(*in));
	hv_fill_device_domain(&in->device_domain, DD_DOMAIN_ID);
	in->device_id.as_uint64 = edu_device_id();
	r = dd_simple(c, HVCALL_ATTACH_DEVICE_DOMAIN);
	if (status_of(r) != HV_STATUS_SUCCESS)
		FAIL("device id 0x%llx: result 0x%llx", (unsigned long long)edu_device_id(),
		     (unsigned long long)r);
	dd.attached = true;
	gsnprintf(why, n, "device id 0x%llx", (unsigned long long)edu_device_id());
	return true;
}

static uint64_t iova_of(unsigned i)
{
	return DD_IOVA + (uint64_t)i * PAGE_SIZE;
}

bool dd_test_dma_lands(const struct guest_ctx *c, char *why, size_t n)
{
	int off;

	(void)c;
	if (!dd.attached || !dd.mapped)
		FAIL("edu not attached to a mapped domain");
	fill(dd.pfn[DD_SRC], PATTERN_A);
	fill(dd.pfn[DD_DST], 0);
	fill(dd.pfn[DD_DST - 1], 0);
	fill(dd.pfn[DD_DST + 1], 0);
	if (!dma_copy(iova_of(DD_SRC), iova_of(DD_DST), why, n))
		return false;
	off = differs(dd.pfn[DD_DST], 0, DD_LEN, PATTERN_A);
	if (off >= 0)
		FAIL("GPA 0x%llx + 0x%x holds 0x%02x, not 0x%02x", (unsigned long long)dd.pfn[DD_DST] << PAGE_SHIFT,
		     off, page_va(dd.pfn[DD_DST])[off], PATTERN_A);
	if (differs(dd.pfn[DD_DST], DD_LEN, PAGE_SIZE, 0) >= 0 ||
	    differs(dd.pfn[DD_DST - 1], 0, PAGE_SIZE, 0) >= 0 ||
	    differs(dd.pfn[DD_DST + 1], 0, PAGE_SIZE, 0) >= 0)
		FAIL("bytes outside the transfer changed");
	gsnprintf(why, n, "IOVA 0x%llx (GPA 0x%llx) -> IOVA 0x%llx (GPA 0x%llx)",
		  (unsigned long long)iova_of(DD_SRC), (unsigned long long)dd.pfn[DD_SRC] << PAGE_SHIFT,
		  (unsigned long long)iova_of(DD_DST), (unsigned long long)dd.pfn[DD_DST] << PAGE_SHIFT);
	return true;
}

bool dd_test_unmap(const struct guest_ctx *c, char *why, size_t n)
{
	uint64_t done = 0;
	int err;

	if (!dd.mapped)
		FAIL("nothing mapped");
	err = hv_unmap_device_pages(guest_hv_port(c), DD_DOMAIN_ID, DD_IOVA, DD_PAGES, &done);
	if (err)
		FAIL("status 0x%x after %llu pages", err, (unsigned long long)done);
	dd.mapped = false;
	gsnprintf(why, n, "%llu pages", (unsigned long long)done);
	return true;
}

bool dd_test_dma_blocked(const struct guest_ctx *c, char *why, size_t n)
{
	int off;

	(void)c;
	if (!dd.attached || dd.mapped)
		FAIL("edu not attached, or the domain still mapped");
	/* The buffer still holds PATTERN_A from the last transfer. */
	fill(dd.pfn[DD_DST], PATTERN_B);
	if (edu_dma(&dd.edu, iova_of(DD_DST), true, DD_LEN))
		FAIL("edu DMA to IOVA 0x%llx did not complete", (unsigned long long)iova_of(DD_DST));
	off = differs(dd.pfn[DD_DST], 0, PAGE_SIZE, PATTERN_B);
	if (off >= 0)
		FAIL("GPA 0x%llx + 0x%x changed to 0x%02x: the DMA got through",
		     (unsigned long long)dd.pfn[DD_DST] << PAGE_SHIFT, off, page_va(dd.pfn[DD_DST])[off]);
	gsnprintf(why, n, "IOVA 0x%llx, GPA 0x%llx unchanged", (unsigned long long)iova_of(DD_DST),
		  (unsigned long long)dd.pfn[DD_DST] << PAGE_SHIFT);
	return true;
}

bool dd_test_detach(const struct guest_ctx *c, char *why, size_t n)
{
	struct hv_input_detach_device_domain *in = guest_hv_port(c)->in_page;
	uint64_t r;

	if (!dd.attached)
		FAIL("edu not attached");
	memset(in, 0, sizeof(*in));
	in->partition_id = HV_PARTITION_ID_SELF;
	in->device_id.as_uint64 = edu_device_id();
	r = dd_simple(c, HVCALL_DETACH_DEVICE_DOMAIN);
	if (status_of(r) != HV_STATUS_SUCCESS)
		FAIL("result 0x%llx", (unsigned long long)r);
	dd.attached = false;
	dd.detached = true;
	return true;
}

bool dd_test_delete(const struct guest_ctx *c, char *why, size_t n)
{
	struct hv_input_delete_device_domain *in = guest_hv_port(c)->in_page;
	uint64_t r;

	if (!dd.created || dd.attached)
		FAIL("no domain, or edu still attached");
	memset(in, 0, sizeof(*in));
	hv_fill_device_domain(&in->device_domain, DD_DOMAIN_ID);
	r = dd_simple(c, HVCALL_DELETE_DEVICE_DOMAIN);
	if (status_of(r) != HV_STATUS_SUCCESS)
		FAIL("result 0x%llx", (unsigned long long)r);
	dd.created = false;
	return true;
}

bool dd_test_default_again(const struct guest_ctx *c, char *why, size_t n)
{
	struct hv_port *p = guest_hv_port(c);

	if (!dd.detached)
		FAIL("edu was never detached");
	if (!default_domain_dma(c, why, n))
		return false;
	diag("ddomain: %llu hypercalls, %llu MAP_DEVICE_GPA_PAGES calls, %llu deposits (%llu pages), %llu INSUFFICIENT_MEMORY",
	     (unsigned long long)p->stats.calls, (unsigned long long)p->stats.map_calls,
	     (unsigned long long)p->stats.deposits, (unsigned long long)p->stats.deposited_pages,
	     (unsigned long long)p->stats.insufficient);
	return true;
}
