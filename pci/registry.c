/* SPDX-License-Identifier: MIT */
/*
 * The device registry (rules in pci/dev.h). Devices live in a static pool
 * with a free list; a freed entry is filled with 0x6b and marked FREED, so
 * a stale pointer shows up at once: get/put panic on it, and any pointer
 * read from it is non-canonical.
 */
#define LOG_TAG "pci"
#include "pci/dev.h"
#include "pci/group.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/spinlock.h"

#include <errno.h>
#include <string.h>

/* Tries at an instance GUID whose logical id no registered device has. */
#define GUID_ATTEMPTS 8

static struct pci_dev pool[PCI_DEV_POOL_SIZE];
static struct pci_dev *free_list;
static struct pci_dev *devices;      /* registered, sorted by (seg, bus, devfn) */
static unsigned ndevices;
static bool pool_ready;
static spinlock_t registry_lock = SPINLOCK_INIT;
static const struct pci_dev_hooks *hooks;

void pci_dev_set_hooks(const struct pci_dev_hooks *h)
{
	spin_lock(&registry_lock);
	hooks = h;
	spin_unlock(&registry_lock);
}

void pci_dev_registry_lock(void) { spin_lock(&registry_lock); }
void pci_dev_registry_unlock(void) { spin_unlock(&registry_lock); }

static uint32_t bdf_key(uint16_t seg, uint8_t bus, uint8_t devfn)
{
	return (uint32_t)seg << 16 | PCI_RID(bus, devfn);
}

static uint32_t dev_key(const struct pci_dev *d)
{
	return bdf_key(d->seg, d->bus, d->devfn);
}

/* A pointer that is not a live pool entry is a use-after-free or a wild pointer. */
static void check_live(const struct pci_dev *d, const char *op)
{
	uintptr_t at = (uintptr_t)d, first = (uintptr_t)pool;

	if (at < first || at >= (uintptr_t)(pool + PCI_DEV_POOL_SIZE) || (at - first) % sizeof(*d))
		panic("pci: %s on 0x%llx, which is not a pci_dev", op, (unsigned long long)at);
	if (d->state != PCI_DEV_STATE_LIVE)
		panic("pci: %s on a freed pci_dev (pool entry %u)", op, (unsigned)(d - pool));
}

/* Fill a free entry with 0x6b: stale pointers read from it are non-canonical. */
static void poison(struct pci_dev *d, struct pci_dev *next_free)
{
	memset(d, PCI_DEV_POISON, sizeof(*d));
	d->state = PCI_DEV_STATE_FREED;
	d->next = next_free;
}

static void pool_init_locked(void)
{
	free_list = NULL;
	for (unsigned i = PCI_DEV_POOL_SIZE; i-- > 0;) {
		poison(&pool[i], free_list);
		free_list = &pool[i];
	}
	devices = NULL;
	ndevices = 0;
	pool_ready = true;
}

void pci_dev_registry_reset(void)
{
	spin_lock(&registry_lock);
	pool_init_locked();
	pci_group_reset();
	hooks = NULL;
	spin_unlock(&registry_lock);
}

static void ref_inc(struct pci_dev *d)
{
	__atomic_add_fetch(&d->refcount, 1, __ATOMIC_RELAXED);
}

/* Only for references the registry knows are not the last (the registry holds one). */
static void ref_dec(struct pci_dev *d)
{
	if (__atomic_fetch_sub(&d->refcount, 1, __ATOMIC_RELEASE) <= 1)
		panic("pci: " PCI_BDF_FMT " dropped its last reference while registered",
		      PCI_BDF_ARGS(d->seg, d->bus, d->devfn));
}

struct pci_dev *pci_dev_get(struct pci_dev *d)
{
	check_live(d, "pci_dev_get");
	ref_inc(d);
	return d;
}

void pci_dev_put(struct pci_dev *d)
{
	check_live(d, "pci_dev_put");
	ref_dec(d);
}

/* ---- Lookups (lock held) ------------------------------------------------- */

static struct pci_dev *find_locked(uint16_t seg, uint8_t bus, uint8_t devfn)
{
	uint32_t key = bdf_key(seg, bus, devfn);

