// SPDX-License-Identifier: MIT
/*
 * HvCallDepositMemory and HvCallWithdrawMemory (TLFS, same names).
 *
 * DEPOSIT: each listed page of the caller's RAM leaves the caller's
 * stage-2 (its CPUs cannot touch it) and the DMA-able set and the default
 * domain's identity map (no device can), then joins the named partition's
 * pool, in that order, so a page is never in a pool while still reachable.
 * A page some device domain maps is refused: it would become a page table
 * a device can write.
 *
 * WITHDRAW: free pages the caller deposited into the named partition's pool
 * go back where they came from (its stage-2 at the same GPA, DMA-able
 * again), their PFNs in the output list. When no free page is left the
 * call ends with NO_RESOURCES and reps completed = pages returned (Linux
 * treats that as the end of the pool).
 *
 * Each element either happens whole or not at all: every step that failed
 * is undone before the status is returned with reps completed exact.
 *
 * Both first commit every IOTLB flush a continued map or unmap call left
 * pending (iommu/flush.c): a page about to become the monitor's must not be
 * reachable through a stale entry. The flush is counted against the call.
 */
#define LOG_TAG "hvcall"
#include "kernel/hvcall/calls.h"
#include "kernel/hvcall/pool.h"
#include "kernel/partition/partition.h"
#include "iommu/iommu.h"
#include "kernel/log.h"
#include "kernel/spinlock.h"

/*
 * One element at a time, whoever calls: two vcpus depositing the same page
 * must not both see it as RAM and both pool it.
 */
static spinlock_t deposit_lock = SPINLOCK_INIT;

/* The DMA-able set is full (it tracks ranges, and scattered deposits fragment it). */
static uint16_t mem_status(int rc)
{
	return rc == -ENOSPC ? HV_STATUS_INSUFFICIENT_BUFFERS : hvcall_status(rc);
}

__attribute__((weak)) bool hvcall_page_dma_mapped(paddr_t hpa)
{
	(void)hpa;
	return false;
}

/* Out of the DMA-able set; *was tells withdraw whether to put it back. */
static int leave_dma(paddr_t hpa, bool *was)
{
	*was = iommu_present() && iommu_ram_is_dma_able(hpa, PAGE_SIZE);
	return *was ? iommu_ram_remove(hpa, PAGE_SIZE) : 0;
}

static uint16_t deposit_one(struct partition *caller, struct partition *target, uint64_t gfn)
{
	uint64_t gpa = gfn << PAGE_SHIFT;
	paddr_t hpa;
	bool was_dma;
	int rc;

	if (gfn > UINT32_MAX || !(hpa = part_gpa_to_hpa(caller, gpa)))
		return HV_STATUS_INVALID_PARAMETER;   /* not the caller's RAM (or deposited already) */
	if (hvcall_page_dma_mapped(hpa))
		return HV_STATUS_INVALID_PARAMETER;
	rc = part_s2_unmap(caller, gpa, PAGE_SIZE);
	if (rc < 0)
		return mem_status(rc);
	rc = leave_dma(hpa, &was_dma);
	if (rc == 0) {
		rc = hv_pool_add(target, caller->id, gpa, hpa, was_dma);
		if (rc == 0)
			return HV_STATUS_SUCCESS;
		if (was_dma && iommu_ram_add(hpa, PAGE_SIZE, caller->is_root) < 0)
			pr_err("%s: deposit undo: page 0x%llx not DMA-able again", caller->name,
			       (unsigned long long)hpa);
	}
	if (part_s2_map_ram(caller, gpa, hpa, PAGE_SIZE) < 0)
		pr_err("%s: deposit undo: GPA 0x%llx not mapped again", caller->name, (unsigned long long)gpa);
	return mem_status(rc);
}

uint16_t hvcall_commit_pending_flushes(const struct hvcall_ctx *c)
{
	int rc = iommu_present() ? iommu_flush_pending_all() : 0;

	if (rc > 0 && c->ctr)
		c->ctr->iotlb_flushes += (unsigned)rc;
	return rc < 0 ? hvcall_status(rc) : HV_STATUS_SUCCESS;
}

/* One element of a DEPOSIT or WITHDRAW: rep i of c, on behalf of target. */
typedef uint16_t (*mem_rep_fn)(struct hvcall_ctx *c, struct partition *target, unsigned i);

/*
 * The elements of one invocation, in order, each under deposit_lock, after committing any
 * pending IOTLB flush; stops at an element error or (after the first element) at the
 * budget, and the dispatcher continues the call.
 */
static uint16_t mem_reps(struct hvcall_ctx *c, uint64_t partition_id, mem_rep_fn one)
{
	uint16_t st = HV_STATUS_SUCCESS;
	struct partition *target = hvcall_target(c, partition_id, &st);

	if (!target || (st = hvcall_commit_pending_flushes(c)) != HV_STATUS_SUCCESS)
		return st;
	for (; c->reps_done < c->rep_count; c->reps_done++) {
		if (c->reps_done > c->rep_start && hvcall_budget_expired(c))
			return HV_STATUS_SUCCESS;   /* continued by the dispatcher */
		spin_lock(&deposit_lock);
		st = one(c, target, c->reps_done);
		spin_unlock(&deposit_lock);
		if (st != HV_STATUS_SUCCESS)
			return st;
	}
	return HV_STATUS_SUCCESS;
}

static uint16_t deposit_rep(struct hvcall_ctx *c, struct partition *target, unsigned i)
{
	const struct hv_deposit_memory *in = c->in;

	return deposit_one(c->caller, target, in->gpa_page_list[i]);
}

uint16_t hvcall_deposit_memory(struct hvcall_ctx *c)
{
	const struct hv_deposit_memory *in = c->in;

	return mem_reps(c, in->partition_id, deposit_rep);
}

static uint16_t withdraw_one(struct partition *caller, struct partition *target, uint64_t *gfn)
{
	uint64_t gpa;
	paddr_t hpa;
	bool dma;
	int rc = hv_pool_take_free(target, caller->id, &gpa, &hpa, &dma);

	if (rc == -ENOENT)
		return HV_STATUS_NO_RESOURCES;
	if (rc < 0)
		return hvcall_status(rc);
	rc = part_s2_map_ram(caller, gpa, hpa, PAGE_SIZE);
	/* DMA-able again only if it was before the deposit. */
	if (rc == 0 && dma) {
		rc = iommu_ram_add(hpa, PAGE_SIZE, caller->is_root);
		if (rc < 0 && part_s2_unmap(caller, gpa, PAGE_SIZE) < 0)
			pr_err("%s: withdraw undo: GPA 0x%llx still mapped", caller->name, (unsigned long long)gpa);
	}
	if (rc < 0) {
		if (hv_pool_put_back(target, caller->id, gpa, hpa, dma) < 0)
			pr_err("%s: withdraw undo: page 0x%llx lost", caller->name, (unsigned long long)hpa);
		return mem_status(rc);
	}
	*gfn = gpa >> PAGE_SHIFT;
	return HV_STATUS_SUCCESS;
}

static uint16_t withdraw_rep(struct hvcall_ctx *c, struct partition *target, unsigned i)
{
	uint64_t *list = c->out;

	return withdraw_one(c->caller, target, &list[i]);
}

uint16_t hvcall_withdraw_memory(struct hvcall_ctx *c)
{
	const struct hv_input_withdraw_memory *in = c->in;

	return mem_reps(c, in->partition_id, withdraw_rep);
}
