/* SPDX-License-Identifier: MIT */
/*
 * Device domains for the hypercall layer: the calls of domain.c (create,
 * delete, configure, attach, detach, flush) and map.c (map, unmap), and
 * what they share. A device domain is an iommu/ paging domain whose owner
 * is the partition that created it; its table pages come from that
 * partition's deposit pool. The default (0) and null (0xFFFFFFFF) domains
 * exist from boot; a partition can attach devices to them, never map,
 * configure or delete them.
 */
#ifndef IOMON_HVCALL_DEVDOM_H
#define IOMON_HVCALL_DEVDOM_H

#include "kernel/hvcall/hvcall.h"

struct iommu_domain;

/*
 * The domain a call's hv_input_device_domain names, checked: the partition
 * is SELF or the caller (else INVALID_PARTITION_ID), the VTL is 0, the
 * type is S2 with reserved bits clear (else INVALID_PARAMETER), and the id
 * is a domain the caller created (or, when special_ok, the default or null
 * domain); anything else is INVALID_PARAMETER. SUCCESS and *out, or the status.
 */
uint16_t devdom_resolve(const struct hvcall_ctx *c, const struct hv_input_device_domain *dd,
			bool special_ok, struct iommu_domain **out);

/* Count what a call did to the IOMMU in the caller's counters. */
void devdom_count(const struct hvcall_ctx *c, int flushes, uint64_t tables_before,
		  uint64_t tables_after);

uint16_t hvcall_create_device_domain(struct hvcall_ctx *c);
uint16_t hvcall_delete_device_domain(struct hvcall_ctx *c);
uint16_t hvcall_configure_device_domain(struct hvcall_ctx *c);
uint16_t hvcall_attach_device_domain(struct hvcall_ctx *c);
uint16_t hvcall_detach_device_domain(struct hvcall_ctx *c);
uint16_t hvcall_flush_device_domain(struct hvcall_ctx *c);
uint16_t hvcall_flush_device_domain_list(struct hvcall_ctx *c);
uint16_t hvcall_map_device_gpa_pages(struct hvcall_ctx *c);
uint16_t hvcall_unmap_device_gpa_pages(struct hvcall_ctx *c);

#endif
