/* SPDX-License-Identifier: MIT */
/*
 * The domain layer: default, null and paging domains over the vendor seam.
 * Policy lives here; register programming lives in iommu/vtd and iommu/amdvi.
 */
#define LOG_TAG "iommu"
#include <errno.h>
#include <string.h>

#include "iommu/iommu.h"
#include "arch/x86/io.h"
#include "kernel/frames.h"
#include "kernel/log.h"
#include "kernel/phys.h"
#include "kernel/spinlock.h"
#include "pci/dev.h"
#include "pci/pci.h"
#include "pci/regs.h"

#define FAULT_LOG_PER_DEVICE 8   /* then only counted: a guest can fault at will */
#define FAULT_LOG_UNKNOWN    32  /* faults from requester ids the registry does not know */

static const struct iommu_ops *ops;
static struct iommu_limits limits;
static struct iommu_domain domains[IOMMU_MAX_DOMAINS];
static spinlock_t domains_lock = SPINLOCK_INIT;
static struct iommu_unity unity[IOMMU_MAX_UNITY];
static unsigned nunity;
static struct iommu_fault last_fault;
static uint32_t fault_storm_limit = IOMMU_FAULT_STORM;
static bool have_last_fault;

static paddr_t pool_alloc(void *ctx) { (void)ctx; return frame_alloc(); }
static void pool_free(void *ctx, paddr_t pa) { (void)ctx; frames_free(pa, 1); }
static const struct pt_pool monitor_pool = { pool_alloc, pool_free, NULL };

/* Table writes must reach memory before a non-snooping walker reads them (VT-d ECAP.C=0). */
static void flush_cache_range(void *va, size_t len)
{
	cache_flush_range(va, len);
}

bool iommu_present(void) { return ops != NULL; }
const char *iommu_name(void) { return ops ? ops->name : "none"; }
struct iommu_domain *iommu_domain_default(void) { return &domains[0]; }
struct iommu_domain *iommu_domain_null(void) { return &domains[1]; }

static int domain_tables_init(struct iommu_domain *d, const struct pt_pool *pool)
{
	return pt_init(&d->pt, ops->pt_format, limits.pt_levels, limits.addr_width,
		       limits.page_sizes, pool, limits.coherent ? NULL : flush_cache_range);
}

/* The default S2 domain: identity over root RAM, so monitor memory is simply absent. */
static int default_domain_init(const struct phys_range *ram, unsigned n)
{
	struct iommu_domain *d = &domains[0];
	uint64_t total = 0;
	int rc;

	*d = (struct iommu_domain){ .id = IOMMU_DOMAIN_DEFAULT_ID, .kind = IOMMU_DOMAIN_IDENTITY,
				    .hw_id = 1, .in_use = true };
	rc = domain_tables_init(d, &monitor_pool);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < n; i++) {
		uint64_t end = MIN(ram[i].end, d->pt.iova_limit), mapped = 0;

		if (ram[i].base >= end) {
			pr_warn("root RAM 0x%llx-0x%llx lies beyond the %u-bit IOVA space: no DMA there",
				(unsigned long long)ram[i].base, (unsigned long long)ram[i].end, limits.addr_width);
			continue;
		}
		rc = pt_map_range(&d->pt, ram[i].base, ram[i].base, end - ram[i].base,
				  PT_READ | PT_WRITE, &mapped);
		if (rc < 0)
			return rc;
		total += mapped;
	}
	pr_info("default S2 domain 0: identity over %llu MiB of root RAM, %u-level %s tables, %llu table pages",
		(unsigned long long)(total / MiB), d->pt.levels, ops->name,
		(unsigned long long)d->pt.stats.tables);
	return 0;
}

static void null_domain_init(void)
{
	domains[1] = (struct iommu_domain){ .id = IOMMU_DOMAIN_NULL_ID, .kind = IOMMU_DOMAIN_BLOCKED,
					    .hw_id = 2, .in_use = true };
}

