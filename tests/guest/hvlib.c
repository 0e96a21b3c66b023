// SPDX-License-Identifier: MIT
/*
 * The test guest's hypercall layer: Linux's calling sequence (see hvlib.h).
 * Pure logic over `struct hv_port`, so the host unit test drives it against
 * a fake monitor that runs out of pool pages and continues rep calls.
 */
#include "tests/guest/hvlib.h"

uint64_t hv_do_hypercall(struct hv_port *p, uint64_t control, const void *in, void *out)
{
	uint64_t in_gpa = in ? p->gpa_of(p->cookie, in) : 0;
	uint64_t out_gpa = out ? p->gpa_of(p->cookie, out) : 0;

	p->stats.calls++;
	return p->issue(p->cookie, control, in_gpa, out_gpa);
}

uint64_t hv_do_rep_hypercall(struct hv_port *p, uint16_t code, uint16_t rep_count,
			     uint16_t varhead, const void *in, void *out)
{
	uint64_t control = (uint64_t)code | (uint64_t)varhead << HV_HYPERCALL_VARHEAD_OFFSET |
			   (uint64_t)rep_count << HV_HYPERCALL_REP_COMP_OFFSET;
	unsigned start = 0, rep_comp;
	uint64_t status;

	for (;;) {
		status = hv_do_hypercall(p, control, in, out);
		if (hv_result(status) != HV_STATUS_SUCCESS)
			return status;
		rep_comp = hv_repcomp(status);
		if (rep_comp >= rep_count)
			return status;
		/* SUCCESS with reps left: go on from there, as Linux does, but not in a circle. */
		if (rep_comp <= start)
			return (status & ~HV_HYPERCALL_RESULT_MASK) | HV_GUEST_NO_PROGRESS;
		start = rep_comp;
		control &= ~HV_HYPERCALL_REP_START_MASK;
		control |= (uint64_t)rep_comp << HV_HYPERCALL_REP_START_OFFSET;
	}
}

int hv_call_deposit_pages(struct hv_port *p, uint64_t partition_id, unsigned num)
{
	struct hv_deposit_memory *in = p->deposit_page;
	uint64_t status;
	unsigned i;

	if (num == 0 || num > HV_DEPOSIT_MAX)
		return HV_STATUS_INVALID_PARAMETER;
	in->partition_id = partition_id;
	for (i = 0; i < num; i++) {
		in->gpa_page_list[i] = p->alloc_page(p->cookie);
		if (!in->gpa_page_list[i])
			goto undo;
	}
	status = hv_do_rep_hypercall(p, HVCALL_DEPOSIT_MEMORY, (uint16_t)num, 0, in, NULL);
	if (hv_result(status) == HV_STATUS_SUCCESS) {
		p->stats.deposits++;
		p->stats.deposited_pages += num;
		return 0;
	}
	/* Linux frees them all: a failed deposit took none (the monitor's contract). */
	while (i--)
		p->free_page(p->cookie, in->gpa_page_list[i]);
	return hv_result(status);
undo:
	while (i--)
		p->free_page(p->cookie, in->gpa_page_list[i]);
	return -1;
}

uint64_t hv_call_with_deposits(struct hv_port *p, uint16_t code, const void *in, void *out,
			       uint64_t partition_id, unsigned deposit)
{
	unsigned deposits = 0;
	uint64_t status;

	for (;;) {
		status = hv_do_hypercall(p, code, in, out);
		if (hv_result(status) != HV_STATUS_INSUFFICIENT_MEMORY)
			return status;
		p->stats.insufficient++;
		if (++deposits > HV_MAP_DEPOSITS_MAX ||
		    hv_call_deposit_pages(p, partition_id, deposit))
			return status;
	}
}

void hv_fill_device_domain(struct hv_input_device_domain *d, uint32_t domain_id)
{
	__builtin_memset(d, 0, sizeof(*d));
	d->partition_id = HV_PARTITION_ID_SELF;
	d->domain_id.as_uint64 = (uint64_t)domain_id << HV_DEVICE_DOMAIN_ID_ID_SHIFT | HV_DEVICE_DOMAIN_TYPE_S2;
}

