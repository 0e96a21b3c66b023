/* SPDX-License-Identifier: MIT */
/*
 * The domain layer: default, null and paging domains over the vendor seam,
 * device groups moved all or nothing, the DMA-able memory set, firmware
 * unity ranges. Policy lives here; register programming lives in iommu/vtd
 * and iommu/amdvi; fault attribution in iommu/fault.c.
 */
#define LOG_TAG "iommu"
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "iommu/iommu.h"
#include "iommu/internal.h"
#include "iommu/rangeset.h"
#include "arch/x86/io.h"
#include "kernel/frames.h"
#include "kernel/log.h"
#include "kernel/phys.h"
#include "kernel/spinlock.h"
#include "pci/dev.h"
#include "pci/group.h"
#include "pci/pci.h"
#include "pci/regs.h"

const struct iommu_ops *iommu_vendor;
static struct iommu_limits limits;
static struct iommu_domain domains[IOMMU_MAX_DOMAINS];
spinlock_t iommu_lock = SPINLOCK_INIT;
static struct rangeset dma_ram;        /* what devices may be given */
static struct rangeset monitor_mem;    /* what no device may ever reach */

#define ops iommu_vendor

static paddr_t pool_alloc(void *ctx) { (void)ctx; return frame_alloc(); }
static void pool_free(void *ctx, paddr_t pa) { (void)ctx; frames_free(pa, 1); }
static const struct pt_pool monitor_pool = { pool_alloc, pool_free, NULL };

/* Table writes must reach memory before a non-snooping walker reads them (VT-d ECAP.C=0). */
static void flush_cache_range(void *va, size_t len)
{
	cache_flush_range(va, len);
}

bool iommu_present(void) { return ops != NULL; }
bool iommu_walkers_coherent(void) { return limits.coherent; }
const char *iommu_name(void) { return ops ? ops->name : "none"; }
const struct iommu_limits *iommu_get_limits(void) { return ops ? &limits : NULL; }
struct iommu_domain *iommu_domain_default(void) { return &domains[0]; }
struct iommu_domain *iommu_domain_null(void) { return &domains[1]; }

/* ---- Tables: one per depth the units walk ------------------------------------ */

static int domain_tables_init(struct iommu_domain *d, const struct pt_pool *pool)
{
	void (*flush)(void *, size_t) = limits.coherent ? NULL : flush_cache_range;
	int rc = pt_init(&d->pt, ops->pt_format, limits.pt_levels, limits.addr_width,
			 limits.page_sizes, pool, flush);

	if (rc < 0 || !limits.alt_levels)
		return rc;
	rc = pt_init(&d->pt_alt, ops->pt_format, limits.alt_levels, limits.alt_addr_width,
		     limits.page_sizes, pool, flush);
	if (rc < 0)
		pt_destroy(&d->pt);
	return rc;
}

static void domain_tables_destroy(struct iommu_domain *d)
{
	pt_destroy(&d->pt);
	if (d->pt_alt.root)
		pt_destroy(&d->pt_alt);
	d->pt.root = d->pt_alt.root = 0;
}

const struct pt_table *iommu_domain_table(const struct iommu_domain *d, unsigned levels)
{
	if (d->kind == IOMMU_DOMAIN_SHARED && d->s2)
		return d->s2->levels == levels ? d->s2 : NULL;
	if (d->pt.root && d->pt.levels == levels)
		return &d->pt;
	if (d->pt_alt.root && d->pt_alt.levels == levels)
		return &d->pt_alt;
	return NULL;
}

/* How much of [iova, iova+size) -> pa a narrower table can hold: a prefix, maybe empty. */
static uint64_t alt_span(const struct pt_table *t, uint64_t iova, paddr_t pa, uint64_t size)
{
	if (iova >= t->iova_limit || pa >= t->pa_limit)
		return 0;
	return MIN(size, MIN(t->iova_limit - iova, t->pa_limit - pa));
}

/* Map into every table of d; all or nothing when the second table fails. */
int iommu_dom_map(struct iommu_domain *d, uint64_t iova, paddr_t pa, uint64_t size,
		  unsigned perms, uint64_t *mapped)
{
	uint64_t span, alt_done = 0;
	int rc = pt_map_range(&d->pt, iova, pa, size, perms, mapped);

	if (!d->pt_alt.root)
		return rc;
	span = alt_span(&d->pt_alt, iova, pa, *mapped);
	if (!span)
		return rc;
	if (pt_map_range(&d->pt_alt, iova, pa, span, perms, &alt_done) < 0) {
		uint64_t ignored;

		pt_unmap_range(&d->pt_alt, iova, alt_done, &ignored);
		pt_unmap_range(&d->pt, iova, *mapped, &ignored);
		/* Present for a moment, so a walker may have cached it: a narrowing like any unmap. */
		iommu_pending_add_locked(d, iova, *mapped);
		*mapped = 0;
		return rc < 0 ? rc : -ENOMEM;
	}
	return rc;
}

int iommu_dom_unmap(struct iommu_domain *d, uint64_t iova, uint64_t size, uint64_t *unmapped)
{
	int rc = pt_unmap_range(&d->pt, iova, size, unmapped);
	uint64_t span, done;

	if (d->pt_alt.root && (span = alt_span(&d->pt_alt, iova, 0, *unmapped)))
		pt_unmap_range(&d->pt_alt, iova, span, &done);
	return rc;
}

