// SPDX-License-Identifier: MIT
/*
 * Pending flushes: exactly one IOTLB invalidation per hypercall, across
 * continuations (iommu.h, "Pending flushes").
 *
 * A map or unmap hypercall that runs out of its time budget returns to the
 * guest with RIP not advanced and is re-executed from where it stopped
 * (TLFS "Hypercall Interface", rep continuation). The span it changed so
 * far is not invalidated on that return: it stays in the domain
 * (pending_lo/hi) and the invocation that completes the call, or stops it
 * with an element error, issues one invalidation covering everything
 * pending. Between the two, a device of the domain may still use a stale
 * IOTLB or paging-structure-cache entry. What it can reach through one:
 *
 *   - a page unmapped by the call. It is the root's own RAM (MAP checks
 *     every PFN through the caller's stage-2), still in its stage-2, still
 *     DMA-able: the root's own devices reaching the root's own page, which
 *     they could a moment ago. Harmless while the page stays the root's.
 *   - a table page of the domain. The page-table engine never frees a
 *     table page before the table is destroyed (iommu/pt/pt.h), so an
 *     unmap frees none: nothing goes back to the deposit pool, nothing can
 *     be withdrawn or reused, whatever is pending.
 *
 * So a pending flush is harmless exactly as long as no page it may cover
 * changes owner or use. Every path that changes one commits first, under
 * iommu_lock, the lock under which the unmap recorded the span (so no
 * interleaving of CPUs slips between "recorded" and "committed"):
 *
 *   DEPOSIT_MEMORY       a page leaves the root for the monitor's pool (it
 *                        may become a table page): iommu_ram_remove()
 *                        commits every domain's pending flush before it
 *                        takes the page out of the DMA-able set; the call
 *                        also commits up front (counted against it).
 *   WITHDRAW_MEMORY      pool pages go back to the depositor. Table pages
 *                        are free only after their domain was destroyed
 *                        (below); the call still commits up front.
 *   MAP/UNMAP_GPA_PAGES  the root gives or takes a page of a child's: the
 *                        call commits up front (a root page granted to a
 *                        child must not stay reachable by the root's device
 *                        through a stale entry the root no longer sees).
 *   DELETE_DEVICE_DOMAIN iommu_domain_destroy() commits the domain's own
 *   (domain destroy)     flush before its table pages go back to the pool
 *                        and its hardware id to the next domain.
 *   ATTACH/DETACH of a   group_attach_locked() commits the old and the new
 *   device, direct       domain before pointing the first requester id,
 *   attach, quarantine,  so a device never carries stale entries of either
 *   partition stop       across the move. Partition stop quarantines
 *                        through the same move.
 *   MAP/UNMAP on the     the completing invocation of any call on the
 *   same domain from     domain commits everything pending there, the
 *   another vcpu         other call's span included (that call then
 *                        flushes what it adds after, once, when it ends).
 *
 * A guest that abandons a continued call (never re-executes it) leaves its
 * span pending until the next call on that domain or the next of the paths
 * above, whichever comes first: until then only the root's own pages are
 * reachable, by the root's own devices, which is no more than it had
 * before it asked for the unmap. No other partition, the monitor, or a
 * table page is ever covered.
 *
 * A commit that fails (a unit did not confirm) keeps the span pending and
 * fails the operation that needed it: the page stays where it was.
 */
#define LOG_TAG "iommu"
#include <errno.h>

#include "iommu/internal.h"

void iommu_pending_add_locked(struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	if (!size)
		return;
	if (d->pending_lo >= d->pending_hi) {
		d->pending_lo = iova;
		d->pending_hi = iova + size;
		return;
	}
	d->pending_lo = MIN(d->pending_lo, iova);
	d->pending_hi = MAX(d->pending_hi, iova + size);
}

static int commit_span(struct iommu_domain *d, uint64_t lo, uint64_t hi)
{
	/* The whole space is a domain-wide invalidation (size 0 to the vendor). */
	uint64_t size = lo == 0 && hi == UINT64_MAX ? 0 : hi - lo;
	int rc;

	if (!iommu_vendor || lo >= hi || d->kind == IOMMU_DOMAIN_BLOCKED)
		return 0;
	rc = iommu_flush(d, lo, size);
	return rc < 0 ? rc : 1;
}

int iommu_pending_commit_locked(struct iommu_domain *d)
{
	int rc = commit_span(d, d->pending_lo, d->pending_hi);

	if (rc >= 0)
		d->pending_lo = d->pending_hi = 0;
	return rc;
}

int iommu_pending_commit_all_locked(void)
{
	int n = 0;

	for (unsigned i = 0; i < IOMMU_MAX_DOMAINS; i++) {
		struct iommu_domain *d = (struct iommu_domain *)iommu_domain_at(i);
		int rc = d ? iommu_pending_commit_locked(d) : 0;

		if (rc < 0)
			return rc;
		n += rc;
	}
	return n;
}

int iommu_flush_commit(struct iommu_domain *d, const struct iommu_flush_acc *also)
{
	int rc;

	spin_lock(&iommu_lock);
	if (also && also->lo < also->hi)
		iommu_pending_add_locked(d, also->lo, also->hi - also->lo);
	rc = iommu_pending_commit_locked(d);
	spin_unlock(&iommu_lock);
	return rc;
}

int iommu_flush_pending_all(void)
{
	int rc;

	spin_lock(&iommu_lock);
	rc = iommu_pending_commit_all_locked();
	spin_unlock(&iommu_lock);
	return rc;
}

bool iommu_flush_pending(const struct iommu_domain *d)
{
	bool pending;

	spin_lock(&iommu_lock);
	pending = d->pending_lo < d->pending_hi;
	spin_unlock(&iommu_lock);
	return pending;
}
