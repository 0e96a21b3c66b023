/* SPDX-License-Identifier: MIT */
/*
 * DMA faults, attributed to the function that owns the requester id. A
 * conventional device behind a PCIe-to-PCI bridge faults under the alias
 * secondary:00.0, which is nobody's own id (or another function's), so a
 * lookup by bus/devfn alone would blame a function that does not exist and
 * the storm cut-off would never fire.
 *
 * Vendors report faults while they hold their unit's lock, and the domain
 * layer takes a unit's lock after the registry's; so a report only queues
 * the fault (a leaf lock), and iommu_fault_poll() attributes the queue once
 * the vendor has let go of its units.
 */
#define LOG_TAG "iommu"
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "iommu/internal.h"
#include "kernel/log.h"
#include "pci/dev.h"
#include "pci/group.h"
#include "pci/pci.h"
#include "pci/regs.h"

#define FAULT_LOG_PER_DEVICE 8   /* then only counted: a guest can fault at will */
#define FAULT_LOG_UNKNOWN    32  /* faults from requester ids no registered function uses */

#define FAULT_QUEUE          512  /* one AMD-Vi event log holds 256 */

static struct iommu_fault queue[FAULT_QUEUE];
static unsigned queue_head, queue_len, queue_lost;
static spinlock_t queue_lock = SPINLOCK_INIT;
static struct iommu_fault last_fault;
static bool have_last_fault;
/* The debug shell's history: the last FAULT_RECENT attributed, under recent_lock. */
#define FAULT_RECENT 16
static struct iommu_fault recent[FAULT_RECENT];
static uint64_t recent_seq;            /* faults ever attributed; recent[(seq - 1) % FAULT_RECENT] is the newest */
static spinlock_t recent_lock = SPINLOCK_INIT;
static unsigned unknown_logged;
static uint32_t fault_storm_limit = IOMMU_FAULT_STORM;

void iommu_set_fault_storm(uint32_t limit)
{
	fault_storm_limit = limit ? limit : IOMMU_FAULT_STORM;
}

bool iommu_last_fault(struct iommu_fault *out)
{
	bool had = have_last_fault;

	if (had)
		*out = last_fault;
	have_last_fault = false;
	return had;
}

struct rid_owner {
	uint16_t seg, rid;
	struct pci_dev *own;        /* the function whose own id it is */
	struct pci_dev *alias;      /* else the first that carries it as an alias */
};

static bool carries(const struct pci_dev *d, uint16_t seg, uint16_t rid)
{
	for (unsigned i = 0; d->seg == seg && i < d->nr_rids; i++)
		if (d->rids[i] == rid)
			return true;
	return false;
}

static int find_owner(struct pci_dev *d, void *ctx)
{
	struct rid_owner *o = ctx;

	if (d->seg == o->seg && pci_dev_rid(d) == o->rid) {
		o->own = pci_dev_get(d);
		return 1;
	}
	if (!o->alias && carries(d, o->seg, o->rid))
		o->alias = pci_dev_get(d);
	return 0;
}

/* Who may issue this id: stop them all, the owner cannot be told apart from them. */
static int stop_carrier(struct pci_dev *d, void *ctx)
{
	const struct rid_owner *o = ctx;
	uint16_t cmd;

	if (!carries(d, o->seg, o->rid))
		return 0;
	cmd = pci_cfg_read(d->seg, d->bus, d->devfn, PCI_COMMAND, 2);
	pci_cfg_write(d->seg, d->bus, d->devfn, PCI_COMMAND, 2, cmd & ~PCI_COMMAND_BUS_MASTER);
	pr_warn(PCI_BDF_FMT ": more than %u DMA faults under requester id %02x:%02x.%u, bus mastering turned off",
		PCI_BDF_ARGS(d->seg, d->bus, d->devfn), fault_storm_limit, PCI_RID_BUS(o->rid),
		PCI_DEV(PCI_RID_DEVFN(o->rid)), PCI_FN(PCI_RID_DEVFN(o->rid)));
	return 0;
}

