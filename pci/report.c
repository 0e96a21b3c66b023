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
#include "kernel/log.h"
#include "kernel/spinlock.h"

#include <string.h>

#define LINE_MAX_CHARS   199
#define INDENT_MAX_DEPTH 16

struct line {
	char s[LINE_MAX_CHARS + 1];
	unsigned len;
};

static struct pci_dev *snapshot[PCI_DEV_POOL_SIZE];
static unsigned nsnapshot;
static spinlock_t report_lock = SPINLOCK_INIT;

/* ---- A bounded line builder (no stdio in the monitor's pci code) ---- */

static void put_char(struct line *l, char c)
{
	if (l->len < LINE_MAX_CHARS)
		l->s[l->len++] = c;
	l->s[l->len] = '\0';
}

static void put_str(struct line *l, const char *s)
{
	while (*s)
		put_char(l, *s++);
}

static void put_hex(struct line *l, uint64_t v, unsigned min_digits)
{
	char digits[16];
	unsigned n = 0;

	do {
		digits[n++] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v && n < sizeof(digits));
	for (unsigned pad = n; pad < min_digits; pad++)
		put_char(l, '0');
	while (n)
		put_char(l, digits[--n]);
}

static void put_dec(struct line *l, uint64_t v)
{
	char digits[20];
	unsigned n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		put_char(l, digits[--n]);
}

static void put_bdf(struct line *l, uint16_t seg, uint8_t bus, uint8_t devfn)
{
	put_hex(l, seg, 4);
	put_char(l, ':');
	put_hex(l, bus, 2);
	put_char(l, ':');
	put_hex(l, PCI_DEV(devfn), 2);
	put_char(l, '.');
	put_dec(l, PCI_FN(devfn));
}

static void put_rid(struct line *l, uint16_t rid)
{
	put_hex(l, PCI_RID_BUS(rid), 2);
	put_char(l, ':');
	put_hex(l, PCI_DEV(PCI_RID_DEVFN(rid)), 2);
	put_char(l, '.');
	put_dec(l, PCI_FN(PCI_RID_DEVFN(rid)));
}

/* 4096 -> "4K"; sizes that are not a whole unit stay in bytes. */
static void put_size(struct line *l, uint64_t size)
{
	static const char units[] = "KMGT";
	unsigned u = 0;

	if (size < 1024 || size % 1024) {
		put_dec(l, size);
		return;
	}
	size /= 1024;
	while (u + 1 < sizeof(units) - 1 && size >= 1024 && size % 1024 == 0) {
		size /= 1024;
		u++;
	}
	put_dec(l, size);
	put_char(l, units[u]);
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

static void put_identity(struct line *l, const struct pci_dev *d)
{
	const char *kind = header_kind(d->header_type);

	put_bdf(l, d->seg, d->bus, d->devfn);
	put_char(l, ' ');
	put_hex(l, d->vendor, 4);
	put_char(l, ':');
	put_hex(l, d->device, 4);
	put_char(l, ' ');
	put_hex(l, d->class, 6);
	put_char(l, ' ');
	if (kind) {
		put_str(l, kind);
	} else {
		put_str(l, "header-");
		put_hex(l, d->header_type, 2);
	}
	put_str(l, " [");
	put_str(l, pci_caps_is_pcie(&d->caps) ? pci_exp_type_name(d->caps.pcie_type) : "pci");
	put_char(l, ']');
	if (d->header_type == PCI_HEADER_TYPE_BRIDGE) {
		put_str(l, " buses ");
		put_hex(l, d->secondary_bus, 2);
		put_char(l, '-');
		put_hex(l, d->subordinate_bus, 2);
	}
}

static void put_sriov_role(struct line *l, const struct pci_dev *d)
{
	if (d->is_pf) {
		put_str(l, " [PF, ");
		put_dec(l, d->sriov.num_vfs);
		put_char(l, '/');
		put_dec(l, d->sriov.total_vfs);
		put_str(l, " VFs]");
	} else if (d->is_vf) {
		put_str(l, " [VF ");
		put_dec(l, d->vf_index);
		put_str(l, " of ");
		put_bdf(l, d->pf->seg, d->pf->bus, d->pf->devfn);
		put_char(l, ']');
	}
}

static void put_rids(struct line *l, const struct pci_dev *d)
{
	put_str(l, d->nr_rids > 1 ? " rids " : " rid ");
	put_rid(l, d->nr_rids ? d->rids[0] : pci_dev_rid(d));
	for (unsigned i = 1; i < d->nr_rids; i++) {
		put_str(l, " alias ");
		put_rid(l, d->rids[i]);
	}
}

static void put_caps(struct line *l, const struct pci_caps *c)
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
		put_str(l, first ? " caps " : ",");
		put_str(l, caps[i].name);
		first = false;
	}
}

static void put_bars(struct line *l, const struct pci_bar *bars)
{
	bool first = true;

	for (unsigned i = 0; i < PCI_BAR_MAX; i++) {
		const struct pci_bar *b = &bars[i];

		if (!b->size)
			continue;
		put_str(l, first ? " BARs " : ",");
		put_str(l, b->flags & PCI_BAR_IO ? "io" : b->flags & PCI_BAR_MEM64 ? "mem64" : "mem");
		if (b->flags & PCI_BAR_PREFETCH)
			put_str(l, " pref");
		put_str(l, " 0x");
		put_hex(l, b->base, 1);
		put_char(l, '/');
		put_size(l, b->size);
		first = false;
	}
}

static void put_indent(struct line *l, unsigned depth)
{
	for (unsigned i = 0; i < MIN(depth, INDENT_MAX_DEPTH); i++)
		put_str(l, "  ");
}

static void report_device(const struct pci_dev *d, unsigned depth)
{
	/* Static, not on the stack: the tree recursion stays small (serialized by report_lock). */
	static struct line l, bars;

	l.len = bars.len = 0;
	l.s[0] = bars.s[0] = '\0';

	put_indent(&l, depth);
	put_identity(&l, d);
	put_sriov_role(&l, d);
	put_rids(&l, d);
	put_caps(&l, &d->caps);
	put_bars(&bars, d->bars);
	if (l.len + bars.len <= LINE_MAX_CHARS) {
		put_str(&l, bars.s);
		pr_info("%s", l.s);
		return;
	}
	pr_info("%s", l.s);
	l.len = 0;
	put_indent(&l, depth + 1);
	put_bdf(&l, d->seg, d->bus, d->devfn);
	put_str(&l, bars.s);
	pr_info("%s", l.s);
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
