/* SPDX-License-Identifier: MIT */
/*
 * SR-IOV enable/disable over a hostile PF. The PF's config space is
 * stateful (VF Enable and NumVFs stick, VFs answer while VF Enable is set),
 * but every value the device reports is fuzz input: TotalVFs, InitialVFs,
 * First VF Offset and VF Stride (which may change with NumVFs, as the spec
 * allows, or at random), the VF BARs, the VFs' own config space, and which
 * VFs answer at all. The rest of the input is a sequence of operations:
 * enable N, disable, hold or drop a reference to a VF.
 *
 * After every operation the harness checks the contract of pci/sriov.h,
 * and aborts (a finding) when it breaks:
 *   - a failed enable leaves VF Enable clear, NumVFs 0 and no VF registered;
 *   - a successful enable registers exactly NumVFs VFs, each of which answers;
 *   - a failed disable (-EBUSY) changes nothing; a successful one leaves no VF
 *     registered and VF Enable clear;
 *   - the registry holds the functions found at boot plus the PF's VFs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/panic.h"
#include "kernel/time.h"
#include "pci/dev.h"
#include "pci/enum.h"
#include "pci/pci.h"
#include "pci/regs.h"
#include "pci/sriov.h"
#include "tests/fuzz/fuzz.h"

#define PORT_DEVFN      0x00               /* root port 00:00.0 */
#define PF_BUS          1                  /* the PF at 01:00.0, below the port */
#define PCIE_CAP        0x40
#define SRIOV_CAP       0x100
#define VF_IMAGE_LEN    64
#define MAX_HELD        8

/* What the input says about the device; see parse_device(). */
struct knobs {
	uint8_t subordinate;           /* the port routes buses 1..subordinate */
	uint8_t flags;
	uint16_t total, initial, offset, stride, vf_did;
	uint32_t pgsizes;
	uint32_t vf_bars[PCI_SRIOV_BAR_COUNT];
	uint8_t vf_image[VF_IMAGE_LEN];
};

#define KNOB_ARI_FWD_SUPPORTED BIT(0)      /* the port offers ARI forwarding */
#define KNOB_PF_ARI            BIT(1)      /* the PF has an ARI capability */
#define KNOB_ROUTING_BY_NUMVF  BIT(2)      /* offset/stride depend on NumVFs */
#define KNOB_ROUTING_DRIFTS    BIT(3)      /* offset/stride change on every read */
#define KNOB_SOME_VFS_DEAD     BIT(4)      /* some VFs never answer */
#define KNOB_LEFT_ENABLED      BIT(5)      /* firmware left VF Enable set */

static struct knobs k;
static uint8_t port_cfg[PCI_CFG_SIZE], pf_cfg[PCI_CFG_SIZE];
static unsigned drift;

static void put(uint8_t *cfg, uint16_t off, unsigned width, uint32_t v)
{
	for (unsigned i = 0; i < width; i++)
		cfg[off + i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get(const uint8_t *cfg, uint16_t off, unsigned width)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < width; i++)
		v |= (uint32_t)cfg[off + i] << (8 * i);
	return v;
}

static uint16_t pf_reg(uint16_t reg)
{
	return (uint16_t)get(pf_cfg, SRIOV_CAP + reg, 2);
}

/* First VF Offset and VF Stride as the device reports them now. */
static void routing(uint16_t *offset, uint16_t *stride)
{
	uint16_t num_vfs = pf_reg(PCI_SRIOV_NUM_VF);

	*offset = k.offset;
	*stride = k.stride;
	if (k.flags & KNOB_ROUTING_BY_NUMVF) {
		*offset = (uint16_t)(*offset + (num_vfs & 3));
		*stride = (uint16_t)(*stride + (num_vfs >> 2 & 1));
	}
	if (k.flags & KNOB_ROUTING_DRIFTS)
		*offset = (uint16_t)(*offset + (drift++ & 1));
}

