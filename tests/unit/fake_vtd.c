/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "tests/unit/fake_vtd.h"
#include "tests/unit/fake_mmio.h"
#include "iommu/vtd/regs.h"
#include "iommu/vtd/tables.h"
#include "kernel/phys.h"

#define QUEUE_ENTRIES 256
#define FRO           0x220
#define IOTLB_REG     0xf8

uint64_t fake_vtd_reg(const struct fake_vtd *f, unsigned off)
{
	uint64_t v;

	memcpy(&v, f->regs + off, 8);
	return v;
}

static void set_reg(struct fake_vtd *f, unsigned off, unsigned width, uint64_t v)
{
	memcpy(f->regs + off, &v, width);
}

/* The context entry the unit would walk for `sid`, or zeros. */
static struct vtd_entry128 context_of(const struct fake_vtd *f, uint16_t sid)
{
	const struct vtd_entry128 *root = phys_map(fake_vtd_reg(f, VTD_REG_RTADDR) & ~0xfffULL, 4096, PHYS_WB);
	const struct vtd_entry128 *ctx;

	if (!root || !(root[sid >> 8].lo & VTD_ROOT_LO_P))
		return (struct vtd_entry128){ 0, 0 };
	ctx = phys_map(root[sid >> 8].lo & VTD_ROOT_LO_CTP, 4096, PHYS_WB);
	return ctx ? ctx[sid & 0xff] : (struct vtd_entry128){ 0, 0 };
}

static bool wait_fails(struct fake_vtd *f, unsigned n)
{
	return n >= f->fail_from && (f->fail_count == FAKE_VTD_FOREVER || n - f->fail_from < f->fail_count);
}

/* Fetch descriptors up to the tail, as the unit does after an IQT write. */
static void run_queue(struct fake_vtd *f)
{
	struct vtd_entry128 *q = phys_map(fake_vtd_reg(f, VTD_REG_IQA) & VTD_IQA_IQA, 4096, PHYS_WB);
	unsigned tail = FIELD_GET(VTD_IQ_QH_QT, fake_vtd_reg(f, VTD_REG_IQT)) % QUEUE_ENTRIES;
	uint32_t fsts;

	memcpy(&fsts, f->regs + VTD_REG_FSTS, 4);
	if (!q || !(f->gsts & VTD_GSTS_QIES) || (fsts & VTD_FSTS_IQE))
		return;
	while (f->iqh != tail) {
		struct vtd_entry128 d = q[f->iqh];
		unsigned type = FIELD_GET(VTD_QI_TYPE, d.lo), gran = FIELD_GET(VTD_QI_GRAN, d.lo);

		if (type == VTD_QI_TYPE_CC) {
			uint16_t sid = FIELD_GET(VTD_QI_CC_SID, d.lo);
			struct vtd_entry128 ce = context_of(f, sid);

			fake_trace_add((struct fake_event){ .kind = FAKE_EV_VTD_CC, .a = gran,
				.b = FIELD_GET(VTD_QI_CC_DID, d.lo), .c = sid, .snap_lo = ce.lo, .snap_hi = ce.hi });
		} else if (type == VTD_QI_TYPE_IOTLB) {
			fake_trace_add((struct fake_event){ .kind = FAKE_EV_VTD_IOTLB, .a = gran,
				.b = FIELD_GET(VTD_QI_IOTLB_DID, d.lo), .c = d.hi });
		} else if (type == VTD_QI_TYPE_WAIT) {
			unsigned n = f->waits++;
			bool fail = wait_fails(f, n);

			fake_trace_add((struct fake_event){ .kind = FAKE_EV_VTD_WAIT, .ok = !fail });
			if (fail && f->fail_with_iqe) {
				fsts |= VTD_FSTS_IQE;
				set_reg(f, VTD_REG_FSTS, 4, fsts);
				return;   /* the unit stops at the offending descriptor */
			}
			if (fail && f->fail_count == FAKE_VTD_FOREVER)
				return;   /* wedged: the head never moves again */
			if (!fail) {
				uint32_t *status = phys_map(d.hi & VTD_QI_WAIT_HI_ADDR, 4, PHYS_WB);

				if (status)
					*status = (uint32_t)FIELD_GET(VTD_QI_WAIT_DATA, d.lo);
			}
		} else {
			set_reg(f, VTD_REG_FSTS, 4, fsts | VTD_FSTS_IQE);
			return;
		}
		f->iqh = (f->iqh + 1) % QUEUE_ENTRIES;
	}
}

static uint32_t fault_status(const struct fake_vtd *f)
{
	uint32_t fsts;

	memcpy(&fsts, f->regs + VTD_REG_FSTS, 4);
	fsts &= ~VTD_FSTS_PPF;
	for (unsigned i = 0; i < 1; i++)
		if (fake_vtd_reg(f, FRO + i * 16 + 8) & VTD_FRCD_HI_F)
			fsts |= VTD_FSTS_PPF;
	return fsts;
}