	for (struct pci_dev *d = devices; d && dev_key(d) <= key; d = d->next)
		if (dev_key(d) == key)
			return d;
	return NULL;
}

static struct pci_dev *find_logical_locked(uint32_t logical_id)
{
	for (struct pci_dev *d = devices; d; d = d->next)
		if (d->logical_id == logical_id)
			return d;
	return NULL;
}

static struct pci_dev *find_guid_locked(const uint8_t guid[PCI_GUID_LEN])
{
	for (struct pci_dev *d = devices; d; d = d->next)
		if (!memcmp(d->guid, guid, PCI_GUID_LEN))
			return d;
	return NULL;
}

static struct pci_dev *referenced(struct pci_dev *d)
{
	if (d)
		ref_inc(d);
	return d;
}

struct pci_dev *pci_dev_find(uint16_t seg, uint8_t bus, uint8_t devfn)
{
	struct pci_dev *d;

	spin_lock(&registry_lock);
	d = referenced(pool_ready ? find_locked(seg, bus, devfn) : NULL);
	spin_unlock(&registry_lock);
	return d;
}

struct pci_dev *pci_dev_find_by_logical_id(uint32_t logical_id)
{
	struct pci_dev *d;

	spin_lock(&registry_lock);
	d = referenced(pool_ready ? find_logical_locked(logical_id) : NULL);
	spin_unlock(&registry_lock);
	return d;
}

struct pci_dev *pci_dev_find_by_guid(const uint8_t guid[PCI_GUID_LEN])
{
	struct pci_dev *d;

	spin_lock(&registry_lock);
	d = referenced(pool_ready ? find_guid_locked(guid) : NULL);
	spin_unlock(&registry_lock);
	return d;
}

int pci_dev_for_each(int (*cb)(struct pci_dev *d, void *ctx), void *ctx)
{
	int ret = 0;

	spin_lock(&registry_lock);
	for (struct pci_dev *d = pool_ready ? devices : NULL; d && !ret; d = d->next)
		ret = cb(d, ctx);
	spin_unlock(&registry_lock);
	return ret;
}

unsigned pci_dev_count(void)
{
	return __atomic_load_n(&ndevices, __ATOMIC_RELAXED);
}

/* ---- Adding --------------------------------------------------------------- */

/* The PF (for a VF) or the parent bridge a new device links to, with checks. */
static int resolve_links(const struct pci_dev_desc *desc, struct pci_dev **pf,
			 struct pci_dev **parent)
{
	*pf = NULL;
	*parent = NULL;
	if (desc->is_vf) {
		*pf = find_locked(desc->seg, desc->pf_bus, desc->pf_devfn);
		if (!*pf)
			return -ENODEV;
		if (!(*pf)->is_pf)
			return -EINVAL;
		*parent = (*pf)->parent;   /* VFs hang below their PF's bridge */
	} else if (desc->has_parent) {
		*parent = find_locked(desc->seg, desc->parent_bus, desc->parent_devfn);
		if (!*parent)
			return -ENODEV;
	}
	if (*parent && ((*parent)->header_type != PCI_HEADER_TYPE_BRIDGE ||
			desc->bus < (*parent)->secondary_bus ||
			desc->bus > (*parent)->subordinate_bus))
		return -EINVAL;
	return 0;
}

/*
 * The instance GUID, re-derived with the next attempt number while its
 * logical id or the GUID itself is already taken: lookups by either must
 * name exactly one device (two devices behind one id would let a guest
 * attach the wrong one).
 */
static int assign_ids_locked(struct pci_dev *d, bool has_dsn)
{
	for (uint8_t attempt = 0; attempt < GUID_ATTEMPTS; attempt++) {
		pci_instance_guid_attempt(d->seg, d->bus, d->devfn, d->vendor, d->device, has_dsn,
					  d->caps.serial, attempt, d->guid);
		d->logical_id = pci_logical_device_id(d->guid, d->devfn);
		if (!find_logical_locked(d->logical_id) && !find_guid_locked(d->guid)) {
			if (attempt)
				pr_warn(PCI_BDF_FMT ": logical id collision, GUID attempt %u used",
					PCI_BDF_ARGS(d->seg, d->bus, d->devfn), attempt);
			return 0;
		}
	}
	return -EEXIST;
}

