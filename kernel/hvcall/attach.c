// SPDX-License-Identifier: MIT
/*
 * ATTACH_DEVICE / DETACH_DEVICE (direct attach) and MAP_GPA_PAGES /
 * UNMAP_GPA_PAGES (the root changing a child's stage-2), over the
 * partition layer's mechanism (kernel/partition/assign.c). Root only: the
 * table marks them so, and every call names a child.
 *
 * Statuses:
 *   ATTACH_DEVICE: INVALID_PARTITION_ID (not a child), INVALID_PARTITION_STATE
 *     (the child has stopped), INVALID_PARAMETER (reserved bits or fields,
 *     VTL, no logical-id flag, logical id already used in the child, a BAR
 *     not page aligned), FEATURE_UNAVAILABLE (ATS, virtual devices),
 *     INVALID_DEVICE_ID (not a PCI-form id, no such function),
 *     INVALID_DEVICE_STATE (the group is in a device domain or a child's),
 *     ACCESS_DENIED (the monitor's own function, firmware unity ranges),
 *     INSUFFICIENT_MEMORY (the child's pool has no page for a mirror's
 *     tables: nothing attached; deposit to the child and call again).
 *   DETACH_DEVICE: INVALID_PARTITION_ID, INVALID_DEVICE_ID (no such logical id).
 *   MAP_GPA_PAGES: INVALID_PARTITION_ID, INVALID_PARAMETER (base not page
 *     aligned, flags other than R/W/X or without R, a target page already
 *     mapped, a source page that is not the root's RAM; reps completed exact),
 *     INSUFFICIENT_MEMORY (a mirror needs a table page and the child's pool
 *     has none: that page not granted, reps completed exact).
 *     As with Hyper-V, the root keeps its pages (a VMM reaches its guest's
 *     memory); the child's devices see them at once.
 *   UNMAP_GPA_PAGES: INVALID_PARTITION_ID, INVALID_PARAMETER (base, flags);
 *     OPERATION_FAILED when a CPU of the child could not be made to flush.
 *
 * Flushes: MAP_GPA_PAGES maps every page, then issues one IOTLB flush for
 * the devices that share or mirror the child's stage-2 (when a unit caches
 * not-present entries; a grant only widens) when the call ends, however
 * often it was continued. UNMAP_GPA_PAGES narrows the whole range in one
 * invocation, then one IOTLB flush and one flush of the child's CPUs before
 * it returns. Both first commit any flush a continued device-domain call
 * left pending (iommu/flush.c), since pages change hands here.
 */
#define LOG_TAG "hvcall"
#include <errno.h>

#include "kernel/hvcall/attach.h"
#include "kernel/partition/assign.h"
#include "include/hv/hv_iommu.h"
#include "include/hv/hv_memory.h"
#include "pci/dev.h"

#define ATTDEV_UNSUPPORTED (HV_ATTDEV_ATS_ENABLED | HV_ATTDEV_VIRT_DEV | HV_ATTDEV_SHARED_IRQ_CHILD)
#define MAP_FLAGS_OK       (HV_MAP_GPA_READABLE | HV_MAP_GPA_WRITABLE | HV_MAP_GPA_KERNEL_EXECUTABLE | \
			    HV_MAP_GPA_USER_EXECUTABLE)

/* The child a call names: never the caller itself. */
static struct partition *child_of(uint64_t partition_id, uint16_t *status)
{
	*status = HV_STATUS_INVALID_PARTITION_ID;
	if (partition_id <= PART_ROOT_ID || partition_id > partition_count)
		return NULL;
	return &partitions[partition_id - 1];
}

struct partition *hvcall_device_owner(const struct pci_dev *dev)
{
	struct partition *owner;

	if (part_dev_assigned(dev, &owner))
		return owner;
	return partition_count ? &partitions[0] : NULL;
}

static uint16_t attach_input_status(const struct hv_input_attach_device *in)
{
	union hv_device_id id = in->device_id;

	if ((in->attdev_flags & HV_ATTDEV_RSVD_MASK) || !(in->attdev_flags & HV_ATTDEV_LOGICAL_ID) ||
	    in->attdev_vtl || in->rsvd0 || in->rsvd1 || in->resvd2)
		return HV_STATUS_INVALID_PARAMETER;
	if (in->attdev_flags & ATTDEV_UNSUPPORTED)
		return HV_STATUS_FEATURE_UNAVAILABLE;
	if (hv_device_id_type(id.as_uint64) != HV_DEVICE_TYPE_PCI || (id.pci.flags & HV_PCI_ID_RSVDZ_MASK))
		return HV_STATUS_INVALID_DEVICE_ID;
	return HV_STATUS_SUCCESS;
}

