/* SPDX-License-Identifier: MIT */
/*
 * Device domains and the vendor seam.
 *
 * Every PCI function is in exactly one domain at any time:
 *   - the default S2 domain (id 0): identity over the RAM the root partition
 *     may use, monitor memory excluded; every device starts there;
 *   - the null domain (id 0xFFFFFFFF): blocks all DMA;
 *   - paging domains: their own IOMMU page tables, filled by map/unmap.
 *
 * Groups. Functions the IOMMU cannot isolate from each other (shared
 * requester ids, no ACS; pci/group.h) form a group, and a group is always in
 * one domain: iommu_group_attach() moves every requester id of every member,
 * iommu_attach() moves a function that is alone in its group and refuses
 * (-EXDEV) one that is not.
 *
 * Moves are all or nothing. Each requester id is pointed at the new domain
 * in turn (the vendor rewrites one context entry / DTE and invalidates); if
 * one fails, every id already moved is pointed back, so hardware and
 * software both still say "old domain". If even that fails, the group goes
 * to the null domain with bus mastering off and an error line, and a domain
 * the hardware may still walk is pinned: never destroyed, so no unit ever
 * walks freed table pages. Callers batch: map or unmap any number of
 * ranges, then one iommu_flush().
 *
 * DMA-able memory (invariant: no DMA to monitor memory or page tables).
 * iommu_init() is given the root partition's RAM, which is the initial set
 * of memory devices may reach, and the monitor's own memory (image and
 * pool), which no device may ever reach. iommu_map_range() refuses, with
 * -EACCES, any physical range that is not wholly inside the set, whatever
 * the domain, so page-table pages, the monitor and MMIO can never be
 * mapped. The hypercall layer keeps the set current:
 *   iommu_ram_remove()  pages the root deposits to the monitor (they become
 *                       page tables): out of the set and out of the default
 *                       domain's identity map, IOTLB flushed;
 *   iommu_ram_add()     pages given back, or a child partition's RAM: into
 *                       the set (and back into the default domain's identity
 *                       map when they are root RAM again).
 * Removing pages that some paging domain still maps is the caller's to
 * prevent (it knows what it mapped; the IOMMU tables are not reverse-mapped).
 *
 * Locking: one lock serialises domain creation and destruction, moves,
 * map/unmap and the device counts. Lock order: PCI registry, this lock, a
 * unit's lock, a table's lock. Fault reports take none of them but the
 * registry's (they run under a unit's lock).
 */
#ifndef IOMON_IOMMU_H
#define IOMON_IOMMU_H

#include "kernel/types.h"
#include "kernel/spinlock.h"
#include "kernel/frames.h"
#include "iommu/pt/pt.h"
#include "arch/x86/acpi.h"

#define IOMMU_DOMAIN_DEFAULT_ID 0u
#define IOMMU_DOMAIN_NULL_ID    0xFFFFFFFFu
/* Hardware domain ids (VT-d DID, AMD-Vi DomainID): named here and nowhere else. */
#define IOMMU_DOMAIN_DEFAULT_HW_ID 1u
#define IOMMU_DOMAIN_NULL_HW_ID    2u
#define IOMMU_MAX_DOMAINS       64
#define IOMMU_MAX_UNITY         16   /* distinct unity ranges */
#define IOMMU_UNITY_MAX_RIDS    8    /* requester-id ranges sharing one unity range */
#define IOMMU_UNITY_MAX_PAIRS   128  /* (range, requester ids) pairs read from firmware */

enum iommu_domain_kind {
	IOMMU_DOMAIN_IDENTITY,   /* the default S2 domain */
	IOMMU_DOMAIN_BLOCKED,    /* the null domain */
	IOMMU_DOMAIN_PAGING,
	IOMMU_DOMAIN_SHARED,     /* a partition's stage-2, walked directly or mirrored (share.c) */
};

struct iommu_domain {
	uint32_t id;                 /* the ABI's id */
	enum iommu_domain_kind kind;
	uint16_t hw_id;              /* the same on every unit */
	/*
	 * IDENTITY and PAGING: the tables the units walk. Units that disagree on
	 * depth (one walks only 4 levels, another only 3) each get a table of
	 * their depth: pt for limits.pt_levels, pt_alt (root 0 when unused) for
	 * limits.alt_levels, kept in step by every map and unmap.
	 */
	struct pt_table pt;
	struct pt_table pt_alt;
	unsigned devices;            /* functions attached */
	unsigned owner;              /* partition that created it by hypercall; 0: the monitor */
	uint16_t unity_refs[IOMMU_MAX_UNITY];   /* attached functions that need each unity range */
	bool in_use;
	bool pinned;                 /* a unit may still walk it after a failed rollback: never freed */
	/* SHARED: the stage-2 the units walk, or NULL when pt/pt_alt mirror it. */
	const struct pt_table *s2;
	uint64_t flushes;            /* iommu_flush() calls (the debug shell's counter) */
	/*
	 * IOVA span [pending_lo, pending_hi) changed since the last IOTLB
	 * invalidation of this domain and not invalidated yet (empty when lo >=
	 * hi): see "Pending flushes" below. Under the domain layer's lock.
	 */
	uint64_t pending_lo, pending_hi;
};