/* Identity-map the parts of [base, end) that `skip` does not hold (those are mapped already). */
int iommu_dom_map_identity_outside(struct iommu_domain *d, const struct rangeset *skip,
				   paddr_t base, paddr_t end)
{
	while (base < end) {
		paddr_t next = end;
		uint64_t done;
		int rc;

		for (unsigned i = 0; i < skip->n; i++) {
			if (skip->r[i].base <= base && base < skip->r[i].end) {
				next = 0;
				base = MIN(skip->r[i].end, end);
				break;
			}
			if (skip->r[i].base > base)
				next = MIN(next, skip->r[i].base);
		}
		if (!next)
			continue;
		rc = iommu_dom_map(d, base, base, next - base, PT_READ | PT_WRITE, &done);
		if (rc < 0)
			return rc;
		base = next;
	}
	return 0;
}

/* ---- The default and null domains ---------------------------------------------- */

/* Root RAM the tables cannot reach is logged, never cut silently. */
static uint64_t identity_end(const struct iommu_domain *d, const struct phys_range *r)
{
	uint64_t limit = MIN(d->pt.iova_limit, d->pt.pa_limit);

	if (r->base >= limit)
		pr_warn("root RAM 0x%llx-0x%llx lies beyond the %u-bit IOVA space: no DMA there",
			(unsigned long long)r->base, (unsigned long long)r->end - 1, limits.addr_width);
	else if (r->end > limit)
		pr_warn("root RAM 0x%llx-0x%llx crosses the %u-bit IOVA limit: no DMA to 0x%llx-0x%llx",
			(unsigned long long)r->base, (unsigned long long)r->end - 1, limits.addr_width,
			(unsigned long long)limit, (unsigned long long)r->end - 1);
	if (d->pt_alt.root && r->end > d->pt_alt.iova_limit)
		pr_warn("root RAM 0x%llx-0x%llx: devices behind %u-level units reach it only below 0x%llx",
			(unsigned long long)r->base, (unsigned long long)r->end - 1, d->pt_alt.levels,
			(unsigned long long)d->pt_alt.iova_limit);
	return MIN(r->end, limit);
}

/* The default S2 domain: identity over root RAM, so monitor memory is simply absent. */
static int default_domain_init(void)
{
	struct iommu_domain *d = &domains[0];
	uint64_t total = 0;
	int rc;

	*d = (struct iommu_domain){ .id = IOMMU_DOMAIN_DEFAULT_ID, .kind = IOMMU_DOMAIN_IDENTITY,
				    .hw_id = IOMMU_DOMAIN_DEFAULT_HW_ID, .in_use = true };
	rc = domain_tables_init(d, &monitor_pool);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < dma_ram.n; i++) {
		const struct phys_range *r = &dma_ram.r[i];
		uint64_t end = identity_end(d, r), mapped = 0;

		if (r->base >= end)
			continue;
		rc = iommu_dom_map(d, r->base, r->base, end - r->base, PT_READ | PT_WRITE, &mapped);
		if (rc < 0)
			return rc;
		total += mapped;
	}
	pr_info("default S2 domain 0: identity over %llu MiB of root RAM, %u-level %s tables%s, %llu table pages",
		(unsigned long long)(total / MiB), d->pt.levels, ops->name,
		d->pt_alt.root ? " (and a 3-level copy)" : "", (unsigned long long)d->pt.stats.tables);
	return 0;
}

static void null_domain_init(void)
{
	domains[1] = (struct iommu_domain){ .id = IOMMU_DOMAIN_NULL_ID, .kind = IOMMU_DOMAIN_BLOCKED,
					    .hw_id = IOMMU_DOMAIN_NULL_HW_ID, .in_use = true };
}

/*
 * The DMA-able set starts as root RAM (whole pages); monitor memory is never
 * in it, even if the caller's ranges say otherwise (an error line then).
 */
static int memory_sets_init(const struct iommu_memory *mem)
{
	rangeset_clear(&dma_ram);
	rangeset_clear(&monitor_mem);
	for (unsigned i = 0; i < mem->nr_monitor; i++)
		if (rangeset_add(&monitor_mem, ALIGN_DOWN(mem->monitor[i].base, PAGE_SIZE),
				 ALIGN_UP(mem->monitor[i].end, PAGE_SIZE)) < 0)
			return -ENOSPC;
	for (unsigned i = 0; i < mem->nr_ram; i++) {
		paddr_t base = ALIGN_UP(mem->ram[i].base, PAGE_SIZE), end = ALIGN_DOWN(mem->ram[i].end, PAGE_SIZE);

		if (end > base && rangeset_add(&dma_ram, base, end) < 0)
			return -ENOSPC;
	}
	for (unsigned i = 0; i < monitor_mem.n; i++) {
		const struct phys_range *m = &monitor_mem.r[i];

		if (!rangeset_overlaps(&dma_ram, m->base, m->end))
			continue;
		pr_err("root RAM overlaps monitor memory 0x%llx-0x%llx: that part is not DMA-able",
		       (unsigned long long)m->base, (unsigned long long)m->end - 1);
		if (rangeset_remove(&dma_ram, m->base, m->end) < 0)
			return -ENOSPC;
	}
	return 0;
}

/* ---- Devices and groups ----------------------------------------------------------- */

struct iommu_domain *iommu_domain_of(const struct pci_dev *dev)
{
	return dev->domain ? dev->domain : &domains[0];
}

static void set_domain(struct pci_dev *dev, struct iommu_domain *d)
{
	dev->domain = d == &domains[0] ? NULL : d;
}

static void bus_master_off(struct pci_dev *dev)
{
	uint16_t cmd = pci_cfg_read(dev->seg, dev->bus, dev->devfn, PCI_COMMAND, 2);

	pci_cfg_write(dev->seg, dev->bus, dev->devfn, PCI_COMMAND, 2, cmd & ~PCI_COMMAND_BUS_MASTER);
}

