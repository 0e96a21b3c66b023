/* SPDX-License-Identifier: MIT */
/*
 * A fake machine for the device-domain calls over the real domain layer
 * (iommu/iommu.c and the pt/ engine), shared by test_hv_domains and the
 * hypercall fuzzer. The root (id 1) has RAM [ROOT_BASE, ROOT_END) at GPA =
 * HPA; the child (id 2) has CHILD_SIZE at GPA 0 = HPA CHILD_HPA; the
 * monitor's frames are [MON_BASE, MON_BASE + MON_SIZE); everything else is
 * MMIO. One fake IOMMU unit (the VT-d second-level format, 4 levels, AW48,
 * 4K/2M/1G leaves) counts its flushes and context writes and can be told to
 * fail the Nth. Devices: edu (00:01.0) with a unity range, a NIC (00:02.0),
 * a PCIe-to-PCI bridge (00:03.0) and two conventional functions behind it
 * (02:03.0, 02:04.0) that share its alias requester id: a group of two.
 */
#ifndef IOMON_FAKE_DEVDOM_H
#define IOMON_FAKE_DEVDOM_H

#include "kernel/types.h"
#include "kernel/partition/partition.h"

#define MON_BASE    0x10000000ULL   /* the monitor's frames */
#define MON_SIZE    (4 * MiB)
#define ROOT_BASE   0x100000ULL
#define ROOT_END    0x2000000ULL
#define CHILD_HPA   0x2000000ULL
#define CHILD_SIZE  (4 * MiB)
#define UNITY_BASE  0x200000ULL
#define UNITY_END   0x204000ULL
#define RID_EDU     0x0008
#define RID_NIC     0x0010
#define RID_SEC     0x0200          /* alias of everything behind the PCIe-to-PCI bridge */
#define FDD_DEVICES 5

struct pci_dev;

struct fake_devdom_opts {
	bool cm;                        /* the unit caches not-present entries */
	uint32_t nr_ids;                /* hardware domain ids; 0: 65536 */
	bool keep_ram;                  /* do not clear RAM (a fuzzer resetting per input) */
	/* Make [base, base+len) of physical memory reachable at buf (phys_map's backing). */
	void (*phys_add)(paddr_t base, void *buf, uint64_t len);
};

struct fake_devdom {
	uint8_t *mem;                   /* HPA 0 .. CHILD_HPA + CHILD_SIZE */
	uint8_t *mon;                   /* the monitor's frames */
	uint8_t unmapped[(ROOT_END + CHILD_SIZE) >> PAGE_SHIFT];   /* stage-2 holes (deposits), by HPA page */
	uint64_t now, clock_step;       /* hvcall_clock_ns(): each reading adds clock_step */
	bool cm;
	uint32_t nr_ids;
	unsigned flushes;               /* flushes of paging domains */
	uint64_t flush_iova, flush_size;   /* the last of them */
	unsigned set_rids, all_flushes; /* vendor calls, for the failure schedule */
	unsigned fail_set_rid, fail_flush;   /* fail the Nth call (1-based); 0: never */
	bool no_map_memory;             /* hv_pool_map_alloc() fails: the monitor is out of memory */
	struct pci_dev *devs[FDD_DEVICES];   /* referenced */
	struct pci_dev *edu, *nic, *bridge, *conv1, *conv2;
};

extern struct fake_devdom fdd;

/* Reset the partitions, memory, PCI registry, pools, counters and bring up the domain layer. 0 or -1. */
int fake_devdom_setup(const struct fake_devdom_opts *o);
/* Drop the device references setup took. */
void fake_devdom_teardown(void);
/* Host pointer to physical address hpa of the fake RAM or monitor memory (NULL elsewhere). */
void *fake_devdom_va(paddr_t hpa);
/* Every device in exactly one domain, its group in the same one, the domains' counts adding up: NULL, or what broke. */
const char *fake_devdom_domains_broken(void);
struct partition *fdd_root(void);
struct partition *fdd_child(void);

#endif
