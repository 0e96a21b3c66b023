/* SPDX-License-Identifier: MIT */
/*
 * The device registry: one refcounted struct pci_dev per PCI function,
 * virtual functions included. Boot enumeration, SR-IOV, and later hotplug
 * and the hypercall layer all add and remove devices through this one API,
 * which logs every change ("I/pci: added 0000:01:00.1 VF 0 of
 * 0000:01:00.0", "I/pci: removed 0000:01:00.1").
 *
 * Reference counting. A registered device's refcount is the sum of
 *   1  held by the registry itself, from pci_dev_add() to pci_dev_remove();
 *   1  for each registered device whose parent bridge it is;
 *   1  for each registered VF, on its PF;
 *   1  for each pci_dev_get(), and for each device returned by
 *      pci_dev_add(.., &out), pci_dev_find*() (the caller owns that
 *      reference and drops it with pci_dev_put()).
 * So the refcount never drops below 1 while a device is registered; a
 * pci_dev_put() that would take it there is a bug and panics.
 *
 * Removal. pci_dev_remove(d) is called with one reference held by the
 * caller and succeeds only when nothing else refers to the device:
 * refcount == 2 (registry + caller), no VFs registered, no devices below
 * it, and no IOMMU domain attached (domain == NULL). On success the
 * caller's reference and the registry's are consumed, and the entry is
 * poisoned and returns to the pool. On failure (-EBUSY) nothing changed at
 * all, and the caller still owns its reference.
 *
 * Lifetime rules (Xen's PF/VF handling left VFs pointing at freed PFs):
 * - a VF can be added only while its PF is registered (-ENODEV otherwise;
 *   a PF is never added implicitly), and it holds a reference on its PF;
 * - a PF with registered VFs cannot be removed (-EBUSY, PF and VFs
 *   untouched); remove the VFs (pci_dev_remove_vfs) first;
 * - the same holds for a bridge and the devices below it.
 * Hence no registered device ever points at a freed one.
 *
 * Locking: one spinlock guards the registry (membership, lists, links).
 * get/put are atomic and lock-free; they may be called on any device the
 * caller holds a reference on, or inside a pci_dev_for_each() callback.
 * The hardware description fields are written once, before pci_dev_add()
 * publishes the device; the SR-IOV state of a PF is changed only by
 * sriov_enable()/sriov_disable(), which their callers serialize.
 */
#ifndef IOMON_PCI_DEV_H
#define IOMON_PCI_DEV_H

#include "kernel/types.h"
#include "pci/bar.h"
#include "pci/caps.h"
#include "pci/ids.h"
#include "pci/regs.h"

struct iommu_domain;
struct pci_group;

#define PCI_DEV_POOL_SIZE  512   /* functions, VFs included */
#define PCI_DEV_MAX_RIDS   4     /* own requester id + aliases */

/* struct pci_dev.flags */
#define PCI_DEV_IGNORES_FN      BIT(0)   /* answers all function numbers alike: only fn 0 kept */
#define PCI_DEV_ARI             BIT(1)   /* found through an ARI Next Function chain */
#define PCI_DEV_RIDS_TRUNCATED  BIT(2)   /* more aliases than PCI_DEV_MAX_RIDS; topmost kept */
#define PCI_DEV_CAPS_MALFORMED  BIT(3)   /* a capability list was cut short */
#define PCI_DEV_ROOT_BUS        BIT(4)   /* on a root bus (no upstream bridge) */

/* SR-IOV state of a PF (PCIe 4.0 §9.3.3). */
struct pci_sriov {
	uint16_t cap;                  /* config offset of the SR-IOV capability */
	uint16_t total_vfs;
	uint16_t initial_vfs;
	uint16_t num_vfs;              /* VFs enabled now; 0 = VF Enable clear */
	uint16_t offset;               /* First VF Offset read after NumVFs was written */
	uint16_t stride;               /* VF Stride, likewise */
	uint16_t vf_device;            /* VF Device ID */
	uint32_t supported_page_sizes; /* bit n: 4 KiB << n */
	uint32_t system_page_size;
	bool ari_hierarchy;            /* ARI Capable Hierarchy set by us */
	/* VF BARs: base of VF 0 and the per-VF size; VF i's BAR is base + i * size. */
	struct pci_bar vf_bars[PCI_BAR_MAX];
};

/* What the caller of pci_dev_add() describes; the registry adds the rest. */
struct pci_dev_desc {
	uint16_t seg;
	uint8_t bus;
	uint8_t devfn;
	uint16_t vendor;               /* a VF: its PF's vendor */
	uint16_t device;               /* a VF: the PF's VF Device ID */
	uint32_t class;                /* 24 bits: base, sub, prog-if */
	uint8_t revision;
	uint8_t header_type;           /* bits 6:0 of the header type register */
	bool multifunction;
	uint8_t primary_bus;           /* type 1 only */
	uint8_t secondary_bus;
	uint8_t subordinate_bus;
	struct pci_bar bars[PCI_BAR_MAX];
	uint8_t irq_pin;
	struct pci_caps caps;
	uint16_t rids[PCI_DEV_MAX_RIDS];
	uint8_t nr_rids;
	uint32_t flags;
	/* Upstream bridge (same segment), which must be registered. Ignored for VFs. */
	bool has_parent;
	uint8_t parent_bus;
	uint8_t parent_devfn;
	/* A VF: its PF (same segment), which must be registered, and its index. */
	bool is_vf;
	uint8_t pf_bus;
	uint8_t pf_devfn;
	uint16_t vf_index;
	struct pci_sriov sriov;        /* a PF (caps.sriov != 0): its SR-IOV state */
};

