/* SPDX-License-Identifier: MIT */
/*
 * IOMMU calls: device ids, device domains (create, configure, attach,
 * detach, map, unmap, flush, delete), direct attach, and the capability and
 * property queries. Names and layouts as Linux's Hyper-V IOMMU drivers and
 * include/hyperv/hvhdk_mini.h. Every structure is little-endian and packed.
 */
#ifndef IOMON_HV_IOMMU_H
#define IOMON_HV_IOMMU_H

#include <stddef.h>
#include <stdint.h>
#include "include/hv/hvcall.h"

/* ---- Device ids (u64; bits 63:62 = type in every form) --------------------- */
#define HV_DEVICE_TYPE_LOGICAL  0
#define HV_DEVICE_TYPE_PCI      1
#define HV_DEVICE_TYPE_IOAPIC   2
#define HV_DEVICE_TYPE_ACPI     3

#define HV_DEVICE_ID_TYPE_SHIFT 62
#define HV_DEVICE_ID_TYPE_MASK  (3ull << 62)
#define HV_DEVICE_ID_LOGICAL_MASK ((1ull << 62) - 1)

#define HV_SOURCE_SHADOW_NONE             0
#define HV_SOURCE_SHADOW_BRIDGE_BUS_RANGE 1

/* PCI form: bytes 0-1 rid (bus 15:8, device 7:3, function 2:0), 2-3 segment,
 * 4 subordinate bus, 5 secondary bus, 6-7 flags and the type. */
#define HV_PCI_ID_PHANTOM_FN_MASK   0x0003u    /* in pci.flags */
#define HV_PCI_ID_SOURCE_SHADOW     0x0004u
#define HV_PCI_ID_RSVDZ_MASK        0x3ff8u
#define HV_PCI_ID_TYPE_MASK         0xc000u

union hv_device_id {
	uint64_t as_uint64;
	struct {
		uint64_t id:62;
		uint64_t device_type:2;
	} logical;
	struct {
		uint16_t rid;                 /* bdf: bus << 8 | dev << 3 | fn */
		uint16_t segment;
		uint8_t subordinate_bus;      /* shadow_bus_range */
		uint8_t secondary_bus;
		uint16_t flags;               /* HV_PCI_ID_*; bits 15:14 = HV_DEVICE_TYPE_PCI */
	} __attribute__((packed)) pci;
	struct {
		uint8_t ioapic_id;
		uint8_t rsvdz[5];
		uint16_t flags;               /* bits 15:14 = HV_DEVICE_TYPE_IOAPIC */
	} __attribute__((packed)) ioapic;
	struct {
		uint32_t input_mapping_base;
		uint32_t input_mapping_count:30;
		uint32_t device_type:2;
	} __attribute__((packed)) acpi;
} __attribute__((packed));

static inline unsigned hv_device_id_type(uint64_t id)
{
	return (unsigned)(id >> HV_DEVICE_ID_TYPE_SHIFT);
}

/* ---- Device domains ------------------------------------------------------ */
#define HV_DEVICE_DOMAIN_TYPE_S2    0
#define HV_DEVICE_DOMAIN_TYPE_S1    1
#define HV_DEVICE_DOMAIN_TYPE_SOC   2
#define HV_DEVICE_DOMAIN_ID_S2_DEFAULT 0u
#define HV_DEVICE_DOMAIN_ID_S2_NULL    0xffffffffu
#define HV_DEVICE_DOMAIN_ID_DEFAULT    HV_DEVICE_DOMAIN_ID_S2_DEFAULT
#define HV_DEVICE_DOMAIN_ID_NULL       HV_DEVICE_DOMAIN_ID_S2_NULL

/* u64: bits 3:0 type, 31:4 reserved, 63:32 id. */
#define HV_DEVICE_DOMAIN_ID_TYPE_MASK  0xfull
#define HV_DEVICE_DOMAIN_ID_RSVD_MASK  0xfffffff0ull
#define HV_DEVICE_DOMAIN_ID_ID_SHIFT   32

