/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "tests/unit/fake_amdvi.h"
#include "tests/unit/fake_mmio.h"
#include "iommu/amdvi/hw.h"
#include "iommu/amdvi/regs.h"
#include "kernel/phys.h"

uint64_t fake_amdvi_reg(const struct fake_amdvi *f, unsigned off)
{
	uint64_t v;

	memcpy(&v, f->regs + off, 8);
	return v;
}

void fake_amdvi_set_reg(struct fake_amdvi *f, unsigned off, uint64_t v)
{
	memcpy(f->regs + off, &v, 8);
}

static unsigned ring_entries(uint64_t base_reg)
{
	return 1u << FIELD_GET(AMDVI_RING_LEN, base_reg);
}

static bool wait_fails(const struct fake_amdvi *f, unsigned n)
{
	return n >= f->fail_from && (f->fail_count == FAKE_AMDVI_FOREVER || n - f->fail_from < f->fail_count);
}

static struct amdvi_dte dte_of(const struct fake_amdvi *f, uint16_t devid)
{
	const struct amdvi_dte *t = phys_map(fake_amdvi_reg(f, AMDVI_REG_DEV_TABLE_BASE) & AMDVI_DEV_TABLE_ADDR,
					     AMDVI_DEV_TABLE_BYTES, PHYS_WB);

	return t ? t[devid] : (struct amdvi_dte){ { 0, 0, 0, 0 } };
}

/* Run commands up to the tail, as QEMU does on a tail write or when the unit is enabled. */
static void run_commands(struct fake_amdvi *f)
{
	uint64_t base = fake_amdvi_reg(f, AMDVI_REG_CMD_BUF_BASE), ctrl = fake_amdvi_reg(f, AMDVI_REG_CONTROL);
	unsigned n = ring_entries(base), tail;
	const struct amdvi_cmd *ring = phys_map(base & AMDVI_RING_ADDR, n * sizeof(struct amdvi_cmd), PHYS_WB);

	if (!ring || f->stalled || !(ctrl & AMDVI_CTRL_IOMMU_EN) || !(ctrl & AMDVI_CTRL_CMD_BUF_EN))
		return;
	tail = FIELD_GET(AMDVI_RING_PTR, fake_amdvi_reg(f, AMDVI_REG_CMD_TAIL)) % n;
	while (f->head != tail) {
		struct amdvi_cmd c = ring[f->head];
		unsigned op = FIELD_GET(AMDVI_CMD0_OPCODE, c.q[0]);

		if (op == AMDVI_CMD_COMPLETION_WAIT) {
			unsigned w = f->waits++;
			bool fail = wait_fails(f, w);

			fake_trace_add((struct fake_event){ .kind = FAKE_EV_AMD_WAIT, .ok = !fail });
			if (fail && f->fail_count == FAKE_AMDVI_FOREVER)
				return;   /* wedged: the head never moves again */
			if (!fail && (c.q[0] & AMDVI_CMD0_CW_S)) {
				uint64_t *store = phys_map(c.q[0] & AMDVI_CMD0_CW_STORE_ADDR, 8, PHYS_WB);

				if (store)
					*store = c.q[1];
			}
		} else if (op == AMDVI_CMD_INV_DEVTAB_ENTRY) {
			uint16_t id = FIELD_GET(AMDVI_CMD0_DEVICE_ID, c.q[0]);
			struct amdvi_dte e = dte_of(f, id);

			fake_trace_add((struct fake_event){ .kind = FAKE_EV_AMD_INV_DTE, .a = id,
							    .snap_lo = e.q[0], .snap_hi = e.q[1] });
		} else if (op == AMDVI_CMD_INV_IOMMU_PAGES) {
			fake_trace_add((struct fake_event){ .kind = FAKE_EV_AMD_INV_PAGES,
				.b = FIELD_GET(AMDVI_CMD0_DOMAIN_ID, c.q[0]), .c = c.q[1] });
		} else if (op == AMDVI_CMD_INV_IOMMU_ALL) {
			fake_trace_add((struct fake_event){ .kind = FAKE_EV_AMD_INV_ALL });
		}
		f->head = (f->head + 1) % n;
	}
}

static uint64_t amd_read(void *ctx, unsigned off, unsigned width)
{
	struct fake_amdvi *f = ctx;
	uint64_t v = 0;

	f->reads[off / 8]++;
	if (off == AMDVI_REG_CMD_HEAD)
		return FIELD_PREP(AMDVI_RING_PTR, f->head);
	memcpy(&v, f->regs + off, width);
	return v;
}

static void amd_write(void *ctx, unsigned off, unsigned width, uint64_t v)
{
	struct fake_amdvi *f = ctx;
	uint64_t old = fake_amdvi_reg(f, off);

	switch (off) {
	case AMDVI_REG_CONTROL:
		if ((old & AMDVI_CTRL_IOMMU_EN) && !(v & AMDVI_CTRL_IOMMU_EN))
			f->untranslated_windows++;
		fake_amdvi_set_reg(f, off, v);
		run_commands(f);
		return;
	case AMDVI_REG_DEV_TABLE_BASE:
		if (fake_amdvi_reg(f, AMDVI_REG_CONTROL) & AMDVI_CTRL_IOMMU_EN)
			f->devtab_writes_while_on++;
		break;
	case AMDVI_REG_CMD_BUF_BASE:
		f->head = 0;
		fake_amdvi_set_reg(f, AMDVI_REG_CMD_TAIL, 0);
		break;
	case AMDVI_REG_CMD_HEAD:
		f->head = FIELD_GET(AMDVI_RING_PTR, v);
		return;
	case AMDVI_REG_CMD_TAIL:
		fake_amdvi_set_reg(f, off, v);
		run_commands(f);
		return;
	case AMDVI_REG_STATUS:
		fake_amdvi_set_reg(f, off, old & ~(v & 0x67));   /* W1C bits */
		return;
	}
	memcpy(f->regs + off, &v, width);
}

static const struct fake_mmio_ops amd_ops = { amd_read, amd_write };

void fake_amdvi_init(struct fake_amdvi *f, uint64_t efr)
{
	memset(f, 0, sizeof(*f));
	f->fail_from = FAKE_AMDVI_FOREVER;
	fake_amdvi_set_reg(f, AMDVI_REG_EXT_FEATURE, efr);
	fake_mmio_window(f->regs, sizeof(f->regs), &amd_ops, f);
}

void fake_amdvi_set_control(struct fake_amdvi *f, uint64_t control)
{
	fake_amdvi_set_reg(f, AMDVI_REG_CONTROL, control);
}
