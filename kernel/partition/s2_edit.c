// SPDX-License-Identifier: MIT
/*
 * Changes to a running partition's stage-2 on behalf of the hypercall layer
 * (deposit and withdraw). A removal is followed by a stage-2 TLB flush of
 * the partition's vcpus: on this CPU at once; on its other CPUs the flush
 * takes effect at their next entry (a remote kick that forces an exit is
 * the direct-attach work's remote flush).
 */
#define LOG_TAG "part"
#include "kernel/partition/partition.h"
#include "kernel/partition/exits.h"
#include "kernel/smp.h"
#include "kernel/log.h"

static void flush_cpus(struct partition *p)
{
	for (unsigned i = 0; i < p->ncpus; i++)
		if (p->vcpus[i] && part_vops)
			part_vops->flush_s2(&p->vcpus[i]->vcpu);
}

int part_s2_unmap(struct partition *p, uint64_t gpa, uint64_t size)
{
	uint64_t done = 0;
	int rc = pt_unmap_range(&p->s2, gpa, size, &done);

	if (rc < 0 && done) {
		/* Part of the range went: put it back, so a failure changes nothing. */
		paddr_t hpa = part_chunk_hpa(p, gpa);

		if (!hpa || pt_map_range(&p->s2, gpa, hpa, done, PT_READ | PT_WRITE | PT_EXEC, NULL) < 0)
			pr_err("%s: stage-2 of GPA 0x%llx could not be restored", p->name,
			       (unsigned long long)gpa);
	}
	if (done)
		flush_cpus(p);
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
