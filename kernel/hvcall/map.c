/* SPDX-License-Identifier: MIT */
/*
 * MAP_DEVICE_GPA_PAGES and UNMAP_DEVICE_GPA_PAGES. Element k of a map maps
 * IOVA target_device_va_base + k * 4 KiB to the caller's guest page
 * gpa_page_list[k]; an unmap's rep count is the number of 4 KiB pages from
 * the base. Each PFN must be the caller's own RAM through its stage-2
 * (part_gpa_to_hpa: not MMIO, not a hole, not a deposited page, not beyond
 * its RAM, never another partition's), and the domain layer checks the
 * resulting page against the DMA-able set again. Contiguous runs become
 * the largest pages the units support; an empty deposit pool stops it with
 * INSUFFICIENT_MEMORY and reps completed exact, so the caller deposits and
 * re-issues from there.
 *
 * One IOTLB flush per call, continuations included: an invocation that runs
 * out of its time budget leaves what it changed pending in the domain, and
 * the invocation that ends the call (all reps done, or an element error)
 * issues one flush for everything pending (iommu/flush.c says why the wait
 * is safe, and which operations commit a pending flush before they go on).
 * A map into not-present entries needs none unless a unit caches them (CM=1).
 */
#include <errno.h>

#include "kernel/hvcall/devdom.h"
#include "kernel/partition/partition.h"
#include "iommu/iommu.h"

/* Pages translated per engine call: 1 KiB of stack, and a batch lock held briefly. */
#define MAP_CHUNK   128
#define UNMAP_CHUNK 512

#define MAP_FLAGS_OK (HV_MAP_GPA_READABLE | HV_MAP_GPA_WRITABLE)

/* READABLE is required (Linux always sets it); execute, caching and size hints mean nothing to a DMA table. */
static bool map_perms(uint32_t flags, unsigned *perms)
{
	if ((flags & ~MAP_FLAGS_OK) || !(flags & HV_MAP_GPA_READABLE))
		return false;
	*perms = PT_READ | (flags & HV_MAP_GPA_WRITABLE ? PT_WRITE : 0);
	return true;
}

/*
 * Guest pages to host pages through the caller's stage-2; how many leading
 * ones are its RAM. The stage-2 leaves walked during one call are
 * remembered (by GiB of GPA), so a list scattered over a guest whose RAM is
 * mapped in 1 GiB pages costs one walk per leaf, not one per page. Only for
 * the call: the stage-2 may change between calls (a deposit), and a page
 * that changes during one is refused again by the domain layer's DMA-able
 * check, which a deposit clears under the same lock.
 */
#define S2_RUNS 64

struct s2_run {
	uint64_t gpa, span;        /* [gpa, gpa + span) -> hpa, empty when span == 0 */
	paddr_t hpa;
};

static unsigned translate(const struct partition *p, const struct hv_input_map_device_gpa_pages *in,
			  unsigned first, unsigned n, paddr_t *pages, struct s2_run *runs)
{
	for (unsigned k = 0; k < n; k++) {
		uint64_t pfn = in->gpa_page_list[first + k], gpa = pfn << HV_HYP_PAGE_SHIFT;
		struct s2_run *run = &runs[(gpa >> 30) % S2_RUNS];

		if (pfn >> (64 - HV_HYP_PAGE_SHIFT))
			return k;
		if (gpa - run->gpa >= run->span) {
			paddr_t hpa = part_gpa_to_hpa_span(p, gpa, &run->gpa, &run->span);

			if (!hpa)
				return k;
			run->hpa = hpa - (gpa - run->gpa);
		}
		pages[k] = run->hpa + (gpa - run->gpa);
	}
	return n;
}

/*
 * The end of one invocation: when the call goes on (no error, reps left,
 * progress made: the dispatcher then continues it) the flush waits for the
 * invocation that ends it; otherwise one flush for all that is pending.
 */
static uint16_t end_invocation(struct hvcall_ctx *c, struct iommu_domain *d, int rc, unsigned k,
			       uint64_t tables)
{
	int flushed = 0;

	c->reps_done = k;
	if (rc < 0 || k == c->rep_count || k == c->rep_start)
		flushed = iommu_flush_commit(d, NULL);
	devdom_count(c, flushed, tables, iommu_domain_table_pages(d));
	return hvcall_status(rc < 0 ? rc : flushed < 0 ? flushed : 0);
}

uint16_t hvcall_map_device_gpa_pages(struct hvcall_ctx *c)
{
	const struct hv_input_map_device_gpa_pages *in = c->in;
	uint64_t base = in->target_device_va_base, tables;
	struct iommu_domain *d;
	unsigned perms, k = c->rep_start;
	struct s2_run runs[S2_RUNS] = { { 0, 0, 0 } };
	uint16_t st = devdom_resolve(c, &in->device_domain, false, &d);
	int rc = 0;

	c->reps_done = c->rep_start;
	if (st != HV_STATUS_SUCCESS)
		return st;
	if (in->target_vtl || !map_perms(in->map_flags, &perms) || (base & (HV_HYP_PAGE_SIZE - 1)))
		return HV_STATUS_INVALID_PARAMETER;
	tables = iommu_domain_table_pages(d);
	while (k < c->rep_count && rc == 0) {
		paddr_t pages[MAP_CHUNK];
		unsigned n = MIN(MAP_CHUNK, c->rep_count - k);
		unsigned ok = translate(c->caller, in, k, n, pages, runs);
		struct pt_progress p = { 0, 0 };

		if (ok)
			rc = iommu_map_pages(d, base + (uint64_t)k * HV_HYP_PAGE_SIZE, pages, ok, perms, &p);
		k += p.done;
		if (rc == 0 && ok < n)
			rc = -EACCES;   /* not the caller's RAM */
		if (rc == 0 && k < c->rep_count && hvcall_budget_expired(c))
			break;
	}
	return end_invocation(c, d, rc, k, tables);
}

uint16_t hvcall_unmap_device_gpa_pages(struct hvcall_ctx *c)
{
	const struct hv_input_unmap_device_gpa_pages *in = c->in;
	uint64_t base = in->target_device_va_base, tables;
	struct iommu_domain *d;
	unsigned k = c->rep_start;
	uint16_t st = devdom_resolve(c, &in->device_domain, false, &d);
	int rc = 0;

	c->reps_done = c->rep_start;
	if (st != HV_STATUS_SUCCESS)
		return st;
	if (base & (HV_HYP_PAGE_SIZE - 1))
		return HV_STATUS_INVALID_PARAMETER;
	tables = iommu_domain_table_pages(d);
	while (k < c->rep_count && rc == 0) {
		unsigned n = MIN(UNMAP_CHUNK, c->rep_count - k);
		uint64_t done = 0;

		rc = iommu_unmap_pages(d, base + (uint64_t)k * HV_HYP_PAGE_SIZE, (uint64_t)n * HV_HYP_PAGE_SIZE,
				       &done);
		k += (unsigned)(done / HV_HYP_PAGE_SIZE);
		if (rc == 0 && k < c->rep_count && hvcall_budget_expired(c))
			break;
	}
	/* The root may hand the pages to anyone once the call has ended: that flush is not optional. */
	return end_invocation(c, d, rc, k, tables);
}
