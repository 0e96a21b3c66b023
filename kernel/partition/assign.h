/* SPDX-License-Identifier: MIT */
/*
 * Direct attach (assign.c): a device group leaves the root and joins a
 * child partition, or comes back; a child's stage-2 after boot.
 */
#ifndef IOMON_PART_ASSIGN_H
#define IOMON_PART_ASSIGN_H

#include "kernel/partition/partition.h"

struct pci_dev;

#define PART_ASSIGN_MAX 16

/*
 * Move dev's whole group from the root (or from quarantine) to child:
 * bus mastering off, every member's memory BAR pages and config-space
 * (ECAM) page leave the root's stage-2 (TLBs flushed on every root CPU) and
 * appear in the child's at the same address, configuration access follows,
 * and the group's DMA is translated by the child's stage-2 (a shared
 * domain). The child refers to it as logical_id afterwards. All or nothing.
 * 0; -EINVAL (not a child, a BAR not page aligned); -ESTALE (the child
 * has stopped); -EEXIST (logical id in
 * use in child); -EBUSY (the group is in a device domain or another
 * child's); -EPERM (firmware unity ranges, or the monitor's own function);
 * -ENOSPC; errors of the IOMMU layer (-ENOMEM: pool has no page for the
 * mirror's tables, nothing changed).
 *
 * pool: where a mirrored table (units that cannot walk the stage-2) takes
 * its pages, at this attach and at every later grant until the mirror is
 * destroyed (last device gone, or quarantine): the child's deposit pool
 * (hv_pool_pt_pool) for ATTACH_DEVICE; NULL, the monitor's own frames, only
 * for the monitor's own self-test. Used only when this attach makes the
 * child's shared domain.
 */
int __must_check part_assign_device(struct partition *child, struct pci_dev *dev, uint64_t logical_id,
				    const struct pt_pool *pool);
/* Give the group named logical_id in child (attached or quarantined) back to the root's default domain. -ENOENT. */
int __must_check part_unassign_device(struct partition *child, uint64_t logical_id);
/* The function attached to child as logical_id (referenced), or NULL. */
struct pci_dev *part_assigned_dev(struct partition *child, uint64_t logical_id);
/* From part_stop: every group of p goes to the null domain with bus mastering off (quarantine). */
void part_quarantine_devices(struct partition *p);
/*
 * The operator's quarantine of dev's group (the shell): the null domain with bus mastering
 * off, under the lock every attach and detach takes, so an attach in flight on another CPU
 * cannot move it back out. A group attached to a child is then recorded as quarantined (as
 * when its child stops) until the root attaches it again. 0, -ENODEV, or the move's error.
 */
int __must_check part_quarantine_device(struct pci_dev *dev);
/* True when d's group is a child's (attached, *owner = the child) or quarantined (*owner = NULL). */
bool part_dev_assigned(const struct pci_dev *d, struct partition **owner);
/* True when gpa is the ECAM page of a function the root gave away (emulated: all-ones). */
bool part_root_ecam_hidden(uint64_t gpa);

/*
 * A child's stage-2 after boot. Map: [gpa, gpa+size) -> hpa with perms
 * (PT_*), then the devices that share or mirror it see it. Unmap: gone
 * from the stage-2, from every device's IOTLB and from every CPU's TLB when
 * this returns 0; -ETIMEDOUT (a CPU could not be made to flush): treat the
 * pages as still reachable.
 */
int __must_check part_s2_grant(struct partition *p, uint64_t gpa, paddr_t hpa, uint64_t size, unsigned perms);
int __must_check part_s2_revoke(struct partition *p, uint64_t gpa, uint64_t size);
/*
 * Many grants, one IOTLB flush (MAP_GPA_PAGES): part_s2_grant_deferred maps
 * like part_s2_grant but leaves the devices' invalidation pending (a device
 * may not see the new page yet, never an old one: a grant only widens);
 * part_s2_commit issues it: 1 when a flush was issued, 0 when none was
 * needed (no device shares p's stage-2, or no unit caches not-present
 * entries), or a negative errno.
 */
int __must_check part_s2_grant_deferred(struct partition *p, uint64_t gpa, paddr_t hpa, uint64_t size,
					unsigned perms);
int __must_check part_s2_commit(struct partition *p);
/*
 * [gpa, gpa+size) out of the mirror of p's stage-2, if p has one, and out
 * of the devices' IOTLB, before the stage-2 itself loses it (a deposit:
 * the page may become a table page). -ENOMEM: a split found no page in
 * the mirror's pool; the range is still p's.
 */
int __must_check part_s2_mirror_unmap(struct partition *p, uint64_t gpa, uint64_t size);

#endif
