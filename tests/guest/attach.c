// SPDX-License-Identifier: MIT
/*
 * Direct attach and a child's privileges, from inside:
 *  - `attach=N` (root): ATTACH_DEVICE edu to child N with a logical id, as
 *    Linux's root does (deposit one page to the child and retry while the
 *    monitor says INSUFFICIENT_MEMORY), then after `attach-wait=` take one
 *    page of the child away with UNMAP_GPA_PAGES (`dma-gpa=`).
 *  - `edu-child` (child): wait for edu to appear in its config space,
 *    program its BAR (now in its own stage-2 at the same GPA), DMA into its
 *    RAM and see it land (the device is translated by the child's stage-2),
 *    then DMA round trips through that page until the root's unmap blocks
 *    them. The page is never touched by the CPU after the first check.
 *  - `deny` (child): every root-only call gets ACCESS_DENIED and changes
 *    nothing (the pages named in them are still this child's).
 */
#include "tests/guest/edu.h"
#include "tests/guest/fmt.h"
#include "tests/guest/hvport.h"

#define FAIL(...) do { gsnprintf(why, n, __VA_ARGS__); return false; } while (0)

#define ATTACH_DEPOSITS_MAX 64
#define APPEAR_ROUNDS       4000        /* scans of bus 0 before edu counts as never attached */
#define APPEAR_DELAY        1000000     /* pause iterations between scans */
#define BLOCK_ROUNDS        50000       /* DMA round trips before the unmap counts as never seen */
#define DMA_LEN             1024
#define PAUSE_UNIT          1000000ULL

static struct edu att_edu;
static bool att_found, att_attached;

static void spin_millions(uint64_t m)
{
	uint64_t i;

	for (i = 0; i < m * PAUSE_UNIT; i++)
		cpu_relax();
}

/* The bare-metal root's logical id (Linux's hv_build_devid_type_logical): segment << 16 | bdf. */
static uint64_t logical_id(const struct edu *e)
{
	return (uint64_t)(e->bus << 8 | e->dev << 3 | e->fn);
}

/* One call to child opts.attach; its input is filled anew each time. */
typedef uint64_t (*child_call_fn)(const struct guest_ctx *c, struct hv_port *p);

/*
 * fn, and while the monitor says INSUFFICIENT_MEMORY, one page deposited to the
 * child and fn again, as Linux's root does. False (why filled) when the deposits
 * run out or fail; else *r is fn's last result.
 */
static bool call_depositing(const struct guest_ctx *c, child_call_fn fn, uint64_t *r, unsigned *deposits,
			    char *why, size_t n)
{
	struct hv_port *p = guest_hv_port(c);
	int err;

	*deposits = 0;
	while (hv_result(*r = fn(c, p)) == HV_STATUS_INSUFFICIENT_MEMORY) {
		if (++*deposits > ATTACH_DEPOSITS_MAX)
			FAIL("still INSUFFICIENT_MEMORY after %u deposits", ATTACH_DEPOSITS_MAX);
		err = hv_call_deposit_pages(p, c->opts.attach, 1);
		if (err)
			FAIL("deposit to partition %llu: %d", (unsigned long long)c->opts.attach, err);
	}
	return true;
}

static uint64_t attach_call(const struct guest_ctx *c, struct hv_port *p)
{
	struct hv_input_attach_device *in = p->in_page;

	memset(in, 0, sizeof(*in));
	in->partition_id = c->opts.attach;
	in->device_id.as_uint64 = hv_pci_device_id(0, att_edu.bus, att_edu.dev, att_edu.fn);
	in->attdev_flags = HV_ATTDEV_LOGICAL_ID;
	in->logical_devid = logical_id(&att_edu);
	return hv_do_hypercall(p, HVCALL_ATTACH_DEVICE, in, NULL);
}

static uint64_t unmap_call(const struct guest_ctx *c, struct hv_port *p)
{
	struct hv_input_unmap_gpa_pages *in = p->in_page;

	memset(in, 0, sizeof(*in));
	in->target_partition_id = c->opts.attach;
	in->target_gpa_base = c->opts.dma_gpa;
	return hv_do_rep_hypercall(p, HVCALL_UNMAP_GPA_PAGES, 1, 0, in, NULL);
}

