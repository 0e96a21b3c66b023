/* SPDX-License-Identifier: MIT */
/*
 * The lspci-like boot report of the device registry. Line format (stable:
 * scenarios grep it; every line is shorter than 200 characters):
 *
 *   I/pci: device tree: N functions, P PFs, V VFs
 *   I/pci: <indent>SSSS:BB:DD.F VVVV:DDDD CCCCCC KIND[ [PORT]][ buses SS-UU][ [PF, n/t VFs]]
 *          [ [VF i of SSSS:BB:DD.F]] RIDS[ caps CAP,CAP...][ BARs BAR,BAR...]
 *
 * (one line; wrapped here). <indent> is two spaces per level below the
 * root bus (capped at 16 levels); VFs are one level below their PF.
 *   KIND   device | bridge | cardbus | header-XX (the header type)
 *   PORT   the PCIe device/port type ("root port", "endpoint", "pcie-to-pci
 *          bridge", ...), or "pci" for a conventional function
 *   buses  secondary-subordinate, type 1 only
 *   [PF, n/t VFs]     n VFs enabled of TotalVFs t
 *   [VF i of PF-BDF]  VF index i
 *   RIDS   "rid BB:DD.F" (one requester id) or
 *          "rids BB:DD.F alias BB:DD.F[ alias BB:DD.F...]" (own id first)
 *   CAP    PCIe PM MSI MSI-X PCI-X AER ARI ACS ATS PRI PASID SR-IOV DSN
 *   BAR    io|mem|mem64[ pref] 0xBASE/SIZE, SIZE in bytes or with K/M/G/T
 * When the BARs would push a line past 199 characters they go on the next
 * line instead: "<indent>  SSSS:BB:DD.F BARs ...".
 */
#define LOG_TAG "pci"
#include "pci/enum.h"
#include "pci/dev.h"
#include "pci/regs.h"
#include "kernel/log.h"
#include "kernel/spinlock.h"
#include "kernel/strbuf.h"

#include <string.h>

#define LINE_MAX_CHARS   199
#define INDENT_MAX_DEPTH 16

struct line {
	struct strbuf b;
	char s[LINE_MAX_CHARS + 1];
};

static struct pci_dev *snapshot[PCI_DEV_POOL_SIZE];
static unsigned nsnapshot;
static spinlock_t report_lock = SPINLOCK_INIT;

/* 4096 -> "4K"; sizes that are not a whole unit stay in bytes. */
static void put_size(struct strbuf *l, uint64_t size)
{
	static const char units[] = "KMGT";
	unsigned u = 0;

	if (size < 1024 || size % 1024) {
		strbuf_printf(l, "%llu", (unsigned long long)size);
		return;
	}
	size /= 1024;
	while (u + 1 < sizeof(units) - 1 && size >= 1024 && size % 1024 == 0) {
		size /= 1024;
		u++;
	}
	strbuf_printf(l, "%llu%c", (unsigned long long)size, units[u]);
}

/* ---- The parts of a device line ---- */

static const char *header_kind(uint8_t header_type)
{
	switch (header_type) {
	case PCI_HEADER_TYPE_NORMAL:  return "device";
	case PCI_HEADER_TYPE_BRIDGE:  return "bridge";
	case PCI_HEADER_TYPE_CARDBUS: return "cardbus";
	default:                      return NULL;
	}
}

static void put_identity(struct strbuf *l, const struct pci_dev *d)
{
	const char *kind = header_kind(d->header_type);

	strbuf_printf(l, PCI_BDF_FMT " %04x:%04x %06x ", PCI_BDF_ARGS(d->seg, d->bus, d->devfn),
		      d->vendor, d->device, (unsigned)d->class);
	if (kind)
		strbuf_printf(l, "%s", kind);
	else
		strbuf_printf(l, "header-%02x", d->header_type);
	strbuf_printf(l, " [%s]",
		      pci_caps_is_pcie(&d->caps) ? pci_exp_type_name(d->caps.pcie_type) : "pci");
	if (d->header_type == PCI_HEADER_TYPE_BRIDGE)
		strbuf_printf(l, " buses %02x-%02x", d->secondary_bus, d->subordinate_bus);
}

static void put_sriov_role(struct strbuf *l, const struct pci_dev *d)
{
	if (d->is_pf)
		strbuf_printf(l, " [PF, %u/%u VFs]", (unsigned)d->sriov.num_vfs,
			      (unsigned)d->sriov.total_vfs);
	else if (d->is_vf)
		strbuf_printf(l, " [VF %u of " PCI_BDF_FMT "]", (unsigned)d->vf_index,
			      PCI_BDF_ARGS(d->pf->seg, d->pf->bus, d->pf->devfn));
}

