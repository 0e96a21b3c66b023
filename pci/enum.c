/* SPDX-License-Identifier: MIT */
/*
 * PCI enumeration through ECAM. The topology is what firmware programmed:
 * bridges are followed through their secondary/subordinate bus numbers and
 * never renumbered. Every value read is untrusted, so each branch that
 * could loop or leave the ECAM windows is cut with a warning: a bus is
 * walked at most once, a bridge's buses must lie above its own bus, inside
 * its parent's range and inside ECAM, and nesting is bounded.
 *
 * ARI (PCIe 4.0 §6.13): below a root or downstream port with ARI
 * Forwarding enabled, a device with an ARI capability has up to 256
 * functions; they are found through the ARI Next Function Number chain.
 * As Linux does (pci_configure_ari), ARI Forwarding is enabled on a port
 * that supports it when function 0 below it has an ARI capability.
 */
#define LOG_TAG "pci"
#include "pci/enum.h"
#include "pci/dev.h"
#include "pci/group.h"
#include "pci/sriov.h"
#include "kernel/log.h"

#include <errno.h>
#include <string.h>

struct enum_ctx {
	const struct mcfg_info *mi;
	uint16_t seg;
	uint64_t visited[256 / 64];    /* buses of `seg` already walked */
	unsigned found;
	bool pool_exhausted;
	struct pci_dev_desc desc;      /* scratch: kept out of the recursive frames */
};

static struct enum_ctx ctx;

static uint32_t cfg_rd(const struct enum_ctx *c, uint8_t bus, uint8_t devfn, uint16_t off,
		       unsigned width)
{
	return pci_cfg_read(c->seg, bus, devfn, off, width);
}

/* Vendor/device dword values that mean "no function here" (as Linux treats them). */
static bool function_present(const struct enum_ctx *c, uint8_t bus, uint8_t devfn)
{
	uint32_t id = cfg_rd(c, bus, devfn, PCI_VENDOR_ID, 4);

	return id != 0xffffffffu && id != 0 && id != 0x0000ffffu && id != 0xffff0000u;
}

static bool bus_has_ecam(const struct enum_ctx *c, unsigned bus)
{
	for (unsigned i = 0; i < c->mi->count; i++) {
		const struct mcfg_range *r = &c->mi->ranges[i];

		if (r->segment == c->seg && bus >= r->bus_start && bus <= r->bus_end)
			return true;
	}
	return false;
}

/* ---- Requester ids ----------------------------------------------------------- */

static void rid_add(struct pci_dev_desc *desc, uint16_t rid)
{
	for (unsigned i = 0; i < desc->nr_rids; i++)
		if (desc->rids[i] == rid)
			return;
	if (desc->nr_rids < PCI_DEV_MAX_RIDS) {
		desc->rids[desc->nr_rids++] = rid;
		return;
	}
	/* The alias nearest the root is what reaches the IOMMU: it replaces the last one. */
	desc->rids[PCI_DEV_MAX_RIDS - 1] = rid;
	if (!(desc->flags & PCI_DEV_RIDS_TRUNCATED))
		pr_warn(PCI_BDF_FMT ": more than %u requester ids, intermediate aliases dropped",
			PCI_BDF_ARGS(desc->seg, desc->bus, desc->devfn), PCI_DEV_MAX_RIDS);
	desc->flags |= PCI_DEV_RIDS_TRUNCATED;
}

/*
 * Every requester id the function's DMA may carry, modelled on Linux's
 * pci_for_each_dma_alias: its own, then for each bridge on the way up:
 * - a PCIe-to-PCI/PCI-X bridge takes ownership of transactions with its
 *   secondary bus number and devfn 0 (PCIe-to-PCI Bridge spec 1.0 §2.3);
 *   a PCI-X device may keep its own id, so both are recorded;
 * - a PCI-to-PCIe bridge and a conventional PCI-to-PCI bridge forward with
 *   their own id;
 * - PCIe root and switch ports forward ids unchanged.
 */
