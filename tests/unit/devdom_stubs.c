/* SPDX-License-Identifier: MIT */
/*
 * The device-domain calls for tests whose fake machine has no domain layer
 * (test_hvcall fakes the IOMMU's DMA-able set only): each
 * answers FEATURE_UNAVAILABLE, as on a machine without an IOMMU. The calls
 * themselves are tested in test_hv_domains against the real domain layer.
 */
#include "kernel/hvcall/devdom.h"

#define STUB(name) uint16_t name(struct hvcall_ctx *c) { (void)c; return HV_STATUS_FEATURE_UNAVAILABLE; }

STUB(hvcall_create_device_domain)
STUB(hvcall_delete_device_domain)
STUB(hvcall_configure_device_domain)
STUB(hvcall_attach_device_domain)
STUB(hvcall_detach_device_domain)
STUB(hvcall_flush_device_domain)
STUB(hvcall_flush_device_domain_list)
STUB(hvcall_map_device_gpa_pages)
STUB(hvcall_unmap_device_gpa_pages)