static void copy_desc(struct pci_dev *d, const struct pci_dev_desc *desc)
{
	d->seg = desc->seg;
	d->bus = desc->bus;
	d->devfn = desc->devfn;
	d->vendor = desc->vendor;
	d->device = desc->device;
	d->class = desc->class & 0xffffff;
	d->revision = desc->revision;
	d->header_type = desc->header_type;
	d->multifunction = desc->multifunction;
	d->primary_bus = desc->primary_bus;
	d->secondary_bus = desc->secondary_bus;
	d->subordinate_bus = desc->subordinate_bus;
	memcpy(d->bars, desc->bars, sizeof(d->bars));
	d->irq_pin = desc->irq_pin;
	d->caps = desc->caps;
	d->nr_rids = MIN(desc->nr_rids, PCI_DEV_MAX_RIDS);
	memcpy(d->rids, desc->rids, d->nr_rids * sizeof(d->rids[0]));
	d->flags = desc->flags;
	d->is_vf = desc->is_vf;
	d->is_pf = !desc->is_vf && desc->caps.sriov != 0;
	if (d->is_pf)
		d->sriov = desc->sriov;
	d->vf_index = desc->vf_index;
}

static void list_insert_sorted(struct pci_dev *d)
{
	struct pci_dev **link = &devices;

	while (*link && dev_key(*link) < dev_key(d))
		link = &(*link)->next;
	d->next = *link;
	*link = d;
	ndevices++;
}

static void vf_link(struct pci_dev *pf, struct pci_dev *vf)
{
	struct pci_dev **link = &pf->vfs;

	while (*link && (*link)->vf_index < vf->vf_index)
		link = &(*link)->vf_next;
	vf->vf_next = *link;
	*link = vf;
	pf->nr_vfs++;
}

static void log_added(const struct pci_dev *d)
{
	if (d->is_vf)
		pr_info("added " PCI_BDF_FMT " VF %u of " PCI_BDF_FMT,
			PCI_BDF_ARGS(d->seg, d->bus, d->devfn), d->vf_index,
			PCI_BDF_ARGS(d->pf->seg, d->pf->bus, d->pf->devfn));
	else
		pr_info("added " PCI_BDF_FMT " %04x:%04x logical id 0x%x",
			PCI_BDF_ARGS(d->seg, d->bus, d->devfn), d->vendor, d->device,
			d->logical_id);
}

static int add_locked(const struct pci_dev_desc *desc, struct pci_dev **out)
{
	struct pci_dev *d, *pf, *parent, *next_free;
	int err;

	if (find_locked(desc->seg, desc->bus, desc->devfn))
		return -EEXIST;
	err = resolve_links(desc, &pf, &parent);
	if (err)
		return err;
	if (!free_list)
		return -ENOMEM;
	d = free_list;
	next_free = d->next;
	memset(d, 0, sizeof(*d));
	copy_desc(d, desc);
	err = assign_ids_locked(d, desc->caps.dsn != 0);
	if (err) {
		poison(d, next_free);        /* still the head of the free list */
		return err;
	}
	free_list = next_free;
	d->state = PCI_DEV_STATE_LIVE;
	d->refcount = 1;                 /* the registry's */
	if (parent) {
		d->parent = parent;
		ref_inc(parent);
	}
	if (pf) {
		d->pf = pf;
		ref_inc(pf);
		vf_link(pf, d);
	}
	list_insert_sorted(d);
	pci_group_assign(d, devices);
	if (out)
		*out = referenced(d);
	log_added(d);
	if (hooks && hooks->added)
		hooks->added(d);
	return 0;
}

