/* SPDX-License-Identifier: MIT */
/*
 * Device domains and the vendor seam.
 *
 * Every PCI function is in exactly one domain at any time:
 *   - the default S2 domain (id 0): identity over the RAM the root partition
 *     may use, monitor memory excluded; every device starts there;
 *   - the null domain (id 0xFFFFFFFF): blocks all DMA;
 *   - paging domains: their own IOMMU page tables, filled by map/unmap.
 * Moving a device is one step (rewrite its context entry / DTE, then
 * invalidate), so it is never without translation or protection. Callers
 * batch: map or unmap any number of ranges, then one iommu_flush().
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
#define IOMMU_MAX_DOMAINS       64
#define IOMMU_MAX_UNITY         16

enum iommu_domain_kind {
	IOMMU_DOMAIN_IDENTITY,   /* the default S2 domain */
	IOMMU_DOMAIN_BLOCKED,    /* the null domain */
	IOMMU_DOMAIN_PAGING,
};

struct iommu_domain {
	uint32_t id;                 /* the ABI's id */
	enum iommu_domain_kind kind;
	uint16_t hw_id;              /* VT-d DID / AMD-Vi DomainID; the same on every unit */
	struct pt_table pt;          /* IDENTITY and PAGING: the table the units walk */
	unsigned devices;            /* functions attached */
	uint16_t unity_refs[IOMMU_MAX_UNITY];   /* attached devices that need each unity range */
	bool in_use;
};

/*
 * A firmware unity range (VT-d RMRR, AMD-Vi IVMD): memory that devices with
 * requester ids in [rid_first, rid_last] keep reaching at its own address,
 * whatever domain they are in (USB legacy emulation, GPU stolen memory).
 */
struct iommu_unity {
	uint16_t seg;
	uint16_t rid_first, rid_last;
	paddr_t base, end;           /* page aligned, end exclusive */
};

struct pci_dev;

/* What every unit of a platform accepts, known once the units are probed. */
struct iommu_limits {
	unsigned pt_levels;          /* table depth */
	unsigned addr_width;         /* IOVA bits */
	uint32_t page_sizes;         /* PT_SIZE_* leaves */
	bool coherent;               /* every unit's walker snoops CPU caches */
	uint32_t domain_ids;         /* hardware domain ids every unit has (VT-d CAP.ND) */
};

/*
 * What each IOMMU vendor provides. Units are the vendor's business; the
 * domain layer only asks which unit translates a requester id, and to point
 * a requester id at a domain.
 */
struct iommu_ops {
	const char *name;
	const struct pt_format *pt_format;
	/*
	 * Find and bring up every unit (translation still off) and say what
	 * they all accept; false when the firmware describes no usable unit.
	 */
	bool (*probe)(const struct acpi_info *ai, struct iommu_limits *limits);
	/* The unit translating (seg, rid), or NULL when no unit covers it. */
	void *(*unit_for)(uint16_t seg, uint16_t rid);
	/* The unit's register base, to name it in logs. */
	paddr_t (*unit_base)(const void *unit);
	/* Point rid at domain d (NULL or BLOCKED: block it) and invalidate what the unit cached. */
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
	/* The firmware's unity ranges, resolved to requester ids; NULL when none exist. */
	unsigned (*unity_ranges)(struct iommu_unity *out, unsigned max);
};

extern const struct iommu_ops vtd_iommu_ops;
extern const struct iommu_ops amdvi_iommu_ops;

/*
 * Bring up the platform's IOMMU: probe units, build the default domain over
 * `root_ram` (monitor memory is not in it), attach every registered PCI
 * function to it, map firmware unity ranges, then enable translation.
 * Returns 0, -ENODEV when there is no IOMMU.
 */
int iommu_init(const struct acpi_info *ai, const struct phys_range *root_ram, unsigned n);
bool iommu_present(void);
const char *iommu_name(void);

struct iommu_domain *iommu_domain_default(void);
struct iommu_domain *iommu_domain_null(void);
/* A paging domain with ABI id `id` whose table pages come from `pool`; NULL with *err set. */
struct iommu_domain *iommu_domain_create(uint32_t id, const struct pt_pool *pool, int *err);
/* -EBUSY while devices are attached. */
int iommu_domain_destroy(struct iommu_domain *d);
struct iommu_domain *iommu_domain_find(uint32_t id);

/* Move a function (every requester id it uses) into d in one step per id. */
int iommu_attach(struct iommu_domain *d, struct pci_dev *dev);
/* Back to the default domain. */
int iommu_detach(struct pci_dev *dev);
struct iommu_domain *iommu_domain_of(const struct pci_dev *dev);

/* -EPERM for a range that overlaps a unity range the domain holds: firmware owns it. */
int iommu_map_range(struct iommu_domain *d, uint64_t iova, paddr_t pa, uint64_t size,
		    unsigned perms, uint64_t *mapped);
int iommu_unmap_range(struct iommu_domain *d, uint64_t iova, uint64_t size, uint64_t *unmapped);
int __must_check iommu_flush(struct iommu_domain *d, uint64_t iova, uint64_t size);
unsigned iommu_fault_poll(void);

/*
 * Vendors report each DMA fault here: it is counted against the device,
 * logged (rate-limited: faults are guest-triggerable), and a device that
 * faults more than the storm limit (IOMMU_FAULT_STORM unless set with
 * iommu_set_fault_storm(), the iommu.storm= option) loses bus mastering.
 */
#define IOMMU_FAULT_STORM 1000
void iommu_set_fault_storm(uint32_t limit);
struct iommu_fault {
	uint16_t seg, rid;
	uint64_t addr;
	bool is_write;
	uint8_t reason;
	const char *reason_name;
};
void iommu_fault_report(const void *unit, paddr_t unit_base, const struct iommu_fault *f);
/* The most recent fault reported (for self-tests); false when none since the last call. */
bool iommu_last_fault(struct iommu_fault *out);

#endif
