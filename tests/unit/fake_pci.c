/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/fake_pci.h"
#include "pci/pci.h"
#include "pci/regs.h"
#include "kernel/panic.h"
#include "kernel/time.h"

struct fake_fn {
	bool used;
	bool template;
	bool mirror;                /* answers on all 8 function numbers */
	uint16_t seg;
	uint8_t bus;
	uint8_t devfn;
	uint8_t next_cap;           /* where the next standard capability goes */
	uint8_t last_cap;
	uint16_t next_ext;
	uint16_t last_ext;
	/* SR-IOV PF model */
	uint16_t sriov;
	struct fake_fn *vf_template;
	void (*routing)(unsigned num_vfs, uint16_t *offset, uint16_t *stride);
	bool vfs_dead;
	/* a VF */
	struct fake_fn *pf;
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE];
};

static struct fake_fn funcs[FAKE_PCI_MAX_FUNCS];
static uint64_t now_us;
static uint64_t vf_enable_time;
static uint64_t first_vf_access;
static unsigned violations;

/* ---- Clock and panic ---- */

void udelay(uint64_t us)
{
	now_us += us;
}

uint64_t time_now_us(void)
{
	return now_us;
}

void panic(const char *fmt, ...)
{
	static char msg[256];   /* cmocka prints it after longjmp-ing out of here */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mock_assert(0, msg, __FILE__, __LINE__);
	abort();
}

/* ---- Raw bytes ---- */

void fake_pci_poke(struct fake_fn *f, uint16_t off, unsigned width, uint32_t val)
{
	assert_true(off + width <= PCI_CFG_SIZE);
	for (unsigned i = 0; i < width; i++)
		f->cfg[off + i] = (uint8_t)(val >> (8 * i));
}

uint32_t fake_pci_peek(const struct fake_fn *f, uint16_t off, unsigned width)
{
	uint32_t v = 0;

	assert_true(off + width <= PCI_CFG_SIZE);
	for (unsigned i = 0; i < width; i++)
		v |= (uint32_t)f->cfg[off + i] << (8 * i);
	return v;
}

void fake_pci_wmask(struct fake_fn *f, uint16_t off, unsigned width, uint32_t mask)
{
	assert_true(off + width <= PCI_CFG_SIZE);
	for (unsigned i = 0; i < width; i++)
		f->wmask[off + i] = (uint8_t)(mask >> (8 * i));
}

/* ---- Building ---- */

void fake_pci_reset(void)
{
	memset(funcs, 0, sizeof(funcs));
	now_us = 1000;
	vf_enable_time = 0;
	first_vf_access = ~0ULL;
	violations = 0;
}

static struct fake_fn *alloc_fn(void)
{
	for (unsigned i = 0; i < FAKE_PCI_MAX_FUNCS; i++) {
		if (!funcs[i].used) {
			memset(&funcs[i], 0, sizeof(funcs[i]));
			funcs[i].used = true;
			funcs[i].next_cap = 0x40;
			funcs[i].next_ext = PCI_EXT_CAP_START;
			return &funcs[i];
		}
	}
	fail_msg("fake PCI: more than %u functions", FAKE_PCI_MAX_FUNCS);
	return NULL;
}

struct fake_fn *fake_pci_add(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t vendor,
			     uint16_t device, uint32_t class, uint8_t header_type)
{
	struct fake_fn *f = alloc_fn();

	f->seg = seg;
	f->bus = bus;
	f->devfn = devfn;
	fake_pci_poke(f, PCI_VENDOR_ID, 2, vendor);
	fake_pci_poke(f, PCI_DEVICE_ID, 2, device);
	fake_pci_poke(f, PCI_CLASS_REVISION, 4, class << 8 | 0x01);
	fake_pci_poke(f, PCI_HEADER_TYPE, 1, header_type);
	fake_pci_wmask(f, PCI_COMMAND, 2, 0x0547);
	return f;
}

struct fake_fn *fake_pci_endpoint(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t vendor,
				  uint16_t device, uint32_t class)
{
	return fake_pci_add(seg, bus, devfn, vendor, device, class, PCI_HEADER_TYPE_NORMAL);
}

struct fake_fn *fake_pci_bridge(uint16_t seg, uint8_t bus, uint8_t devfn, uint8_t secondary,
				uint8_t subordinate)
{
	struct fake_fn *f = fake_pci_add(seg, bus, devfn, 0x1b36, 0x000c, 0x060400,
					 PCI_HEADER_TYPE_BRIDGE);

	fake_pci_poke(f, PCI_PRIMARY_BUS, 1, bus);
	fake_pci_poke(f, PCI_SECONDARY_BUS, 1, secondary);
	fake_pci_poke(f, PCI_SUBORDINATE_BUS, 1, subordinate);
	fake_pci_wmask(f, PCI_PRIMARY_BUS, 3, 0xffffff);
	return f;
}

