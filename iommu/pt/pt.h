/* SPDX-License-Identifier: MIT */
/*
 * The page-table engine: one walker for every table the monitor builds,
 * IOMMU tables (VT-d second level, AMD-Vi v1) and stage-2 tables (EPT, NPT)
 * alike; the entry bits come from a struct pt_format (fmt.h).
 *
 * Concurrency with hardware. A table may be live, walked by an IOMMU or a
 * CPU while it changes. So every entry write is one aligned 64-bit store, a
 * table page is fully built (and cache-flushed for non-coherent walkers)
 * before the entry pointing at it is written, and a superpage being split is
 * replaced by an equivalent table in one store: a walker sees the old or the
 * new translation of every address, never a hole or a wrong page. The caller
 * still owns TLB invalidation: after an unmap (or a split), flush the IOTLB /
 * TLB before reusing the pages.
 *
 * Table pages are never freed before pt_destroy(), not even when an unmap
 * leaves one empty: hardware may hold it in a paging-structure cache until
 * the caller's invalidation, and the engine does not know when that is.
 *
 * Table pages are reached through the direct map: every pool page must be
 * mapped by phys_map() at the same offset from its physical address as the
 * root (in the monitor, all RAM is); a page that is not is refused, like an
 * empty pool, with -ENOMEM. The page-walk code itself never calls phys_map().
 *
 * Concurrency with software: pt_map_range / pt_map_batch / pt_map_pages /
 * pt_unmap_range / pt_destroy take t->lock. pt_lookup and pt_walk do not:
 * they read entries atomically and table pages stay valid until pt_destroy.
 */
#ifndef IOMON_PT_H
#define IOMON_PT_H

#include "kernel/types.h"
#include "kernel/spinlock.h"
#include "iommu/pt/fmt.h"

#define PT_MAX_LEVELS 5
#define PT_ENTRIES    512

/*
 * Where table pages come from. alloc returns the physical address of a
 * 4 KiB-aligned page, or 0 when the pool is empty (physical page 0 is never
 * a table page); the engine zeroes it. Exhaustion is expected (a partition's
 * deposit pool) and ends the operation with -ENOMEM.
 */
struct pt_pool {
	paddr_t (*alloc)(void *ctx);
	void (*free)(void *ctx, paddr_t pa);
	void *ctx;
};

struct pt_stats {
	uint64_t tables;           /* table pages in use, root included */
	uint64_t tables_allocated; /* pages ever taken from the pool */
	uint64_t entries_written;  /* entry stores, zeroing of new tables excluded */
	uint64_t splits;           /* superpages replaced by a table of smaller leaves */
	uint64_t fences;           /* fences after flush_cache calls: one per operation */
};

/*
 * The table last walked through at one level, under t->lock: valid until
 * pt_destroy because table pointers are never changed once written.
 */
struct pt_walk_cache {
	uint64_t tag;              /* iova >> shift of the level above: the span covered */
	uint64_t *entries;         /* NULL: empty */
};

struct pt_table {
	const struct pt_format *fmt;
	paddr_t root;
	unsigned levels;
	uint64_t iova_limit;       /* 1 << addr_width: first IOVA not translated */
	/*
	 * First output address that cannot be mapped: the format's reach, and for
	 * VT-d the address width. A caller sharing a table with a narrower
	 * walker (EPT handed to a VT-d unit) may lower it before mapping.
	 */
	uint64_t pa_limit;
	uint32_t page_sizes;       /* PT_SIZE_* leaves allowed (unit capabilities) */
	struct pt_pool pool;
	/*
	 * Write back [va, va+len) to memory for a walker that does not snoop
	 * the CPU caches (VT-d ECAP.C=0); NULL when it does. Called once per
	 * run of written cache lines: a new table page whole before the store
	 * that links it, lines of reachable tables before the operation
	 * returns. The hook need not fence: each operation that called it
	 * ends with one full fence (MFENCE) of its own. It must keep its
	 * write-backs ordered before later stores, as CLFLUSH is (CLFLUSHOPT
	 * or CLWB would need an SFENCE inside the hook).
	 */
	void (*flush_cache)(void *va, size_t len);
	spinlock_t lock;
	struct pt_stats stats;
	uintptr_t dm;              /* direct-map offset: a table page's va - pa */
	uint64_t leaf_bits[PT_PERMS_ALL + 1];  /* the format's leaf bits, by perms */
	uint8_t perms_ok;          /* bit p: perms p is a valid mapping */
	struct pt_walk_cache walk_cache[PT_MAX_LEVELS];  /* by level, under lock */
};