static uint64_t vtd_read(void *ctx, unsigned off, unsigned width)
{
	struct fake_vtd *f = ctx;
	uint64_t v = 0;

	f->reads[off / 4]++;
	switch (off) {
	case VTD_REG_GSTS:
		return f->gsts;
	case VTD_REG_IQH:
		return FIELD_PREP(VTD_IQ_QH_QT, f->iqh);
	case VTD_REG_FSTS:
		return fault_status(f);
	default:
		memcpy(&v, f->regs + off, width);
		return v;
	}
}

static void gcmd(struct fake_vtd *f, uint32_t cmd)
{
	const uint32_t toggles = VTD_GSTS_TES | VTD_GSTS_QIES | VTD_GSTS_IRES;
	uint32_t old = f->gsts;

	f->gcmd_writes++;
	if (f->gsts_stuck)
		return;
	f->gsts = (f->gsts & ~toggles) | (cmd & toggles);
	if ((old & VTD_GSTS_TES) && !(f->gsts & VTD_GSTS_TES))
		f->te_turned_off++;
	if ((old & VTD_GSTS_QIES) && !(f->gsts & VTD_GSTS_QIES))
		f->iqh = 0;   /* disabling QI resets the head */
	if (cmd & VTD_GCMD_SRTP)
		f->gsts |= VTD_GSTS_RTPS;
	if (cmd & VTD_GCMD_WBF)
		fake_trace_add((struct fake_event){ .kind = FAKE_EV_VTD_WBF });
}

static void vtd_write(void *ctx, unsigned off, unsigned width, uint64_t v)
{
	struct fake_vtd *f = ctx;

	switch (off) {
	case VTD_REG_GCMD:
		gcmd(f, (uint32_t)v);
		return;
	case VTD_REG_FSTS:
		set_reg(f, off, 4, fault_status(f) & ~((uint32_t)v & (VTD_FSTS_PFO | VTD_FSTS_IQE |
									  VTD_FSTS_ICE | VTD_FSTS_ITE)));
		return;
	case VTD_REG_IQA:
		if (f->gsts & VTD_GSTS_QIES)
			f->iqa_while_qie++;
		set_reg(f, off, width, v);
		return;
	case VTD_REG_IQT:
		set_reg(f, off, width, v);
		run_queue(f);
		return;
	case VTD_REG_CCMD:
		fake_trace_add((struct fake_event){ .kind = FAKE_EV_VTD_CC, .a = FIELD_GET(VTD_CCMD_CIRG, v),
			.b = FIELD_GET(VTD_CCMD_DID, v), .c = FIELD_GET(VTD_CCMD_SID, v) });
		set_reg(f, off, width, f->regs_stuck ? v : v & ~VTD_CCMD_ICC);
		return;
	case IOTLB_REG:
		fake_trace_add((struct fake_event){ .kind = FAKE_EV_VTD_IOTLB, .a = FIELD_GET(VTD_IOTLB_IIRG, v),
			.b = FIELD_GET(VTD_IOTLB_DID, v), .c = fake_vtd_reg(f, IOTLB_REG - 8) });
		set_reg(f, off, width, f->regs_stuck ? v : v & ~VTD_IOTLB_IVT);
		return;
	default:
		if (off >= FRO && off < FRO + 16 && off + width > FRO + 12) {
			uint64_t hi = fake_vtd_reg(f, FRO + 8);

			if ((v << (8 * (off - (FRO + 8)))) & VTD_FRCD_HI_F)   /* W1C */
				hi &= ~VTD_FRCD_HI_F;
			set_reg(f, FRO + 8, 8, hi);
			return;
		}
		set_reg(f, off, width, v);
	}
}

static const struct fake_mmio_ops vtd_ops = { vtd_read, vtd_write };

void fake_vtd_init(struct fake_vtd *f, uint64_t cap, uint64_t ecap)
{
	memset(f, 0, sizeof(*f));
	f->fail_from = FAKE_VTD_FOREVER;
	set_reg(f, VTD_REG_VER, 4, 0x10);
	set_reg(f, VTD_REG_CAP, 8, cap);
	set_reg(f, VTD_REG_ECAP, 8, ecap);
	set_reg(f, VTD_REG_FECTL, 4, VTD_FECTL_IM);
	fake_mmio_window(f->regs, sizeof(f->regs), &vtd_ops, f);
}

void fake_vtd_set_gsts(struct fake_vtd *f, uint32_t gsts)
{
	f->gsts = gsts;
}

void fake_vtd_fault(struct fake_vtd *f, unsigned i, uint16_t sid, uint64_t addr, uint8_t reason, bool read)
{
	set_reg(f, FRO + i * 16, 8, addr);
	set_reg(f, FRO + i * 16 + 8, 8, VTD_FRCD_HI_F | (read ? VTD_FRCD_HI_T : 0) |
		FIELD_PREP(VTD_FRCD_HI_FR, reason) | FIELD_PREP(VTD_FRCD_HI_SID, sid));
}