uint64_t hv_pci_device_id(uint16_t segment, uint8_t bus, uint8_t dev, uint8_t fn)
{
	uint16_t rid = (uint16_t)(bus << 8 | (dev & 0x1f) << 3 | (fn & 7));

	return (uint64_t)HV_DEVICE_TYPE_PCI << HV_DEVICE_ID_TYPE_SHIFT | (uint64_t)segment << 16 | rid;
}

int hv_unmap_device_pages(struct hv_port *p, uint32_t domain_id, uint64_t iova, uint64_t npages,
			  uint64_t *unmapped)
{
	struct hv_input_unmap_device_gpa_pages *in = p->in_page;
	uint64_t done = 0, status;

	while (done < npages) {
		uint16_t batch = (uint16_t)MIN(npages - done, (uint64_t)HV_REP_COUNT_MAX);

		hv_fill_device_domain(&in->device_domain, domain_id);
		in->target_device_va_base = iova + done * PAGE_SIZE;
		status = hv_do_rep_hypercall(p, HVCALL_UNMAP_DEVICE_GPA_PAGES, batch, 0, in, NULL);
		done += MIN(hv_repcomp(status), batch);
		if (hv_result(status) != HV_STATUS_SUCCESS) {
			*unmapped = done;
			return hv_result(status);
		}
	}
	*unmapped = done;
	return 0;
}

/* One batch: fill the input page and issue the rep call. */
static uint64_t map_batch(struct hv_port *p, uint32_t domain_id, uint64_t iova, hv_pfn_fn pfn,
			  void *arg, uint64_t first, uint16_t count, uint32_t flags)
{
	struct hv_input_map_device_gpa_pages *in = p->in_page;
	uint16_t i;

	hv_fill_device_domain(&in->device_domain, domain_id);
	in->target_vtl = 0;
	in->padding[0] = in->padding[1] = in->padding[2] = 0;
	in->map_flags = flags;
	in->target_device_va_base = iova + first * PAGE_SIZE;
	for (i = 0; i < count; i++)
		in->gpa_page_list[i] = pfn(arg, first + i);
	p->stats.map_calls++;
	return hv_do_rep_hypercall(p, HVCALL_MAP_DEVICE_GPA_PAGES, count, 0, in, NULL);
}

int hv_map_device_pages(struct hv_port *p, uint32_t domain_id, uint64_t iova, hv_pfn_fn pfn,
			void *arg, uint64_t npages, uint32_t flags, uint64_t *mapped)
{
	unsigned deposits = 0;
	uint64_t done = 0, undone;
	int ret = 0;

	while (done < npages) {
		uint16_t count = (uint16_t)MIN(npages - done, (uint64_t)HV_MAP_DEVICE_GPA_BATCH_SIZE);
		uint64_t status = map_batch(p, domain_id, iova, pfn, arg, done, count, flags);

		/* Reps completed count from the start of this batch's list, on failure too. */
		done += MIN(hv_repcomp(status), count);
		if (hv_result(status) == HV_STATUS_SUCCESS)
			continue;
		if (hv_result(status) != HV_STATUS_INSUFFICIENT_MEMORY) {
			ret = hv_result(status);
			break;
		}
		p->stats.insufficient++;
		if (++deposits > HV_MAP_DEPOSITS_MAX) {
			ret = HV_STATUS_INSUFFICIENT_MEMORY;
			break;
		}
		ret = hv_call_deposit_pages(p, HV_PARTITION_ID_SELF, HV_MAP_DEPOSIT_PAGES);
		if (ret)
			break;
	}
	if (ret && done && hv_unmap_device_pages(p, domain_id, iova, done, &undone) == 0)
		done = 0;
	*mapped = done;
	return ret;
}
