/* SPDX-License-Identifier: MIT */
/*
 * Device domains: CREATE, DELETE, CONFIGURE, ATTACH_DEVICE_DOMAIN,
 * DETACH_DEVICE_DOMAIN, FLUSH_DEVICE_DOMAIN(_LIST). Layouts in
 * include/hv/hv_iommu.h; what each call accepts and answers is in the
 * README ("Device domains"). The table marks them root-only, so a child
 * never gets here.
 */
#include <errno.h>

#include "kernel/hvcall/devdom.h"
#include "kernel/hvcall/devid.h"
#include "kernel/partition/partition.h"
#include "iommu/iommu.h"
#include "pci/dev.h"

static bool vtl0(uint8_t vtl)
{
	return !(vtl & (HV_INPUT_VTL_RSVD_MASK | HV_INPUT_VTL_TARGET_MASK));
}

static bool names_caller(const struct hvcall_ctx *c, uint64_t partition_id)
{
	return partition_id == HV_PARTITION_ID_SELF || partition_id == c->caller->id;
}

uint16_t devdom_resolve(const struct hvcall_ctx *c, const struct hv_input_device_domain *dd,
			bool special_ok, struct iommu_domain **out)
{
	uint32_t id = dd->domain_id.id;
	struct iommu_domain *d;

	*out = NULL;
	if (!iommu_present())
		return HV_STATUS_FEATURE_UNAVAILABLE;
	if (!names_caller(c, dd->partition_id))
		return HV_STATUS_INVALID_PARTITION_ID;
	if (!vtl0(dd->owner_vtl) ||
	    (dd->domain_id.as_uint64 & (HV_DEVICE_DOMAIN_ID_TYPE_MASK | HV_DEVICE_DOMAIN_ID_RSVD_MASK)))
		return HV_STATUS_INVALID_PARAMETER;
	if (id == HV_DEVICE_DOMAIN_ID_S2_DEFAULT || id == HV_DEVICE_DOMAIN_ID_S2_NULL) {
		if (!special_ok)
			return HV_STATUS_INVALID_PARAMETER;
		*out = id == HV_DEVICE_DOMAIN_ID_S2_NULL ? iommu_domain_null() : iommu_domain_default();
		return HV_STATUS_SUCCESS;
	}
	d = iommu_domain_find(id);
	if (!d || d->kind != IOMMU_DOMAIN_PAGING || d->owner != c->caller->id)
		return HV_STATUS_INVALID_PARAMETER;
	*out = d;
	return HV_STATUS_SUCCESS;
}

void devdom_count(const struct hvcall_ctx *c, int flushes, uint64_t tables_before,
		  uint64_t tables_after)
{
	if (!c->ctr)
		return;
	if (flushes > 0)
		c->ctr->iotlb_flushes += (unsigned)flushes;
	if (tables_after > tables_before)
		c->ctr->table_pages += tables_after - tables_before;
}

uint16_t hvcall_create_device_domain(struct hvcall_ctx *c)
{
	const struct hv_input_create_device_domain *in = c->in;
	const struct hv_input_device_domain *dd = &in->device_domain;
	struct iommu_domain *d;
	struct pt_pool pool;
	int err;

	if (!iommu_present())
		return HV_STATUS_FEATURE_UNAVAILABLE;
	if (!names_caller(c, dd->partition_id))
		return HV_STATUS_INVALID_PARTITION_ID;
	/* Stage-1 (guest-owned tables) and SoC domains are not offered (GET_IOMMU_CAPABILITIES says S2 only). */
	if (dd->domain_id.type == HV_DEVICE_DOMAIN_TYPE_S1 || dd->domain_id.type == HV_DEVICE_DOMAIN_TYPE_SOC)
		return hvcall_status(-EOPNOTSUPP);
	if (!vtl0(dd->owner_vtl) || dd->domain_id.type != HV_DEVICE_DOMAIN_TYPE_S2 || dd->domain_id.reserved ||
	    (in->create_device_domain_flags & ~HV_CREATE_DEVICE_DOMAIN_FORWARD_PROGRESS_REQUIRED) ||
	    dd->domain_id.id == HV_DEVICE_DOMAIN_ID_S2_DEFAULT || dd->domain_id.id == HV_DEVICE_DOMAIN_ID_S2_NULL)
		return HV_STATUS_INVALID_PARAMETER;
	/* Table pages only from the caller's deposit pool: INSUFFICIENT_MEMORY when it is empty. */
	hv_pool_pt_pool(c->caller, &pool);
	d = iommu_domain_create(dd->domain_id.id, &pool, &err);
	if (!d)
		return hvcall_status(err);
	d->owner = c->caller->id;
	devdom_count(c, 0, 0, iommu_domain_table_pages(d));
	return HV_STATUS_SUCCESS;
}