/* Every distinct (unit, requester id) of a group, in a buffer the lock guards. */
struct rid_slot {
	void *unit;
	uint16_t rid;
};
static struct rid_slot move_rids[PCI_DEV_POOL_SIZE * PCI_DEV_MAX_RIDS];

static unsigned group_rids(const struct pci_group *g)
{
	unsigned n = 0;

	for (const struct pci_dev *m = g->devs; m; m = m->group_next)
		for (unsigned i = 0; i < m->nr_rids; i++) {
			unsigned j = 0;

			while (j < n && (move_rids[j].unit != m->iommu || move_rids[j].rid != m->rids[i]))
				j++;
			if (j == n && n < ARRAY_SIZE(move_rids))
				move_rids[n++] = (struct rid_slot){ m->iommu, m->rids[i] };
		}
	return n;
}

/* Point rids [0, n) at d; the index that failed in *failed. */
static int point_rids(unsigned n, const struct iommu_domain *d, unsigned *failed)
{
	for (unsigned i = 0; i < n; i++) {
		int rc = ops->set_rid(move_rids[i].unit, move_rids[i].rid, d);

		if (rc < 0) {
			*failed = i;
			return rc;
		}
	}
	return 0;
}

static void group_set_domain(struct pci_group *g, struct iommu_domain *from, struct iommu_domain *to)
{
	for (struct pci_dev *m = g->devs; m; m = m->group_next)
		set_domain(m, to);
	from->devices -= g->nr_devs;
	to->devices += g->nr_devs;
}

/*
 * A group whose domain cannot be trusted any more (a move failed and so did
 * the way back; a new function cannot join its group's domain, or links
 * groups in different domains) goes to the null domain as a whole, with bus
 * mastering off. An id that cannot even be blocked may still point at the
 * member's domain or at `also`: both are pinned, their tables never freed.
 */
static void group_block(struct pci_group *g, const char *why, struct iommu_domain *also)
{
	struct iommu_domain *null = &domains[1];
	bool stuck = false;

	for (struct pci_dev *m = g->devs; m; m = m->group_next) {
		struct iommu_domain *d = iommu_domain_of(m);

		if (!m->iommu)
			continue;
		for (unsigned i = 0; i < m->nr_rids; i++)
			if (ops->set_rid(m->iommu, m->rids[i], null) < 0) {
				d->pinned = stuck = true;
				if (also)
					also->pinned = true;
			}
		iommu_unity_put(d, m);
		d->devices--;
		null->devices++;
		set_domain(m, null);
		bus_master_off(m);
	}
	pr_err("group %u (" PCI_BDF_FMT "): %s: null domain, bus mastering off%s", g->id,
	       PCI_BDF_ARGS(g->devs->seg, g->devs->bus, g->devs->devfn), why,
	       stuck ? "; a unit may still walk the old tables, which are kept" : "");
}

static int group_attach_locked(struct iommu_domain *d, struct pci_group *g)
{
	struct iommu_domain *old;
	unsigned nrids, failed = 0, undo_failed;
	int rc;

	if (!g || !g->devs)
		return -ENODEV;
	old = iommu_domain_of(g->devs);
	for (const struct pci_dev *m = g->devs; m; m = m->group_next) {
		if (!m->iommu)
			return -ENODEV;
		if (iommu_domain_of(m) != old)
			return -EIO;   /* cannot happen: groups move as one */
	}
	if (!d->in_use)
		return -ENOENT;
	if (old == d)
		return -EALREADY;
	/* What the group could still reach through either domain's stale entries ends here. */
	if ((rc = iommu_pending_commit_locked(old)) < 0 || (rc = iommu_pending_commit_locked(d)) < 0)
		return rc;
	/* Unity ranges first, so a device never loses them, not even for one request. */
	if (d->kind != IOMMU_DOMAIN_BLOCKED && (rc = iommu_unity_get_group(d, g)) < 0)
		return rc;
	nrids = group_rids(g);
	rc = point_rids(nrids, d, &failed);
	if (rc < 0) {
		/* Back, including the one that failed: it may have been left blocked. */
		if (point_rids(failed + 1, old, &undo_failed) < 0) {
			char why[80];

			if (d->kind != IOMMU_DOMAIN_BLOCKED)
				iommu_unity_put_group(d, g);
			snprintf(why, sizeof(why), "move from domain 0x%x to 0x%x failed and could not be undone",
				 old->id, d->id);
			group_block(g, why, d);
			return rc;
		}
		if (d->kind != IOMMU_DOMAIN_BLOCKED)
			iommu_unity_put_group(d, g);
		return rc;
	}
	iommu_unity_put_group(old, g);
	group_set_domain(g, old, d);
	return 0;
}

int iommu_group_attach(struct iommu_domain *d, struct pci_group *g)
{
	int rc;

	if (!ops)
		return -ENODEV;
	pci_dev_registry_lock();
	spin_lock(&iommu_lock);
	rc = group_attach_locked(d, g);
	spin_unlock(&iommu_lock);
	pci_dev_registry_unlock();
	return rc;
}

int iommu_attach(struct iommu_domain *d, struct pci_dev *dev)
{
	int rc;

	if (!ops || !dev->iommu)
		return -ENODEV;
	pci_dev_registry_lock();
	spin_lock(&iommu_lock);
	rc = dev->group && dev->group->nr_devs == 1 ? group_attach_locked(d, dev->group) : -EXDEV;
	spin_unlock(&iommu_lock);
	pci_dev_registry_unlock();
	return rc;
}

