// SPDX-License-Identifier: MIT
/*
 * Direct attach (assign.h). A device group is owned by the root, or by one
 * child (attached, or quarantined after that child stopped). What moves
 * with it, all or nothing:
 *   - its memory BAR pages and each member's ECAM page: out of the old
 *     owner's stage-2 (every CPU of the old owner flushed, s2_sync.c), into
 *     the new owner's at the same guest-physical address;
 *   - configuration access through ports 0xCF8/0xCFC (part_owns_dev);
 *   - its DMA: the child's shared domain (iommu/share.c), whose translation
 *     is the child's stage-2, so the child needs no map calls at all.
 * Bus mastering is turned off on every move: the new owner turns it on when
 * it has programmed the device, so no DMA set up by the old owner ever
 * reaches the new owner's memory.
 *
 * Readers (configuration filtering, stage-2 faults) look at the table
 * without the lock: an entry is published whole (in_use last, release) and
 * a group changes owner only under the lock.
 */
#define LOG_TAG "part"
#include <errno.h>

#include "kernel/partition/assign.h"
#include "kernel/partition/exits.h"
#include "kernel/partition/s2_layout.h"
#include "kernel/partition/s2_sync.h"
#include "kernel/log.h"
#include "iommu/iommu.h"
#include "pci/dev.h"
#include "pci/group.h"
#include "pci/pci.h"
#include "pci/regs.h"

#define SHARED_DOMAIN_ID(p) (0xFFFF0000u | (p)->id)   /* ids the root cannot reach by accident */

struct assignment {
	struct pci_group *group;
	struct pci_dev *dev;          /* the function named, referenced */
	struct partition *owner;      /* a child */
	uint64_t logical_id;
	bool quarantined;
	bool in_use;
};

static struct assignment table[PART_ASSIGN_MAX];
static struct iommu_domain *shared[PART_MAX];
static spinlock_t assign_lock = SPINLOCK_INIT;

static struct partition *root_partition(void)
{
	return &partitions[0];
}

static struct assignment *find_group(const struct pci_group *g)
{
	for (unsigned i = 0; i < PART_ASSIGN_MAX; i++)
		if (__atomic_load_n(&table[i].in_use, __ATOMIC_ACQUIRE) && table[i].group == g)
			return &table[i];
	return NULL;
}

static struct assignment *find_logical(const struct partition *child, uint64_t logical_id)
{
	for (unsigned i = 0; i < PART_ASSIGN_MAX; i++)
		if (table[i].in_use && table[i].owner == child && table[i].logical_id == logical_id)
			return &table[i];
	return NULL;
}

bool part_dev_assigned(const struct pci_dev *d, struct partition **owner)
{
	const struct assignment *a = d->group ? find_group(d->group) : NULL;

	if (owner)
		*owner = a && !a->quarantined ? a->owner : NULL;
	return a != NULL;
}

bool part_root_ecam_hidden(uint64_t gpa)
{
	for (unsigned i = 0; i < PART_ASSIGN_MAX; i++) {
		if (!__atomic_load_n(&table[i].in_use, __ATOMIC_ACQUIRE))
			continue;
		for (const struct pci_dev *m = table[i].group->devs; m; m = m->group_next)
			if (s2_layout_ecam_page(m->seg, m->bus, m->devfn) == (gpa & ~(uint64_t)(PAGE_SIZE - 1)))
				return true;
	}
	return false;
}

/* ---- A child's stage-2 ------------------------------------------------------------ */

static int grant_locked(struct partition *p, uint64_t gpa, paddr_t hpa, uint64_t size, unsigned perms)
{
	struct iommu_domain *d = shared[p - partitions];
	uint64_t done = 0, undone;
	int rc = pt_map_range(&p->s2, gpa, hpa, size, perms, &done);

	if (rc == 0 && d)
		rc = iommu_shared_map(d, gpa, hpa, size, perms);
	if (rc < 0 && done) {
		/*
		 * Present for a moment: p's running CPUs, and devices walking its stage-2, may have
		 * cached it. Taken back as any narrowing is (the IOTLB with the caller's commit).
		 */
		pt_unmap_range(&p->s2, gpa, done, &undone);
		if (d && iommu_shared_unmap(d, gpa, done) < 0)
			rc = -EIO;
		if (part_s2_flush_cpus(p) < 0)
			rc = -ETIMEDOUT;
	}
	return rc;
}