union hv_device_domain_id {
	uint64_t as_uint64;
	struct {
		uint32_t type:4;
		uint32_t reserved:28;
		uint32_t id;
	} __attribute__((packed));
} __attribute__((packed));

struct hv_input_device_domain {
	uint64_t partition_id;
	uint8_t owner_vtl;                    /* HV_INPUT_VTL */
	uint8_t padding[7];
	union hv_device_domain_id domain_id;
} __attribute__((packed));

#define HV_CREATE_DEVICE_DOMAIN_FORWARD_PROGRESS_REQUIRED (1u << 0)
#define HV_CREATE_DEVICE_DOMAIN_INHERIT_OWNING_VTL        (1u << 1)
#define HV_CREATE_DEVICE_DOMAIN_RSVD_MASK                 (~3u)

struct hv_input_create_device_domain {
	struct hv_input_device_domain device_domain;
	uint32_t create_device_domain_flags;
} __attribute__((packed));

struct hv_input_delete_device_domain {
	struct hv_input_device_domain device_domain;
} __attribute__((packed));

struct hv_input_attach_device_domain {
	struct hv_input_device_domain device_domain;
	union hv_device_id device_id;
} __attribute__((packed));

struct hv_input_detach_device_domain {
	uint64_t partition_id;
	union hv_device_id device_id;
} __attribute__((packed));

/* CONFIGURE (2026 layout): settings.flags */
#define HV_DEVICE_DOMAIN_TRANSLATION_ENABLED      (1ull << 0)
#define HV_DEVICE_DOMAIN_BLOCKED                  (1ull << 1)
#define HV_DEVICE_DOMAIN_FIRST_STAGE_5LVL         (1ull << 2)
#define HV_DEVICE_DOMAIN_SETTINGS_RSVD_MASK       (~7ull)

struct hv_device_domain_settings {
	uint64_t flags;
	uint64_t page_table_root;             /* GPA of a stage-1 root */
} __attribute__((packed));

struct hv_input_configure_device_domain {
	struct hv_input_device_domain device_domain;
	struct hv_device_domain_settings settings;
} __attribute__((packed));

/* MAP_DEVICE_GPA_PAGES (rep): 40-byte header, one u64 PFN per rep. */
#define HV_MAP_DEVICE_GPA_BATCH_SIZE ((HV_HYP_PAGE_SIZE - 40) / 8)   /* 507 */
struct hv_input_map_device_gpa_pages {
	struct hv_input_device_domain device_domain;
	uint8_t target_vtl;
	uint8_t padding[3];
	uint32_t map_flags;                   /* HV_MAP_GPA_* (include/hv/hv_memory.h) */
	uint64_t target_device_va_base;       /* byte IOVA of rep 0 */
	uint64_t gpa_page_list[];
} __attribute__((packed));

/* UNMAP_DEVICE_GPA_PAGES (rep, no list): rep count = 4 KiB pages from the base. */
struct hv_input_unmap_device_gpa_pages {
	struct hv_input_device_domain device_domain;
	uint64_t target_device_va_base;
} __attribute__((packed));

struct hv_input_flush_device_domain {
	struct hv_input_device_domain device_domain;
	uint32_t flags;                       /* 0 */
	uint32_t reserved;
} __attribute__((packed));

/* FLUSH_DEVICE_DOMAIN_LIST (rep): one hv_iommu_flush_va per rep. */
#define HV_FLUSH_DEVICE_DOMAIN_LIST_IOMMU_FORMAT (1u << 0)
#define HV_IOMMU_FLUSH_VA_SHIFT_MASK   0xfffull            /* 2^shift pages */
#define HV_IOMMU_FLUSH_VA_PAGE_SHIFT   12                  /* page_number in 63:12 */
struct hv_input_flush_device_domain_list {
	struct hv_input_device_domain device_domain;
	uint32_t flags;
	uint32_t reserved;
	uint64_t iova_list[];                 /* hv_iommu_flush_va */
} __attribute__((packed));