struct pci_dev {
	/* What config space said (see struct pci_dev_desc). */
	uint16_t seg;
	uint8_t bus;
	uint8_t devfn;
	uint16_t vendor;
	uint16_t device;
	uint32_t class;
	uint8_t revision;
	uint8_t header_type;
	bool multifunction;
	uint8_t primary_bus;
	uint8_t secondary_bus;
	uint8_t subordinate_bus;
	struct pci_bar bars[PCI_BAR_MAX];
	uint8_t irq_pin;
	struct pci_caps caps;
	/* Every requester id its DMA may carry; rids[0] is its own routing id. */
	uint16_t rids[PCI_DEV_MAX_RIDS];
	uint8_t nr_rids;
	uint32_t flags;                /* PCI_DEV_* */

	/* Stable identifiers (pci/ids.h). */
	uint8_t guid[PCI_GUID_LEN];
	uint32_t logical_id;

	/* Topology. Each pointer is a counted reference (see above). */
	struct pci_dev *parent;        /* upstream bridge; NULL on a root bus */
	bool is_pf;
	bool is_vf;
	struct pci_sriov sriov;        /* PF */
	struct pci_dev *vfs;           /* PF: registered VFs, by ascending index */
	uint16_t nr_vfs;               /* PF: how many are registered */
	struct pci_dev *pf;            /* VF */
	struct pci_dev *vf_next;       /* VF: the next VF of the same PF */
	uint16_t vf_index;             /* VF */

	/* Its device group (pci/group.h): functions the IOMMU cannot isolate from it. */
	struct pci_group *group;
	struct pci_dev *group_next;    /* next member of the same group */

	/* Hooks for the IOMMU layer; a device with domain != NULL is busy. */
	void *iommu;                   /* the IOMMU unit translating its DMA */
	struct iommu_domain *domain;   /* its domain, when not the default one */
	uint64_t dma_faults;           /* faults the IOMMU recorded for it */

	/* Registry-private. */
	uint32_t refcount;
	uint32_t state;                /* PCI_DEV_STATE_LIVE or _FREED */
	struct pci_dev *next;          /* registry list (by segment, bus, devfn) or free list */
};

#define PCI_DEV_STATE_LIVE   0x4c495645u   /* "LIVE" */
#define PCI_DEV_STATE_FREED  0x46524545u   /* "FREE"; the rest of the entry is 0x6b */
#define PCI_DEV_POISON       0x6b

/*
 * Register a function. Returns 0 and, if `out` is not NULL, the device
 * with a reference for the caller; or
 *   -EEXIST  (seg, bus, devfn) is already registered,
 *   -ENODEV  the VF's PF or the parent bridge is not registered,
 *   -EINVAL  the PF has no SR-IOV capability, or the parent bridge is not
 *            a bridge or does not route `bus`,
 *   -ENOMEM  the pool of PCI_DEV_POOL_SIZE devices is exhausted (logged).
 */
int pci_dev_add(const struct pci_dev_desc *desc, struct pci_dev **out);

/* See "Removal" above: 0, or -EBUSY with nothing changed. */
int pci_dev_remove(struct pci_dev *d);

/*
 * Unregister every VF of `pf` (the caller holds a reference on pf), all
 * or none: -EBUSY, with nothing changed, when any VF has a reference
 * besides the registry's or a domain attached. Returns the number removed.
 */
int pci_dev_remove_vfs(struct pci_dev *pf);

struct pci_dev *pci_dev_get(struct pci_dev *d);
void pci_dev_put(struct pci_dev *d);

/* Lookups return a referenced device, or NULL. */
struct pci_dev *pci_dev_find(uint16_t seg, uint8_t bus, uint8_t devfn);
struct pci_dev *pci_dev_find_by_logical_id(uint32_t logical_id);
struct pci_dev *pci_dev_find_by_guid(const uint8_t guid[PCI_GUID_LEN]);

/*
 * Call cb on every registered device in (segment, bus, devfn) order, with
 * the registry locked: cb may read devices and pci_dev_get() those it
 * keeps, but must call no other registry function. A nonzero return stops
 * the walk and is returned.
 */
int pci_dev_for_each(int (*cb)(struct pci_dev *d, void *ctx), void *ctx);

unsigned pci_dev_count(void);

/*
 * What the IOMMU layer is told, with the registry lock held (so the hooks
 * must call no registry function): `added` once a device is registered and
 * in its group, `removing` just before a removable device (in the default
 * domain) leaves its group and is freed. NULL hooks: nobody listens.
 */
struct pci_dev_hooks {
	void (*added)(struct pci_dev *d);
	void (*removing)(struct pci_dev *d);
};
void pci_dev_set_hooks(const struct pci_dev_hooks *hooks);

/*
 * The registry lock, for a caller that must see group membership stand
 * still across several steps (the IOMMU layer moving a group). Lock order:
 * registry, then the IOMMU layer's lock.
 */
void pci_dev_registry_lock(void);
void pci_dev_registry_unlock(void);

/* Forget every device and refill the pool (unit tests; never after boot). */
void pci_dev_registry_reset(void);

static inline uint16_t pci_dev_rid(const struct pci_dev *d)
{
	return PCI_RID(d->bus, d->devfn);
}

#endif