/*
 * Gone from the stage-2; the devices that see it keep it until the caller's
 * commit_locked() (one IOTLB flush for every change of one operation), the
 * CPUs until its part_s2_flush_cpus().
 */
static int unmap_locked(struct partition *p, uint64_t gpa, uint64_t size)
{
	struct iommu_domain *d = shared[p - partitions];
	uint64_t done = 0;
	int rc = d ? iommu_shared_unmap(d, gpa, size) : 0;

	/*
	 * The devices first: a mirror's split of a large page takes a table page from the child's
	 * pool, and when there is none (-ENOMEM) the CPUs keep the range, so no page the child's
	 * CPUs lost is ever left to its devices. (A prefix the mirror dropped stays dropped: a
	 * narrowing, invalidated with the caller's commit.)
	 */
	if (rc < 0)
		return rc;
	return pt_unmap_range(&p->s2, gpa, size, &done);
}

/* The one IOTLB flush of an operation on p's stage-2 (iommu.h: pending flushes): 1, 0 (none needed), or an error. */
static int commit_locked(struct partition *p)
{
	struct iommu_domain *d = shared[p - partitions];

	return d ? iommu_flush_commit(d, NULL) : 0;
}

int part_s2_grant_deferred(struct partition *p, uint64_t gpa, paddr_t hpa, uint64_t size, unsigned perms)
{
	int rc;

	spin_lock(&assign_lock);
	rc = grant_locked(p, gpa, hpa, size, perms);
	spin_unlock(&assign_lock);
	return rc;
}

int part_s2_mirror_unmap(struct partition *p, uint64_t gpa, uint64_t size)
{
	struct iommu_domain *d;
	int rc = 0, flushed = 0;

	spin_lock(&assign_lock);
	d = shared[p - partitions];
	if (d) {
		rc = iommu_shared_unmap(d, gpa, size);
		flushed = commit_locked(p);
	}
	spin_unlock(&assign_lock);
	return rc < 0 ? rc : flushed < 0 ? flushed : 0;
}

int part_s2_commit(struct partition *p)
{
	int rc;

	spin_lock(&assign_lock);
	rc = commit_locked(p);
	spin_unlock(&assign_lock);
	return rc;
}

int part_s2_grant(struct partition *p, uint64_t gpa, paddr_t hpa, uint64_t size, unsigned perms)
{
	int rc, flushed;

	spin_lock(&assign_lock);
	rc = grant_locked(p, gpa, hpa, size, perms);
	flushed = commit_locked(p);
	spin_unlock(&assign_lock);
	return rc < 0 ? rc : flushed < 0 ? flushed : 0;
}

/* A narrowing: one IOTLB flush and one flush of the partition's CPUs before it returns, whatever the size. */
int part_s2_revoke(struct partition *p, uint64_t gpa, uint64_t size)
{
	int rc, flushed, cpu_rc;

	spin_lock(&assign_lock);
	rc = unmap_locked(p, gpa, size);
	flushed = commit_locked(p);
	cpu_rc = part_s2_flush_cpus(p);
	spin_unlock(&assign_lock);
	return rc < 0 ? rc : flushed < 0 ? flushed : cpu_rc;
}

/* ---- The shared domain of a child --------------------------------------------------- */

/* One run of the child's own pages into the mirror: DMA-able, then mapped as its stage-2 has them. */
static int mirror_run(struct iommu_domain *d, uint64_t gpa, paddr_t hpa, uint64_t size, unsigned perms)
{
	int rc;

	if (!size)
		return 0;
	rc = iommu_ram_add(hpa, size, false);
	return rc < 0 ? rc : iommu_shared_map(d, gpa, hpa, size, perms);
}

/*
 * What the child's stage-2 maps of one RAM chunk, leaf by leaf, coalesced into runs. Not the
 * chunk itself: it still names the pages the child deposited to its pool and those the root
 * took away with UNMAP_GPA_PAGES, and a device must reach neither. (A page the root granted
 * before the first attach is not the child's RAM and is left out; grants after it reach the
 * mirror through grant_locked().)
 */
