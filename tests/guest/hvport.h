/* SPDX-License-Identifier: MIT */
/* The guest's hypercall port and page allocator (hvport.c). */
#ifndef IOMON_GUEST_HVPORT_H
#define IOMON_GUEST_HVPORT_H

#include "tests/guest/guest.h"
#include "tests/guest/hvlib.h"

/* The port (set up on first use from the memory map in `c`). */
struct hv_port *guest_hv_port(const struct guest_ctx *c);
/* A free page's PFN, 0 when none is left; its return. */
uint64_t guest_page_alloc(void);
void guest_page_free(uint64_t pfn);
uint64_t guest_pages_allocated(void);

#endif
