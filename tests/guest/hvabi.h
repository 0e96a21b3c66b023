/* SPDX-License-Identifier: MIT */
/*
 * The part of the hypercall ABI the test guest uses (Hyper-V TLFS,
 * "Hypercall Interface"; the device-domain calls with Linux's names and
 * layouts, include/hyperv/hvhdk_mini.h). Temporary local copy: it is
 * replaced by the public headers in include/hv/ once they exist, and the
 * names are the same so nothing else changes.
 */
#ifndef IOMON_GUEST_HVABI_H
#define IOMON_GUEST_HVABI_H

#include "kernel/types.h"

#define HVCALL_GET_PARTITION_ID         0x0046
#define HVCALL_DEPOSIT_MEMORY           0x0048
#define HVCALL_WITHDRAW_MEMORY          0x0049
#define HVCALL_MAP_GPA_PAGES            0x004b
#define HVCALL_UNMAP_GPA_PAGES          0x004c
#define HVCALL_ATTACH_DEVICE            0x0082
#define HVCALL_DETACH_DEVICE            0x0083
#define HVCALL_CREATE_DEVICE_DOMAIN     0x00b1
#define HVCALL_ATTACH_DEVICE_DOMAIN     0x00b2
#define HVCALL_MAP_DEVICE_GPA_PAGES     0x00b3
#define HVCALL_UNMAP_DEVICE_GPA_PAGES   0x00b4
#define HVCALL_DETACH_DEVICE_DOMAIN     0x00c4
#define HVCALL_DELETE_DEVICE_DOMAIN     0x00c5
#define HVCALL_CONFIGURE_DEVICE_DOMAIN  0x00ce
#define HVCALL_FLUSH_DEVICE_DOMAIN      0x00d0
#define HVCALL_GET_IOMMU_CAPABILITIES   0x0125

#define HV_HYPERCALL_VARHEAD_OFFSET     17
#define HV_HYPERCALL_REP_COMP_OFFSET    32
#define HV_HYPERCALL_REP_COMP_MASK      (0xfffull << 32)
#define HV_HYPERCALL_REP_START_OFFSET   48
#define HV_HYPERCALL_REP_START_MASK     (0xfffull << 48)
#define HV_HYPERCALL_RESULT_MASK        0xffffull

static inline uint16_t hv_result(uint64_t status)
{
	return (uint16_t)(status & HV_HYPERCALL_RESULT_MASK);
}

static inline unsigned hv_repcomp(uint64_t status)
{
	return (unsigned)((status & HV_HYPERCALL_REP_COMP_MASK) >> HV_HYPERCALL_REP_COMP_OFFSET);
}

#define HV_STATUS_SUCCESS                       0x00
#define HV_STATUS_INVALID_HYPERCALL_CODE        0x02
#define HV_STATUS_INVALID_HYPERCALL_INPUT       0x03
#define HV_STATUS_INVALID_ALIGNMENT             0x04
#define HV_STATUS_INVALID_PARAMETER             0x05
#define HV_STATUS_ACCESS_DENIED                 0x06
#define HV_STATUS_INSUFFICIENT_MEMORY           0x0b
#define HV_STATUS_INVALID_DEVICE_ID             0x57
#define HV_STATUS_DEVICE_ALREADY_IN_DOMAIN      0x66

#define HV_PARTITION_ID_SELF            (~0ull)

#define HV_MAP_GPA_READABLE             0x1
#define HV_MAP_GPA_WRITABLE             0x2

/* union hv_device_id: 63:62 type; PCI form: rid 15:0, segment 31:16. */
#define HV_DEVICE_TYPE_LOGICAL          0ull
#define HV_DEVICE_TYPE_PCI              1ull
#define HV_DEVICE_ID_TYPE_SHIFT         62

/* union hv_device_domain_id: 3:0 type, 63:32 id. */
#define HV_DEVICE_DOMAIN_TYPE_S2        0
#define HV_DEVICE_DOMAIN_ID_S2_DEFAULT  0
#define HV_DEVICE_DOMAIN_ID_S2_NULL     0xffffffffu

struct hv_deposit_memory {
	uint64_t partition_id;
	uint64_t gpa_page_list[];
} __packed;

struct hv_input_device_domain {
	uint64_t partition_id;
	uint8_t owner_vtl;
	uint8_t padding[7];
	uint64_t domain_id;             /* union hv_device_domain_id */
} __packed;

struct hv_input_create_device_domain {
	struct hv_input_device_domain device_domain;
	uint32_t create_device_domain_flags;    /* 0 forward_progress_required, 1 inherit_owning_vtl */
} __packed;

struct hv_input_delete_device_domain {
	struct hv_input_device_domain device_domain;
} __packed;

struct hv_input_attach_device_domain {
	struct hv_input_device_domain device_domain;
	uint64_t device_id;
} __packed;

struct hv_input_detach_device_domain {
	uint64_t partition_id;
	uint64_t device_id;
} __packed;

struct hv_input_map_device_gpa_pages {
	struct hv_input_device_domain device_domain;
	uint8_t target_vtl;
	uint8_t padding[3];
	uint32_t map_flags;
	uint64_t target_device_va_base;
	uint64_t gpa_page_list[];
} __packed;

struct hv_input_unmap_device_gpa_pages {
	struct hv_input_device_domain device_domain;
	uint64_t target_device_va_base;
} __packed;

struct hv_input_attach_device {
	uint64_t partition_id;
	uint64_t device_id;
	uint32_t attdev_flags;          /* bit 0 logical_id */
	uint8_t attdev_vtl;
	uint8_t rsvd0;
	uint16_t rsvd1;
	uint64_t logical_devid;
	uint32_t dev_pcicaps;
	uint16_t pf_pci_rid;
	uint16_t resvd2;
} __packed;

struct hv_input_detach_device {
	uint64_t partition_id;
	uint64_t logical_devid;
} __packed;

struct hv_input_map_gpa_pages {
	uint64_t target_partition_id;
	uint64_t target_gpa_base;       /* byte address, page aligned */
	uint32_t map_flags;
	uint32_t padding;
	uint64_t source_gpa_page_list[];
} __packed;

struct hv_input_unmap_gpa_pages {
	uint64_t target_partition_id;
	uint64_t target_gpa_base;
	uint32_t unmap_flags;
	uint32_t padding;
} __packed;

#define HV_ATTACH_DEVICE_FLAG_LOGICAL_ID BIT(0)

_Static_assert(sizeof(struct hv_input_device_domain) == 24, "device_domain");
_Static_assert(sizeof(struct hv_input_create_device_domain) == 28, "create");
_Static_assert(sizeof(struct hv_input_attach_device_domain) == 32, "attach domain");
_Static_assert(sizeof(struct hv_input_detach_device_domain) == 16, "detach domain");
_Static_assert(sizeof(struct hv_input_map_device_gpa_pages) == 40, "map device gpa");
_Static_assert(sizeof(struct hv_input_unmap_device_gpa_pages) == 32, "unmap device gpa");
_Static_assert(sizeof(struct hv_input_attach_device) == 40, "attach device");
_Static_assert(sizeof(struct hv_input_map_gpa_pages) == 24, "map gpa");
_Static_assert(sizeof(struct hv_input_unmap_gpa_pages) == 24, "unmap gpa");

#endif
