/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iomon's calls issued the way Linux issues hypercalls: the kernel's own
 * hv_do_hypercall() / hv_do_rep_hypercall() (<asm/mshyperv.h>) through the
 * hypercall page Linux set up at boot, inputs in Linux's per-CPU hypercall
 * input page with interrupts off, as Linux's Hyper-V code does.
 */
#ifndef IOMON_ABI_HVCALL_H
#define IOMON_ABI_HVCALL_H

#include <linux/types.h>
#include "abi.h"

/* Pages one deposit may give (its PFN list fits the input page with room to spare). */
#define IOMON_DEPOSIT_MAX       64
/* INSUFFICIENT_MEMORY answers one operation may see before it gives up. */
#define IOMON_DEPOSITS_PER_OP   64

struct iomon_stats {
	unsigned int calls;             /* hypercall sequences issued (a rep call counts once) */
	unsigned int map_calls;         /* MAP_DEVICE_GPA_PAGES rep calls */
	unsigned int insufficient;      /* INSUFFICIENT_MEMORY answers */
	unsigned int restarts;          /* map calls re-issued at the reps completed (> 0) */
	unsigned int deposits;          /* successful DEPOSIT_MEMORY calls */
	unsigned int deposited_pages;
};

extern struct iomon_stats iomon_stats;

/* Whether Linux found a hypervisor and enabled its hypercall page. */
bool iomon_hypercalls_ready(void);

/* HVCALL_GET_PARTITION_ID; 0 or -EIO with *status. */
int __must_check iomon_get_partition_id(u64 *id, u64 *status);

/*
 * Give `pages` (<= IOMON_DEPOSIT_MAX) new pages of this partition to the
 * monitor's pool for `partition`, as Linux's hv_call_deposit_pages() does.
 * The pages leave this partition for good. 0, -ENOMEM, or -EIO with *status.
 */
int __must_check iomon_deposit(u64 partition, unsigned int pages, u64 *status);

/*
 * A call without a rep list; on INSUFFICIENT_MEMORY deposit `deposit`
 * pages to `deposit_to` and issue it again. Returns the last status.
 */
u64 iomon_call(const struct iomon_req *r, u64 deposit_to, unsigned int deposit);

/* A rep call without a list (the unmaps), through hv_do_rep_hypercall(). */
u64 iomon_rep_call(const struct iomon_req *r, u16 reps);

/*
 * MAP_DEVICE_GPA_PAGES of pfn[0..n) at IOVA `iova` in batches of
 * iomon_map_batch() PFNs; on INSUFFICIENT_MEMORY deposit `deposit` pages
 * and go on from the reps completed. On failure what was mapped is
 * unmapped again. 0, -ENOMEM (deposit) or -EIO with *status; *mapped is
 * how many pages are mapped on return.
 */
int __must_check iomon_map(u32 domain, u64 iova, const u64 *pfn, unsigned int n, bool writable,
			   unsigned int deposit, unsigned int *mapped, u64 *status);

#endif