struct fake_fn *fake_pci_template(uint32_t class)
{
	struct fake_fn *f = fake_pci_add(0, 0, 0, 0xffff, 0xffff, class, PCI_HEADER_TYPE_NORMAL);

	f->template = true;
	return f;
}

void fake_pci_set_multifunction(struct fake_fn *f)
{
	f->cfg[PCI_HEADER_TYPE] |= PCI_HEADER_MULTIFUNC;
}

void fake_pci_mirror_functions(struct fake_fn *f)
{
	f->mirror = true;
}

void fake_pci_set_command(struct fake_fn *f, uint16_t cmd)
{
	fake_pci_poke(f, PCI_COMMAND, 2, cmd);
}

/* A BAR register pair at `off`: value and write mask as hardware would have them. */
static void bar_at(struct fake_fn *f, uint16_t off, uint32_t flags, uint64_t base, uint64_t size)
{
	uint64_t addr_mask = ~(size - 1);

	if (flags & FAKE_BAR_IO) {
		fake_pci_poke(f, off, 4, (uint32_t)(base & ~3ULL) | PCI_BAR_SPACE_IO);
		fake_pci_wmask(f, off, 4, (uint32_t)(addr_mask & 0xfffc));
		return;
	}
	fake_pci_poke(f, off, 4, (uint32_t)(base & ~0xfULL) |
		      (flags & FAKE_BAR_MEM64 ? PCI_BAR_MEM_TYPE_64 << 1 : 0) |
		      (flags & FAKE_BAR_PREFETCH ? PCI_BAR_MEM_PREFETCH : 0));
	fake_pci_wmask(f, off, 4, (uint32_t)(addr_mask & ~0xfULL));
	if (flags & FAKE_BAR_MEM64) {
		fake_pci_poke(f, off + 4, 4, (uint32_t)(base >> 32));
		fake_pci_wmask(f, off + 4, 4, (uint32_t)(addr_mask >> 32));
	}
}

void fake_pci_bar(struct fake_fn *f, unsigned idx, uint32_t flags, uint64_t base, uint64_t size)
{
	bar_at(f, PCI_BASE_ADDRESS_0 + 4 * idx, flags, base, size);
}

uint8_t fake_pci_cap(struct fake_fn *f, uint8_t id, uint8_t len)
{
	uint8_t off = f->next_cap;

	assert_true(off + len <= 0x100);
	if (f->last_cap)
		f->cfg[f->last_cap + PCI_CAP_NEXT] = off;
	else
		f->cfg[PCI_CAPABILITY_LIST] = off;
	f->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	f->cfg[off + PCI_CAP_ID] = id;
	f->cfg[off + PCI_CAP_NEXT] = 0;
	f->last_cap = off;
	f->next_cap = (uint8_t)ALIGN_UP(off + len, 4);
	return off;
}

uint8_t fake_pci_pcie(struct fake_fn *f, uint8_t type, bool ari_fwd_supported)
{
	uint8_t off = fake_pci_cap(f, PCI_CAP_ID_EXP, PCI_EXP_CAP_LEN_V2);

	fake_pci_poke(f, off + PCI_EXP_FLAGS, 2, 2 | type << 4);
	if (ari_fwd_supported) {
		fake_pci_poke(f, off + PCI_EXP_DEVCAP2, 4, PCI_EXP_DEVCAP2_ARI);
		fake_pci_wmask(f, off + PCI_EXP_DEVCTL2, 2, PCI_EXP_DEVCTL2_ARI);
	}
	return off;
}

uint16_t fake_pci_ext_cap(struct fake_fn *f, uint16_t id, uint16_t len)
{
	uint16_t off = f->next_ext;

	assert_true(off + len <= PCI_CFG_SIZE);
	if (f->last_ext)
		fake_pci_poke(f, f->last_ext, 4,
			      (fake_pci_peek(f, f->last_ext, 4) & 0xfffff) | (uint32_t)off << 20);
	fake_pci_poke(f, off, 4, id | 1u << 16);
	f->last_ext = off;
	f->next_ext = (uint16_t)ALIGN_UP(off + len, 4);
	return off;
}

uint16_t fake_pci_ari(struct fake_fn *f, uint8_t next_fn)
{
	uint16_t off = fake_pci_ext_cap(f, PCI_EXT_CAP_ID_ARI, PCI_ARI_CAP_LEN);

	fake_pci_poke(f, off + PCI_ARI_CAP, 2, (uint32_t)next_fn << 8);
	return off;
}