static void compute_rids(struct pci_dev_desc *desc, const struct pci_dev *parent)
{
	desc->nr_rids = 0;
	rid_add(desc, PCI_RID(desc->bus, desc->devfn));
	for (unsigned depth = 0; parent && depth <= PCI_ENUM_MAX_DEPTH; depth++) {
		const struct pci_dev *p = parent;

		if (!pci_caps_is_pcie(&p->caps))
			rid_add(desc, pci_dev_rid(p));
		else if (p->caps.pcie_type == PCI_EXP_TYPE_PCI_BRIDGE)
			rid_add(desc, PCI_RID(p->secondary_bus, 0));
		else if (p->caps.pcie_type == PCI_EXP_TYPE_PCIE_BRIDGE)
			rid_add(desc, pci_dev_rid(p));
		parent = p->parent;
	}
}

/* ---- One function --------------------------------------------------------------- */

static unsigned bar_count(uint8_t header_type)
{
	switch (header_type) {
	case PCI_HEADER_TYPE_NORMAL:  return PCI_BAR_COUNT_NORMAL;
	case PCI_HEADER_TYPE_BRIDGE:  return PCI_BAR_COUNT_BRIDGE;
	case PCI_HEADER_TYPE_CARDBUS: return PCI_BAR_COUNT_CARDBUS;
	default:                      return 0;
	}
}

/* A port whose link leads to exactly one device (Linux's pcie_downstream_port). */
static bool is_downstream_port(const struct pci_caps *caps)
{
	return pci_caps_is_pcie(caps) && (caps->pcie_type == PCI_EXP_TYPE_ROOT_PORT ||
					  caps->pcie_type == PCI_EXP_TYPE_DOWNSTREAM ||
					  caps->pcie_type == PCI_EXP_TYPE_PCIE_BRIDGE);
}

/* Linux's pci_configure_ari: enable ARI Forwarding when the device below can use it. */
static void configure_ari_forwarding(struct enum_ctx *c, struct pci_dev_desc *port)
{
	uint8_t below = port->secondary_bus;
	uint16_t devctl2;

	if (!is_downstream_port(&port->caps) || !port->caps.ari_fwd_supported || port->caps.ari_fwd_enabled)
		return;
	if (below <= port->bus || !bus_has_ecam(c, below) || !function_present(c, below, 0) ||
	    !pci_ext_cap_find(c->seg, below, 0, PCI_EXT_CAP_ID_ARI))
		return;
	devctl2 = cfg_rd(c, port->bus, port->devfn, port->caps.pcie + PCI_EXP_DEVCTL2, 2);
	pci_cfg_write(c->seg, port->bus, port->devfn, port->caps.pcie + PCI_EXP_DEVCTL2, 2,
		      devctl2 | PCI_EXP_DEVCTL2_ARI);
	port->caps.ari_fwd_enabled = true;
	pr_debug(PCI_BDF_FMT ": ARI forwarding enabled", PCI_BDF_ARGS(c->seg, port->bus, port->devfn));
}

static void describe_sriov(struct enum_ctx *c, struct pci_dev_desc *desc)
{
	if (!desc->caps.sriov)
		return;
	if (sriov_read_cap(c->seg, desc->bus, desc->devfn, desc->caps.sriov, &desc->sriov)) {
		pr_warn(PCI_BDF_FMT ": SR-IOV capability does not answer, not treated as a PF",
			PCI_BDF_ARGS(c->seg, desc->bus, desc->devfn));
		desc->caps.sriov = 0;
	}
}