/* Index of the VF at (bus, devfn), or -1 when no VF answers there. */
static int vf_at(uint8_t bus, uint8_t devfn)
{
	uint16_t rid = PCI_RID(bus, devfn), num_vfs = pf_reg(PCI_SRIOV_NUM_VF);
	uint32_t first = PCI_RID(PF_BUS, 0);

	if (!(pf_reg(PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_VFE))
		return -1;
	/* The spec's routing with the values of the moment NumVFs was written. */
	for (uint32_t i = 0; i < MIN(num_vfs, (uint16_t)256); i++) {
		uint32_t r = first + k.offset + i * (uint32_t)k.stride;

		if (k.flags & KNOB_ROUTING_BY_NUMVF)
			r = first + k.offset + (num_vfs & 3) + i * (uint32_t)(k.stride + (num_vfs >> 2 & 1));
		if (r != rid)
			continue;
		if ((k.flags & KNOB_SOME_VFS_DEAD) && (i * 37 + k.vf_image[0]) % 5 == 0)
			return -1;
		return (int)i;
	}
	return -1;
}

uint32_t pci_cfg_read(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off, unsigned width)
{
	uint32_t ones = width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
	uint16_t offset, stride;

	if (seg || off + width > PCI_CFG_SIZE)
		return ones;
	if (bus == 0 && devfn == PORT_DEVFN)
		return get(port_cfg, off, width);
	if (bus == PF_BUS && devfn == 0) {
		if (off == SRIOV_CAP + PCI_SRIOV_VF_OFFSET && width == 2) {
			routing(&offset, &stride);
			return offset;
		}
		if (off == SRIOV_CAP + PCI_SRIOV_VF_STRIDE && width == 2) {
			routing(&offset, &stride);
			return stride;
		}
		return get(pf_cfg, off, width);
	}
	if (bus > 0 && bus <= k.subordinate && vf_at(bus, devfn) >= 0) {
		uint32_t v = 0;

		/* §9.3.4.1.1: a VF's vendor and device id read FFFFh. */
		if (off < 4)
			return ones;
		for (unsigned i = 0; i < width; i++)
			v |= (uint32_t)k.vf_image[(off + i) % VF_IMAGE_LEN] << (8 * i);
		return v;
	}
	return ones;
}

void pci_cfg_write(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off, unsigned width,
		   uint32_t val)
{
	if (seg || off + width > PCI_CFG_SIZE)
		return;
	if (bus == 0 && devfn == PORT_DEVFN) {
		put(port_cfg, off, width, val);
		return;
	}
	if (bus != PF_BUS || devfn != 0)
		return;   /* VFs: writes ignored */
	/* The SR-IOV capability is read-only except Control, NumVFs and System Page Size. */
	if (off >= SRIOV_CAP && off < SRIOV_CAP + PCI_SRIOV_CAP_LEN) {
		uint16_t reg = off - SRIOV_CAP;

		if (reg == PCI_SRIOV_CTRL || reg == PCI_SRIOV_NUM_VF || reg == PCI_SRIOV_SYS_PGSIZE)
			put(pf_cfg, off, width, val);
		return;
	}
	put(pf_cfg, off, width, val);
}

void udelay(uint64_t us) { (void)us; }
uint64_t time_now_us(void) { return 0; }
void panic(const char *fmt, ...)
{
	(void)fmt;
	abort();   /* a registry invariant broke: that is a finding */
}

static void build_port(void)
{
	memset(port_cfg, 0, sizeof(port_cfg));
	put(port_cfg, PCI_VENDOR_ID, 2, 0x1b36);
	put(port_cfg, PCI_DEVICE_ID, 2, 0x000c);
	put(port_cfg, PCI_CLASS_REVISION, 4, 0x06040000);
	put(port_cfg, PCI_HEADER_TYPE, 1, PCI_HEADER_TYPE_BRIDGE);
	put(port_cfg, PCI_STATUS, 2, PCI_STATUS_CAP_LIST);
	put(port_cfg, PCI_CAPABILITY_LIST, 1, PCIE_CAP);
	put(port_cfg, PCI_SECONDARY_BUS, 1, PF_BUS);
	put(port_cfg, PCI_SUBORDINATE_BUS, 1, k.subordinate);
	put(port_cfg, PCIE_CAP, 2, PCI_CAP_ID_EXP);
	put(port_cfg, PCIE_CAP + PCI_EXP_FLAGS, 2, 2 | PCI_EXP_TYPE_ROOT_PORT << 4);
	if (k.flags & KNOB_ARI_FWD_SUPPORTED)
		put(port_cfg, PCIE_CAP + PCI_EXP_DEVCAP2, 4, PCI_EXP_DEVCAP2_ARI);
}

static void build_pf(void)
{
	uint16_t next = (k.flags & KNOB_PF_ARI) ? SRIOV_CAP + PCI_SRIOV_CAP_LEN : 0;

	memset(pf_cfg, 0, sizeof(pf_cfg));
	put(pf_cfg, PCI_VENDOR_ID, 2, 0x8086);
	put(pf_cfg, PCI_DEVICE_ID, 2, 0x10c9);
	put(pf_cfg, PCI_CLASS_REVISION, 4, 0x02000001);
	put(pf_cfg, PCI_STATUS, 2, PCI_STATUS_CAP_LIST);
	put(pf_cfg, PCI_CAPABILITY_LIST, 1, PCIE_CAP);
	put(pf_cfg, PCIE_CAP, 2, PCI_CAP_ID_EXP);
	put(pf_cfg, PCIE_CAP + PCI_EXP_FLAGS, 2, 2 | PCI_EXP_TYPE_ENDPOINT << 4);
	put(pf_cfg, SRIOV_CAP, 4, PCI_EXT_CAP_ID_SRIOV | 1u << 16 | (uint32_t)next << 20);
	put(pf_cfg, SRIOV_CAP + PCI_SRIOV_TOTAL_VF, 2, k.total);
	put(pf_cfg, SRIOV_CAP + PCI_SRIOV_INITIAL_VF, 2, k.initial);
	put(pf_cfg, SRIOV_CAP + PCI_SRIOV_VF_DID, 2, k.vf_did);
	put(pf_cfg, SRIOV_CAP + PCI_SRIOV_SUP_PGSIZE, 4, k.pgsizes);
	put(pf_cfg, SRIOV_CAP + PCI_SRIOV_SYS_PGSIZE, 4, 1);
	for (unsigned i = 0; i < PCI_SRIOV_BAR_COUNT; i++)
		put(pf_cfg, SRIOV_CAP + PCI_SRIOV_BAR + 4 * i, 4, k.vf_bars[i]);
	if (k.flags & KNOB_LEFT_ENABLED) {
		put(pf_cfg, SRIOV_CAP + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
		put(pf_cfg, SRIOV_CAP + PCI_SRIOV_NUM_VF, 2, k.initial);
	}
	if (next)
		put(pf_cfg, next, 4, PCI_EXT_CAP_ID_ARI | 1u << 16);
}

/* The device description at the front of the input; returns the bytes used, 0 if too short. */
static size_t parse_device(const uint8_t *d, size_t size)
{
	size_t need = 16 + 4 * PCI_SRIOV_BAR_COUNT + VF_IMAGE_LEN;

	if (size < need)
		return 0;
	k.subordinate = (uint8_t)(PF_BUS + d[0] % 4);
	k.flags = d[1];
	memcpy(&k.total, d + 2, 2);
	memcpy(&k.initial, d + 4, 2);
	memcpy(&k.offset, d + 6, 2);
	memcpy(&k.stride, d + 8, 2);
	memcpy(&k.vf_did, d + 10, 2);
	memcpy(&k.pgsizes, d + 12, 4);
	memcpy(k.vf_bars, d + 16, sizeof(k.vf_bars));
	memcpy(k.vf_image, d + 16 + sizeof(k.vf_bars), VF_IMAGE_LEN);
	return need;
}

static void check(bool ok)
{
	if (!ok)
		abort();
}

/* Every registered VF answers, and the registry holds `base` functions plus them. */
static void check_registered(const struct pci_dev *pf, unsigned base)
{
	unsigned n = 0;

	for (const struct pci_dev *vf = pf->vfs; vf; vf = vf->vf_next, n++)
		check(vf->is_vf && vf->pf == pf && vf_at(vf->bus, vf->devfn) >= 0);
	check(n == pf->nr_vfs && pci_dev_count() == base + n);
}

static void check_disabled(const struct pci_dev *pf, unsigned base)
{
	check(pf->nr_vfs == 0 && !pf->vfs && pci_dev_count() == base);
	check(!(pf_reg(PCI_SRIOV_CTRL) & PCI_SRIOV_CTRL_VFE) && pf_reg(PCI_SRIOV_NUM_VF) == 0);
}

static void drop_held(struct pci_dev **held, unsigned *nheld)
{
	while (*nheld)
		pci_dev_put(held[--*nheld]);
}

static void run_ops(struct pci_dev *pf, unsigned base, const uint8_t *op, size_t n)
{
	struct pci_dev *held[MAX_HELD];
	unsigned nheld = 0;

	for (size_t i = 0; i + 1 < n; i += 2) {
		unsigned arg = op[i + 1];
		int rc;

		switch (op[i] % 4) {
		case 0:
			/* Mostly small counts, sometimes the device's own TotalVFs or past it. */
			rc = sriov_enable(pf, arg < 0xf0 ? arg % 17 : k.total + (arg & 3) - 1u);
			if (rc < 0 && rc != -EBUSY)
				check_disabled(pf, base);
			check_registered(pf, base);
			break;
		case 1: {
			unsigned before = pf->nr_vfs;

			rc = sriov_disable(pf);
			if (rc == 0)
				check_disabled(pf, base);
			else
				check(rc == -EBUSY && pf->nr_vfs == before);
			check_registered(pf, base);
			break;
		}
		case 2: {
			struct pci_dev *vf = pf->vfs;

			for (unsigned j = 0; vf && j < arg % 8; j++)
				vf = vf->vf_next;
			if (vf && nheld < MAX_HELD)
				held[nheld++] = pci_dev_get(vf);
			break;
		}
		default:
			drop_held(held, &nheld);
			break;
		}
	}
	drop_held(held, &nheld);
	check(sriov_disable(pf) == 0);
	check_disabled(pf, base);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mcfg_info mi = { .count = 1 };
	size_t used = parse_device(data, size);
	struct pci_dev *pf;
	unsigned base;

	if (!used)
		return 0;
	drift = 0;
	build_port();
	build_pf();
	mi.ranges[0] = (struct mcfg_range){ .base = 0xb0000000, .segment = 0, .bus_start = 0,
					    .bus_end = 3 };
	pci_dev_registry_reset();
	pci_enumerate(&mi);
	pf = pci_dev_find(0, PF_BUS, 0);   /* a reference of our own */
	if (pf && pf->is_pf) {
		base = pci_dev_count();
		/* Enumeration turned off what firmware left enabled. */
		check_disabled(pf, base);
		run_ops(pf, base, data + used, size - used);
		pci_report_tree();
	}
	if (pf)
		pci_dev_put(pf);
	pci_dev_registry_reset();
	return 0;
}
