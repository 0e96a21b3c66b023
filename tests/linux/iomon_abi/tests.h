/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's tests: each is one TAP line on the kernel console
 * ("ok N - ..." / "not ok N - ..."), numbered on from the init's own tests
 * (parameter tap_base) so the console shows one TAP stream.
 */
#ifndef IOMON_ABI_TESTS_H
#define IOMON_ABI_TESTS_H

#include <linux/types.h>
#include "edu.h"

#define WHY_MAX 200

/* Module parameters (main.c). */
extern unsigned long child;             /* direct-attach edu to this partition; 0: skip */
extern unsigned long child_dma_gpa;     /* the child page its edu writes, and the root unmaps */
extern unsigned int attach_wait_ms;     /* ATTACH_DEVICE -> UNMAP_GPA_PAGES */
extern unsigned int detach_wait_ms;     /* UNMAP_GPA_PAGES -> DETACH_DEVICE */
extern unsigned int deposit_pages;      /* pages per deposit after INSUFFICIENT_MEMORY */

/* Report one test; `why` says what was seen, in either case. */
void tap(bool ok, const char *what, const char *why);

/* edu opened by the first device-domain test; NULL regs when it failed. */
extern struct edu edu;

void ddomain_run(void);
void attach_run(void);
void ddomain_release(void);

#endif