static int mirror_chunk(struct partition *child, struct iommu_domain *d, const struct part_chunk *c)
{
	uint64_t run_gpa = 0, run_len = 0, off = 0;
	unsigned run_perms = 0;
	paddr_t run_hpa = 0;
	int rc;

	while (off < c->size) {
		uint64_t gpa = c->gpa + off, step = PAGE_SIZE, leaf = PAGE_SIZE;
		unsigned perms = 0;
		paddr_t pa = 0;
		bool own = pt_lookup(&child->s2, gpa, &pa, &perms, &leaf) == 0 && pa == c->hpa + off &&
			   (perms & PT_READ);

		perms &= PT_READ | PT_WRITE;
		if (own)
			step = MIN(ALIGN_DOWN(gpa, leaf) + leaf - gpa, c->size - off);
		if (own && run_len && run_gpa + run_len == gpa && run_perms == perms) {
			run_len += step;
		} else {
			rc = mirror_run(d, run_gpa, run_hpa, run_len, run_perms);
			if (rc < 0)
				return rc;
			run_gpa = gpa;
			run_hpa = pa;
			run_perms = perms;
			run_len = own ? step : 0;
		}
		off += step;
	}
	return mirror_run(d, run_gpa, run_hpa, run_len, run_perms);
}

static int mirror_fill(struct partition *child, struct iommu_domain *d)
{
	int rc;

	for (unsigned i = 0; i < child->ram_chunks; i++) {
		rc = mirror_chunk(child, d, &child->ram[i]);
		if (rc < 0)
			return rc;
	}
	/* No device walks it yet, but a unit may cache not-present entries of its id. */
	rc = iommu_flush_commit(d, NULL);
	return rc < 0 ? rc : 0;
}

/*
 * The child's shared domain, made at its first attach. A mirror's table pages come from pool
 * (the child's deposit pool for ATTACH_DEVICE; NULL, the monitor's frames, only for the
 * monitor's own self-test) for as long as the mirror lives, its later growth included.
 */
static struct iommu_domain *shared_domain(struct partition *child, const struct pt_pool *pool, int *err)
{
	struct iommu_domain **slot = &shared[child - partitions], *d;
	const char *how;

	if (*slot)
		return *slot;
	d = iommu_domain_share(SHARED_DOMAIN_ID(child), &child->s2, pool, &how, err);
	if (!d)
		return NULL;
	if (!d->s2 && (*err = mirror_fill(child, d)) < 0) {
		if (iommu_domain_destroy(d) < 0)
			pr_err("%s: half-built DMA mirror kept", child->name);
		return NULL;
	}
	if (d->s2)
		pr_info("%s: direct-attach DMA walks its stage-2 (shared)", child->name);
	else
		pr_info("%s: direct-attach DMA uses a mirrored IOMMU table (%s)", child->name, how);
	*slot = d;
	return d;
}

/* A child with no device left gives its shared domain (and a mirror's tables) back. */
static void shared_release_if_unused(struct partition *child)
{
	struct iommu_domain **slot = &shared[child - partitions];

	for (unsigned i = 0; i < PART_ASSIGN_MAX; i++)
		if (table[i].in_use && table[i].owner == child && !table[i].quarantined)
			return;
	if (*slot && iommu_domain_destroy(*slot) == 0)
		*slot = NULL;
}

/* ---- Moving a group's MMIO and config space ------------------------------------------ */

static void bus_master_off(struct pci_group *g)
{
	for (struct pci_dev *m = g->devs; m; m = m->group_next) {
		uint16_t cmd = (uint16_t)pci_cfg_read(m->seg, m->bus, m->devfn, PCI_COMMAND, 2);

		pci_cfg_write(m->seg, m->bus, m->devfn, PCI_COMMAND, 2, cmd & ~PCI_COMMAND_BUS_MASTER);
	}
}

/* The pages of the k-th MMIO window of g (BARs, then ECAM pages); false past the end. */
static bool window(const struct pci_group *g, unsigned k, uint64_t *base, uint64_t *size)
{
	for (const struct pci_dev *m = g->devs; m; m = m->group_next) {
		for (unsigned i = 0; i < PCI_BAR_MAX; i++) {
			const struct pci_bar *b = &m->bars[i];

			if (!b->size || !b->base || (b->flags & (PCI_BAR_IO | PCI_BAR_UPPER)))
				continue;
			if (k-- == 0) {
				*base = b->base;
				*size = b->size;
				return true;
			}
		}
		if (k-- == 0) {
			*base = s2_layout_ecam_page(m->seg, m->bus, m->devfn);
			*size = *base ? PAGE_SIZE : 0;
			return true;
		}
	}
	return false;
}