uint16_t hvcall_delete_device_domain(struct hvcall_ctx *c)
{
	const struct hv_input_delete_device_domain *in = c->in;
	struct iommu_domain *d;
	uint16_t st = devdom_resolve(c, &in->device_domain, false, &d);
	int flushed;

	if (st != HV_STATUS_SUCCESS)
		return st;
	/* A continued call's flush first (destroy would commit it too, uncounted): its tables go back to the pool. */
	flushed = iommu_flush_commit(d, NULL);
	devdom_count(c, flushed, 0, 0);
	if (flushed < 0)
		return hvcall_status(flushed);
	/* -EBUSY while devices are attached: INVALID_DEVICE_STATE, nothing changed. */
	return hvcall_status(iommu_domain_destroy(d));
}

/*
 * Only the 2026 layout: an S2 domain translates through the tables the map
 * calls fill, so the one setting it accepts is "translation on, not
 * blocked, no stage-1 root". Stage-1 settings (a guest-owned root, 5-level
 * paging, translation off) need nested translation, which iomon does not
 * offer: FEATURE_UNAVAILABLE. Reserved bits: INVALID_PARAMETER.
 */
uint16_t hvcall_configure_device_domain(struct hvcall_ctx *c)
{
	const struct hv_input_configure_device_domain *in = c->in;
	uint64_t flags = in->settings.flags;
	struct iommu_domain *d;
	uint16_t st = devdom_resolve(c, &in->device_domain, false, &d);

	if (st != HV_STATUS_SUCCESS)
		return st;
	if (flags & HV_DEVICE_DOMAIN_SETTINGS_RSVD_MASK)
		return HV_STATUS_INVALID_PARAMETER;
	if (flags != HV_DEVICE_DOMAIN_TRANSLATION_ENABLED || in->settings.page_table_root)
		return hvcall_status(-EOPNOTSUPP);
	return HV_STATUS_SUCCESS;
}

/* A group may leave the default or null domain, or a domain of the caller's: never a child's. */
static bool caller_may_move(const struct iommu_domain *from, void *ctx)
{
	const struct hvcall_ctx *c = ctx;

	return from == iommu_domain_default() || from == iommu_domain_null() ||
	       (from->kind == IOMMU_DOMAIN_PAGING && from->owner == c->caller->id);
}

/* Move the group of the function device_id names; the whole group or nothing. */
static int move_group(struct hvcall_ctx *c, struct iommu_domain *to, uint64_t device_id)
{
	struct pci_dev *dev;
	int rc = hv_devid_to_pci_dev(device_id, &dev);

	if (rc < 0)
		return rc;
	/* A function direct-attached to a child is not the caller's to move. */
	if (hvcall_device_owner(dev) != c->caller)
		rc = -EBUSY;
	else
		rc = iommu_group_move(to, dev, caller_may_move, c);
	pci_dev_put(dev);
	return rc;
}

uint16_t hvcall_attach_device_domain(struct hvcall_ctx *c)
{
	const struct hv_input_attach_device_domain *in = c->in;
	struct iommu_domain *d;
	uint64_t before;
	uint16_t st = devdom_resolve(c, &in->device_domain, true, &d);
	int rc;

	if (st != HV_STATUS_SUCCESS)
		return st;
	/* -EALREADY: DEVICE_ALREADY_IN_DOMAIN; a paging domain takes unity-range tables from the pool. */
	before = d->kind == IOMMU_DOMAIN_PAGING ? iommu_domain_table_pages(d) : 0;
	rc = move_group(c, d, in->device_id.as_uint64);
	if (d->kind == IOMMU_DOMAIN_PAGING)
		devdom_count(c, 0, before, iommu_domain_table_pages(d));
	return hvcall_status(rc);
}

