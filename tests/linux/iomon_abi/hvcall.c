// SPDX-License-Identifier: GPL-2.0
/*
 * The calling side (hvcall.h). Every call goes through Linux's own
 * hv_do_hypercall() / hv_do_rep_hypercall() and so through the hypercall
 * page Linux enabled with HV_X64_MSR_HYPERCALL at boot.
 *
 * Debian's 6.1 kernel does not export hv_call_deposit_pages() (it is built
 * for Linux running as Hyper-V's root, and Module.symvers does not list
 * it), so iomon_deposit() is this module's own version of it: allocate the
 * pages in the largest blocks available, list their PFNs in one
 * HVCALL_DEPOSIT_MEMORY rep call, and keep the pages the monitor did not
 * take. Unlike Linux's, a failed deposit frees only the pages after the
 * reps completed: the ones before belong to the monitor already (TLFS,
 * "HvCallDepositMemory"; iomon takes each page whole or not at all).
 */
#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <asm/mshyperv.h>

#include "hvcall.h"

#define HV_REP_COUNT_LIMIT 0xfffu   /* input value bits 43:32 */

struct iomon_stats iomon_stats;

bool iomon_hypercalls_ready(void)
{
	return hv_is_hyperv_initialized() && hv_hypercall_pg && hyperv_pcpu_input_arg &&
	       *this_cpu_ptr(hyperv_pcpu_input_arg);
}

int iomon_get_partition_id(u64 *id, u64 *status)
{
	unsigned long flags;
	u64 *out;

	/* No input: the per-CPU input page serves as the output page (Linux's output page is the root's only). */
	local_irq_save(flags);
	out = *this_cpu_ptr(hyperv_pcpu_input_arg);
	*out = 0;
	*status = hv_do_hypercall(HVCALL_GET_PARTITION_ID, NULL, out);
	*id = *out;
	local_irq_restore(flags);
	iomon_stats.calls++;
	return hv_result_success(*status) ? 0 : -EIO;
}

/*
 * Fill pg[0..num) with new pages, taken in blocks as large as the
 * allocator gives (split, so each page is freed on its own). 0 or -ENOMEM,
 * with nothing left allocated.
 */
static int alloc_pages_for_deposit(struct page **pg, unsigned int num)
{
	unsigned int have = 0, i;

	while (have < num) {
		int order = ilog2(num - have);
		struct page *blk;

		/* A larger block failing is expected: no allocation-failure report for those. */
		while (!(blk = alloc_pages(GFP_KERNEL | (order ? __GFP_NOWARN : 0), order)) && order > 0)
			order--;
		if (!blk) {
			while (have--)
				__free_page(pg[have]);
			return -ENOMEM;
		}
		split_page(blk, order);
		for (i = 0; i < 1U << order; i++)
			pg[have++] = blk + i;
	}
	return 0;
}

int iomon_deposit(u64 partition, unsigned int num, u64 *status)
{
	struct page *pg[IOMON_DEPOSIT_MAX];
	struct hv_deposit_memory *in;
	unsigned long flags;
	unsigned int i, taken;

	*status = HV_STATUS_SUCCESS;
	if (num == 0 || num > IOMON_DEPOSIT_MAX)
		return -EINVAL;
	if (alloc_pages_for_deposit(pg, num))
		return -ENOMEM;

	/* Linux's own hv_deposit_memory layout: the partition, then one PFN per rep. */
	local_irq_save(flags);
	in = *this_cpu_ptr(hyperv_pcpu_input_arg);
	in->partition_id = partition;
	for (i = 0; i < num; i++)
		in->gpa_page_list[i] = page_to_pfn(pg[i]);
	*status = hv_do_rep_hypercall(HVCALL_DEPOSIT_MEMORY, num, 0, in, NULL);
	local_irq_restore(flags);
	iomon_stats.calls++;

	if (hv_result_success(*status)) {
		iomon_stats.deposits++;
		iomon_stats.deposited_pages += num;
		return 0;
	}
	/* The monitor holds pages [0, reps completed) now: never touch or free those. */
	taken = min(hv_repcomp(*status), num);
	iomon_stats.deposited_pages += taken;
	for (i = taken; i < num; i++)
		__free_page(pg[i]);
	return -EIO;
}