/* ---- Direct attach --------------------------------------------------------- */
#define HV_ATTDEV_LOGICAL_ID       (1u << 0)
#define HV_ATTDEV_ATS_ENABLED      (1u << 2)
#define HV_ATTDEV_VIRT_FUNC        (1u << 3)
#define HV_ATTDEV_SHARED_IRQ_CHILD (1u << 4)
#define HV_ATTDEV_VIRT_DEV         (1u << 5)
#define HV_ATTDEV_ATS_SUPPORTED    (1u << 6)
#define HV_ATTDEV_SMALL_IRT        (1u << 7)
#define HV_ATTDEV_RSVD_MASK        (0xffffff00u | (1u << 1))

struct hv_input_attach_device {
	uint64_t partition_id;                /* the child */
	union hv_device_id device_id;         /* the root's name for it (PCI form) */
	uint32_t attdev_flags;
	uint8_t attdev_vtl;
	uint8_t rsvd0;
	uint16_t rsvd1;
	uint64_t logical_devid;               /* the child's name for it afterwards */
	uint32_t dev_pcicaps;
	uint16_t pf_pci_rid;
	uint16_t resvd2;
} __attribute__((packed));

struct hv_input_detach_device {
	uint64_t partition_id;
	uint64_t logical_devid;
} __attribute__((packed));

/* ---- Capabilities and properties ------------------------------------------ */
#define HV_IOMMU_CAP_PRESENT   (1ull << 0)
#define HV_IOMMU_CAP_S2        (1ull << 1)
#define HV_IOMMU_CAP_S1        (1ull << 2)
#define HV_IOMMU_CAP_S1_5LVL   (1ull << 3)
#define HV_IOMMU_CAP_PASID     (1ull << 4)
#define HV_IOMMU_CAP_ATS       (1ull << 5)
#define HV_IOMMU_CAP_PRI       (1ull << 6)

struct hv_input_get_iommu_capabilities {
	uint64_t partition_id;
	uint64_t reserved;
} __attribute__((packed));

struct hv_output_get_iommu_capabilities {
	uint32_t size;                        /* of this structure */
	uint16_t reserved;
	uint8_t max_iova_width;
	uint8_t max_pasid_width;
	uint64_t iommu_cap;                   /* HV_IOMMU_CAP_* */
	uint64_t pgsize_bitmap;
} __attribute__((packed));

#define HV_LOGICAL_DEVICE_PROPERTY_PVIOMMU 10
#define HV_DEVICE_IOMMU_ENABLED            (1ull << 0)

struct hv_input_get_logical_device_property {
	uint64_t partition_id;
	uint64_t logical_device_id;
	uint32_t code;
	uint32_t reserved;
} __attribute__((packed));

struct hv_output_get_logical_device_property {
	uint64_t device_iommu;
	uint64_t reserved;
} __attribute__((packed));

