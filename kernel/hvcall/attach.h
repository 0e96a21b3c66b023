/* SPDX-License-Identifier: MIT */
/* Direct attach and a child's stage-2 (attach.c): the call functions for the table. */
#ifndef IOMON_HVCALL_ATTACH_H
#define IOMON_HVCALL_ATTACH_H

#include "kernel/hvcall/hvcall.h"

/*
 * Table rows (all root_only):
 *   { HVCALL_ATTACH_DEVICE,   "ATTACH_DEVICE",   rep=false, in_fixed=40, fn=hvcall_attach_device }
 *   { HVCALL_DETACH_DEVICE,   "DETACH_DEVICE",   rep=false, in_fixed=16, fn=hvcall_detach_device }
 *   { HVCALL_MAP_GPA_PAGES,   "MAP_GPA_PAGES",   rep=true,  in_fixed=24, in_elem=8, fn=hvcall_map_gpa_pages }
 *   { HVCALL_UNMAP_GPA_PAGES, "UNMAP_GPA_PAGES", rep=true,  in_fixed=24, fn=hvcall_unmap_gpa_pages }
 */
uint16_t hvcall_attach_device(struct hvcall_ctx *c);
uint16_t hvcall_detach_device(struct hvcall_ctx *c);
uint16_t hvcall_map_gpa_pages(struct hvcall_ctx *c);
uint16_t hvcall_unmap_gpa_pages(struct hvcall_ctx *c);

/*
 * attach.c also defines hvcall_device_owner() (hvcall.h): the child a device
 * is attached to, the root otherwise, NULL while it is quarantined.
 */

#endif