static void log_fault(paddr_t unit_base, const struct iommu_fault *f, const struct pci_dev *dev)
{
	char via[48] = "";

	if (dev && pci_dev_rid(dev) != f->rid)
		snprintf(via, sizeof(via), " (alias %02x:%02x.%u, group %u)", PCI_RID_BUS(f->rid),
			 PCI_DEV(PCI_RID_DEVFN(f->rid)), PCI_FN(PCI_RID_DEVFN(f->rid)),
			 dev->group ? dev->group->id : 0);
	pr_warn("DMA fault at unit 0x%016llx: " PCI_BDF_FMT " %s 0x%llx: reason 0x%x, %s%s",
		(unsigned long long)unit_base,
		PCI_BDF_ARGS(f->seg, dev ? dev->bus : PCI_RID_BUS(f->rid),
			     dev ? dev->devfn : PCI_RID_DEVFN(f->rid)),
		f->is_write ? "write" : "read", (unsigned long long)f->addr, f->reason, f->reason_name, via);
}

static void attribute(const struct iommu_fault *f)
{
	struct rid_owner o = { .seg = f->seg, .rid = f->rid };
	paddr_t unit_base = f->unit_base;
	struct pci_dev *dev;
	uint64_t n = 0;

	pci_dev_for_each(find_owner, &o);
	dev = o.own ? o.own : o.alias;
	if (o.own && o.alias)
		pci_dev_put(o.alias);
	if (dev)
		n = __atomic_add_fetch(&dev->dma_faults, 1, __ATOMIC_RELAXED);
	last_fault = *f;
	last_fault.dev_rid = dev ? pci_dev_rid(dev) : f->rid;
	have_last_fault = true;
	spin_lock(&recent_lock);
	recent[recent_seq++ % FAULT_RECENT] = last_fault;
	spin_unlock(&recent_lock);

	if (dev ? n <= FAULT_LOG_PER_DEVICE : unknown_logged++ < FAULT_LOG_UNKNOWN)
		log_fault(unit_base, f, dev);
	else if (dev && n == FAULT_LOG_PER_DEVICE + 1)
		pr_warn(PCI_BDF_FMT ": further DMA faults are counted, not logged",
			PCI_BDF_ARGS(dev->seg, dev->bus, dev->devfn));
	if (dev && n == (uint64_t)fault_storm_limit + 1)
		pci_dev_for_each(stop_carrier, &o);
	if (dev)
		pci_dev_put(dev);
}

void iommu_fault_report(const void *unit, paddr_t unit_base, const struct iommu_fault *f)
{
	(void)unit;
	spin_lock(&queue_lock);
	if (queue_len == FAULT_QUEUE) {
		queue_lost++;
	} else {
		struct iommu_fault *q = &queue[(queue_head + queue_len++) % FAULT_QUEUE];

		*q = *f;
		q->unit_base = unit_base;
	}
	spin_unlock(&queue_lock);
}

static bool dequeue(struct iommu_fault *f, unsigned *lost)
{
	bool had;

	spin_lock(&queue_lock);
	had = queue_len != 0;
	if (had) {
		*f = queue[queue_head];
		queue_head = (queue_head + 1) % FAULT_QUEUE;
		queue_len--;
	}
	*lost += queue_lost;
	queue_lost = 0;
	spin_unlock(&queue_lock);
	return had;
}

unsigned iommu_fault_poll(void)
{
	unsigned n = 0, lost = 0;
	struct iommu_fault f;

	if (iommu_vendor)
		iommu_vendor->fault_poll();
	while (dequeue(&f, &lost)) {
		attribute(&f);
		n++;
	}
	if (lost)
		pr_warn("%u DMA faults were reported faster than they were drained and are not attributed", lost);
	return n;
}

bool iommu_fault_recent(unsigned i, struct iommu_fault *out, uint64_t *seq)
{
	bool ok;

	spin_lock(&recent_lock);
	ok = i < FAULT_RECENT && i < recent_seq;
	if (ok) {
		*seq = recent_seq - i;
		*out = recent[(recent_seq - 1 - i) % FAULT_RECENT];
	}
	spin_unlock(&recent_lock);
	return ok;
}