/*
 * A firmware unity range (VT-d RMRR, AMD-Vi IVMD) as the vendor reports it:
 * memory that devices with requester ids in [rid_first, rid_last] keep
 * reaching at its own address, whatever domain they are in. The domain
 * layer treats these as hostile input (see iommu_init).
 */
struct iommu_unity {
	uint16_t seg;
	uint16_t rid_first, rid_last;
	paddr_t base, end;           /* end exclusive */
};

struct pci_dev;
struct pci_group;

/* One unit as the debug shell shows it (a snapshot; counters read without the unit's lock). */
struct iommu_unit_info {
	paddr_t base;
	uint16_t segment;
	char caps[96];               /* capabilities in the spec's words */
	bool translating;
	const char *queue;           /* "QI", "registers", "command buffer" */
	uint32_t queue_head, queue_tail;   /* descriptor / command indices */
	uint64_t invalidations, faults, overflows;
};

/* What the units of a platform accept, known once the units are probed. */
struct iommu_limits {
	unsigned pt_levels;          /* table depth of pt */
	unsigned addr_width;         /* IOVA bits of pt */
	unsigned alt_levels;         /* 0, or a second depth some units need (pt_alt) */
	unsigned alt_addr_width;
	uint32_t page_sizes;         /* PT_SIZE_* leaves */
	bool coherent;               /* every unit's walker snoops CPU caches */
	uint32_t domain_ids;         /* hardware domain ids every unit has (VT-d CAP.ND) */
	/*
	 * Some unit may cache not-present entries (VT-d CAP.CM=1; AMD-Vi is
	 * assumed to, as its NpCache capability bit is not read): a map then
	 * needs an IOTLB invalidation too, not only an unmap.
	 */
	bool caches_not_present;
};

/*
 * What each IOMMU vendor provides. Units are the vendor's business; the
 * domain layer only asks which unit translates a requester id, and to point
 * a requester id at a domain.
 */
struct iommu_ops {
	const char *name;
	const struct pt_format *pt_format;
	/* The units walk tables of the x86 long-mode shape (VT-d second level): see share.c. */
	bool walks_x86_tables;
	/*
	 * Find and bring up every unit (translation still off) and say what
	 * they all accept; false when the firmware describes no usable unit.
	 */
	bool (*probe)(const struct acpi_info *ai, struct iommu_limits *limits);
	/*
	 * The unit translating (seg, rid), or NULL when none does. *failed is set
	 * when the firmware puts rid under a unit that failed bring-up (its DMA
	 * passes untranslated).
	 */
	void *(*unit_for)(uint16_t seg, uint16_t rid, bool *failed);
	/* The unit's register base, to name it in logs. */
	paddr_t (*unit_base)(const void *unit);
	/*
	 * Point rid at domain d (never NULL; the null domain blocks) and
	 * invalidate what the unit cached, using iommu_domain_table(d, depth of
	 * the unit). On failure (a negative errno) rid is left as it was, or
	 * blocked; never half-written.
	 */
	int (*set_rid)(void *unit, uint16_t rid, const struct iommu_domain *d);
	/*
	 * Invalidate [iova, iova+size) of d on every unit (size 0: the whole domain).
	 * 0, or a negative errno when a unit did not confirm the invalidation.
	 */
	int (*flush)(const struct iommu_domain *d, uint64_t iova, uint64_t size);
	int (*enable)(void);         /* translation on, on every unit */
	unsigned (*fault_poll)(void);
	/* A line per unit for the boot report. */
	void (*report)(void);
	/*
	 * The firmware's unity ranges as (range, requester ids) pairs, at most
	 * max of them; returning max means there may be more (an error line).
	 */
	unsigned (*unity_ranges)(struct iommu_unity *out, unsigned max);
	/* The debug shell's view of unit i; false past the last unit. NULL: no view. */
	bool (*unit_info)(unsigned i, struct iommu_unit_info *out);
};