static bool unity_applies(const struct iommu_unity *u, const struct pci_dev *dev)
{
	for (unsigned i = 0; i < dev->nr_rids; i++)
		if (u->seg == dev->seg && dev->rids[i] >= u->rid_first && dev->rids[i] <= u->rid_last)
			return true;
	return false;
}

static bool overlaps_held_unity(const struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	for (unsigned i = 0; i < nunity; i++)
		if (d->unity_refs[i] && iova < unity[i].end && unity[i].base < iova + size)
			return true;
	return false;
}

/* The last device needing a unity range left d: the range goes too (ranges [0, upto) only). */
static void unity_put_upto(struct iommu_domain *d, const struct pci_dev *dev, unsigned upto)
{
	for (unsigned i = 0; i < upto; i++) {
		uint64_t done;

		if (!unity_applies(&unity[i], dev) || !d->unity_refs[i] || --d->unity_refs[i])
			continue;
		if (d->kind != IOMMU_DOMAIN_PAGING)
			continue;   /* the default domain keeps firmware ranges for good */
		pt_unmap_range(&d->pt, unity[i].base, unity[i].end - unity[i].base, &done);
		if (iommu_flush(d, unity[i].base, unity[i].end - unity[i].base) < 0)
			pr_err("unity range 0x%llx-0x%llx: IOTLB flush failed", (unsigned long long)unity[i].base,
			       (unsigned long long)unity[i].end);
	}
}

static void unity_put(struct iommu_domain *d, const struct pci_dev *dev)
{
	unity_put_upto(d, dev, nunity);
}

/* Identity-map the device's unity ranges into d, counting users per range; all or nothing. */
static int unity_get(struct iommu_domain *d, const struct pci_dev *dev)
{
	for (unsigned i = 0; i < nunity; i++) {
		uint64_t done, undone;
		int rc;

		if (!unity_applies(&unity[i], dev) || d->unity_refs[i]++)
			continue;
		rc = pt_map_range(&d->pt, unity[i].base, unity[i].base, unity[i].end - unity[i].base,
				  PT_READ | PT_WRITE, &done);
		if (rc == -EEXIST && d->kind == IOMMU_DOMAIN_IDENTITY)
			continue;   /* already inside the identity map of root RAM */
		if (rc < 0) {
			pt_unmap_range(&d->pt, unity[i].base, done, &undone);
			d->unity_refs[i]--;
			unity_put_upto(d, dev, i);
			return rc;
		}
	}
	return 0;
}

static int set_all_rids(struct pci_dev *dev, const struct iommu_domain *d)
{
	int rc = 0;

	for (unsigned i = 0; i < dev->nr_rids && dev->iommu; i++) {
		int r = ops->set_rid(dev->iommu, dev->rids[i], d);

		if (r < 0)
			rc = r;
	}
	return rc;
}

static int attach_at_boot(struct pci_dev *dev, void *ctx)
{
	(void)ctx;
	dev->iommu = ops->unit_for(dev->seg, pci_dev_rid(dev));
	if (!dev->iommu) {
		pr_warn("%04x:%02x:%02x.%u is behind no IOMMU unit: its DMA is not translated",
			dev->seg, dev->bus, PCI_DEV(dev->devfn), PCI_FN(dev->devfn));
		return 0;
	}
	domains[0].devices++;
	if (unity_get(&domains[0], dev) < 0 || set_all_rids(dev, &domains[0]) < 0)
		pr_err("%04x:%02x:%02x.%u: cannot attach to the default domain", dev->seg, dev->bus,
		       PCI_DEV(dev->devfn), PCI_FN(dev->devfn));
	return 0;
}

static int report_device(struct pci_dev *dev, void *ctx)
{
	const struct iommu_domain *d = iommu_domain_of(dev);

	(void)ctx;
	if (!dev->iommu) {
		pr_info("  %04x:%02x:%02x.%u -> no IOMMU unit: untranslated", dev->seg, dev->bus,
			PCI_DEV(dev->devfn), PCI_FN(dev->devfn));
		return 0;
	}
	pr_info("  %04x:%02x:%02x.%u -> %s domain 0x%x via unit 0x%016llx (%u requester id%s)",
		dev->seg, dev->bus, PCI_DEV(dev->devfn), PCI_FN(dev->devfn),
		d->kind == IOMMU_DOMAIN_IDENTITY ? "default" :
		d->kind == IOMMU_DOMAIN_BLOCKED ? "null" : "paging", d->id,
		(unsigned long long)ops->unit_base(dev->iommu), dev->nr_rids,
		dev->nr_rids == 1 ? "" : "s");
	return 0;
}