int iommu_group_move(struct iommu_domain *d, struct pci_dev *dev,
		     bool (*may_leave)(const struct iommu_domain *from, void *ctx), void *ctx)
{
	int rc;

	if (!ops || !dev->iommu)
		return -ENODEV;
	pci_dev_registry_lock();
	spin_lock(&iommu_lock);
	if (!dev->group || !dev->group->devs)
		rc = -ENODEV;
	else if (may_leave && !may_leave(iommu_domain_of(dev->group->devs), ctx))
		rc = -EBUSY;
	else
		rc = group_attach_locked(d, dev->group);
	spin_unlock(&iommu_lock);
	pci_dev_registry_unlock();
	return rc;
}

int iommu_group_detach(struct pci_group *g)
{
	int rc = iommu_group_attach(&domains[0], g);

	return rc == -EALREADY ? 0 : rc;
}

int iommu_detach(struct pci_dev *dev)
{
	int rc = iommu_attach(&domains[0], dev);

	return rc == -EALREADY ? 0 : rc;
}

/* ---- Registry hooks: a function arrives or leaves ------------------------------ */

/* The one domain of dev's other translated group members; NULL when they disagree. */
static struct iommu_domain *group_domain(const struct pci_dev *dev)
{
	struct iommu_domain *d = NULL;

	for (const struct pci_dev *m = dev->group ? dev->group->devs : NULL; m; m = m->group_next) {
		if (m == dev || !m->iommu)
			continue;
		if (d && iommu_domain_of(m) != d)
			return NULL;
		d = iommu_domain_of(m);
	}
	return d ? d : &domains[0];
}

/* A new function joins its group's domain (the default one for a new group). */
static void device_added_locked(struct pci_dev *dev)
{
	struct iommu_domain *d;
	bool failed = false;

	dev->iommu = ops->unit_for(dev->seg, pci_dev_rid(dev), &failed);
	if (!dev->iommu) {
		if (failed)
			pr_err(PCI_BDF_FMT " is in the scope of a unit that failed bring-up: its DMA is NOT translated",
			       PCI_BDF_ARGS(dev->seg, dev->bus, dev->devfn));
		else
			pr_warn(PCI_BDF_FMT " is behind no IOMMU unit: its DMA is not translated",
				PCI_BDF_ARGS(dev->seg, dev->bus, dev->devfn));
		return;
	}
	d = group_domain(dev);
	/* Counted in the null domain first, so group_block() finds it consistent. */
	set_domain(dev, &domains[1]);
	domains[1].devices++;
	if (!d) {
		group_block(dev->group, "a new function joins functions in different domains", NULL);
		return;
	}
	if (d->kind != IOMMU_DOMAIN_BLOCKED && iommu_unity_get(d, dev) < 0) {
		group_block(dev->group, "a new function's unity ranges cannot be mapped into its group's domain", NULL);
		return;
	}
	for (unsigned i = 0; i < dev->nr_rids; i++)
		if (ops->set_rid(dev->iommu, dev->rids[i], d) < 0) {
			if (d->kind != IOMMU_DOMAIN_BLOCKED)
				iommu_unity_put(d, dev);
			group_block(dev->group, "a new function's requester id cannot join its group's domain", d);
			return;
		}
	domains[1].devices--;
	set_domain(dev, d);
	d->devices++;
}

static bool rid_used_by_others(const struct pci_dev *dev, uint16_t rid)
{
	for (const struct pci_dev *m = dev->group ? dev->group->devs : NULL; m; m = m->group_next)
		for (unsigned i = 0; m != dev && i < m->nr_rids; i++)
			if (m->rids[i] == rid)
				return true;
	return false;
}

/* A function leaves (VFs disabled, hot removal): its ids are blocked, its counts dropped. */
static void device_removing_locked(struct pci_dev *dev)
{
	struct iommu_domain *d = iommu_domain_of(dev);

	if (!dev->iommu)
		return;
	for (unsigned i = 0; i < dev->nr_rids; i++)
		if (!rid_used_by_others(dev, dev->rids[i]) &&
		    ops->set_rid(dev->iommu, dev->rids[i], &domains[1]) < 0)
			pr_err(PCI_BDF_FMT ": removed, but requester id %02x:%02x.%u could not be blocked",
			       PCI_BDF_ARGS(dev->seg, dev->bus, dev->devfn), PCI_RID_BUS(dev->rids[i]),
			       PCI_DEV(PCI_RID_DEVFN(dev->rids[i])), PCI_FN(PCI_RID_DEVFN(dev->rids[i])));
	iommu_unity_put(d, dev);
	d->devices--;
	dev->domain = NULL;
	dev->iommu = NULL;
}

static void hook_added(struct pci_dev *dev)
{
	spin_lock(&iommu_lock);
	device_added_locked(dev);
	spin_unlock(&iommu_lock);
}

static void hook_removing(struct pci_dev *dev)
{
	spin_lock(&iommu_lock);
	device_removing_locked(dev);
	spin_unlock(&iommu_lock);
}

static const struct pci_dev_hooks iommu_pci_hooks = { hook_added, hook_removing };

static int attach_at_boot(struct pci_dev *dev, void *ctx)
{
	(void)ctx;
	hook_added(dev);
	return 0;
}