static const char *add_error_reason(const struct pci_dev_desc *desc, int err)
{
	switch (err) {
	case -EEXIST:
		return "already registered, or no unique instance GUID";
	case -ENODEV:
		return desc->is_vf ? "its PF is not registered" : "its parent bridge is not registered";
	default:
		return desc->is_vf ? "its PF has no SR-IOV capability, or its bus is outside the bridge's range"
				   : "its parent is not a bridge routing its bus";
	}
}

int pci_dev_add(const struct pci_dev_desc *desc, struct pci_dev **out)
{
	int err;

	spin_lock(&registry_lock);
	if (!pool_ready)
		pool_init_locked();
	err = add_locked(desc, out);
	spin_unlock(&registry_lock);
	if (err == -ENOMEM)
		pr_err("device pool exhausted (%u devices), " PCI_BDF_FMT " not registered",
		       PCI_DEV_POOL_SIZE, PCI_BDF_ARGS(desc->seg, desc->bus, desc->devfn));
	else if (err)
		pr_warn(PCI_BDF_FMT " not registered: %s",
			PCI_BDF_ARGS(desc->seg, desc->bus, desc->devfn), add_error_reason(desc, err));
	return err;
}

/* ---- Removing ------------------------------------------------------------- */

static void list_unlink(struct pci_dev *d)
{
	struct pci_dev **link = &devices;

	while (*link != d)
		link = &(*link)->next;
	*link = d->next;
	ndevices--;
}

static void vf_unlink(struct pci_dev *pf, struct pci_dev *vf)
{
	struct pci_dev **link = &pf->vfs;

	while (*link != vf)
		link = &(*link)->vf_next;
	*link = vf->vf_next;
	pf->nr_vfs--;
}

/* Unlink a removable device, drop the references it holds, poison it. */
static void free_locked(struct pci_dev *d)
{
	if (hooks && hooks->removing)
		hooks->removing(d);
	pci_group_leave(d);
	list_unlink(d);
	if (d->pf) {
		vf_unlink(d->pf, d);
		ref_dec(d->pf);
	}
	if (d->parent)
		ref_dec(d->parent);
	pr_info("removed " PCI_BDF_FMT, PCI_BDF_ARGS(d->seg, d->bus, d->devfn));
	poison(d, free_list);
	free_list = d;
}

int pci_dev_remove(struct pci_dev *d)
{
	int err = 0;

	check_live(d, "pci_dev_remove");
	spin_lock(&registry_lock);
	if (d->nr_vfs) {
		pr_warn("cannot remove PF " PCI_BDF_FMT ": %u VFs are registered",
			PCI_BDF_ARGS(d->seg, d->bus, d->devfn), d->nr_vfs);
		err = -EBUSY;
	} else if (__atomic_load_n(&d->refcount, __ATOMIC_ACQUIRE) != 2 || d->domain) {
		pr_warn("cannot remove " PCI_BDF_FMT ": in use (refcount %u, the registry's and "
			"the caller's are 2%s)", PCI_BDF_ARGS(d->seg, d->bus, d->devfn),
			d->refcount, d->domain ? "; domain attached" : "");
		err = -EBUSY;
	} else {
		free_locked(d);
	}
	spin_unlock(&registry_lock);
	return err;
}

static bool vf_busy(const struct pci_dev *vf)
{
	return __atomic_load_n(&vf->refcount, __ATOMIC_ACQUIRE) != 1 || vf->domain;
}

int pci_dev_remove_vfs(struct pci_dev *pf)
{
	int removed = 0;

	check_live(pf, "pci_dev_remove_vfs");
	spin_lock(&registry_lock);
	for (struct pci_dev *vf = pf->vfs; vf; vf = vf->vf_next) {
		if (vf_busy(vf)) {
			pr_warn("cannot remove the VFs of " PCI_BDF_FMT ": VF " PCI_BDF_FMT " is in use",
				PCI_BDF_ARGS(pf->seg, pf->bus, pf->devfn),
				PCI_BDF_ARGS(vf->seg, vf->bus, vf->devfn));
			spin_unlock(&registry_lock);
			return -EBUSY;
		}
	}
	while (pf->vfs) {
		free_locked(pf->vfs);
		removed++;
	}
	spin_unlock(&registry_lock);
	return removed;
}