/* A BAR smaller than a page shares it with whatever else is there: it cannot be given away. */
static bool windows_isolable(const struct pci_group *g)
{
	uint64_t base, size;

	for (unsigned k = 0; window(g, k, &base, &size); k++)
		if (!IS_ALIGNED(base, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE))
			return false;
	return true;
}

/*
 * Move the windows of g from one stage-2 to another; undone on failure. One
 * IOTLB flush per stage-2 a device shares or mirrors (all windows at once),
 * one flush of the old owner's CPUs.
 */
static int move_windows(const struct pci_group *g, struct partition *from, struct partition *to)
{
	unsigned k;
	uint64_t base, size, done;
	int rc = 0;

	for (k = 0; window(g, k, &base, &size); k++)
		if (size && unmap_locked(from, base, size) < 0)
			rc = -EIO;   /* still tell the devices and CPUs, then undo */
	if (commit_locked(from) < 0)
		rc = -EIO;   /* an IOTLB not confirmed */
	if (part_s2_flush_cpus(from) < 0)
		rc = -ETIMEDOUT;
	for (k = 0; rc == 0 && window(g, k, &base, &size); k++)
		if (size && (rc = grant_locked(to, base, base, size, PT_READ | PT_WRITE)) < 0)
			break;
	if (rc == 0 && (rc = commit_locked(to)) > 0)
		rc = 0;
	if (rc == 0)
		return 0;
	for (unsigned j = 0; j < k && window(g, j, &base, &size); j++)
		if (size && unmap_locked(to, base, size) < 0)
			pr_err("%s: MMIO 0x%llx could not be taken back", to->name, (unsigned long long)base);
	if (commit_locked(to) < 0)
		pr_err("%s: IOTLB flush after an undone move not confirmed", to->name);
	for (unsigned j = 0; window(g, j, &base, &size); j++)
		if (size && pt_map_range(&from->s2, base, base, size, PT_READ | PT_WRITE, &done) < 0)
			pr_err("%s: MMIO 0x%llx could not be given back", from->name, (unsigned long long)base);
	return rc;
}

/* ---- Attach, detach, quarantine ------------------------------------------------------ */

static int check_assignable(struct partition *child, struct pci_dev *dev, uint64_t logical_id)
{
	if (child < partitions || child >= partitions + partition_count || child->is_root || !dev->group)
		return -EINVAL;
	/*
	 * part_stop marks the child stopped before it quarantines under this
	 * lock: checked here, a stop on another CPU after the caller's own check
	 * cannot leave a live device with a child nothing will quarantine.
	 */
	if (__atomic_load_n(&child->state, __ATOMIC_ACQUIRE) == PART_STOPPED)
		return -ESTALE;
	if (find_logical(child, logical_id))
		return -EEXIST;
	for (struct pci_dev *m = dev->group->devs; m; m = m->group_next) {
		struct iommu_domain *d = iommu_domain_of(m);

		if (!part_owns_dev(root_partition(), m) && !part_dev_assigned(m, NULL))
			return -EPERM;   /* the monitor's own function */
		if (d != iommu_domain_default() && d != iommu_domain_null())
			return -EBUSY;   /* in a device domain, or already a child's */
	}
	return windows_isolable(dev->group) ? 0 : -EINVAL;
}

static struct assignment *free_slot(void)
{
	for (unsigned i = 0; i < PART_ASSIGN_MAX; i++)
		if (!table[i].in_use)
			return &table[i];
	return NULL;
}

static int assign_locked(struct partition *child, struct pci_dev *dev, uint64_t logical_id,
			 const struct pt_pool *pool)
{
	struct assignment *a = find_group(dev->group);
	struct partition *from = a ? a->owner : root_partition();
	struct pci_dev *reused;
	struct iommu_domain *d;
	int rc = check_assignable(child, dev, logical_id);

	if (rc < 0)
		return rc;
	if (a && !a->quarantined)
		return -EBUSY;
	if (!a && !(a = free_slot()))
		return -ENOSPC;
	if (!(d = shared_domain(child, pool, &rc)))
		return rc;
	bus_master_off(dev->group);
	rc = move_windows(dev->group, from, child);
	if (rc == 0 && (rc = iommu_group_attach(d, dev->group)) < 0 &&
	    move_windows(dev->group, child, from) < 0)
		pr_err("%s: MMIO of a refused device could not be moved back", child->name);
	if (rc < 0) {
		shared_release_if_unused(child);   /* a mirror built for this attach alone */
		return rc;
	}
	reused = a->in_use ? a->dev : NULL;   /* from quarantine: the entry stays published */
	a->group = dev->group;
	a->dev = pci_dev_get(dev);
	a->logical_id = logical_id;
	__atomic_store_n(&a->owner, child, __ATOMIC_RELEASE);
	__atomic_store_n(&a->quarantined, false, __ATOMIC_RELEASE);
	__atomic_store_n(&a->in_use, true, __ATOMIC_RELEASE);
	if (reused) {
		pci_dev_put(reused);
		if (from != child)
			shared_release_if_unused(from);
	}
	return 0;
}