extern const struct iommu_ops vtd_iommu_ops;
extern const struct iommu_ops amdvi_iommu_ops;

struct iommu_memory {
	const struct phys_range *ram;       /* root partition RAM: DMA-able, identity in the default domain */
	unsigned nr_ram;
	const struct phys_range *monitor;   /* monitor image and pool: never DMA-able */
	unsigned nr_monitor;
};

/*
 * Bring up the platform's IOMMU: probe units, build the default domain over
 * mem->ram, read the firmware's unity ranges (each page aligned; refused
 * with an error line when it overlaps monitor memory, lies beyond the IOVA
 * space or is malformed; pairs with the same range share one entry with a
 * list of requester ids), attach every registered PCI function (group) to
 * the default domain, then enable translation. Functions added or removed
 * later are attached / released through the PCI registry's hooks.
 * Returns 0, -ENODEV when there is no IOMMU.
 */
int iommu_init(const struct acpi_info *ai, const struct iommu_memory *mem);
bool iommu_present(void);
/* Every unit's walker snoops the CPU caches (else tables it walks need write-back). */
bool iommu_walkers_coherent(void);
const char *iommu_name(void);
/* What every unit accepts (GET_IOMMU_CAPABILITIES); NULL when there is no IOMMU. */
const struct iommu_limits *iommu_get_limits(void);

/*
 * The DMA-able set (see the top of this file). 0, -EINVAL (not page aligned), -ENOSPC, -EACCES
 * (monitor memory); remove: -EBUSY when a paging domain maps a page of the range (checked under
 * the same lock as the map, so a concurrent map and remove cannot both succeed).
 */
int __must_check iommu_ram_add(paddr_t base, uint64_t size, bool root);
int __must_check iommu_ram_remove(paddr_t base, uint64_t size);
bool iommu_ram_is_dma_able(paddr_t base, uint64_t size);

struct iommu_domain *iommu_domain_default(void);
struct iommu_domain *iommu_domain_null(void);
/* A paging domain with ABI id `id` whose table pages come from `pool`; NULL with *err set. */
struct iommu_domain *iommu_domain_create(uint32_t id, const struct pt_pool *pool, int *err);
/* -EBUSY while devices are attached or the domain is pinned. */
int iommu_domain_destroy(struct iommu_domain *d);
/* The domain with ABI id `id` (never a shared domain: those belong to the partition layer). */
struct iommu_domain *iommu_domain_find(uint32_t id);
/* The table a unit walking `levels` levels uses for d; NULL when d has none of that depth. */
const struct pt_table *iommu_domain_table(const struct iommu_domain *d, unsigned levels);

/*
 * Shared domains (direct attach; share.c). iommu_domain_share() makes a
 * domain whose DMA translation is the stage-2 s2: the units walk s2 itself
 * when the contract in share.c holds, else a mirror in the units' format
 * (table pages from pool) that starts empty. *how says which (a line for the
 * log). The partition layer then reports every stage-2 change:
 * iommu_shared_map() after mapping [gpa, gpa+size) -> hpa in s2 (a mirror
 * maps the DMA-able part of it), iommu_shared_unmap() after unmapping it
 * (a mirror unmaps it); both record the range in the domain's pending flush,
 * and the caller issues one iommu_flush_commit() for all the changes of one
 * operation before it returns. Destroy with iommu_domain_destroy().
 */
struct iommu_domain *iommu_domain_share(uint32_t id, const struct pt_table *s2,
					const struct pt_pool *pool, const char **how, int *err);
int __must_check iommu_shared_map(struct iommu_domain *d, uint64_t gpa, paddr_t hpa, uint64_t size,
				  unsigned perms);
int __must_check iommu_shared_unmap(struct iommu_domain *d, uint64_t gpa, uint64_t size);
/* Why this platform's units cannot walk s2 directly, or NULL when they can. */
const char *iommu_share_check(const struct pt_table *s2);
/* Why the units cannot walk s2 directly, or NULL when they can (pure; share.c). */
const char *iommu_share_refusal(const struct iommu_limits *l, bool unit_walks_x86,
				const struct pt_table *s2);

/*
 * Move every function of g, every requester id it uses, into d, all or
 * nothing. 0; -EALREADY; -ENODEV (a member is behind no unit); the vendor's
 * error when a requester id could not be moved (everything back in the old
 * domain, or, when even that failed, in the null domain: see above).
 */