static void put_rids(struct strbuf *l, const struct pci_dev *d)
{
	uint16_t own = d->nr_rids ? d->rids[0] : pci_dev_rid(d);

	strbuf_printf(l, "%s" PCI_RID_FMT, d->nr_rids > 1 ? " rids " : " rid ", PCI_RID_ARGS(own));
	for (unsigned i = 1; i < d->nr_rids; i++)
		strbuf_printf(l, " alias " PCI_RID_FMT, PCI_RID_ARGS(d->rids[i]));
}

static void put_caps(struct strbuf *l, const struct pci_caps *c)
{
	const struct { bool present; const char *name; } caps[] = {
		{ c->pcie, "PCIe" }, { c->pm, "PM" }, { c->msi, "MSI" }, { c->msix, "MSI-X" },
		{ c->pcix, "PCI-X" }, { c->aer, "AER" }, { c->ari, "ARI" }, { c->acs, "ACS" },
		{ c->ats, "ATS" }, { c->pri, "PRI" }, { c->pasid, "PASID" },
		{ c->sriov, "SR-IOV" }, { c->dsn, "DSN" },
	};
	bool first = true;

	for (unsigned i = 0; i < ARRAY_SIZE(caps); i++) {
		if (!caps[i].present)
			continue;
		strbuf_printf(l, "%s%s", first ? " caps " : ",", caps[i].name);
		first = false;
	}
}

static void put_bars(struct strbuf *l, const struct pci_bar *bars)
{
	bool first = true;

	for (unsigned i = 0; i < PCI_BAR_MAX; i++) {
		const struct pci_bar *b = &bars[i];

		if (!b->size)
			continue;
		strbuf_printf(l, "%s%s%s 0x%llx/", first ? " BARs " : ",",
			      b->flags & PCI_BAR_IO ? "io" : b->flags & PCI_BAR_MEM64 ? "mem64" : "mem",
			      b->flags & PCI_BAR_PREFETCH ? " pref" : "", (unsigned long long)b->base);
		put_size(l, b->size);
		first = false;
	}
}

static void put_indent(struct strbuf *l, unsigned depth)
{
	strbuf_printf(l, "%*s", (int)(2 * MIN(depth, INDENT_MAX_DEPTH)), "");
}

static void report_device(const struct pci_dev *d, unsigned depth)
{
	/* Static, not on the stack: the tree recursion stays small (serialized by report_lock). */
	static struct line l, bars;

	strbuf_init(&l.b, l.s, sizeof(l.s));
	strbuf_init(&bars.b, bars.s, sizeof(bars.s));
	put_indent(&l.b, depth);
	put_identity(&l.b, d);
	put_sriov_role(&l.b, d);
	put_rids(&l.b, d);
	put_caps(&l.b, &d->caps);
	put_bars(&bars.b, d->bars);
	if (l.b.len + bars.b.len <= LINE_MAX_CHARS) {
		pr_info("%s%s", l.s, bars.s);
		return;
	}
	pr_info("%s", l.s);
	strbuf_reset(&l.b);
	put_indent(&l.b, depth + 1);
	pr_info("%s" PCI_BDF_FMT "%s", l.s, PCI_BDF_ARGS(d->seg, d->bus, d->devfn), bars.s);
}

/* ---- The tree ---- */

static int take_snapshot(struct pci_dev *d, void *unused)
{
	(void)unused;
	if (nsnapshot < ARRAY_SIZE(snapshot))
		snapshot[nsnapshot++] = pci_dev_get(d);
	return 0;
}

static void report_subtree(const struct pci_dev *d, unsigned depth)
{
	report_device(d, depth);
	if (depth > PCI_ENUM_MAX_DEPTH + 1)
		return;
	for (unsigned i = 0; i < nsnapshot; i++)
		if (snapshot[i]->is_vf && snapshot[i]->pf == d)
			report_device(snapshot[i], depth + 1);
	for (unsigned i = 0; i < nsnapshot; i++)
		if (!snapshot[i]->is_vf && snapshot[i]->parent == d)
			report_subtree(snapshot[i], depth + 1);
}

void pci_report_tree(void)
{
	unsigned pfs = 0, vfs = 0;

	spin_lock(&report_lock);
	nsnapshot = 0;
	pci_dev_for_each(take_snapshot, NULL);
	for (unsigned i = 0; i < nsnapshot; i++) {
		pfs += snapshot[i]->is_pf;
		vfs += snapshot[i]->is_vf;
	}
	pr_info("device tree: %u functions, %u PFs, %u VFs", nsnapshot, pfs, vfs);
	for (unsigned i = 0; i < nsnapshot; i++)
		if (!snapshot[i]->parent && !snapshot[i]->is_vf)
			report_subtree(snapshot[i], 0);
	for (unsigned i = 0; i < nsnapshot; i++)
		pci_dev_put(snapshot[i]);
	spin_unlock(&report_lock);
}