static void describe_function(struct enum_ctx *c, uint8_t bus, uint8_t devfn,
			      const struct pci_dev *parent, uint32_t flags)
{
	struct pci_dev_desc *desc = &c->desc;
	uint32_t id = cfg_rd(c, bus, devfn, PCI_VENDOR_ID, 4);
	uint32_t class_rev = cfg_rd(c, bus, devfn, PCI_CLASS_REVISION, 4);
	uint8_t hdr = cfg_rd(c, bus, devfn, PCI_HEADER_TYPE, 1);

	memset(desc, 0, sizeof(*desc));
	desc->seg = c->seg;
	desc->bus = bus;
	desc->devfn = devfn;
	desc->vendor = (uint16_t)id;
	desc->device = (uint16_t)(id >> 16);
	desc->class = class_rev >> 8;
	desc->revision = (uint8_t)class_rev;
	desc->header_type = hdr & PCI_HEADER_TYPE_MASK;
	desc->multifunction = hdr & PCI_HEADER_MULTIFUNC;
	desc->flags = flags | (parent ? 0 : PCI_DEV_ROOT_BUS);
	if (!bar_count(desc->header_type))
		pr_warn(PCI_BDF_FMT ": unknown header type 0x%x, registered without BARs",
			PCI_BDF_ARGS(c->seg, bus, devfn), desc->header_type);
	pci_caps_read(c->seg, bus, devfn, desc->header_type, &desc->caps);
	if (desc->caps.acs)   /* peer requests go up to the IOMMU where the function can send them */
		pci_acs_enable(c->seg, bus, devfn, desc->caps.acs, desc->caps.acs_caps);
	if (desc->caps.warnings)
		desc->flags |= PCI_DEV_CAPS_MALFORMED;
	pci_header_bars_read(c->seg, bus, devfn, bar_count(desc->header_type), desc->bars);
	desc->irq_pin = cfg_rd(c, bus, devfn, PCI_INTERRUPT_PIN, 1);
	if (desc->header_type == PCI_HEADER_TYPE_BRIDGE) {
		desc->primary_bus = cfg_rd(c, bus, devfn, PCI_PRIMARY_BUS, 1);
		desc->secondary_bus = cfg_rd(c, bus, devfn, PCI_SECONDARY_BUS, 1);
		desc->subordinate_bus = cfg_rd(c, bus, devfn, PCI_SUBORDINATE_BUS, 1);
		configure_ari_forwarding(c, desc);
	}
	describe_sriov(c, desc);
	if (parent) {
		desc->has_parent = true;
		desc->parent_bus = parent->bus;
		desc->parent_devfn = parent->devfn;
	}
	compute_rids(desc, parent);
}

/* Describe and register one function; returns it referenced, or NULL. */
static struct pci_dev *register_function(struct enum_ctx *c, uint8_t bus, uint8_t devfn,
					 const struct pci_dev *parent, uint32_t flags)
{
	struct pci_dev *d = NULL;
	int err;

	describe_function(c, bus, devfn, parent, flags);
	err = pci_dev_add(&c->desc, &d);
	if (err == -ENOMEM) {
		pr_warn("device pool exhausted: enumeration of segment %04x stopped at " PCI_BDF_FMT,
			c->seg, PCI_BDF_ARGS(c->seg, bus, devfn));
		c->pool_exhausted = true;
		return NULL;
	}
	if (!err)
		c->found++;
	return err ? NULL : d;
}

/* ---- Bridges and buses ------------------------------------------------------- */

static void walk_bus(struct enum_ctx *c, uint8_t bus, struct pci_dev *parent, unsigned depth);