uint16_t hvcall_detach_device_domain(struct hvcall_ctx *c)
{
	const struct hv_input_detach_device_domain *in = c->in;
	int rc;

	if (!iommu_present())
		return HV_STATUS_FEATURE_UNAVAILABLE;
	if (!names_caller(c, in->partition_id))
		return HV_STATUS_INVALID_PARTITION_ID;
	rc = move_group(c, iommu_domain_default(), in->device_id.as_uint64);
	return hvcall_status(rc == -EALREADY ? 0 : rc);
}

uint16_t hvcall_flush_device_domain(struct hvcall_ctx *c)
{
	static const struct iommu_flush_acc whole = IOMMU_FLUSH_ACC_ALL;
	const struct hv_input_flush_device_domain *in = c->in;
	struct iommu_domain *d;
	uint16_t st = devdom_resolve(c, &in->device_domain, true, &d);
	int rc;

	if (st != HV_STATUS_SUCCESS)
		return st;
	if (in->flags)
		return HV_STATUS_INVALID_PARAMETER;
	if (d == iommu_domain_null())
		return HV_STATUS_SUCCESS;   /* nothing is cached for a domain that translates nothing */
	/* The whole domain, which covers whatever a continued map or unmap left pending: one flush. */
	rc = iommu_flush_commit(d, &whole);
	devdom_count(c, rc, 0, 0);
	return hvcall_status(rc < 0 ? rc : 0);
}

/*
 * One hv_iommu_flush_va: 2^shift pages from a page number aligned to
 * them, inside the largest IOVA space a unit has (57 bits). The elements'
 * union, together with whatever is pending in the domain, is invalidated
 * with one flush when the list is done (or at the first bad element, for
 * the ones before it).
 */
#define FLUSH_VA_PAGES_MAX (1ull << (57 - HV_HYP_PAGE_SHIFT))

static bool flush_va_span(uint64_t va, uint64_t *iova, uint64_t *size)
{
	uint64_t shift = va & HV_IOMMU_FLUSH_VA_SHIFT_MASK, page = va >> HV_IOMMU_FLUSH_VA_PAGE_SHIFT;

	if (shift > 57 - HV_HYP_PAGE_SHIFT || (page & ((1ull << shift) - 1)) ||
	    page + (1ull << shift) > FLUSH_VA_PAGES_MAX)
		return false;
	*iova = page << HV_HYP_PAGE_SHIFT;
	*size = (1ull << shift) << HV_HYP_PAGE_SHIFT;
	return true;
}

uint16_t hvcall_flush_device_domain_list(struct hvcall_ctx *c)
{
	const struct hv_input_flush_device_domain_list *in = c->in;
	struct iommu_flush_acc acc = IOMMU_FLUSH_ACC_INIT;
	struct iommu_domain *d;
	uint16_t st = devdom_resolve(c, &in->device_domain, true, &d);
	unsigned k;
	int rc;

	c->reps_done = c->rep_start;
	if (st != HV_STATUS_SUCCESS)
		return st;
	if (in->flags & ~HV_FLUSH_DEVICE_DOMAIN_LIST_IOMMU_FORMAT)
		return HV_STATUS_INVALID_PARAMETER;
	for (k = c->rep_start; k < c->rep_count; k++) {
		uint64_t iova, size;

		if (!flush_va_span(in->iova_list[k], &iova, &size)) {
			st = HV_STATUS_INVALID_PARAMETER;
			break;
		}
		acc.lo = MIN(acc.lo, iova);
		acc.hi = MAX(acc.hi, iova + size);
	}
	c->reps_done = k;
	if (d == iommu_domain_null())
		return st;
	rc = iommu_flush_commit(d, &acc);
	devdom_count(c, rc, 0, 0);
	return rc < 0 && st == HV_STATUS_SUCCESS ? hvcall_status(rc) : st;
}

/* DEPOSIT_MEMORY (memory.c) refuses a page some device domain still maps. */
bool hvcall_page_dma_mapped(paddr_t hpa)
{
	return iommu_page_dma_mapped(hpa);
}
