/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's two halves meet here. abi.c knows iomon's hypercall
 * layouts (the project's include/hv/ headers) and nothing of Linux's
 * Hyper-V code; the other files use Linux's own <asm/mshyperv.h> and never
 * see include/hv/. The two sets of headers name the same things (HVCALL_*,
 * HV_STATUS_*, union hv_device_id), so they cannot share a translation
 * unit: this header uses neither.
 */
#ifndef IOMON_ABI_ABI_H
#define IOMON_ABI_ABI_H

#include <linux/types.h>

enum iomon_op {
	IOMON_CREATE_DEVICE_DOMAIN,
	IOMON_DELETE_DEVICE_DOMAIN,
	IOMON_ATTACH_DEVICE_DOMAIN,
	IOMON_DETACH_DEVICE_DOMAIN,
	IOMON_MAP_DEVICE_GPA_PAGES,     /* rep: one PFN per rep in *list */
	IOMON_UNMAP_DEVICE_GPA_PAGES,   /* rep: 4 KiB pages from addr, no list */
	IOMON_ATTACH_DEVICE,
	IOMON_DETACH_DEVICE,
	IOMON_UNMAP_GPA_PAGES,          /* rep: the child's pages from addr, no list */
};

/* One call's arguments; each op reads the fields its input structure has. */
struct iomon_req {
	enum iomon_op op;
	u32 domain;             /* device domain id (S2) */
	u64 device_id;          /* PCI-form hv_device_id */
	u64 partition;          /* ATTACH/DETACH_DEVICE, UNMAP_GPA_PAGES: the child */
	u64 logical_id;         /* ATTACH/DETACH_DEVICE */
	u64 addr;               /* IOVA (device calls) or child GPA (UNMAP_GPA_PAGES) */
	bool writable;          /* MAP_DEVICE_GPA_PAGES: device may write */
};

/*
 * Zero the input page `in` and lay out r's input there with iomon's
 * structures; returns the call code. For a call with a rep list, *list is
 * where its elements go (else NULL).
 */
u16 iomon_fill(void *in, const struct iomon_req *r, u64 **list);

/* PFNs one MAP_DEVICE_GPA_PAGES input page holds (507). */
unsigned int iomon_map_batch(void);

/* The PCI-form hv_device_id by iomon's layout: segment, bus, devfn, type PCI. */
u64 iomon_pci_device_id(u16 segment, u8 bus, u8 devfn);

/* The status name iomon's header gives a code, for TAP lines ("0x0b" if unnamed). */
const char *iomon_status_name(u16 status, char *buf, size_t n);

#endif