int iommu_group_attach(struct iommu_domain *d, struct pci_group *g);
/* iommu_group_attach for a function alone in its group; -EXDEV when it has company. */
int iommu_attach(struct iommu_domain *d, struct pci_dev *dev);
/*
 * Move the whole group of dev into d, the group read under the registry
 * lock so it cannot change underneath (the hypercall layer names one
 * function). may_leave, when not NULL, is asked first whether the group's
 * current domain may be left (-EBUSY when not, nothing changed). Errors as
 * iommu_group_attach.
 */
int iommu_group_move(struct iommu_domain *d, struct pci_dev *dev,
		     bool (*may_leave)(const struct iommu_domain *from, void *ctx), void *ctx);
/* Back to the default domain. */
int iommu_group_detach(struct pci_group *g);
int iommu_detach(struct pci_dev *dev);
struct iommu_domain *iommu_domain_of(const struct pci_dev *dev);

/*
 * Map [iova, iova+size) to [pa, pa+size) in a paging domain. -EPERM: not a
 * paging domain, or the IOVA range overlaps a unity range the domain holds
 * (firmware owns it); -EACCES: [pa, pa+size) is not wholly DMA-able RAM.
 */
int iommu_map_range(struct iommu_domain *d, uint64_t iova, paddr_t pa, uint64_t size,
		    unsigned perms, uint64_t *mapped);
int iommu_unmap_range(struct iommu_domain *d, uint64_t iova, uint64_t size, uint64_t *unmapped);
int __must_check iommu_flush(struct iommu_domain *d, uint64_t iova, uint64_t size);

/*
 * Pending flushes: one IOTLB flush per hypercall, however many pages it maps
 * or unmaps and however often it is continued (iommu/flush.c has the
 * reasoning). iommu_map_pages / iommu_unmap_pages, iommu_shared_map /
 * iommu_shared_unmap record the IOVA span that needs invalidating in the
 * domain itself, under the same lock as the table change (an unmap always;
 * a map only when some unit caches not-present entries: without caching
 * mode a walker never held the empty slot a map fills). iommu_flush_commit
 * then issues one invalidation of the covering span, which the vendor makes
 * page-selective when the unit can (VT-d PSI within CAP.MAMV, AMD-Vi
 * INVALIDATE_IOMMU_PAGES with S) and domain-wide otherwise. Every operation
 * that hands a page to someone else or frees table pages (the DMA-able set
 * shrinking, a domain destroyed, a device moved) commits what is pending
 * first, under the same lock, so a pending flush can only ever cover pages
 * that are still the domain owner's own.
 */
struct iommu_flush_acc {
	uint64_t lo, hi;             /* IOVA span [lo, hi) to invalidate; empty when lo >= hi */
};
#define IOMMU_FLUSH_ACC_INIT { UINT64_MAX, 0 }
/* The whole IOVA space (a domain-wide invalidation). */
#define IOMMU_FLUSH_ACC_ALL { 0, UINT64_MAX }

/*
 * Map page k of pages[] (host-physical, 4 KiB aligned) at iova + k * 4 KiB
 * in paging domain d, k < n <= PT_MAP_BATCH_MAX, contiguous runs with the
 * largest pages the unit supports. Each page is checked before it is
 * mapped: DMA-able RAM (-EACCES), within what the tables translate
 * (-ERANGE), IOVA clear of the unity ranges d holds (-EPERM). progress->done
 * is exact: pages [0, done) are mapped, nothing else changed; the error is
 * that of page `done` (the checks above, -EEXIST already mapped, -ENOMEM
 * the pool ran dry). Whole-call errors, with done = 0: -EPERM (not a
 * paging domain), -EINVAL (iova not 4 KiB aligned, n == 0 or too large,
 * perms). The span that needs a flush is added to d's pending flush.
 */
int __must_check iommu_map_pages(struct iommu_domain *d, uint64_t iova, const paddr_t *pages,
				 unsigned n, unsigned perms, struct pt_progress *progress);
/*
 * Unmap [iova, iova + size) of paging domain d; *unmapped is the exact
 * prefix now unmapped (holes included). -EPERM at the first page of a unity
 * range d holds (the prefix before it is unmapped), -ENOMEM when splitting
 * a superpage needs a table page the pool cannot give. The span is added to
 * d's pending flush.
 */
int __must_check iommu_unmap_pages(struct iommu_domain *d, uint64_t iova, uint64_t size,
				   uint64_t *unmapped);
/*
 * Issue one invalidation of d covering its pending flush and *also (may be
 * NULL: nothing more), then forget both: 1 when issued, 0 when nothing was
 * pending, or a negative errno (the pending span is kept, so the next
 * commit tries again and no owner change goes ahead meanwhile).
 */
