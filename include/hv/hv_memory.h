/* SPDX-License-Identifier: MIT */
/*
 * Partition id and memory calls: GET_PARTITION_ID, DEPOSIT_MEMORY,
 * WITHDRAW_MEMORY, MAP_GPA_PAGES, UNMAP_GPA_PAGES. Layouts as Linux
 * (include/hyperv/hvhdk_mini.h) and the TLFS pages of the same names.
 * Every structure is little-endian and packed; sizes are checked below.
 */
#ifndef IOMON_HV_MEMORY_H
#define IOMON_HV_MEMORY_H

#include <stddef.h>
#include <stdint.h>
#include "include/hv/hvcall.h"

/* HVCALL_GET_PARTITION_ID: no input; output 8 bytes. */
struct hv_output_get_partition_id {
	uint64_t partition_id;
} __attribute__((packed));

/* HVCALL_DEPOSIT_MEMORY (rep): header, then one u64 PFN per rep. */
#define HV_DEPOSIT_MAX ((HV_HYP_PAGE_SIZE - 8) / 8)   /* 511 PFNs fit a page */
struct hv_deposit_memory {
	uint64_t partition_id;
	uint64_t gpa_page_list[];
} __attribute__((packed));

/* HVCALL_WITHDRAW_MEMORY (rep): rep count = pages wanted; output one u64 PFN per rep. */
#define HV_PROXIMITY_PREFERRED   (1u << 0)
#define HV_PROXIMITY_INFO_VALID  (1u << 31)
struct hv_proximity_domain_info {
	uint32_t domain_id;
	uint32_t flags;
} __attribute__((packed));

struct hv_input_withdraw_memory {
	uint64_t partition_id;
	struct hv_proximity_domain_info proximity_domain_info;
} __attribute__((packed));

/* Output: uint64_t gpa_page_list[rep count], one withdrawn PFN per rep completed. */

/* Map flags (HV_MAP_GPA_*), used by MAP_GPA_PAGES and MAP_DEVICE_GPA_PAGES. */
#define HV_MAP_GPA_READABLE          0x00000001u
#define HV_MAP_GPA_WRITABLE          0x00000002u
#define HV_MAP_GPA_KERNEL_EXECUTABLE 0x00000004u
#define HV_MAP_GPA_USER_EXECUTABLE   0x00000008u
#define HV_MAP_GPA_PERMISSIONS_MASK  0x0000000fu
#define HV_MAP_GPA_ADJUSTABLE        0x00008000u
#define HV_MAP_GPA_NO_ACCESS         0x00010000u
#define HV_MAP_GPA_NOT_CACHED        0x00200000u
#define HV_MAP_GPA_LARGE_PAGE        0x80000000u

/*
 * HVCALL_MAP_GPA_PAGES (rep), by the root on a child: rep i maps the child's
 * GPA target_gpa_base + i * 4096 to the caller's page source_gpa_page_list[i].
 * target_gpa_base is a byte address (page aligned).
 */
struct hv_input_map_gpa_pages {
	uint64_t target_partition_id;
	uint64_t target_gpa_base;
	uint32_t map_flags;
	uint32_t padding;
	uint64_t source_gpa_page_list[];
} __attribute__((packed));

/* HVCALL_UNMAP_GPA_PAGES (rep, no rep list): rep count = pages from target_gpa_base. */
struct hv_input_unmap_gpa_pages {
	uint64_t target_partition_id;
	uint64_t target_gpa_base;
	uint32_t unmap_flags;
	uint32_t padding;
} __attribute__((packed));

_Static_assert(sizeof(struct hv_output_get_partition_id) == 8, "get_partition_id");
_Static_assert(sizeof(struct hv_deposit_memory) == 8, "deposit header");
_Static_assert(offsetof(struct hv_deposit_memory, gpa_page_list) == 8, "deposit list");
_Static_assert(sizeof(struct hv_proximity_domain_info) == 8, "proximity");
_Static_assert(sizeof(struct hv_input_withdraw_memory) == 16, "withdraw");
_Static_assert(offsetof(struct hv_input_withdraw_memory, proximity_domain_info) == 8, "withdraw prox");
_Static_assert(sizeof(struct hv_input_map_gpa_pages) == 24, "map_gpa_pages");
_Static_assert(offsetof(struct hv_input_map_gpa_pages, target_gpa_base) == 8, "map_gpa base");
_Static_assert(offsetof(struct hv_input_map_gpa_pages, map_flags) == 16, "map_gpa flags");
_Static_assert(offsetof(struct hv_input_map_gpa_pages, source_gpa_page_list) == 24, "map_gpa list");
_Static_assert(sizeof(struct hv_input_unmap_gpa_pages) == 24, "unmap_gpa_pages");
_Static_assert(offsetof(struct hv_input_unmap_gpa_pages, unmap_flags) == 16, "unmap_gpa flags");

#endif