int iommu_init(const struct acpi_info *ai, const struct phys_range *root_ram, unsigned n)
{
	int rc;

	memset(domains, 0, sizeof(domains));
	nunity = 0;
	ops = NULL;
	if (vtd_iommu_ops.probe(ai, &limits))
		ops = &vtd_iommu_ops;
	else if (amdvi_iommu_ops.probe(ai, &limits))
		ops = &amdvi_iommu_ops;
	else
		return -ENODEV;
	rc = default_domain_init(root_ram, n);
	if (rc < 0) {
		pr_err("cannot build the default domain (%d); DMA remapping stays off", rc);
		ops = NULL;
		return rc;
	}
	null_domain_init();
	if (ops->unity_ranges)
		nunity = ops->unity_ranges(unity, IOMMU_MAX_UNITY);
	pci_dev_for_each(attach_at_boot, NULL);
	rc = ops->enable();
	if (rc < 0) {
		pr_err("cannot enable DMA remapping (%d)", rc);
		return rc;
	}
	if (ops->report)
		ops->report();
	pr_info("%s DMA remapping on; devices:", ops->name);
	pci_dev_for_each(report_device, NULL);
	return 0;
}

struct iommu_domain *iommu_domain_of(const struct pci_dev *dev)
{
	return dev->domain ? dev->domain : &domains[0];
}

struct iommu_domain *iommu_domain_find(uint32_t id)
{
	struct iommu_domain *found = NULL;

	spin_lock(&domains_lock);
	for (unsigned i = 0; i < IOMMU_MAX_DOMAINS && !found; i++)
		if (domains[i].in_use && domains[i].id == id)
			found = &domains[i];
	spin_unlock(&domains_lock);
	return found;
}

struct iommu_domain *iommu_domain_create(uint32_t id, const struct pt_pool *pool, int *err)
{
	struct iommu_domain *d = NULL;

	*err = -ENODEV;
	if (!ops)
		return NULL;
	*err = -EEXIST;
	if (id == IOMMU_DOMAIN_DEFAULT_ID || id == IOMMU_DOMAIN_NULL_ID || iommu_domain_find(id))
		return NULL;
	spin_lock(&domains_lock);
	/* hw_id = slot + 1, and DID 0 stays unused (reserved under VT-d caching mode). */
	for (unsigned i = 2; i < IOMMU_MAX_DOMAINS && i + 1 < limits.domain_ids && !d; i++)
		if (!domains[i].in_use) {
			d = &domains[i];
			*d = (struct iommu_domain){ .id = id, .kind = IOMMU_DOMAIN_PAGING,
						    .hw_id = (uint16_t)(i + 1), .in_use = true };
		}
	spin_unlock(&domains_lock);
	*err = -ENOSPC;
	if (!d)
		return NULL;
	*err = domain_tables_init(d, pool ? pool : &monitor_pool);
	if (*err < 0) {
		d->in_use = false;
		return NULL;
	}
	return d;
}

int iommu_domain_destroy(struct iommu_domain *d)
{
	if (d->kind != IOMMU_DOMAIN_PAGING)
		return -EPERM;
	if (d->devices)
		return -EBUSY;
	/* No device points at it any more and every unit was invalidated on detach. */
	pt_destroy(&d->pt);
	spin_lock(&domains_lock);
	d->in_use = false;
	spin_unlock(&domains_lock);
	return 0;
}