static int report_device(struct pci_dev *dev, void *ctx)
{
	const struct iommu_domain *d = iommu_domain_of(dev);
	unsigned gid = dev->group ? dev->group->id : 0, gn = dev->group ? dev->group->nr_devs : 1;

	(void)ctx;
	if (!dev->iommu) {
		pr_info("  " PCI_BDF_FMT " -> no IOMMU unit: untranslated (group %u)",
			PCI_BDF_ARGS(dev->seg, dev->bus, dev->devfn), gid);
		return 0;
	}
	pr_info("  " PCI_BDF_FMT " -> %s domain 0x%x via unit 0x%016llx (%u requester id%s, group %u%s)",
		PCI_BDF_ARGS(dev->seg, dev->bus, dev->devfn),
		d->kind == IOMMU_DOMAIN_IDENTITY ? "default" :
		d->kind == IOMMU_DOMAIN_BLOCKED ? "null" : "paging", d->id,
		(unsigned long long)ops->unit_base(dev->iommu), dev->nr_rids,
		dev->nr_rids == 1 ? "" : "s", gid, gn > 1 ? ", shared" : "");
	return 0;
}

int iommu_init(const struct acpi_info *ai, const struct iommu_memory *mem)
{
	int rc;

	pci_dev_set_hooks(NULL);
	memset(domains, 0, sizeof(domains));
	iommu_mapcount_reset();
	ops = NULL;
	memset(&limits, 0, sizeof(limits));
	if (vtd_iommu_ops.probe(ai, &limits))
		ops = &vtd_iommu_ops;
	else if (amdvi_iommu_ops.probe(ai, &limits))
		ops = &amdvi_iommu_ops;
	else
		return -ENODEV;
	rc = memory_sets_init(mem);
	if (rc == 0)
		rc = default_domain_init();
	if (rc < 0) {
		pr_err("cannot build the default domain (%d); DMA remapping stays off", rc);
		ops = NULL;
		return rc;
	}
	null_domain_init();
	iommu_unity_init(&domains[0], &dma_ram, &monitor_mem);
	pci_dev_for_each(attach_at_boot, NULL);
	pci_dev_set_hooks(&iommu_pci_hooks);
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

/* ---- Paging domains ------------------------------------------------------------------ */

static struct iommu_domain *find_locked(uint32_t id)
{
	for (unsigned i = 0; i < IOMMU_MAX_DOMAINS; i++)
		if (domains[i].in_use && domains[i].id == id)
			return &domains[i];
	return NULL;
}

struct iommu_domain *iommu_domain_find(uint32_t id)
{
	struct iommu_domain *found;

	spin_lock(&iommu_lock);
	found = find_locked(id);
	spin_unlock(&iommu_lock);
	/* A partition's shared domain is the partition layer's, never one the ABI can name. */
	return found && found->kind == IOMMU_DOMAIN_SHARED ? NULL : found;
}

static struct iommu_domain *create_locked(uint32_t id, const struct pt_pool *pool,
					  const struct pt_table *share, int *err)
{
	struct iommu_domain *d = NULL;

	*err = -EEXIST;
	if (id == IOMMU_DOMAIN_DEFAULT_ID || id == IOMMU_DOMAIN_NULL_ID || find_locked(id))
		return NULL;
	/* hw_id = slot + 1, so DID 0 stays unused (reserved under VT-d caching mode). */
	for (unsigned i = 2; i < IOMMU_MAX_DOMAINS && i + 1 < limits.domain_ids && !d; i++)
		if (!domains[i].in_use)
			d = &domains[i];
	*err = -ENOSPC;
	if (!d)
		return NULL;
	*d = (struct iommu_domain){ .id = id, .kind = IOMMU_DOMAIN_PAGING,
				    .hw_id = (uint16_t)(d - domains + 1) };
	if (share) {
		d->kind = IOMMU_DOMAIN_SHARED;
		d->s2 = share;
		d->in_use = true;
		*err = 0;
		return d;
	}
	*err = domain_tables_init(d, pool ? pool : &monitor_pool);
	if (*err < 0)
		return NULL;
	d->in_use = true;
	return d;
}

struct iommu_domain *iommu_domain_create(uint32_t id, const struct pt_pool *pool, int *err)
{
	struct iommu_domain *d;

	*err = -ENODEV;
	if (!ops)
		return NULL;
	spin_lock(&iommu_lock);
	d = create_locked(id, pool, NULL, err);
	spin_unlock(&iommu_lock);
	return d;
}

static bool pa_range_ok(paddr_t pa, uint64_t size);

struct iommu_domain *iommu_domain_share(uint32_t id, const struct pt_table *s2,
					const struct pt_pool *pool, const char **how, int *err)
{
	const char *refusal;
	struct iommu_domain *d;

	*err = -ENODEV;
	if (!ops)
		return NULL;
	spin_lock(&iommu_lock);
	refusal = iommu_share_refusal(&limits, ops->walks_x86_tables, s2);
	d = create_locked(id, pool, refusal ? NULL : s2, err);
	if (d && refusal)
		d->kind = IOMMU_DOMAIN_SHARED;   /* a mirror: its own tables, kept in step */
	spin_unlock(&iommu_lock);
	*how = refusal ? refusal : "the units walk the stage-2 itself";
	return d;
}

const char *iommu_share_check(const struct pt_table *s2)
{
	return ops ? iommu_share_refusal(&limits, ops->walks_x86_tables, s2) : "no IOMMU";
}

int iommu_shared_map(struct iommu_domain *d, uint64_t gpa, paddr_t hpa, uint64_t size, unsigned perms)
{
	uint64_t mapped = 0;
	int rc = 0;

	if (d->kind != IOMMU_DOMAIN_SHARED)
		return -EPERM;
	spin_lock(&iommu_lock);
	/* A mirror holds RAM only: MMIO (a BAR in the stage-2) is no DMA target. */
	if (!d->s2 && pa_range_ok(hpa, size))
		rc = iommu_dom_map(d, gpa, hpa, size, perms & (PT_READ | PT_WRITE), &mapped);
	/* New entries may replace cached not-present ones (VT-d caching mode). */
	if (rc == 0 && limits.caches_not_present)
		iommu_pending_add_locked(d, gpa, size);
	spin_unlock(&iommu_lock);
	return rc;
}

int iommu_shared_unmap(struct iommu_domain *d, uint64_t gpa, uint64_t size)
{
	uint64_t unmapped = 0;
	int rc = 0;

	if (d->kind != IOMMU_DOMAIN_SHARED)
		return -EPERM;
	spin_lock(&iommu_lock);
	if (!d->s2)
		rc = iommu_dom_unmap(d, gpa, size, &unmapped);
	/* Even a failed unmap may have cleared a prefix: invalidate the whole range. */
	iommu_pending_add_locked(d, gpa, size);
	spin_unlock(&iommu_lock);
	return rc;
}

int iommu_domain_destroy(struct iommu_domain *d)
{
	int rc = 0;

	spin_lock(&iommu_lock);
	if ((d->kind != IOMMU_DOMAIN_PAGING && d->kind != IOMMU_DOMAIN_SHARED) || !d->in_use)
		rc = -EPERM;
	else if (d->devices || d->pinned)
		rc = -EBUSY;
	/* Its hardware id is reused by the next domain: nothing of it may stay cached. */
	else if ((rc = iommu_pending_commit_locked(d)) > 0)
		rc = 0;
	if (rc == 0) {
		/* No requester id points at it any more and every unit was invalidated on the move. */
		/* Only a paging domain's tables hold counted mappings (the map calls count them). */
		if (d->kind == IOMMU_DOMAIN_PAGING)
			iommu_mapcount_adjust(&d->pt, 0, d->pt.iova_limit, -1);
		if (!d->s2)
			domain_tables_destroy(d);
		d->in_use = false;
	}
	spin_unlock(&iommu_lock);
	return rc;
}

/* ---- Map, unmap, flush ----------------------------------------------------------------- */

static bool pa_range_ok(paddr_t pa, uint64_t size)
{
	return size && pa + size > pa &&
	       rangeset_contains(&dma_ram, ALIGN_DOWN(pa, PAGE_SIZE), ALIGN_UP(pa + size, PAGE_SIZE));
}




int iommu_map_range(struct iommu_domain *d, uint64_t iova, paddr_t pa, uint64_t size,
		    unsigned perms, uint64_t *mapped)
{
	int rc;

	*mapped = 0;
	if (d->kind != IOMMU_DOMAIN_PAGING)
		return -EPERM;
	spin_lock(&iommu_lock);
	if (!d->in_use || iommu_unity_held(d, iova, size))
		rc = -EPERM;
	else if (!pa_range_ok(pa, size))
		rc = -EACCES;
	else
		rc = iommu_map_counted(d, iova, pa, size, perms, mapped);
	spin_unlock(&iommu_lock);
	return rc;
}

int iommu_unmap_range(struct iommu_domain *d, uint64_t iova, uint64_t size, uint64_t *unmapped)
{
	int rc;

	*unmapped = 0;
	if (d->kind != IOMMU_DOMAIN_PAGING)
		return -EPERM;
	spin_lock(&iommu_lock);
	if (!d->in_use || iommu_unity_held(d, iova, size))
		rc = -EPERM;
	else if (iova >= d->pt.iova_limit || !IS_ALIGNED(iova, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE))
		rc = iommu_dom_unmap(d, iova, size, unmapped);   /* the engine's -ERANGE / -EINVAL */
	else
		rc = iommu_unmap_counted(d, iova, size, unmapped);
	spin_unlock(&iommu_lock);
	return rc;
}

int iommu_flush(struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	if (ops && d->kind != IOMMU_DOMAIN_BLOCKED) {
		__atomic_add_fetch(&d->flushes, 1, __ATOMIC_RELAXED);
		return ops->flush(d, iova, size);
	}
	return 0;
}


uint64_t iommu_domain_table_pages(const struct iommu_domain *d)
{
	return (d->pt.root ? d->pt.stats.tables : 0) + (d->pt_alt.root ? d->pt_alt.stats.tables : 0);
}

/* ---- Batched maps and one flush per call (the hypercall layer) ------------------------ */

/* Page pa wholly DMA-able; *hint remembers the range that held the previous page. */
static bool page_dma_able(paddr_t pa, const struct phys_range **hint)
{
	const struct phys_range *r = *hint;

	if (r && pa >= r->base && pa - r->base < r->end - r->base)
		return true;
	for (unsigned i = 0; i < dma_ram.n; i++) {
		r = &dma_ram.r[i];
		if (pa >= r->base && pa - r->base < r->end - r->base) {
			*hint = r;
			return true;
		}
	}
	return false;
}

/*
 * How many leading pages pass every check (invariant 1 first: DMA-able RAM
 * only); *err is the error of the first one that does not.
 */
static unsigned pages_ok_prefix(const struct iommu_domain *d, uint64_t iova, const paddr_t *pages,
				unsigned n, int *err)
{
	const struct phys_range *hint = NULL;
	bool unity = iommu_unity_held(d, iova, (uint64_t)n * PAGE_SIZE);

	for (unsigned k = 0; k < n; k++) {
		uint64_t va = iova + (uint64_t)k * PAGE_SIZE;   /* iova < iova_limit <= 2^57: no wrap */

		if (!IS_ALIGNED(pages[k], PAGE_SIZE))
			*err = -EINVAL;
		else if (!page_dma_able(pages[k], &hint))
			*err = -EACCES;
		else if (va >= d->pt.iova_limit || pages[k] >= d->pt.pa_limit)
			*err = -ERANGE;
		else if (unity && iommu_unity_held(d, va, PAGE_SIZE))
			*err = -EPERM;
		else if ((*err = iommu_mapcount_prepare(pages[k])) == 0)
			continue;
		else if (*err == -ENOMEM)
			*err = -EIO;   /* monitor memory, not the caller's pool: depositing would not help */
		return k;
	}
	return n;
}

/* The pages a narrower table can hold, in runs; it stops at the first failure. */
static int alt_map_pages(struct pt_table *t, uint64_t iova, const paddr_t *pages, unsigned n,
			 unsigned perms)
{
	for (unsigned k = 0; k < n; k++) {
		unsigned s = k;
		int rc;

		while (k < n && iova + (uint64_t)k * PAGE_SIZE < t->iova_limit && pages[k] < t->pa_limit)
			k++;
		if (k > s && (rc = pt_map_pages(t, iova + (uint64_t)s * PAGE_SIZE, &pages[s], k - s,
						perms, NULL)) < 0)
			return rc;
	}
	return 0;
}

/*
 * Into every table of d. When the second table fails, both lose this call's
 * pages (whole runs of this call, so no superpage is split) and progress is 0.
 */
static int dom_map_pages(struct iommu_domain *d, uint64_t iova, const paddr_t *pages, unsigned n,
			 unsigned perms, struct pt_progress *p)
{
	int rc = pt_map_pages(&d->pt, iova, pages, n, perms, p);
	uint64_t ignored, span = (uint64_t)p->done * PAGE_SIZE;

	if (!d->pt_alt.root || !p->done || alt_map_pages(&d->pt_alt, iova, pages, p->done, perms) == 0)
		return rc;
	if (iova < d->pt_alt.iova_limit)
		pt_unmap_range(&d->pt_alt, iova, MIN(span, d->pt_alt.iova_limit - iova), &ignored);
	pt_unmap_range(&d->pt, iova, span, &ignored);
	iommu_pending_add_locked(d, iova, span);   /* present for a moment: see iommu_dom_map */
	*p = (struct pt_progress){ 0, 0 };
	return -ENOMEM;
}

int iommu_map_pages(struct iommu_domain *d, uint64_t iova, const paddr_t *pages, unsigned n,
		    unsigned perms, struct pt_progress *progress)
{
	struct pt_progress p = { 0, 0 };
	int rc = 0, bad = 0;

	*progress = p;
	if (d->kind != IOMMU_DOMAIN_PAGING)
		return -EPERM;
	if (!n || n > PT_MAP_BATCH_MAX || !IS_ALIGNED(iova, PAGE_SIZE))
		return -EINVAL;
	spin_lock(&iommu_lock);
	if (!d->in_use) {
		rc = -EPERM;
	} else {
		unsigned ok = pages_ok_prefix(d, iova, pages, n, &bad);

		if (ok)
			rc = dom_map_pages(d, iova, pages, ok, perms, &p);
		for (unsigned k = 0; k < p.done; k++)
			iommu_mapcount_add(pages[k], 1);
		if (rc == 0 && ok < n)
			rc = bad;
		/* Filling not-present entries needs no invalidation unless a unit caches them. */
		if (limits.caches_not_present)
			iommu_pending_add_locked(d, iova, (uint64_t)p.done * PAGE_SIZE);
	}
	spin_unlock(&iommu_lock);
	*progress = p;
	return rc;
}


/* Bytes of [iova, iova+size) before the first page of a unity range d holds. */
static uint64_t unity_free_prefix(const struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	uint64_t off = 0;

	if (!iommu_unity_held(d, iova, size))
		return size;
	while (off < size && !iommu_unity_held(d, iova + off, PAGE_SIZE))
		off += PAGE_SIZE;
	return off;
}

int iommu_unmap_pages(struct iommu_domain *d, uint64_t iova, uint64_t size, uint64_t *unmapped)
{
	uint64_t clear = 0;
	int rc = 0;

	*unmapped = 0;
	if (d->kind != IOMMU_DOMAIN_PAGING)
		return -EPERM;
	if (!size || !IS_ALIGNED(iova, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE))
		return -EINVAL;
	spin_lock(&iommu_lock);
	if (!d->in_use) {
		rc = -EPERM;
	} else if (iova >= d->pt.iova_limit) {
		rc = -ERANGE;
	} else {
		uint64_t in_range = MIN(size, d->pt.iova_limit - iova);

		clear = unity_free_prefix(d, iova, in_range);
		if (clear)
			rc = iommu_unmap_counted(d, iova, clear, unmapped);
		if (rc == 0 && clear < in_range)
			rc = -EPERM;
		else if (rc == 0 && in_range < size)
			rc = -ERANGE;
		/* Recorded under the lock that dropped the map counts: see iommu/flush.c. */
		iommu_pending_add_locked(d, iova, *unmapped);
	}
	spin_unlock(&iommu_lock);
	return rc;
}


/* ---- The DMA-able set ----------------------------------------------------------------- */

bool iommu_ram_is_dma_able(paddr_t base, uint64_t size)
{
	bool ok;

	spin_lock(&iommu_lock);
	ok = pa_range_ok(base, size);
	spin_unlock(&iommu_lock);
	return ok;
}

static bool add_flush_warned;

int iommu_ram_add(paddr_t base, uint64_t size, bool root)
{
	static struct rangeset before;   /* guarded by iommu_lock */
	paddr_t end = base + size;
	int rc;

	if (!ops)
		return -ENODEV;
	if (!size || end < base || !IS_ALIGNED(base, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE))
		return -EINVAL;
	spin_lock(&iommu_lock);
	before = dma_ram;
	if (rangeset_overlaps(&monitor_mem, base, end))
		rc = -EACCES;
	else
		rc = rangeset_add(&dma_ram, base, end);
	/* Root RAM again: back into the default domain's identity map, where it was not. */
	if (rc == 0 && root && (rc = iommu_dom_map_identity_outside(&domains[0], &before, base, end)) < 0)
		dma_ram = before;
	spin_unlock(&iommu_lock);
	/*
	 * Only a unit that caches not-present entries needs this. If it does not
	 * confirm, a device may go on seeing the pages as not present: that fails
	 * closed, and the pages are granted all the same. Reporting an error
	 * here would make the caller treat them as still not DMA-able (a
	 * withdrawn page put back into a deposit pool while the identity map
	 * reaches it).
	 */
	if (rc == 0 && root && ops->flush(&domains[0], base, size) < 0 &&
	    !__atomic_exchange_n(&add_flush_warned, true, __ATOMIC_RELAXED))   /* a withdraw loop: once */
		pr_warn("default domain: invalidation after granting 0x%llx not confirmed (said once)",
			(unsigned long long)base);
	return rc;
}

int iommu_ram_remove(paddr_t base, uint64_t size)
{
	static struct rangeset before;   /* guarded by iommu_lock */
	uint64_t done = 0;
	int rc;

	if (!ops)
		return -ENODEV;
	if (!size || base + size < base || !IS_ALIGNED(base, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE))
		return -EINVAL;
	spin_lock(&iommu_lock);
	before = dma_ram;
	/*
	 * A page a paging domain or a unity range maps stays the partition's: a device may still
	 * write it. One unmapped but still cached (a continued call's pending flush) is no
	 * better: flush first.
	 */
	rc = iommu_pending_commit_all_locked();
	if (rc >= 0)
		rc = iommu_mapcount_any(base, size) || iommu_unity_overlaps(base, size) ? -EBUSY :
		     rangeset_remove(&dma_ram, base, base + size);
	if (rc == 0 && base < domains[0].pt.iova_limit)
		rc = iommu_dom_unmap(&domains[0], base, MIN(size, domains[0].pt.iova_limit - base), &done);
	if (rc < 0)
		dma_ram = before;   /* the caller must not use the pages: still the root's */
	spin_unlock(&iommu_lock);
	if (rc == 0)
		rc = ops->flush(&domains[0], base, size);
	return rc;
}

/* ---- The debug shell's view --------------------------------------------------------- */

const struct iommu_domain *iommu_domain_at(unsigned i)
{
	if (!ops || i >= IOMMU_MAX_DOMAINS || !__atomic_load_n(&domains[i].in_use, __ATOMIC_ACQUIRE))
		return NULL;
	return &domains[i];
}

static bool has_own_table(const struct iommu_domain *d)
{
	return d->kind != IOMMU_DOMAIN_BLOCKED && !d->s2 && d->pt.root && d->pt.fmt;
}

uint32_t iommu_domain_id_of(const struct pci_dev *dev)
{
	uint32_t id;

	spin_lock(&iommu_lock);
	id = iommu_domain_of(dev)->id;
	spin_unlock(&iommu_lock);
	return id;
}

bool iommu_domain_info(unsigned i, struct iommu_domain_info *out)
{
	const struct iommu_domain *d;
	bool used;

	if (!ops || i >= IOMMU_MAX_DOMAINS)
		return false;
	d = &domains[i];
	spin_lock(&iommu_lock);
	used = d->in_use;
	if (used)
		*out = (struct iommu_domain_info){
			.id = d->id, .kind = d->kind, .format = has_own_table(d) ? d->pt.fmt->name : NULL,
			.devices = d->devices, .owner = d->owner,
			.table_pages = d->pt.stats.tables + d->pt_alt.stats.tables,
			.entries_written = d->pt.stats.entries_written, .flushes = d->flushes,
			.iova_limit = has_own_table(d) ? d->pt.iova_limit : 0, .pinned = d->pinned,
		};
	spin_unlock(&iommu_lock);
	return used;
}

int iommu_domain_walk(uint32_t id, uint64_t iova, pt_walk_fn fn, void *ctx)
{
	const struct iommu_domain *d;
	int rc;

	if (!ops)
		return -ENOENT;
	spin_lock(&iommu_lock);
	d = find_locked(id);
	rc = !d ? -ENOENT : !has_own_table(d) ? -ENODATA : pt_walk(&d->pt, iova, fn, ctx);
	spin_unlock(&iommu_lock);
	return rc;
}

bool iommu_unit_info(unsigned i, struct iommu_unit_info *out)
{
	return ops && ops->unit_info && ops->unit_info(i, out);
}

void iommu_counters_reset(void)
{
	for (unsigned i = 0; i < IOMMU_MAX_DOMAINS; i++)
		__atomic_store_n(&domains[i].flushes, 0, __ATOMIC_RELAXED);
}

int iommu_quarantine(struct pci_dev *dev)
{
	struct pci_dev *m;
	int rc = -ENODEV;

	if (!ops || !dev->group)
		return rc;
	rc = iommu_group_attach(iommu_domain_null(), dev->group);
	if (rc == -EALREADY)
		rc = 0;
	pci_dev_registry_lock();
	for (m = dev->group->devs; m; m = m->group_next)
		bus_master_off(m);
	pci_dev_registry_unlock();
	return rc;
}
