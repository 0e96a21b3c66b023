/* SPDX-License-Identifier: MIT */
/*
 * A fake machine for the hypercall dispatcher (test_hvcall):
 * a root (id 1, GPA = HPA from FAKE_ROOT_BASE) and a child (id 2, GPA 0 at
 * HPA FAKE_CHILD_HPA), FAKE_PAGES pages of RAM each, backed by host
 * buffers; everything else is MMIO or a hole. Monitor memory lies at
 * FAKE_MONITOR_HPA. The fakes of the stage-2 and the DMA-able set keep one
 * flag per page, count their calls and can be told to fail.
 */
#ifndef IOMON_FAKE_HV_H
#define IOMON_FAKE_HV_H

#include "kernel/types.h"
#include "kernel/partition/partition.h"
#include "kernel/hvcall/hvcall.h"

#define FAKE_PAGES        32
#define FAKE_ROOT_BASE    0x100000ull
#define FAKE_CHILD_HPA    0x200000ull
#define FAKE_MONITOR_HPA  0x300000ull
#define FAKE_MONITOR_PAGES 16
#define FAKE_MMIO_GPA     0xfee00000ull
#define FAKE_HPA_END      (FAKE_MONITOR_HPA + FAKE_MONITOR_PAGES * PAGE_SIZE)

struct fake_hv {
	uint8_t mem[2][FAKE_PAGES][PAGE_SIZE];    /* RAM of partition id i+1 */
	bool mapped[2][FAKE_PAGES];                /* in its stage-2 */
	/*
	 * Its stage-2 leaf is a 4 KiB entry in a table that stays (it was mapped
	 * or unmapped on its own once): changing it needs no table page and,
	 * as in the monitor, cannot fail. Injected stage-2 failures hit only
	 * pages still inside a large page.
	 */
	bool split[2][FAKE_PAGES];
	bool dma[FAKE_HPA_END / PAGE_SIZE];        /* DMA-able, by HPA page */
	bool iommu;                                /* iommu_present() */
	unsigned s2_unmaps, s2_maps, ram_removes, ram_adds;
	int fail_s2_unmap, fail_s2_map, fail_ram_remove, fail_ram_add;   /* fail the Nth call (1-based), 0: never */
	uint64_t clock_ns, clock_step_ns;          /* each hvcall_clock_ns() read adds step */
	unsigned dev_refs;                         /* pci_dev references not yet put */
};

extern struct fake_hv fake;

/* Reset everything: two partitions, all RAM mapped, root RAM DMA-able, pools and counters empty. */
void fake_hv_reset(void);
struct partition *fake_root(void);
struct partition *fake_child(void);
/* Host pointer to a partition's RAM at gpa (NULL when not its RAM). */
void *fake_gpa_ptr(struct partition *p, uint64_t gpa);
uint64_t fake_gpa(struct partition *p, unsigned page);   /* GPA of RAM page `page` */
/* Invariants: 0 when they hold, else a line saying which broke (into why). */
int fake_hv_check(char *why, size_t len);
/* Issue a call as a 64-bit caller would; returns the result value. */
uint64_t fake_call(struct partition *p, uint64_t control, uint64_t in, uint64_t out, struct hvcall_args *a);
/* Re-issue a call until RIP advances (the guest's view of a continued rep call). */
uint64_t fake_call_to_end(struct partition *p, uint64_t control, uint64_t in, uint64_t out, unsigned *entries);

#endif
