/* SPDX-License-Identifier: MIT */
/* Host stand-in (see linux/types.h here); the test provides the allocator. */
#ifndef IOMON_SHIM_LINUX_GFP_H
#define IOMON_SHIM_LINUX_GFP_H
#include <linux/types.h>
#define GFP_KERNEL 0u
#define __GFP_NOWARN 1u
struct page {
	u64 pfn;
	int state;              /* the test's: free, allocated, freed again */
};
struct page *alloc_pages(unsigned int gfp, int order);
void split_page(struct page *p, int order);
void __free_page(struct page *p);
static inline u64 page_to_pfn(const struct page *p)
{
	return p->pfn;
}
#endif
