// SPDX-License-Identifier: GPL-2.0
/*
 * iomon's hypercall inputs, laid out with the project's own public headers
 * (include/hv/), so the module checks that those headers describe what the
 * monitor accepts when a real Linux kernel sends it. See abi.h for why
 * this file is kept apart from Linux's <asm/mshyperv.h>.
 */
#include <linux/kernel.h>
#include <linux/string.h>

#include "include/hv/hv.h"
#include "abi.h"

static void fill_domain(struct hv_input_device_domain *d, u32 domain)
{
	d->partition_id = HV_PARTITION_ID_SELF;
	d->domain_id.type = HV_DEVICE_DOMAIN_TYPE_S2;
	d->domain_id.id = domain;
}

static u16 fill_device_call(void *in, const struct iomon_req *r)
{
	switch (r->op) {
	case IOMON_ATTACH_DEVICE: {
		struct hv_input_attach_device *a = in;

		a->partition_id = r->partition;
		a->device_id.as_uint64 = r->device_id;
		a->attdev_flags = HV_ATTDEV_LOGICAL_ID;
		a->logical_devid = r->logical_id;
		return HVCALL_ATTACH_DEVICE;
	}
	case IOMON_DETACH_DEVICE: {
		struct hv_input_detach_device *d = in;

		d->partition_id = r->partition;
		d->logical_devid = r->logical_id;
		return HVCALL_DETACH_DEVICE;
	}
	default: {
		struct hv_input_unmap_gpa_pages *u = in;

		u->target_partition_id = r->partition;
		u->target_gpa_base = r->addr;
		return HVCALL_UNMAP_GPA_PAGES;
	}
	}
}

u16 iomon_fill(void *in, const struct iomon_req *r, u64 **list)
{
	memset(in, 0, HV_HYP_PAGE_SIZE);
	*list = NULL;
	switch (r->op) {
	case IOMON_CREATE_DEVICE_DOMAIN: {
		struct hv_input_create_device_domain *c = in;

		fill_domain(&c->device_domain, r->domain);
		/* Linux's root driver asks for this; iomon's pool makes every later map progress. */
		c->create_device_domain_flags = HV_CREATE_DEVICE_DOMAIN_FORWARD_PROGRESS_REQUIRED;
		return HVCALL_CREATE_DEVICE_DOMAIN;
	}
	case IOMON_DELETE_DEVICE_DOMAIN: {
		struct hv_input_delete_device_domain *d = in;

		fill_domain(&d->device_domain, r->domain);
		return HVCALL_DELETE_DEVICE_DOMAIN;
	}
	case IOMON_ATTACH_DEVICE_DOMAIN: {
		struct hv_input_attach_device_domain *a = in;

		fill_domain(&a->device_domain, r->domain);
		a->device_id.as_uint64 = r->device_id;
		return HVCALL_ATTACH_DEVICE_DOMAIN;
	}
	case IOMON_DETACH_DEVICE_DOMAIN: {
		struct hv_input_detach_device_domain *d = in;

		d->partition_id = HV_PARTITION_ID_SELF;
		d->device_id.as_uint64 = r->device_id;
		return HVCALL_DETACH_DEVICE_DOMAIN;
	}
	case IOMON_MAP_DEVICE_GPA_PAGES: {
		struct hv_input_map_device_gpa_pages *m = in;

		fill_domain(&m->device_domain, r->domain);
		m->map_flags = HV_MAP_GPA_READABLE | (r->writable ? HV_MAP_GPA_WRITABLE : 0);
		m->target_device_va_base = r->addr;
		/* 8-byte aligned at offset 40 of the page-aligned input page. */
		*list = (u64 *)((u8 *)in + offsetof(struct hv_input_map_device_gpa_pages, gpa_page_list));
		return HVCALL_MAP_DEVICE_GPA_PAGES;
	}
	case IOMON_UNMAP_DEVICE_GPA_PAGES: {
		struct hv_input_unmap_device_gpa_pages *u = in;

		fill_domain(&u->device_domain, r->domain);
		u->target_device_va_base = r->addr;
		return HVCALL_UNMAP_DEVICE_GPA_PAGES;
	}
	default:
		return fill_device_call(in, r);
	}
}

unsigned int iomon_map_batch(void)
{
	return HV_MAP_DEVICE_GPA_BATCH_SIZE;
}

u64 iomon_pci_device_id(u16 segment, u8 bus, u8 devfn)
{
	union hv_device_id id = { .as_uint64 = 0 };

	id.pci.rid = (u16)(bus << 8 | devfn);
	id.pci.segment = segment;
	id.pci.flags = HV_DEVICE_TYPE_PCI << 14;
	return id.as_uint64;
}

static const struct {
	u16 code;
	const char *name;
} status_names[] = {
#define STATUS_NAME(name) { HV_STATUS_##name, #name },
	HV_STATUS_RETURNED(STATUS_NAME)
#undef STATUS_NAME
};

const char *iomon_status_name(u16 status, char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(status_names); i++)
		if (status_names[i].code == status)
			return status_names[i].name;
	snprintf(buf, n, "status 0x%x", status);
	return buf;
}
