// SPDX-License-Identifier: MIT
/*
 * The guest side of the hypercall layer (hvlib.c): the call through the
 * hypercall page, one input and one output page, and a page allocator for
 * deposits and DMA buffers. Pages come from the top of the largest
 * available region of the memory map, downwards, skipping the guest's
 * image, its multiboot2 information and modules; they are never freed back
 * to anything but this allocator (a page deposited to the monitor is no
 * longer this guest's to touch).
 */
#include "tests/guest/hvport.h"

#define FREE_MAX 512

static uint8_t in_page[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t out_page[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t deposit_page[PAGE_SIZE] __aligned(PAGE_SIZE);

static struct {
	const struct guest_ctx *ctx;
	uint64_t base, next;            /* allocation goes down from next to base */
	uint64_t freed[FREE_MAX];       /* returned pages, used first */
	unsigned nfreed;
	uint64_t allocated;
} pages;

static struct hv_port port;

static bool overlaps(uint64_t pa, uint64_t start, uint64_t end)
{
	return pa < end && pa + PAGE_SIZE > start;
}

static bool page_reserved(uint64_t pa)
{
	const struct mb2_view *v = &pages.ctx->view;
	uint64_t info = (uintptr_t)pages.ctx->info;
	unsigned i;

	if (pa < 16 * MiB || overlaps(pa, (uintptr_t)_image_start, (uintptr_t)_image_end) ||
	    overlaps(pa, info, info + v->total_size))
		return true;
	for (i = 0; i < v->nmods; i++)
		if (overlaps(pa, v->mods[i].start, v->mods[i].end))
			return true;
	return false;
}

uint64_t guest_page_alloc(void)
{
	if (pages.nfreed) {
		pages.allocated++;
		return pages.freed[--pages.nfreed];
	}
	while (pages.next > pages.base) {
		uint64_t pa = pages.next - PAGE_SIZE;

		pages.next = pa;
		if (!page_reserved(pa)) {
			pages.allocated++;
			return pa >> PAGE_SHIFT;
		}
	}
	return 0;
}

void guest_page_free(uint64_t pfn)
{
	if (pages.nfreed < FREE_MAX) {
		pages.freed[pages.nfreed++] = pfn;
		pages.allocated--;
	}
}

uint64_t guest_pages_allocated(void)
{
	return pages.allocated;
}

static uint64_t port_issue(void *cookie, uint64_t control, uint64_t in, uint64_t out)
{
	(void)cookie;
	return hv_issue(control, in, out);
}

static uint64_t port_alloc(void *cookie)
{
	(void)cookie;
	return guest_page_alloc();
}

static void port_free(void *cookie, uint64_t pfn)
{
	(void)cookie;
	guest_page_free(pfn);
}

static uint64_t port_gpa(void *cookie, const void *p)
{
	(void)cookie;
	return (uintptr_t)p;            /* identity map */
}

struct hv_port *guest_hv_port(const struct guest_ctx *c)
{
	const struct mb2_view *v = &c->view;
	uint64_t best = 0;
	unsigned i;

	if (pages.ctx)
		return &port;
	pages.ctx = c;
	for (i = 0; i < v->nmap; i++) {
		const struct mem_range *r = &v->map[i];
		uint64_t top = ALIGN_DOWN(MIN(r->base + r->len, paging_limit()), PAGE_SIZE);
		uint64_t base = ALIGN_UP(r->base, PAGE_SIZE);

		if (r->type == MEM_AVAILABLE && top > base && top - base > best) {
			best = top - base;
			pages.base = base;
			pages.next = top;
		}
	}
	port = (struct hv_port){ .issue = port_issue, .alloc_page = port_alloc,
				 .free_page = port_free, .gpa_of = port_gpa,
				 .in_page = in_page, .out_page = out_page,
				 .deposit_page = deposit_page };
	return &port;
}
