/* SPDX-License-Identifier: MIT */
/*
 * Firmware unity ranges (VT-d RMRR, AMD-Vi IVMD): memory some devices must
 * keep reaching at its own address in every domain. The firmware's word is
 * hostile input here: a range over the monitor's image or pool would make
 * page tables DMA-writable, so it is refused with an error line, as is a
 * range past the IOVA space or a malformed one. Pairs naming the same range
 * share one entry with a list of requester-id ranges, so two devices of one
 * RMRR can sit in one paging domain. A range partly in root RAM is mapped in
 * the default domain where it is not already (the identity map of RAM
 * covers the rest). No range is dropped without an error line.
 */
#define LOG_TAG "iommu"
#include <errno.h>
#include <string.h>

#include "iommu/internal.h"
#include "kernel/log.h"
#include "pci/dev.h"
#include "pci/group.h"
#include "pci/pci.h"

#define ops iommu_vendor

struct unity_entry {
	uint16_t seg;
	paddr_t base, end;                   /* page aligned, end exclusive */
	unsigned nr_rids;
	struct { uint16_t first, last; } rids[IOMMU_UNITY_MAX_RIDS];
};

static struct unity_entry unity[IOMMU_MAX_UNITY];
static unsigned nunity;
static struct iommu_unity pairs[IOMMU_UNITY_MAX_PAIRS];

unsigned iommu_unity_count(void)
{
	return nunity;
}

static void log_refused(const struct iommu_unity *p, const char *why)
{
	pr_err("unity range 0x%llx-0x%llx for requester ids %02x:%02x.%u-%02x:%02x.%u refused: %s",
	       (unsigned long long)p->base, (unsigned long long)p->end - 1, PCI_RID_BUS(p->rid_first),
	       PCI_DEV(PCI_RID_DEVFN(p->rid_first)), PCI_FN(PCI_RID_DEVFN(p->rid_first)),
	       PCI_RID_BUS(p->rid_last), PCI_DEV(PCI_RID_DEVFN(p->rid_last)),
	       PCI_FN(PCI_RID_DEVFN(p->rid_last)), why);
}

static struct unity_entry *entry_for(uint16_t seg, paddr_t base, paddr_t end, const char **why)
{
	for (unsigned i = 0; i < nunity; i++) {
		if (unity[i].seg == seg && unity[i].base == base && unity[i].end == end)
			return &unity[i];
		if (unity[i].base < end && base < unity[i].end) {
			*why = "it overlaps another unity range without being the same range";
			return NULL;
		}
	}
	if (nunity == IOMMU_MAX_UNITY) {
		*why = "the table of unity ranges is full";
		return NULL;
	}
	unity[nunity] = (struct unity_entry){ .seg = seg, .base = base, .end = end };
	return &unity[nunity++];
}

static void add_pair(const struct iommu_unity *p, const struct iommu_domain *def,
		     const struct rangeset *monitor)
{
	paddr_t base = ALIGN_DOWN(p->base, PAGE_SIZE), end = ALIGN_UP(p->end, PAGE_SIZE);
	const char *why = NULL;
	struct unity_entry *e;

	if (p->end <= p->base || end < p->end || p->rid_last < p->rid_first)
		why = "malformed (empty, wrapping, or requester ids out of order)";
	else if (rangeset_overlaps(monitor, base, end))
		why = "it overlaps monitor memory (image or page-table pool)";
	else if (end > def->pt.iova_limit)
		why = "it lies beyond the IOVA space";
	if (why || !(e = entry_for(p->seg, base, end, &why))) {
		log_refused(p, why);
		return;
	}
	for (unsigned i = 0; i < e->nr_rids; i++)
		if (e->rids[i].first == p->rid_first && e->rids[i].last == p->rid_last)
			return;
	if (e->nr_rids == IOMMU_UNITY_MAX_RIDS) {
		log_refused(p, "the range already lists the most requester-id ranges");
		return;
	}
	e->rids[e->nr_rids].first = p->rid_first;
	e->rids[e->nr_rids].last = p->rid_last;
	e->nr_rids++;
}