/* ---- Layout checks ------------------------------------------------------- */
_Static_assert(sizeof(union hv_device_id) == 8, "device_id");
_Static_assert(offsetof(union hv_device_id, pci.segment) == 2, "device_id segment");
_Static_assert(offsetof(union hv_device_id, pci.subordinate_bus) == 4, "device_id bus range");
_Static_assert(offsetof(union hv_device_id, pci.secondary_bus) == 5, "device_id bus range");
_Static_assert(offsetof(union hv_device_id, pci.flags) == 6, "device_id flags");
_Static_assert(sizeof(union hv_device_domain_id) == 8, "domain_id");
_Static_assert(sizeof(struct hv_input_device_domain) == 24, "device_domain");
_Static_assert(offsetof(struct hv_input_device_domain, owner_vtl) == 8, "owner_vtl");
_Static_assert(offsetof(struct hv_input_device_domain, domain_id) == 16, "domain_id");
_Static_assert(sizeof(struct hv_input_create_device_domain) == 28, "create");
_Static_assert(offsetof(struct hv_input_create_device_domain, create_device_domain_flags) == 24, "create flags");
_Static_assert(sizeof(struct hv_input_delete_device_domain) == 24, "delete");
_Static_assert(sizeof(struct hv_input_attach_device_domain) == 32, "attach_domain");
_Static_assert(offsetof(struct hv_input_attach_device_domain, device_id) == 24, "attach_domain id");
_Static_assert(sizeof(struct hv_input_detach_device_domain) == 16, "detach_domain");
_Static_assert(offsetof(struct hv_input_detach_device_domain, device_id) == 8, "detach_domain id");
_Static_assert(sizeof(struct hv_device_domain_settings) == 16, "settings");
_Static_assert(sizeof(struct hv_input_configure_device_domain) == 40, "configure");
_Static_assert(offsetof(struct hv_input_configure_device_domain, settings) == 24, "configure settings");
_Static_assert(sizeof(struct hv_input_map_device_gpa_pages) == 40, "map_device");
_Static_assert(offsetof(struct hv_input_map_device_gpa_pages, target_vtl) == 24, "map vtl");
_Static_assert(offsetof(struct hv_input_map_device_gpa_pages, map_flags) == 28, "map flags");
_Static_assert(offsetof(struct hv_input_map_device_gpa_pages, target_device_va_base) == 32, "map va");
_Static_assert(offsetof(struct hv_input_map_device_gpa_pages, gpa_page_list) == 40, "map list");
_Static_assert(HV_MAP_DEVICE_GPA_BATCH_SIZE == 507, "map batch");
_Static_assert(sizeof(struct hv_input_unmap_device_gpa_pages) == 32, "unmap_device");
_Static_assert(offsetof(struct hv_input_unmap_device_gpa_pages, target_device_va_base) == 24, "unmap va");
_Static_assert(sizeof(struct hv_input_flush_device_domain) == 32, "flush");
_Static_assert(offsetof(struct hv_input_flush_device_domain, flags) == 24, "flush flags");
_Static_assert(sizeof(struct hv_input_flush_device_domain_list) == 32, "flush_list");
_Static_assert(offsetof(struct hv_input_flush_device_domain_list, iova_list) == 32, "flush_list list");
_Static_assert(sizeof(struct hv_input_attach_device) == 40, "attach_device");
_Static_assert(offsetof(struct hv_input_attach_device, device_id) == 8, "attach dev id");
_Static_assert(offsetof(struct hv_input_attach_device, attdev_flags) == 16, "attach flags");
_Static_assert(offsetof(struct hv_input_attach_device, attdev_vtl) == 20, "attach vtl");
_Static_assert(offsetof(struct hv_input_attach_device, rsvd1) == 22, "attach rsvd1");
_Static_assert(offsetof(struct hv_input_attach_device, logical_devid) == 24, "attach logical");
_Static_assert(offsetof(struct hv_input_attach_device, dev_pcicaps) == 32, "attach caps");
_Static_assert(offsetof(struct hv_input_attach_device, pf_pci_rid) == 36, "attach pf rid");
_Static_assert(sizeof(struct hv_input_detach_device) == 16, "detach_device");
_Static_assert(sizeof(struct hv_input_get_iommu_capabilities) == 16, "caps in");
_Static_assert(sizeof(struct hv_output_get_iommu_capabilities) == 24, "caps out");
_Static_assert(offsetof(struct hv_output_get_iommu_capabilities, max_iova_width) == 6, "caps iova");
_Static_assert(offsetof(struct hv_output_get_iommu_capabilities, max_pasid_width) == 7, "caps pasid");
_Static_assert(offsetof(struct hv_output_get_iommu_capabilities, iommu_cap) == 8, "caps cap");
_Static_assert(offsetof(struct hv_output_get_iommu_capabilities, pgsize_bitmap) == 16, "caps pgsize");
_Static_assert(sizeof(struct hv_input_get_logical_device_property) == 24, "prop in");
_Static_assert(offsetof(struct hv_input_get_logical_device_property, code) == 16, "prop code");
_Static_assert(sizeof(struct hv_output_get_logical_device_property) == 16, "prop out");

#endif