/* Whether the buses behind `br` can be walked without looping or leaving ECAM. */
static bool bridge_followable(const struct enum_ctx *c, const struct pci_dev *br, unsigned depth)
{
	uint8_t sec = br->secondary_bus, sub = br->subordinate_bus;
	const struct pci_dev *up = br->parent;
	const char *why = NULL;

	if (sec == 0 && sub == 0)
		why = "has no bus numbers (firmware did not configure it)";
	else if (sec <= br->bus)
		why = "has a secondary bus not above its own bus (would loop)";
	else if (sub < sec)
		why = "has a subordinate bus below its secondary bus";
	else if (!bus_has_ecam(c, sec))
		why = "has a secondary bus outside the segment's MCFG ranges";
	else if (up && (sec < up->secondary_bus || sub > up->subordinate_bus))
		why = "claims buses outside its parent bridge's range";
	else if (depth >= PCI_ENUM_MAX_DEPTH)
		why = "is nested too deep";
	if (!why)
		return true;
	pr_warn(PCI_BDF_FMT ": bridge (buses %02x-%02x) %s; buses behind it not scanned",
		PCI_BDF_ARGS(c->seg, br->bus, br->devfn), sec, sub, why);
	return false;
}

/* Register a function, walk behind it if it is a bridge; returns it referenced. */
static struct pci_dev *probe_function(struct enum_ctx *c, uint8_t bus, uint8_t devfn,
				      struct pci_dev *parent, unsigned depth, uint32_t flags)
{
	struct pci_dev *d = register_function(c, bus, devfn, parent, flags);

	if (d && d->header_type == PCI_HEADER_TYPE_BRIDGE && bridge_followable(c, d, depth))
		walk_bus(c, d->secondary_bus, d, depth + 1);
	return d;
}

/* All eight functions answering with one config space: the device ignores the function number. */
static bool functions_identical(const struct enum_ctx *c, uint8_t bus, uint8_t dev)
{
	for (uint16_t off = 0; off < PCI_CFG_SIZE_LEGACY; off += 4) {
		uint32_t v = cfg_rd(c, bus, PCI_DEVFN(dev, 0), off, 4);

		for (uint8_t fn = 1; fn < 8; fn++)
			if (cfg_rd(c, bus, PCI_DEVFN(dev, fn), off, 4) != v)
				return false;
	}
	return true;
}

/* Functions 1..255 of an ARI device, through the Next Function Number chain. */
static void scan_ari_chain(struct enum_ctx *c, uint8_t bus, struct pci_dev *fn0,
			   struct pci_dev *parent, unsigned depth)
{
	uint64_t visited[256 / 64] = { 1 };   /* function 0 */
	uint8_t next = fn0->caps.ari_next_fn;

	while (next && !c->pool_exhausted) {
		struct pci_dev *d;

		if (visited[next / 64] & BIT(next % 64)) {
			pr_warn(PCI_BDF_FMT ": ARI next-function chain loops back to function %u",
				PCI_BDF_ARGS(c->seg, bus, 0), next);
			return;
		}
		visited[next / 64] |= BIT(next % 64);
		if (!function_present(c, bus, next)) {
			/*
			 * Not a fault: QEMU's nvme PF points its chain at function 1,
			 * where its first VF appears once VFs are enabled.
			 */
			pr_debug(PCI_BDF_FMT ": ARI next function %u does not answer, chain ends",
				PCI_BDF_ARGS(c->seg, bus, 0), next);
			return;
		}
		d = probe_function(c, bus, next, parent, depth, PCI_DEV_ARI);
		if (!d)
			return;
		if (!d->caps.ari)
			pr_warn(PCI_BDF_FMT ": function in an ARI chain has no ARI capability, chain ends",
				PCI_BDF_ARGS(c->seg, bus, next));
		next = d->caps.ari ? d->caps.ari_next_fn : 0;
		pci_dev_put(d);
	}
}

static void scan_functions(struct enum_ctx *c, uint8_t bus, uint8_t dev, struct pci_dev *parent,
			   unsigned depth)
{
	for (uint8_t fn = 1; fn < 8 && !c->pool_exhausted; fn++) {
		struct pci_dev *d;

		if (!function_present(c, bus, PCI_DEVFN(dev, fn)))
			continue;
		d = probe_function(c, bus, PCI_DEVFN(dev, fn), parent, depth, 0);
		if (d)
			pci_dev_put(d);
	}
}