int iommu_attach(struct iommu_domain *d, struct pci_dev *dev)
{
	struct iommu_domain *old = iommu_domain_of(dev);
	int rc;

	if (!ops || !dev->iommu)
		return -ENODEV;
	if (old == d)
		return -EALREADY;
	/* Unity ranges first, so the device never loses them, not even for one request. */
	if (d->kind != IOMMU_DOMAIN_BLOCKED && (rc = unity_get(d, dev)) < 0)
		return rc;
	rc = set_all_rids(dev, d);
	if (rc < 0) {
		if (d->kind != IOMMU_DOMAIN_BLOCKED)
			unity_put(d, dev);
		return rc;
	}
	unity_put(old, dev);
	old->devices--;
	d->devices++;
	dev->domain = d == &domains[0] ? NULL : d;
	return 0;
}

int iommu_detach(struct pci_dev *dev)
{
	if (!dev->domain)
		return 0;
	return iommu_attach(&domains[0], dev);
}

int iommu_map_range(struct iommu_domain *d, uint64_t iova, paddr_t pa, uint64_t size,
		    unsigned perms, uint64_t *mapped)
{
	*mapped = 0;
	if (d->kind != IOMMU_DOMAIN_PAGING || overlaps_held_unity(d, iova, size))
		return -EPERM;
	return pt_map_range(&d->pt, iova, pa, size, perms, mapped);
}

int iommu_unmap_range(struct iommu_domain *d, uint64_t iova, uint64_t size, uint64_t *unmapped)
{
	*unmapped = 0;
	if (d->kind != IOMMU_DOMAIN_PAGING || overlaps_held_unity(d, iova, size))
		return -EPERM;
	return pt_unmap_range(&d->pt, iova, size, unmapped);
}

int iommu_flush(struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	if (ops && d->kind != IOMMU_DOMAIN_BLOCKED)
		return ops->flush(d, iova, size);
	return 0;
}

unsigned iommu_fault_poll(void)
{
	return ops ? ops->fault_poll() : 0;
}

bool iommu_last_fault(struct iommu_fault *out)
{
	bool had = have_last_fault;

	if (had)
		*out = last_fault;
	have_last_fault = false;
	return had;
}

void iommu_set_fault_storm(uint32_t limit)
{
	fault_storm_limit = limit ? limit : IOMMU_FAULT_STORM;
}

/* A device that keeps faulting is either broken or hostile: stop its DMA at the source. */
static void fault_storm(struct pci_dev *dev)
{
	uint16_t cmd = pci_cfg_read(dev->seg, dev->bus, dev->devfn, PCI_COMMAND, 2);

	pci_cfg_write(dev->seg, dev->bus, dev->devfn, PCI_COMMAND, 2, cmd & ~PCI_COMMAND_BUS_MASTER);
	pr_warn("%04x:%02x:%02x.%u: more than %u DMA faults, bus mastering turned off", dev->seg,
		dev->bus, PCI_DEV(dev->devfn), PCI_FN(dev->devfn), fault_storm_limit);
}

void iommu_fault_report(const void *unit, paddr_t unit_base, const struct iommu_fault *f)
{
	struct pci_dev *dev = pci_dev_find(f->seg, f->rid >> 8, f->rid & 0xff);
	uint64_t n = dev ? ++dev->dma_faults : 0;

	(void)unit;
	last_fault = *f;
	have_last_fault = true;
	static unsigned unknown_logged;

	if (dev ? n <= FAULT_LOG_PER_DEVICE : unknown_logged++ < FAULT_LOG_UNKNOWN)
		pr_warn("DMA fault at unit 0x%016llx: %04x:%02x:%02x.%u %s 0x%llx: reason 0x%x, %s",
			(unsigned long long)unit_base, f->seg, f->rid >> 8, (f->rid >> 3) & 0x1f,
			f->rid & 7, f->is_write ? "write" : "read", (unsigned long long)f->addr,
			f->reason, f->reason_name);
	else if (n == FAULT_LOG_PER_DEVICE + 1)
		pr_warn("%04x:%02x:%02x.%u: further DMA faults are counted, not logged", f->seg,
			f->rid >> 8, (f->rid >> 3) & 0x1f, f->rid & 7);
	if (dev && n == (uint64_t)fault_storm_limit + 1)
		fault_storm(dev);
	if (dev)
		pci_dev_put(dev);
}
