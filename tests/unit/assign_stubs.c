// SPDX-License-Identifier: MIT
/*
 * Direct attach (kernel/partition/assign.h) for the hypercall tests and
 * fuzzer whose fake machine has no partition layer: nothing is ever
 * attached, so ATTACH_DEVICE and MAP_GPA_PAGES run their input checks and
 * then meet a refusal. The calls against a recording fake are in
 * test_hv_attach; the partition layer itself in test_assign.
 */
#include <errno.h>

#include "kernel/partition/assign.h"

int part_assign_device(struct partition *child, struct pci_dev *dev, uint64_t logical_id,
		       const struct pt_pool *pool)
{
	(void)child; (void)dev; (void)logical_id; (void)pool;
	return -EBUSY;
}
int part_unassign_device(struct partition *child, uint64_t logical_id)
{
	(void)child; (void)logical_id;
	return -ENOENT;
}
bool part_dev_assigned(const struct pci_dev *d, struct partition **owner)
{
	(void)d;
	if (owner)
		*owner = NULL;
	return false;
}
int part_s2_grant(struct partition *p, uint64_t gpa, paddr_t hpa, uint64_t size, unsigned perms)
{
	(void)p; (void)gpa; (void)hpa; (void)size; (void)perms;
	return -EEXIST;
}
int part_s2_grant_deferred(struct partition *p, uint64_t gpa, paddr_t hpa, uint64_t size, unsigned perms)
{
	(void)p; (void)gpa; (void)hpa; (void)size; (void)perms;
	return -EEXIST;
}
int part_s2_commit(struct partition *p)
{
	(void)p;
	return 0;
}
int part_s2_revoke(struct partition *p, uint64_t gpa, uint64_t size)
{
	(void)p; (void)gpa; (void)size;
	return 0;
}