uint16_t fake_pci_dsn(struct fake_fn *f, uint64_t serial)
{
	uint16_t off = fake_pci_ext_cap(f, PCI_EXT_CAP_ID_DSN, PCI_DSN_CAP_LEN);

	fake_pci_poke(f, off + PCI_DSN_LOW, 4, (uint32_t)serial);
	fake_pci_poke(f, off + PCI_DSN_HIGH, 4, (uint32_t)(serial >> 32));
	return off;
}

uint16_t fake_pci_sriov(struct fake_fn *pf, uint16_t total, uint16_t offset, uint16_t stride,
			uint16_t vf_device, struct fake_fn *vf_template)
{
	uint16_t cap = fake_pci_ext_cap(pf, PCI_EXT_CAP_ID_SRIOV, PCI_SRIOV_CAP_LEN);

	pf->sriov = cap;
	pf->vf_template = vf_template;
	fake_pci_poke(pf, cap + PCI_SRIOV_INITIAL_VF, 2, total);
	fake_pci_poke(pf, cap + PCI_SRIOV_TOTAL_VF, 2, total);
	fake_pci_poke(pf, cap + PCI_SRIOV_VF_OFFSET, 2, offset);
	fake_pci_poke(pf, cap + PCI_SRIOV_VF_STRIDE, 2, stride);
	fake_pci_poke(pf, cap + PCI_SRIOV_VF_DID, 2, vf_device);
	fake_pci_poke(pf, cap + PCI_SRIOV_SUP_PGSIZE, 4, 0x553);
	fake_pci_poke(pf, cap + PCI_SRIOV_SYS_PGSIZE, 4, 1);
	fake_pci_wmask(pf, cap + PCI_SRIOV_CTRL, 2, 0x1f);
	fake_pci_wmask(pf, cap + PCI_SRIOV_NUM_VF, 2, 0xffff);
	fake_pci_wmask(pf, cap + PCI_SRIOV_SYS_PGSIZE, 4, 0xffffffff);
	return cap;
}

void fake_pci_sriov_vf_bar(struct fake_fn *pf, unsigned idx, uint32_t flags, uint64_t base,
			   uint64_t size)
{
	assert_true(pf->sriov != 0);
	bar_at(pf, pf->sriov + PCI_SRIOV_BAR + 4 * idx, flags, base, size);
}

void fake_pci_sriov_routing(struct fake_fn *pf,
			    void (*routing)(unsigned num_vfs, uint16_t *offset, uint16_t *stride))
{
	pf->routing = routing;
}

void fake_pci_sriov_vfs_dead(struct fake_fn *pf)
{
	pf->vfs_dead = true;
}

/* ---- SR-IOV behaviour ---- */

static struct fake_fn *lookup(uint16_t seg, uint8_t bus, uint8_t devfn)
{
	for (unsigned i = 0; i < FAKE_PCI_MAX_FUNCS; i++) {
		struct fake_fn *f = &funcs[i];

		if (!f->used || f->template || f->seg != seg || f->bus != bus)
			continue;
		if (f->devfn == devfn || (f->mirror && PCI_DEV(f->devfn) == PCI_DEV(devfn)))
			return f;
	}
	return NULL;
}

struct fake_fn *fake_pci_find(uint16_t seg, uint8_t bus, uint8_t devfn)
{
	return lookup(seg, bus, devfn);
}

static void vfs_materialise(struct fake_fn *pf)
{
	unsigned num = fake_pci_peek(pf, pf->sriov + PCI_SRIOV_NUM_VF, 2);
	uint32_t offset = fake_pci_peek(pf, pf->sriov + PCI_SRIOV_VF_OFFSET, 2);
	uint32_t stride = fake_pci_peek(pf, pf->sriov + PCI_SRIOV_VF_STRIDE, 2);

	for (unsigned i = 0; i < num; i++) {
		uint32_t rid = PCI_RID(pf->bus, pf->devfn) + offset + i * stride;
		struct fake_fn *vf;

		if (rid > 0xffff || lookup(pf->seg, PCI_RID_BUS(rid), PCI_RID_DEVFN(rid)))
			continue;
		vf = alloc_fn();
		memcpy(vf->cfg, pf->vf_template->cfg, sizeof(vf->cfg));
		memcpy(vf->wmask, pf->vf_template->wmask, sizeof(vf->wmask));
		vf->seg = pf->seg;
		vf->bus = PCI_RID_BUS(rid);
		vf->devfn = PCI_RID_DEVFN(rid);
		vf->pf = pf;
		/* PCIe 4.0 §9.3.4.1.1: a VF's vendor and device id read FFFFh. */
		fake_pci_poke(vf, PCI_VENDOR_ID, 4, 0xffffffff);
		if (pf->vfs_dead)
			memset(vf->cfg, 0xff, sizeof(vf->cfg));
	}
}