/* One call with the input iomon_fill() lays out; reps = 0 for a simple call. */
static u64 issue(const struct iomon_req *r, u16 reps, const u64 *elems)
{
	unsigned long flags;
	u64 *list, status;
	u16 code;
	void *in;

	local_irq_save(flags);
	in = *this_cpu_ptr(hyperv_pcpu_input_arg);
	code = iomon_fill(in, r, &list);
	if (list && elems)
		memcpy(list, elems, reps * sizeof(*list));
	if (reps)
		status = hv_do_rep_hypercall(code, reps, 0, in, NULL);
	else
		status = hv_do_hypercall(code, in, NULL);
	local_irq_restore(flags);
	iomon_stats.calls++;
	return status;
}

u64 iomon_call(const struct iomon_req *r, u64 deposit_to, unsigned int deposit)
{
	unsigned int deposits = 0;
	u64 status, dstatus;

	for (;;) {
		status = issue(r, 0, NULL);
		if (hv_result(status) != HV_STATUS_INSUFFICIENT_MEMORY)
			return status;
		iomon_stats.insufficient++;
		if (++deposits > IOMON_DEPOSITS_PER_OP || iomon_deposit(deposit_to, deposit, &dstatus))
			return status;
	}
}

u64 iomon_rep_call(const struct iomon_req *r, u16 reps)
{
	return issue(r, reps, NULL);
}

/* Undo a partial map; the pages stay the caller's either way. */
static void unmap_done(u32 domain, u64 iova, unsigned int done)
{
	struct iomon_req r = { .op = IOMON_UNMAP_DEVICE_GPA_PAGES, .domain = domain, .addr = iova };
	u64 status = iomon_rep_call(&r, done);

	if (!hv_result_success(status))
		pr_err("iomon_abi: undoing a partial map: unmap of %u pages at 0x%llx: 0x%llx\n",
		       done, iova, status);
}

int iomon_map(u32 domain, u64 iova, const u64 *pfn, unsigned int n, bool writable,
	      unsigned int deposit, unsigned int *mapped, u64 *status)
{
	struct iomon_req r = { .op = IOMON_MAP_DEVICE_GPA_PAGES, .domain = domain, .writable = writable };
	unsigned int done = 0, deposits = 0;
	int err = 0;

	*status = HV_STATUS_SUCCESS;
	*mapped = 0;
	if (n > HV_REP_COUNT_LIMIT)
		return -EINVAL;   /* the undo below is one rep call */
	while (done < n) {
		unsigned int count = min(n - done, iomon_map_batch());
		unsigned int completed;

		r.addr = iova + ((u64)done << HV_HYP_PAGE_SHIFT);
		*status = issue(&r, count, pfn + done);
		iomon_stats.map_calls++;
		/* Reps completed count from the start of this call's list, on failure too. */
		completed = min(hv_repcomp(*status), count);
		done += completed;
		if (hv_result_success(*status))
			continue;
		if (hv_result(*status) != HV_STATUS_INSUFFICIENT_MEMORY) {
			err = -EIO;
			break;
		}
		iomon_stats.insufficient++;
		if (completed)
			iomon_stats.restarts++;   /* the next call starts at the first rep not done */
		if (++deposits > IOMON_DEPOSITS_PER_OP) {
			err = -EIO;
			break;
		}
		err = iomon_deposit(HV_PARTITION_ID_SELF, deposit, status);
		if (err)
			break;
	}
	if (err && done) {
		unmap_done(domain, iova, done);
		done = 0;
	}
	*mapped = done;
	return err;
}