static void scan_device(struct enum_ctx *c, uint8_t bus, uint8_t dev, struct pci_dev *parent,
			unsigned depth)
{
	uint8_t fn0 = PCI_DEVFN(dev, 0);
	bool multi = cfg_rd(c, bus, fn0, PCI_HEADER_TYPE, 1) & PCI_HEADER_MULTIFUNC;
	bool ari = dev == 0 && parent && parent->caps.ari_fwd_enabled;
	bool ignores_fn = !ari && multi && functions_identical(c, bus, dev);
	struct pci_dev *d;

	if (ignores_fn)
		pr_warn(PCI_BDF_FMT ": all 8 functions return identical config space (the device "
			"ignores the function number); only function 0 registered",
			PCI_BDF_ARGS(c->seg, bus, fn0));
	d = probe_function(c, bus, fn0, parent, depth, ignores_fn ? PCI_DEV_IGNORES_FN : 0);
	if (!d)
		return;
	if (ari && d->caps.ari)
		scan_ari_chain(c, bus, d, parent, depth);
	else if (multi && !ignores_fn)
		scan_functions(c, bus, dev, parent, depth);
	else if (!multi && function_present(c, bus, PCI_DEVFN(dev, 1)))
		pr_warn(PCI_BDF_FMT ": function 1 answers but function 0 is not multi-function; "
			"functions 1-7 not probed", PCI_BDF_ARGS(c->seg, bus, fn0));
	pci_dev_put(d);
}

/*
 * A PCIe downstream port links to exactly one device, device 0 (PCIe 4.0
 * §7.3.1); anything answering at 1..31 behind it is a device that ignores
 * the device number (Linux's only_one_child).
 */
static unsigned devices_on_bus(const struct pci_dev *parent)
{
	return parent && is_downstream_port(&parent->caps) ? 1 : 32;
}

static void walk_bus(struct enum_ctx *c, uint8_t bus, struct pci_dev *parent, unsigned depth)
{
	if (c->visited[bus / 64] & BIT(bus % 64)) {
		if (parent)
			pr_warn("bus %04x:%02x reached a second time through bridge " PCI_BDF_FMT
				", not rescanned", c->seg, bus,
				PCI_BDF_ARGS(c->seg, parent->bus, parent->devfn));
		return;
	}
	c->visited[bus / 64] |= BIT(bus % 64);
	for (uint8_t dev = 0; dev < devices_on_bus(parent) && !c->pool_exhausted; dev++)
		if (function_present(c, bus, PCI_DEVFN(dev, 0)))
			scan_device(c, bus, dev, parent, depth);
}

static bool segment_seen_before(const struct mcfg_info *mi, unsigned idx)
{
	for (unsigned i = 0; i < idx; i++)
		if (mi->ranges[i].segment == mi->ranges[idx].segment)
			return true;
	return false;
}

/* Every range of one segment shares the bus bitmap: a bridge may lead into another range. */
static void walk_segment(struct enum_ctx *c, unsigned first)
{
	c->seg = c->mi->ranges[first].segment;
	memset(c->visited, 0, sizeof(c->visited));
	for (unsigned i = first; i < c->mi->count && !c->pool_exhausted; i++)
		if (c->mi->ranges[i].segment == c->seg)
			walk_bus(c, c->mi->ranges[i].bus_start, NULL, 0);
}

int pci_enumerate(const struct mcfg_info *mi)
{
	struct enum_ctx *c = &ctx;

	memset(c, 0, sizeof(*c));
	c->mi = mi;
	for (unsigned i = 0; i < mi->count && !c->pool_exhausted; i++)
		if (!segment_seen_before(mi, i))
			walk_segment(c, i);
	pr_info("%u functions found on %u ECAM ranges", c->found, mi->count);
	return c->pool_exhausted ? -ENOMEM : (int)c->found;
}