bool att_test_find(const struct guest_ctx *c, char *why, size_t n)
{
	if (edu_find(&c->view, true, &att_edu))
		FAIL("no %04x:%04x on bus 0 through ECAM", EDU_VENDOR_ID, EDU_DEVICE_ID);
	att_found = true;
	gsnprintf(why, n, "00:%02x.%x", att_edu.dev, att_edu.fn);
	return true;
}

bool att_test_attach(const struct guest_ctx *c, char *why, size_t n)
{
	unsigned deposits = 0;
	uint64_t r;

	if (!att_found)
		FAIL("no edu");
	if (!call_depositing(c, attach_call, &r, &deposits, why, n))
		return false;
	if (hv_result(r) != HV_STATUS_SUCCESS)
		FAIL("result 0x%llx", (unsigned long long)r);
	att_attached = true;
	gsnprintf(why, n, "partition %llu, logical id 0x%llx, %u deposits",
		  (unsigned long long)c->opts.attach, (unsigned long long)logical_id(&att_edu), deposits);
	return true;
}

bool att_test_unmap_child(const struct guest_ctx *c, char *why, size_t n)
{
	unsigned deposits = 0;
	uint64_t r;

	if (!att_attached)
		FAIL("edu not attached");
	diag("attach: waiting %llu million iterations for the child's first DMA",
	     (unsigned long long)c->opts.attach_wait);
	spin_millions(c->opts.attach_wait);
	/* A mirror (AMD-Vi) splits a large page: its table page comes from the child's pool. */
	if (!call_depositing(c, unmap_call, &r, &deposits, why, n))
		return false;
	if (hv_result(r) != HV_STATUS_SUCCESS || hv_repcomp(r) != 1)
		FAIL("result 0x%llx", (unsigned long long)r);
	gsnprintf(why, n, "GPA 0x%llx of partition %llu, %u deposits", (unsigned long long)c->opts.dma_gpa,
		  (unsigned long long)c->opts.attach, deposits);
	return true;
}

/* ---- the child's side ---------------------------------------------------- */

static uint8_t *va(uint64_t gpa)
{
	return (uint8_t *)(uintptr_t)gpa;
}

static int first_not(uint64_t gpa, unsigned len, uint8_t v)
{
	const volatile uint8_t *p = va(gpa);
	unsigned i;

	for (i = 0; i < len; i++)
		if (p[i] != v)
			return (int)i;
	return -1;
}

bool att_test_child_appears(const struct guest_ctx *c, char *why, size_t n)
{
	unsigned round, i;

	for (round = 0; round < APPEAR_ROUNDS; round++) {
		if (edu_find(&c->view, false, &att_edu) == 0) {
			att_found = true;
			gsnprintf(why, n, "00:%02x.%x after %u scans", att_edu.dev, att_edu.fn, round + 1);
			return true;
		}
		for (i = 0; i < APPEAR_DELAY; i++)
			cpu_relax();
	}
	FAIL("not on bus 0 after %u scans", APPEAR_ROUNDS);
}

bool att_test_child_enable(const struct guest_ctx *c, char *why, size_t n)
{
	(void)c;
	if (!att_found)
		FAIL("no edu");
	if (edu_enable(&att_edu, true, why, n))
		return false;
	att_attached = true;
	gsnprintf(why, n, "BAR0 0x%llx", (unsigned long long)att_edu.bar);
	return true;
}

static uint64_t page_p(const struct guest_ctx *c) { return c->opts.dma_gpa; }
static uint64_t page_s(const struct guest_ctx *c) { return c->opts.dma_gpa + PAGE_SIZE; }
static uint64_t page_q(const struct guest_ctx *c) { return c->opts.dma_gpa + 2 * PAGE_SIZE; }