/*
 * Set up an empty table and allocate its root. `levels` must be a depth the
 * format walks (VT-d and AMD-Vi 3 or 4, EPT and x86 4), `addr_width` at most
 * what those levels translate (39 or 48), `page_sizes` must hold 4K, only
 * sizes the format encodes, and 1G only together with 2M (a 1G page is split
 * into 2M pieces). -EINVAL for anything else, -ENOMEM when the pool is empty.
 */
int pt_init(struct pt_table *t, const struct pt_format *fmt, unsigned levels,
	    unsigned addr_width, uint32_t page_sizes, const struct pt_pool *pool,
	    void (*flush_cache)(void *va, size_t len));

/*
 * Map [iova, iova+size) to [pa, pa+size) with `perms` (enum pt_perm), each
 * piece with the largest page that the alignment of iova and pa, the size
 * left, and t->page_sizes allow.
 *
 * Errors: -EINVAL (iova, pa or size not 4 KiB aligned, perms the format
 * cannot express), -ERANGE (the IOVA range passes iova_limit or the output
 * range passes pa_limit), -EEXIST (part of the range is already mapped:
 * callers unmap first; remapping is never implicit), -ENOMEM (pool empty).
 *
 * *mapped (may be NULL) is always the exact prefix now mapped:
 * [iova, iova + *mapped) is mapped and nothing past it was changed, so the
 * caller can report it as completed or undo it with pt_unmap_range. A piece
 * that would need table pages the pool cannot supply is not started.
 *
 * A 2M/1G range whose slot still holds a table left empty by an earlier
 * unmap is mapped with smaller pages into that table (see the note on freeing
 * at the top of this file).
 */
int pt_map_range(struct pt_table *t, uint64_t iova, paddr_t pa, uint64_t size,
		 unsigned perms, uint64_t *mapped);

/*
 * Batched maps, for lists such as a MAP_DEVICE_GPA_PAGES hypercall's: all
 * elements under one lock, each walk starting from the tables the previous
 * element used, neighbouring elements that continue each other (next IOVA
 * and next PA both follow on) merged and mapped with the largest pages the
 * merged run's alignment allows, and for a non-coherent walker one write-back
 * per touched cache line and one fence per call.
 *
 * At most PT_MAP_BATCH_MAX elements per call (-EINVAL beyond): it bounds the
 * time the lock is held, and fits the hypercall's 507 page numbers.
 *
 * The whole list is checked before anything changes: an element that is not
 * 4 KiB aligned, has size 0, or perms the format cannot express gives
 * -EINVAL; one past iova_limit or pa_limit -ERANGE; the table is then
 * untouched and progress is {0, 0}.
 *
 * Then elements are mapped in order. progress (may be NULL) is the exact
 * prefix now mapped: elements [0, done) whole, and the first `bytes` of
 * element `done`; nothing after that prefix changed. -EEXIST (element
 * `done` overlaps a mapping) and -ENOMEM (the pool ran dry) stop there; the
 * piece that needed pages was not started, so a page-sized element is
 * either mapped or untouched, and the caller can report `done` completed
 * reps or undo the prefix with pt_unmap_range.
 */
#define PT_MAP_BATCH_MAX 512

struct pt_map_run {
	uint64_t iova;
	paddr_t pa;
	uint64_t size;             /* bytes, a multiple of 4 KiB */
};

struct pt_progress {
	unsigned done;             /* elements mapped whole */
	uint64_t bytes;            /* mapped prefix of element `done` */
};

