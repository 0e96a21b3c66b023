/* SPDX-License-Identifier: MIT */
/*
 * Device groups (rules in pci/group.h). Groups come from a static pool as
 * large as the device pool, so a device always finds one.
 */
#define LOG_TAG "pci"
#include "pci/group.h"
#include "pci/dev.h"
#include "pci/pci.h"
#include "kernel/log.h"

#include <string.h>

#define ACS_ISOLATION (PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF)

static struct pci_group groups[PCI_DEV_POOL_SIZE];

void pci_group_reset(void)
{
	memset(groups, 0, sizeof(groups));
}

static struct pci_group *group_alloc(void)
{
	for (unsigned i = 0; i < PCI_DEV_POOL_SIZE; i++)
		if (!groups[i].nr_devs) {
			groups[i] = (struct pci_group){ .id = i };
			return &groups[i];
		}
	return NULL;   /* cannot happen: at most one group per registered device */
}

/* Linux's pci_acs_flags_enabled: the isolating controls the function implements are on. */
static bool acs_isolation_enabled(const struct pci_dev *d)
{
	uint16_t want = ACS_ISOLATION & d->caps.acs_caps, ctrl;

	if (!d->caps.acs)
		return false;
	ctrl = pci_cfg_read(d->seg, d->bus, d->devfn, d->caps.acs + PCI_ACS_CTRL, 2);
	return (ctrl & want) == want;
}

void pci_acs_enable(uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t acs, uint16_t caps)
{
	uint16_t ctrl = pci_cfg_read(seg, bus, devfn, acs + PCI_ACS_CTRL, 2);
	uint16_t want = ctrl | (ACS_ISOLATION & caps);

	if (want != ctrl)
		pci_cfg_write(seg, bus, devfn, acs + PCI_ACS_CTRL, 2, want);
}

bool pci_bridge_isolates(const struct pci_dev *br)
{
	if (!pci_caps_is_pcie(&br->caps))
		return false;
	switch (br->caps.pcie_type) {
	case PCI_EXP_TYPE_ROOT_PORT:
	case PCI_EXP_TYPE_DOWNSTREAM:
		return acs_isolation_enabled(br);
	case PCI_EXP_TYPE_PCI_BRIDGE:
	case PCI_EXP_TYPE_PCIE_BRIDGE:
		return false;
	default:   /* a switch upstream port forwards everything up */
		return !br->multifunction || acs_isolation_enabled(br);
	}
}

/* The topmost bridge above d that does not isolate what is below it, or d itself. */
static struct pci_dev *isolation_root(struct pci_dev *d)
{
	struct pci_dev *rep = d;

	for (struct pci_dev *p = d->parent; p; p = p->parent)
		if (!pci_bridge_isolates(p))
			rep = p;
	return rep;
}

static bool same_device(const struct pci_dev *a, const struct pci_dev *b)
{
	return a->seg == b->seg && a->bus == b->bus && !a->is_vf && !b->is_vf &&
	       PCI_DEV(a->devfn) == PCI_DEV(b->devfn) && !(a->flags & PCI_DEV_ARI) &&
	       !(b->flags & PCI_DEV_ARI);
}

/* Functions of one multi-function device that may reach each other inside it. */
static bool functions_not_isolated(const struct pci_dev *a, const struct pci_dev *b)
{
	return same_device(a, b) && (a->multifunction || b->multifunction) &&
	       (!acs_isolation_enabled(a) || !acs_isolation_enabled(b));
}

static bool share_rid(const struct pci_dev *a, const struct pci_dev *b)
{
	if (a->seg != b->seg)
		return false;
	for (unsigned i = 0; i < a->nr_rids; i++)
		for (unsigned j = 0; j < b->nr_rids; j++)
			if (a->rids[i] == b->rids[j])
				return true;
	return false;
}

static void group_link(struct pci_group *g, struct pci_dev *d)
{
	d->group = g;
	d->group_next = g->devs;
	g->devs = d;
	g->nr_devs++;
}

/* Two groups become one: `from` empties into `into`. */
static struct pci_group *merge(struct pci_group *into, struct pci_group *from)
{
	if (into == from)
		return into;
	while (from->devs) {
		struct pci_dev *m = from->devs;

		from->devs = m->group_next;
		from->nr_devs--;
		group_link(into, m);
	}
	return into;
}

void pci_group_assign(struct pci_dev *d, struct pci_dev *registered)
{
	struct pci_dev *rep = isolation_root(d);
	struct pci_group *g = rep != d ? rep->group : NULL;

	for (struct pci_dev *e = registered; e; e = e->next) {
		if (e == d || !e->group)
			continue;
		if (share_rid(d, e) || functions_not_isolated(d, e))
			g = g ? merge(g, e->group) : e->group;
	}
	if (!g)
		g = group_alloc();
	group_link(g, d);
}

void pci_group_leave(struct pci_dev *d)
{
	struct pci_group *g = d->group;
	struct pci_dev **p;

	if (!g)
		return;
	for (p = &g->devs; *p && *p != d; p = &(*p)->group_next)
		;
	if (*p) {
		*p = d->group_next;
		g->nr_devs--;
	}
	d->group = NULL;
	d->group_next = NULL;
}