bool att_test_child_dma(const struct guest_ctx *c, char *why, size_t n)
{
	int off;

	if (!att_attached)
		FAIL("edu not usable");
	if (page_q(c) + PAGE_SIZE > mmap_top(&c->view))
		FAIL("dma-gpa=0x%llx: three pages from there are not all RAM", (unsigned long long)page_p(c));
	memset(va(page_s(c)), 0x6b, PAGE_SIZE);
	memset(va(page_p(c)), 0, PAGE_SIZE);
	if (edu_dma(&att_edu, page_s(c), false, DMA_LEN) || edu_dma(&att_edu, page_p(c), true, DMA_LEN))
		FAIL("edu DMA did not complete");
	off = first_not(page_p(c), DMA_LEN, 0x6b);
	if (off >= 0)
		FAIL("GPA 0x%llx + 0x%x holds 0x%02x, not 0x6b", (unsigned long long)page_p(c), off,
		     va(page_p(c))[off]);
	if (first_not(page_p(c) + DMA_LEN, PAGE_SIZE - DMA_LEN, 0) >= 0)
		FAIL("bytes beyond the transfer changed");
	gsnprintf(why, n, "GPA 0x%llx -> GPA 0x%llx", (unsigned long long)page_s(c),
		  (unsigned long long)page_p(c));
	return true;
}

/*
 * Round trips S -> buffer -> P -> buffer -> Q. While P is mapped for the
 * device, Q ends up holding this round's value; once the root has unmapped
 * P, the write into P and the read from it are blocked, and Q does not.
 */
bool att_test_child_blocked(const struct guest_ctx *c, char *why, size_t n)
{
	unsigned round;

	if (!att_attached)
		FAIL("edu not usable");
	for (round = 1; round <= BLOCK_ROUNDS; round++) {
		uint8_t v = (uint8_t)(0x10 + round % 0xe0);

		memset(va(page_s(c)), v, PAGE_SIZE);
		memset(va(page_q(c)), 0xee, PAGE_SIZE);
		if (edu_dma(&att_edu, page_s(c), false, DMA_LEN) ||
		    edu_dma(&att_edu, page_p(c), true, DMA_LEN) ||
		    edu_dma(&att_edu, page_p(c), false, DMA_LEN) ||
		    edu_dma(&att_edu, page_q(c), true, DMA_LEN))
			FAIL("edu DMA did not complete in round %u", round);
		if (first_not(page_q(c), DMA_LEN, v) >= 0) {
			gsnprintf(why, n, "blocked in round %u: the read back through GPA 0x%llx gives 0x%02x, not 0x%02x",
				  round, (unsigned long long)page_p(c), va(page_q(c))[0], v);
			return true;
		}
	}
	FAIL("GPA 0x%llx still reached by DMA after %u rounds", (unsigned long long)page_p(c), BLOCK_ROUNDS);
}

/* ---- deny: root-only calls from a child ------------------------------------ */

#define DENY_DOMAIN 0x20

static uint64_t own_page(void)
{
	static uint64_t pfn;

	if (!pfn)
		pfn = guest_page_alloc();
	return pfn;
}