static void vfs_remove(struct fake_fn *pf)
{
	for (unsigned i = 0; i < FAKE_PCI_MAX_FUNCS; i++)
		if (funcs[i].used && funcs[i].pf == pf)
			funcs[i].used = false;
}

static bool overlaps(uint16_t off, unsigned width, uint16_t reg, unsigned reg_width)
{
	return off < reg + reg_width && reg < off + width;
}

static void sriov_after_write(struct fake_fn *pf, uint16_t off, unsigned width, uint16_t old_ctrl)
{
	uint16_t ctrl = fake_pci_peek(pf, pf->sriov + PCI_SRIOV_CTRL, 2);

	if (overlaps(off, width, pf->sriov + PCI_SRIOV_NUM_VF, 2) && pf->routing) {
		uint16_t offset, stride;

		pf->routing(fake_pci_peek(pf, pf->sriov + PCI_SRIOV_NUM_VF, 2), &offset, &stride);
		fake_pci_poke(pf, pf->sriov + PCI_SRIOV_VF_OFFSET, 2, offset);
		fake_pci_poke(pf, pf->sriov + PCI_SRIOV_VF_STRIDE, 2, stride);
	}
	if (!(old_ctrl & PCI_SRIOV_CTRL_VFE) && (ctrl & PCI_SRIOV_CTRL_VFE)) {
		vf_enable_time = now_us;
		first_vf_access = ~0ULL;
		vfs_materialise(pf);
	} else if ((old_ctrl & PCI_SRIOV_CTRL_VFE) && !(ctrl & PCI_SRIOV_CTRL_VFE)) {
		vfs_remove(pf);
	}
}

/* Sizing a BAR (writing all-ones) while its decode is on maps a bogus window. */
static void check_decode(const struct fake_fn *f, uint16_t off, unsigned width, uint32_t val)
{
	unsigned nbars = (f->cfg[PCI_HEADER_TYPE] & PCI_HEADER_TYPE_MASK) == 1 ? 2 : 6;
	uint16_t cmd = fake_pci_peek(f, PCI_COMMAND, 2);

	if (width != 4 || val != 0xffffffffu)
		return;
	if (off >= PCI_BASE_ADDRESS_0 && off < PCI_BASE_ADDRESS_0 + 4 * nbars &&
	    (cmd & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY)))
		violations++;
	if (f->sriov && off >= f->sriov + PCI_SRIOV_BAR && off < f->sriov + PCI_SRIOV_BAR + 24 &&
	    (fake_pci_peek(f, f->sriov + PCI_SRIOV_CTRL, 2) & PCI_SRIOV_CTRL_MSE))
		violations++;
}

/* ---- The accessor ---- */

static bool access_ok(uint16_t off, unsigned width)
{
	return (width == 1 || width == 2 || width == 4) && off % width == 0 &&
	       off + width <= PCI_CFG_SIZE;
}

uint32_t pci_cfg_read(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off, unsigned width)
{
	struct fake_fn *f = lookup(seg, bus, devfn);

	if (!f || !access_ok(off, width))
		return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
	if (f->pf && first_vf_access == ~0ULL)
		first_vf_access = now_us;
	return fake_pci_peek(f, off, width);
}

void pci_cfg_write(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off, unsigned width, uint32_t val)
{
	struct fake_fn *f = lookup(seg, bus, devfn);
	uint16_t old_ctrl;

	if (!f || !access_ok(off, width))
		return;
	check_decode(f, off, width, val);
	old_ctrl = f->sriov ? fake_pci_peek(f, f->sriov + PCI_SRIOV_CTRL, 2) : 0;
	if (f->pf && first_vf_access == ~0ULL)
		first_vf_access = now_us;
	for (unsigned i = 0; i < width; i++) {
		uint8_t m = f->wmask[off + i];

		f->cfg[off + i] = (uint8_t)((f->cfg[off + i] & ~m) | ((val >> (8 * i)) & m));
	}
	if (f->sriov)
		sriov_after_write(f, off, width, old_ctrl);
}

/* ---- Observations ---- */

uint64_t fake_pci_vf_enable_time(void)
{
	return vf_enable_time;
}

uint64_t fake_pci_first_vf_access_time(void)
{
	return first_vf_access;
}

unsigned fake_pci_decode_violations(void)
{
	return violations;
}

unsigned fake_pci_vf_count(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < FAKE_PCI_MAX_FUNCS; i++)
		n += funcs[i].used && funcs[i].pf;
	return n;
}
