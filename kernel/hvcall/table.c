// SPDX-License-Identifier: MIT
/*
 * Every hypercall iomon implements, with its shape: rep or simple, who may
 * call it, and the bytes of its input and output (fixed part, then per rep
 * element). The dispatcher checks the control word and the GPAs against
 * these before the function runs. Codes not listed get
 * HV_STATUS_INVALID_HYPERCALL_CODE.
 */
#include "kernel/hvcall/calls.h"
#include "kernel/hvcall/attach.h"
#include "include/hv/hv_memory.h"
#include "kernel/hvcall/devdom.h"

const struct hvcall_desc hvcall_table[] = {
	{ .code = HVCALL_GET_PARTITION_ID, .name = "GET_PARTITION_ID",
	  .out_fixed = sizeof(struct hv_output_get_partition_id), .fn = hvcall_get_partition_id },
	/* A child may deposit into (and withdraw from) its own pool; only the root names another partition. */
	{ .code = HVCALL_DEPOSIT_MEMORY, .name = "DEPOSIT_MEMORY", .rep = true,
	  .in_fixed = sizeof(struct hv_deposit_memory), .in_elem = sizeof(uint64_t),
	  .fn = hvcall_deposit_memory },
	{ .code = HVCALL_WITHDRAW_MEMORY, .name = "WITHDRAW_MEMORY", .rep = true,
	  .in_fixed = sizeof(struct hv_input_withdraw_memory), .out_elem = sizeof(uint64_t),
	  .fn = hvcall_withdraw_memory },
	{ .code = HVCALL_GET_IOMMU_CAPABILITIES, .name = "GET_IOMMU_CAPABILITIES",
	  .in_fixed = sizeof(struct hv_input_get_iommu_capabilities),
	  .out_fixed = sizeof(struct hv_output_get_iommu_capabilities),
	  .fn = hvcall_get_iommu_capabilities },
	{ .code = HVCALL_GET_LOGICAL_DEVICE_PROPERTY, .name = "GET_LOGICAL_DEVICE_PROPERTY",
	  .in_fixed = sizeof(struct hv_input_get_logical_device_property),
	  .out_fixed = sizeof(struct hv_output_get_logical_device_property),
	  .fn = hvcall_get_logical_device_property },
	/* Direct attach and a child's stage-2 (attach.c). */
	{ .code = HVCALL_ATTACH_DEVICE, .name = "ATTACH_DEVICE", .root_only = true,
	  .in_fixed = sizeof(struct hv_input_attach_device), .fn = hvcall_attach_device },
	{ .code = HVCALL_DETACH_DEVICE, .name = "DETACH_DEVICE", .root_only = true,
	  .in_fixed = sizeof(struct hv_input_detach_device), .fn = hvcall_detach_device },
	{ .code = HVCALL_MAP_GPA_PAGES, .name = "MAP_GPA_PAGES", .rep = true, .root_only = true,
	  .in_fixed = sizeof(struct hv_input_map_gpa_pages), .in_elem = sizeof(uint64_t),
	  .fn = hvcall_map_gpa_pages },
	{ .code = HVCALL_UNMAP_GPA_PAGES, .name = "UNMAP_GPA_PAGES", .rep = true, .root_only = true,
	  .in_fixed = sizeof(struct hv_input_unmap_gpa_pages), .fn = hvcall_unmap_gpa_pages },
	/* Device domains (domain.c, map.c): the root's alone. */
	{ .code = HVCALL_CREATE_DEVICE_DOMAIN, .name = "CREATE_DEVICE_DOMAIN", .root_only = true,
	  .in_fixed = sizeof(struct hv_input_create_device_domain), .fn = hvcall_create_device_domain },
	{ .code = HVCALL_DELETE_DEVICE_DOMAIN, .name = "DELETE_DEVICE_DOMAIN", .root_only = true,
	  .in_fixed = sizeof(struct hv_input_delete_device_domain), .fn = hvcall_delete_device_domain },
	{ .code = HVCALL_CONFIGURE_DEVICE_DOMAIN, .name = "CONFIGURE_DEVICE_DOMAIN", .root_only = true,
	  .in_fixed = sizeof(struct hv_input_configure_device_domain), .fn = hvcall_configure_device_domain },
	{ .code = HVCALL_ATTACH_DEVICE_DOMAIN, .name = "ATTACH_DEVICE_DOMAIN", .root_only = true,
	  .in_fixed = sizeof(struct hv_input_attach_device_domain), .fn = hvcall_attach_device_domain },
	{ .code = HVCALL_DETACH_DEVICE_DOMAIN, .name = "DETACH_DEVICE_DOMAIN", .root_only = true,
	  .in_fixed = sizeof(struct hv_input_detach_device_domain), .fn = hvcall_detach_device_domain },
	{ .code = HVCALL_FLUSH_DEVICE_DOMAIN, .name = "FLUSH_DEVICE_DOMAIN", .root_only = true,
	  .in_fixed = sizeof(struct hv_input_flush_device_domain), .fn = hvcall_flush_device_domain },
	{ .code = HVCALL_FLUSH_DEVICE_DOMAIN_LIST, .name = "FLUSH_DEVICE_DOMAIN_LIST", .rep = true,
	  .root_only = true, .in_fixed = sizeof(struct hv_input_flush_device_domain_list),
	  .in_elem = sizeof(uint64_t), .fn = hvcall_flush_device_domain_list },
	{ .code = HVCALL_MAP_DEVICE_GPA_PAGES, .name = "MAP_DEVICE_GPA_PAGES", .rep = true, .root_only = true,
	  .in_fixed = sizeof(struct hv_input_map_device_gpa_pages), .in_elem = sizeof(uint64_t),
	  .fn = hvcall_map_device_gpa_pages },
	/* No list: the rep count is the number of 4 KiB pages from the base. */
	{ .code = HVCALL_UNMAP_DEVICE_GPA_PAGES, .name = "UNMAP_DEVICE_GPA_PAGES", .rep = true,
	  .root_only = true, .in_fixed = sizeof(struct hv_input_unmap_device_gpa_pages),
	  .fn = hvcall_unmap_device_gpa_pages },
};

const unsigned hvcall_table_len = ARRAY_SIZE(hvcall_table);

static const struct hvcall_desc *table = hvcall_table;
static unsigned table_len = ARRAY_SIZE(hvcall_table);

const struct hvcall_desc *hvcall_find(uint16_t code)
{
	for (unsigned i = 0; i < table_len; i++)
		if (table[i].code == code)
			return &table[i];
	return NULL;
}

int hvcall_desc_index(const struct hvcall_desc *d)
{
	return d && d >= table && d < table + table_len ? (int)(d - table) : -1;
}

const struct hvcall_desc *hvcall_desc_at(unsigned i)
{
	return i < table_len ? &table[i] : NULL;
}

#ifdef IOMON_HOST
void hvcall_set_table(const struct hvcall_desc *t, unsigned n)
{
	table = t ? t : hvcall_table;
	table_len = t ? n : ARRAY_SIZE(hvcall_table);
}
#endif
