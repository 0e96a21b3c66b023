/* SPDX-License-Identifier: MIT */
/*
 * The direct-attach calls for tests that exercise the device-domain calls
 * against the real domain layer but have no partitions to attach to
 * (test_hv_domains): each answers FEATURE_UNAVAILABLE. The calls themselves
 * are tested in test_hv_attach.
 */
#include "kernel/hvcall/attach.h"

#define STUB(name) uint16_t name(struct hvcall_ctx *c) { (void)c; return HV_STATUS_FEATURE_UNAVAILABLE; }

STUB(hvcall_attach_device)
STUB(hvcall_detach_device)
STUB(hvcall_map_gpa_pages)
STUB(hvcall_unmap_gpa_pages)