int part_assign_device(struct partition *child, struct pci_dev *dev, uint64_t logical_id,
		       const struct pt_pool *pool)
{
	uint64_t tables = 0, flushes = 0;
	int rc;

	spin_lock(&assign_lock);
	rc = assign_locked(child, dev, logical_id, pool);
	if (rc == 0) {   /* what the child's DMA translation has cost: shared, no tables; a mirror, its own */
		tables = iommu_domain_table_pages(shared[child - partitions]);
		flushes = shared[child - partitions]->flushes;
	}
	spin_unlock(&assign_lock);
	if (rc == -ENOMEM)
		return rc;   /* the root deposits to the child and calls again: the attempt that ends it is logged */
	pr_info("%s: " PCI_BDF_FMT " (group %u) direct-attached as logical id 0x%llx: %d (DMA: %llu table pages, "
		"%llu IOTLB flushes)", child->name, PCI_BDF_ARGS(dev->seg, dev->bus, dev->devfn),
		dev->group ? dev->group->id : 0, (unsigned long long)logical_id, rc, (unsigned long long)tables,
		(unsigned long long)flushes);
	return rc;
}

int part_unassign_device(struct partition *child, uint64_t logical_id)
{
	struct assignment *a;
	int rc = -ENOENT;

	spin_lock(&assign_lock);
	a = find_logical(child, logical_id);
	if (a) {
		bus_master_off(a->group);
		rc = iommu_group_detach(a->group);
		if (rc == 0)
			rc = move_windows(a->group, child, root_partition());
		if (rc == 0) {
			__atomic_store_n(&a->in_use, false, __ATOMIC_RELEASE);
			pci_dev_put(a->dev);
			shared_release_if_unused(child);
		}
	}
	spin_unlock(&assign_lock);
	return rc;
}

struct pci_dev *part_assigned_dev(struct partition *child, uint64_t logical_id)
{
	struct pci_dev *d = NULL;
	struct assignment *a;

	spin_lock(&assign_lock);
	a = find_logical(child, logical_id);
	if (a && !a->quarantined)
		d = pci_dev_get(a->dev);
	spin_unlock(&assign_lock);
	return d;
}

/* a's group to the null domain with bus mastering off; assign_lock held. 0 or the move's error. */
static int quarantine_locked(struct assignment *a)
{
	int rc = iommu_group_attach(iommu_domain_null(), a->group);

	if (rc < 0 && rc != -EALREADY)   /* a unit did not confirm: the move was undone; once more */
		rc = iommu_group_attach(iommu_domain_null(), a->group);
	bus_master_off(a->group);
	a->quarantined = true;
	return rc == -EALREADY ? 0 : rc;
}

void part_quarantine_devices(struct partition *p)
{
	spin_lock(&assign_lock);
	for (unsigned i = 0; i < PART_ASSIGN_MAX; i++) {
		struct assignment *a = &table[i];
		int rc;

		if (!a->in_use || a->owner != p || a->quarantined)
			continue;
		rc = quarantine_locked(a);
		pr_info("%s: group %u (" PCI_BDF_FMT ") quarantined: null domain%s, bus mastering off",
			p->name, a->group->id, PCI_BDF_ARGS(a->dev->seg, a->dev->bus, a->dev->devfn),
			rc == 0 ? "" : " refused (the move's own error handling blocked it)");
	}
	shared_release_if_unused(p);
	spin_unlock(&assign_lock);
}

int part_quarantine_device(struct pci_dev *dev)
{
	struct assignment *a;
	int rc;

	if (!dev->group)
		return -ENODEV;
	spin_lock(&assign_lock);
	a = find_group(dev->group);
	if (a && !a->quarantined) {
		rc = quarantine_locked(a);
		shared_release_if_unused(a->owner);
	} else {
		rc = iommu_quarantine(dev);
	}
	spin_unlock(&assign_lock);
	return rc;
}