int __must_check iommu_flush_commit(struct iommu_domain *d, const struct iommu_flush_acc *also);
/* iommu_flush_commit for every domain with a pending flush: how many flushes were issued, or a negative errno. */
int __must_check iommu_flush_pending_all(void);
/* Whether d has a pending flush (tests, the debug shell). */
bool iommu_flush_pending(const struct iommu_domain *d);
/*
 * Whether some paging domain maps pa's page (made by iommu_map_pages or
 * iommu_map_range), or a firmware unity range holds it: such a page must
 * not become monitor memory (a deposit), or a device could write into what
 * the monitor then uses.
 */
bool iommu_page_dma_mapped(paddr_t pa);
/* Table pages d uses now (every depth), root included. */
uint64_t iommu_domain_table_pages(const struct iommu_domain *d);
/*
 * Drain every unit's fault records and attribute them (below); returns how
 * many were attributed. Call it with no lock of the domain layer or the
 * registry held: from a periodic poll, a fault interrupt's bottom half, or a
 * self-test.
 */
unsigned iommu_fault_poll(void);

/*
 * Vendors report each DMA fault with iommu_fault_report(), their unit's
 * lock held if they like: the fault is only queued (512 deep; overflow is
 * counted and logged). iommu_fault_poll() then attributes it to the
 * function that owns the requester id, whichever of its ids (own or alias)
 * it is: counted against it, logged with its name and group (rate-limited:
 * faults are guest-triggerable), and when a function faults more than
 * the storm limit (IOMMU_FAULT_STORM unless set with iommu_set_fault_storm(),
 * the iommu.storm= option) times, every function that may issue that requester id
 * loses bus mastering.
 */
#define IOMMU_FAULT_STORM 1000
void iommu_set_fault_storm(uint32_t limit);
struct iommu_fault {
	uint16_t seg, rid;
	uint64_t addr;
	bool is_write;
	uint8_t reason;
	const char *reason_name;
	/* Filled in by the domain layer: */
	paddr_t unit_base;
	uint16_t dev_rid;            /* the owner's own id (rid when no function carries it) */
};
void iommu_fault_report(const void *unit, paddr_t unit_base, const struct iommu_fault *f);
/* The most recent fault reported (for self-tests); false when none since the last call. */
bool iommu_last_fault(struct iommu_fault *out);

/*
 * Read-only accessors for the debug shell (kernel/shell/view.c). They copy
 * or return what is there now, take no lock the shell could hold for long,
 * and never change anything.
 */
/* The domain in slot i (in use), NULL for a free slot; i < IOMMU_MAX_DOMAINS. */
const struct iommu_domain *iommu_domain_at(unsigned i);
/*
 * A domain as the shell shows it, copied under the domain lock, so nothing
 * in it can be freed or reused underneath (iommu_domain_at's pointer can:
 * DELETE_DEVICE_DOMAIN on another CPU frees the slot and its tables).
 */
struct iommu_domain_info {
	uint32_t id;
	enum iommu_domain_kind kind;
	const char *format;          /* table format name; NULL when it has no table of its own */
	unsigned devices;
	unsigned owner;
	uint64_t table_pages, entries_written, flushes;
	uint64_t iova_limit;         /* 0 when it has no table */
	bool pinned;
};
/* The ABI id of dev's domain, read under the domain lock (a move cannot tear it). */
uint32_t iommu_domain_id_of(const struct pci_dev *dev);
/* Slot i's domain (i < IOMMU_MAX_DOMAINS); false for a free slot. */
bool iommu_domain_info(unsigned i, struct iommu_domain_info *out);
/*
 * pt_walk of domain `id`'s own table for one IOVA, under the domain lock: a
 * destroy on another CPU waits until the walk is done, so fn never sees a
 * freed table. fn runs with that lock held: it must copy what it needs and
 * neither print nor call back into this layer. pt_walk's result (steps),
 * -ENOENT no such domain, -ENODATA it has no table (null domain, a shared
 * domain walking a stage-2).
 */
int iommu_domain_walk(uint32_t id, uint64_t iova, pt_walk_fn fn, void *ctx);
bool iommu_unit_info(unsigned i, struct iommu_unit_info *out);
/* The i-th most recent DMA fault attributed (0: the newest), with its arrival number. */
bool iommu_fault_recent(unsigned i, struct iommu_fault *out, uint64_t *seq);
/* Zero the shell's counters (domain flushes). */
void iommu_counters_reset(void);
/*
 * An operator's quarantine: dev's whole group to the null domain, then bus
 * mastering off on every member. 0, or the move's error (then bus mastering
 * is still turned off: the operator asked for the device to stop).
 */
int iommu_quarantine(struct pci_dev *dev);

#endif
