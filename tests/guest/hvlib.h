/* SPDX-License-Identifier: MIT */
/*
 * The test guest's hypercall layer, with Linux's calling sequence so the
 * monitor sees what a Linux root built for Hyper-V would send:
 * hv_do_hypercall() and hv_do_rep_hypercall() (include/asm-generic/mshyperv.h),
 * hv_call_deposit_pages() (drivers/hv/hv_proc.c), and the root vIOMMU's
 * map loop: 507-PFN batches, deposit on HV_STATUS_INSUFFICIENT_MEMORY and
 * go on from the reps completed; undo what was mapped on any other error.
 *
 * Host-buildable: the hypercall instruction, page allocation and the
 * virtual-to-GPA translation come through `struct hv_port`, which the host
 * unit test (tests/unit/test_guest_hv.c) replaces with a fake monitor.
 */
#ifndef IOMON_GUEST_HVLIB_H
#define IOMON_GUEST_HVLIB_H

#include "kernel/types.h"
#include "tests/guest/hvabi.h"

/* What the root vIOMMU deposits to itself when a map call runs out. */
#define HV_MAP_DEPOSIT_PAGES    256
/* Deposits one map may ask for before it gives up (a monitor that never says enough). */
#define HV_MAP_DEPOSITS_MAX     64

/* A status the layer makes up when it stops on its own (never a monitor's). */
#define HV_GUEST_NO_PROGRESS    0xfffe

struct hv_stats {
	uint64_t calls;                 /* hypercall instructions issued */
	uint64_t map_calls;             /* MAP_DEVICE_GPA_PAGES among them */
	uint64_t deposits;              /* DEPOSIT_MEMORY calls that succeeded */
	uint64_t deposited_pages;
	uint64_t insufficient;          /* INSUFFICIENT_MEMORY results seen */
};

struct hv_port {
	/* Issue one hypercall: RCX, RDX, R8 in, RAX out. */
	uint64_t (*issue)(void *cookie, uint64_t control, uint64_t in_gpa, uint64_t out_gpa);
	/* One free page's PFN (0: none left), and its return. */
	uint64_t (*alloc_page)(void *cookie);
	void (*free_page)(void *cookie, uint64_t pfn);
	/* GPA of a pointer into the input or output page. */
	uint64_t (*gpa_of)(void *cookie, const void *p);
	void *cookie;
	void *in_page;                  /* one page each, page aligned */
	void *out_page;
	void *deposit_page;             /* DEPOSIT_MEMORY's own input page, so a retry finds its input intact */
	struct hv_stats stats;
};

/* PFN of page `i` of a buffer being mapped. */
typedef uint64_t (*hv_pfn_fn)(void *arg, uint64_t i);

/* Linux's hv_do_hypercall(): in/out may be NULL (GPA 0). Returns RAX. */
uint64_t hv_do_hypercall(struct hv_port *p, uint64_t control, const void *in, void *out);
/*
 * Linux's hv_do_rep_hypercall(): re-issue with rep start = reps completed
 * while the status is SUCCESS and reps remain; return at once on any other
 * status. A SUCCESS that completes no new rep ends with HV_GUEST_NO_PROGRESS
 * (Linux would spin forever).
 */
uint64_t hv_do_rep_hypercall(struct hv_port *p, uint16_t code, uint16_t rep_count,
			     uint16_t varhead, const void *in, void *out);
/*
 * Linux's hv_call_deposit_pages(): allocate `num` pages (<= HV_DEPOSIT_MAX, 511)
 * and deposit them to `partition_id`; on failure the pages are freed. 0,
 * -1 when no page could be allocated, or the failing status (> 0).
 */
int __must_check hv_call_deposit_pages(struct hv_port *p, uint64_t partition_id, unsigned num);

/*
 * A simple call with Linux's generic memory retry (hv_call_create_vp and
 * friends): while the result is INSUFFICIENT_MEMORY, deposit `deposit`
 * pages to `partition_id` and issue the call again, at most
 * HV_MAP_DEPOSITS_MAX times. Returns the last result value (RAX), or
 * HV_STATUS_INSUFFICIENT_MEMORY's when a deposit itself failed.
 */
uint64_t hv_call_with_deposits(struct hv_port *p, uint16_t code, const void *in, void *out,
			       uint64_t partition_id, unsigned deposit);

/*
 * Map `npages` pages (PFNs from `pfn`) at byte IOVA `iova` of the root's
 * device domain `domain_id`: batches of HV_MAP_DEVICE_GPA_BATCH_SIZE (507), each with
 * the deposit-and-retry loop. On success *mapped = npages and 0 is
 * returned; on failure what was mapped is unmapped again and the failing
 * status (or -1: deposit failed) is returned.
 */
int __must_check hv_map_device_pages(struct hv_port *p, uint32_t domain_id, uint64_t iova,
				     hv_pfn_fn pfn, void *arg, uint64_t npages, uint32_t flags,
				     uint64_t *mapped);
/* Unmap `npages` from byte IOVA `iova`, batches of HV_REP_COUNT_MAX. 0 or the status. */
int __must_check hv_unmap_device_pages(struct hv_port *p, uint32_t domain_id, uint64_t iova,
				       uint64_t npages, uint64_t *unmapped);

/* The device-domain header every domain call starts with (partition SELF, S2). */
void hv_fill_device_domain(struct hv_input_device_domain *d, uint32_t domain_id);
/* A PCI-form hv_device_id: segment, bus, device, function (no bridge, no shadow). */
uint64_t hv_pci_device_id(uint16_t segment, uint8_t bus, uint8_t dev, uint8_t fn);

#endif