int __must_check pt_map_batch(struct pt_table *t, const struct pt_map_run *runs, unsigned n,
			      unsigned perms, struct pt_progress *progress);

/*
 * The MAP_DEVICE_GPA_PAGES shape: page k (a 4 KiB-aligned physical address,
 * the guest PFN already translated) is mapped at iova + k * 4 KiB, for
 * k < n <= PT_MAP_BATCH_MAX. Same rules as pt_map_batch with 4 KiB
 * elements: progress->done is the number of pages now mapped (the hypercall's
 * reps completed) and progress->bytes is always 0. Pages that are
 * physically contiguous and suitably aligned become 2M/1G leaves.
 *
 * A MAP_DEVICE_GPA_PAGES handler: check each GPA is RAM of the caller and
 * translate it into pages[k]; call pt_map_pages(table, base + start * 4 KiB,
 * pages, count, ...); report start + progress.done reps completed (on
 * -ENOMEM with HV_STATUS_INSUFFICIENT_MEMORY, so the caller deposits pages
 * and re-issues from there); then one IOTLB flush for the whole call where
 * the unit needs one (caching mode).
 */
int __must_check pt_map_pages(struct pt_table *t, uint64_t iova, const paddr_t *pages,
			      unsigned n, unsigned perms, struct pt_progress *progress);

/*
 * Unmap [iova, iova+size). A superpage the range cuts is first split into a
 * table of the next smaller pages with the same translation; that needs pool
 * pages, reserved before anything changes, so -ENOMEM leaves the piece being
 * processed unchanged. Holes are skipped silently.
 *
 * *unmapped (may be NULL) is the exact prefix processed:
 * [iova, iova + *unmapped) now has no mapping (holes included), the rest is
 * unchanged. -EINVAL (not 4 KiB aligned), -ERANGE (past iova_limit).
 */
int pt_unmap_range(struct pt_table *t, uint64_t iova, uint64_t size, uint64_t *unmapped);

/*
 * Translate one IOVA: output address, the permissions every level grants,
 * and the size of the page holding it. Any out pointer may be NULL.
 * -ENOENT when unmapped, -ERANGE past iova_limit.
 */
int pt_lookup(const struct pt_table *t, uint64_t iova, paddr_t *pa,
	      unsigned *perms, uint64_t *page_size);

/* One entry on the walk for an IOVA, root first (for the debug shell). */
struct pt_walk_step {
	unsigned level;
	paddr_t table;             /* table page holding the entry */
	unsigned index;
	uint64_t entry;            /* raw value */
	bool present, leaf;
	paddr_t addr;              /* next table, or page base of a leaf */
	unsigned perms;            /* what this entry grants */
};
typedef void (*pt_walk_fn)(void *ctx, const struct pt_walk_step *step);

/*
 * Report every entry the hardware would read to translate `iova`, root
 * first, until a leaf or a not-present entry. Returns the number of steps
 * reported, -ERANGE past iova_limit.
 */
int pt_walk(const struct pt_table *t, uint64_t iova, pt_walk_fn fn, void *ctx);

/*
 * Give every table page, root included, back to the pool. The caller has
 * already pointed every walker elsewhere and invalidated its caches. Later
 * calls on the table fail with -ERANGE (nothing is translated any more);
 * pt_destroy again does nothing.
 */
void pt_destroy(struct pt_table *t);

#ifdef IOMON_HOST
/*
 * Unit tests only: `store` is told of every 64-bit store into a table page,
 * just before it happens; `zero` of every new table page, just before it is
 * cleared in bulk (it is not reachable then). NULL turns them off.
 */
typedef void (*pt_write_observer_fn)(void *ctx, paddr_t entry_pa, uint64_t old, uint64_t val);
typedef void (*pt_zero_observer_fn)(void *ctx, paddr_t page_pa);
void pt_set_write_observer(pt_write_observer_fn store, pt_zero_observer_fn zero, void *ctx);
#endif

#endif