uint16_t hvcall_attach_device(struct hvcall_ctx *c)
{
	const struct hv_input_attach_device *in = c->in;
	uint16_t st;
	struct partition *child = child_of(in->partition_id, &st);
	struct pci_dev *dev;
	struct pt_pool pool;
	int rc;

	if (!child)
		return st;
	st = attach_input_status(in);
	if (st != HV_STATUS_SUCCESS)
		return st;
	if (__atomic_load_n(&child->state, __ATOMIC_ACQUIRE) == PART_STOPPED)
		return HV_STATUS_INVALID_PARTITION_STATE;
	dev = pci_dev_find(in->device_id.pci.segment, (uint8_t)(in->device_id.pci.rid >> 8),
			   (uint8_t)in->device_id.pci.rid);
	if (!dev)
		return HV_STATUS_INVALID_DEVICE_ID;
	/*
	 * A mirror's tables come from the child's deposit pool: INSUFFICIENT_MEMORY when it is
	 * empty, nothing changed; the root deposits to the child and calls again (as with Hyper-V).
	 */
	hv_pool_pt_pool(child, &pool);
	rc = part_assign_device(child, dev, in->logical_devid, &pool);
	pci_dev_put(dev);
	return hvcall_status(rc);
}

uint16_t hvcall_detach_device(struct hvcall_ctx *c)
{
	const struct hv_input_detach_device *in = c->in;
	uint16_t st;
	struct partition *child = child_of(in->partition_id, &st);
	int rc;

	if (!child)
		return st;
	rc = part_unassign_device(child, in->logical_devid);
	return hvcall_status(rc == -ENOENT ? -ENODEV : rc);
}

static unsigned map_perms(uint32_t flags)
{
	unsigned perms = PT_READ;

	if (flags & HV_MAP_GPA_WRITABLE)
		perms |= PT_WRITE;
	if (flags & (HV_MAP_GPA_KERNEL_EXECUTABLE | HV_MAP_GPA_USER_EXECUTABLE))
		perms |= PT_EXEC;
	return perms;
}

/* The elements of one invocation, each granted with its devices' invalidation left for the caller. */
static uint16_t grant_pages(struct hvcall_ctx *c, struct partition *child, const struct hv_input_map_gpa_pages *in)
{
	for (unsigned i = c->rep_start; i < c->rep_count; i++) {
		uint64_t src = in->source_gpa_page_list[i];
		paddr_t hpa = src >> (64 - PAGE_SHIFT) ? 0 : part_gpa_to_hpa(c->caller, src << PAGE_SHIFT);
		int rc;

		if (!hpa)
			return HV_STATUS_INVALID_PARAMETER;   /* not the root's RAM */
		rc = part_s2_grant_deferred(child, in->target_gpa_base + (uint64_t)i * PAGE_SIZE, hpa, PAGE_SIZE,
					    map_perms(in->map_flags));
		if (rc < 0)
			return hvcall_status(rc);
		c->reps_done = i + 1;
		if (hvcall_budget_expired(c))
			break;
	}
	return HV_STATUS_SUCCESS;
}

static void count_flushes(const struct hvcall_ctx *c, int flushes)
{
	if (c->ctr && flushes > 0)
		c->ctr->iotlb_flushes += (unsigned)flushes;
}

uint16_t hvcall_map_gpa_pages(struct hvcall_ctx *c)
{
	const struct hv_input_map_gpa_pages *in = c->in;
	uint16_t st;
	struct partition *child = child_of(in->target_partition_id, &st);
	int flushed;

	c->reps_done = c->rep_start;
	if (!child)
		return st;
	if (!IS_ALIGNED(in->target_gpa_base, PAGE_SIZE) || (in->map_flags & ~MAP_FLAGS_OK) ||
	    !(in->map_flags & HV_MAP_GPA_READABLE) || in->padding)
		return HV_STATUS_INVALID_PARAMETER;
	st = hvcall_commit_pending_flushes(c);
	if (st != HV_STATUS_SUCCESS)
		return st;
	st = grant_pages(c, child, in);
	/*
	 * Whatever the call granted, the child's devices see it when the call ends. A grant only
	 * widens, so a continued call leaves its flush pending (the child is told of the pages
	 * only after the call); an abandoned one leaves at worst a not-present entry cached.
	 */
	if (st != HV_STATUS_SUCCESS || c->reps_done == c->rep_count || c->reps_done == c->rep_start) {
		flushed = part_s2_commit(child);
		count_flushes(c, flushed);
		if (st == HV_STATUS_SUCCESS && flushed < 0)
			st = hvcall_status(flushed);
	}
	return st;
}

uint16_t hvcall_unmap_gpa_pages(struct hvcall_ctx *c)
{
	const struct hv_input_unmap_gpa_pages *in = c->in;
	uint16_t st;
	struct partition *child = child_of(in->target_partition_id, &st);
	int rc;

	c->reps_done = c->rep_start;
	if (!child)
		return st;
	if (!IS_ALIGNED(in->target_gpa_base, PAGE_SIZE) || in->unmap_flags || in->padding)
		return HV_STATUS_INVALID_PARAMETER;
	st = hvcall_commit_pending_flushes(c);
	if (st != HV_STATUS_SUCCESS)
		return st;
	/* One walk and one flush (devices and CPUs) for the whole range, never continued. */
	rc = part_s2_revoke(child, in->target_gpa_base + (uint64_t)c->rep_start * PAGE_SIZE,
			   (uint64_t)(c->rep_count - c->rep_start) * PAGE_SIZE);
	if (rc < 0)
		return hvcall_status(rc);
	count_flushes(c, 1);
	c->reps_done = c->rep_count;
	return HV_STATUS_SUCCESS;
}