/* Fill the input for call `i`; returns its code and rep count. */
static uint16_t deny_input(unsigned i, void *in, uint16_t *reps)
{
	uint64_t edu_id = hv_pci_device_id(0, 0, 1, 0);

	memset(in, 0, PAGE_SIZE);
	*reps = 0;
	switch (i) {
	case 0: {
		struct hv_input_create_device_domain *x = in;

		hv_fill_device_domain(&x->device_domain, DENY_DOMAIN);
		x->create_device_domain_flags = HV_CREATE_DEVICE_DOMAIN_FORWARD_PROGRESS_REQUIRED;
		return HVCALL_CREATE_DEVICE_DOMAIN;
	}
	case 1: {
		struct hv_input_attach_device_domain *x = in;

		hv_fill_device_domain(&x->device_domain, DENY_DOMAIN);
		x->device_id.as_uint64 = edu_id;
		return HVCALL_ATTACH_DEVICE_DOMAIN;
	}
	case 2: {
		struct hv_input_map_device_gpa_pages *x = in;

		hv_fill_device_domain(&x->device_domain, DENY_DOMAIN);
		x->map_flags = HV_MAP_GPA_READABLE | HV_MAP_GPA_WRITABLE;
		x->target_device_va_base = 4 * GiB;
		x->gpa_page_list[0] = own_page();
		*reps = 1;
		return HVCALL_MAP_DEVICE_GPA_PAGES;
	}
	case 3: {
		struct hv_input_unmap_device_gpa_pages *x = in;

		hv_fill_device_domain(&x->device_domain, HV_DEVICE_DOMAIN_ID_S2_DEFAULT);
		x->target_device_va_base = own_page() << PAGE_SHIFT;
		*reps = 1;
		return HVCALL_UNMAP_DEVICE_GPA_PAGES;
	}
	case 4: {
		struct hv_input_detach_device_domain *x = in;

		x->partition_id = HV_PARTITION_ID_SELF;
		x->device_id.as_uint64 = edu_id;
		return HVCALL_DETACH_DEVICE_DOMAIN;
	}
	case 5: {
		struct hv_input_delete_device_domain *x = in;

		hv_fill_device_domain(&x->device_domain, DENY_DOMAIN);
		return HVCALL_DELETE_DEVICE_DOMAIN;
	}
	case 6: {
		struct hv_input_attach_device *x = in;

		x->partition_id = HV_PARTITION_ID_SELF;
		x->device_id.as_uint64 = edu_id;
		x->attdev_flags = HV_ATTDEV_LOGICAL_ID;
		x->logical_devid = 8;
		return HVCALL_ATTACH_DEVICE;
	}
	case 7: {
		struct hv_input_map_gpa_pages *x = in;

		x->target_partition_id = 1;
		x->target_gpa_base = 0x100000000ULL;
		x->map_flags = HV_MAP_GPA_READABLE | HV_MAP_GPA_WRITABLE;
		x->source_gpa_page_list[0] = own_page();
		*reps = 1;
		return HVCALL_MAP_GPA_PAGES;
	}
	case 8: {
		struct hv_input_unmap_gpa_pages *x = in;

		x->target_partition_id = 1;
		x->target_gpa_base = 16 * MiB;
		*reps = 1;
		return HVCALL_UNMAP_GPA_PAGES;
	}
	default: {
		struct hv_deposit_memory *x = in;

		x->partition_id = 1;
		x->gpa_page_list[0] = own_page();
		*reps = 1;
		return HVCALL_DEPOSIT_MEMORY;
	}
	}
}

static bool deny_run(const struct guest_ctx *c, unsigned i, char *why, size_t n)
{
	struct hv_port *p = guest_hv_port(c);
	uint16_t reps, code;
	uint64_t r, pa;
	int off;

	code = deny_input(i, p->in_page, &reps);
	if (!own_page())
		FAIL("no free page");
	pa = own_page() << PAGE_SHIFT;
	memset(va(pa), 0x77, PAGE_SIZE);
	r = hv_do_hypercall(p, (uint64_t)code | (uint64_t)reps << HV_HYPERCALL_REP_COMP_OFFSET,
			    p->in_page, NULL);
	if (hv_result(r) != HV_STATUS_ACCESS_DENIED || hv_repcomp(r) != 0)
		FAIL("call 0x%x: result 0x%llx, expected ACCESS_DENIED with 0 reps", code,
		     (unsigned long long)r);
	/* Still this child's page, untouched (were it gone, this read would stop the child). */
	off = first_not(pa, PAGE_SIZE, 0x77);
	if (off >= 0)
		FAIL("page 0x%llx changed at 0x%x", (unsigned long long)pa, off);
	gsnprintf(why, n, "call 0x%x", code);
	return true;
}

#define DENY_FN(i) \
	bool deny_test_##i(const struct guest_ctx *c, char *why, size_t n) \
	{ return deny_run(c, i, why, n); }
DENY_FN(0) DENY_FN(1) DENY_FN(2) DENY_FN(3) DENY_FN(4)
DENY_FN(5) DENY_FN(6) DENY_FN(7) DENY_FN(8) DENY_FN(9)
