// SPDX-License-Identifier: MIT
/*
 * Changes to a running partition's stage-2 on behalf of the hypercall layer
 * (deposit and withdraw). A removal returns only once no CPU of the
 * partition can use the old translation (s2_sync.c: this CPU flushes before
 * its next entry, the others are kicked out of their guest); when one
 * cannot be made to flush, the range is put back and the call fails.
 */
#define LOG_TAG "part"
#include <errno.h>

#include "kernel/partition/partition.h"
#include "kernel/partition/assign.h"
#include "kernel/partition/exits.h"
#include "kernel/partition/s2_sync.h"
#include "kernel/smp.h"
#include "kernel/log.h"

int part_s2_unmap(struct partition *p, uint64_t gpa, uint64_t size)
{
	uint64_t done = 0;
	/* Out of the devices' mirror first: a deposited page may become one of its table pages. */
	int rc = part_s2_mirror_unmap(p, gpa, size);

	if (rc < 0)
		return rc;
	rc = pt_unmap_range(&p->s2, gpa, size, &done);

	if (done && part_s2_flush_cpus(p) < 0 && rc == 0)
		rc = -ETIMEDOUT;   /* a CPU may still reach it: it stays the partition's */
	if (rc < 0 && done) {
		/* Part of the range went: put it back, so a failure changes nothing. */
		paddr_t hpa = part_chunk_hpa(p, gpa);

		if (!hpa || pt_map_range(&p->s2, gpa, hpa, done, PT_READ | PT_WRITE | PT_EXEC, NULL) < 0)
			pr_err("%s: stage-2 of GPA 0x%llx could not be restored", p->name,
			       (unsigned long long)gpa);
	}
	return rc;
}

int part_s2_map_ram(struct partition *p, uint64_t gpa, paddr_t hpa, uint64_t size)
{
	uint64_t done = 0;
	int rc = pt_map_range(&p->s2, gpa, hpa, size, PT_READ | PT_WRITE | PT_EXEC, &done);

	if (rc < 0 && done && pt_unmap_range(&p->s2, gpa, done, NULL) < 0)
		pr_err("%s: stage-2 of GPA 0x%llx could not be undone", p->name, (unsigned long long)gpa);
	return rc;
}