void iommu_unity_init(struct iommu_domain *def, const struct rangeset *dma_ram,
		      const struct rangeset *monitor)
{
	unsigned n = ops->unity_ranges ? ops->unity_ranges(pairs, IOMMU_UNITY_MAX_PAIRS) : 0;

	nunity = 0;
	if (n >= IOMMU_UNITY_MAX_PAIRS)
		pr_err("firmware lists %u or more unity range/device pairs: any beyond %u are ignored",
		       IOMMU_UNITY_MAX_PAIRS, IOMMU_UNITY_MAX_PAIRS);
	for (unsigned i = 0; i < MIN(n, IOMMU_UNITY_MAX_PAIRS); i++)
		add_pair(&pairs[i], def, monitor);
	/* The default domain holds every range for good; root RAM in it is mapped already. */
	for (unsigned i = 0; i < nunity; i++)
		if (iommu_dom_map_identity_outside(def, dma_ram, unity[i].base, unity[i].end) < 0)
			pr_err("unity range 0x%llx-0x%llx: cannot map it into the default domain",
			       (unsigned long long)unity[i].base, (unsigned long long)unity[i].end - 1);
}

static bool entry_applies(const struct unity_entry *e, const struct pci_dev *dev)
{
	if (e->seg != dev->seg)
		return false;
	for (unsigned r = 0; r < e->nr_rids; r++)
		for (unsigned i = 0; i < dev->nr_rids; i++)
			if (dev->rids[i] >= e->rids[r].first && dev->rids[i] <= e->rids[r].last)
				return true;
	return false;
}

bool iommu_unity_overlaps(paddr_t base, uint64_t size)
{
	for (unsigned i = 0; i < nunity; i++)
		if (base < unity[i].end && unity[i].base < base + size)
			return true;
	return false;
}

bool iommu_unity_held(const struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	for (unsigned i = 0; i < nunity; i++)
		if (d->unity_refs[i] && iova < unity[i].end && unity[i].base < iova + size)
			return true;
	return false;
}

/* The last function needing a range left d: a paging domain drops it (ranges [0, upto) only). */
static void put_upto(struct iommu_domain *d, const struct pci_dev *dev, unsigned upto)
{
	for (unsigned i = 0; i < upto; i++) {
		uint64_t done;

		if (!entry_applies(&unity[i], dev) || !d->unity_refs[i] || --d->unity_refs[i])
			continue;
		if (d->kind != IOMMU_DOMAIN_PAGING)
			continue;   /* the default domain keeps firmware ranges for good */
		iommu_dom_unmap(d, unity[i].base, unity[i].end - unity[i].base, &done);
		if (ops->flush(d, unity[i].base, unity[i].end - unity[i].base) < 0)
			pr_err("unity range 0x%llx-0x%llx: IOTLB flush failed", (unsigned long long)unity[i].base,
			       (unsigned long long)unity[i].end - 1);
	}
}

void iommu_unity_put(struct iommu_domain *d, const struct pci_dev *dev)
{
	put_upto(d, dev, nunity);
}

/* Identity-map the function's unity ranges into d, counting users per range; all or nothing. */
int iommu_unity_get(struct iommu_domain *d, const struct pci_dev *dev)
{
	for (unsigned i = 0; i < nunity; i++) {
		uint64_t done, undone;
		int rc;

		if (entry_applies(&unity[i], dev) && d->kind == IOMMU_DOMAIN_SHARED) {
			put_upto(d, dev, i);
			return -EPERM;   /* firmware's ranges cannot follow it into a partition's stage-2 */
		}
		if (!entry_applies(&unity[i], dev) || d->unity_refs[i]++ || d->kind != IOMMU_DOMAIN_PAGING)
			continue;
		rc = iommu_dom_map(d, unity[i].base, unity[i].base, unity[i].end - unity[i].base,
				   PT_READ | PT_WRITE, &done);
		if (rc < 0) {
			iommu_dom_unmap(d, unity[i].base, done, &undone);
			d->unity_refs[i]--;
			put_upto(d, dev, i);
			return rc;
		}
	}
	return 0;
}

int iommu_unity_get_group(struct iommu_domain *d, const struct pci_group *g)
{
	for (const struct pci_dev *m = g->devs; m; m = m->group_next) {
		int rc = iommu_unity_get(d, m);

		if (rc < 0) {
			for (const struct pci_dev *u = g->devs; u != m; u = u->group_next)
				iommu_unity_put(d, u);
			return rc;
		}
	}
	return 0;
}

void iommu_unity_put_group(struct iommu_domain *d, const struct pci_group *g)
{
	for (const struct pci_dev *m = g->devs; m; m = m->group_next)
		iommu_unity_put(d, m);
}
