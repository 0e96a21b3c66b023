/* SPDX-License-Identifier: MIT */
/*
 * The page-table walker shared by every format (see pt.h for the rules it
 * keeps towards hardware walkers, fmt.h for the formats).
 *
 * Every operation that needs table pages takes them from the pool before it
 * changes anything (struct pt_reserve), so running out of pages is always a
 * clean stop between two pieces of a range, never a half-built path.
 */
#define LOG_TAG "pt"

#include <errno.h>

#include "iommu/pt/pt.h"
#include "kernel/log.h"
#include "kernel/phys.h"

#define ENTRY_SIZE sizeof(uint64_t)

_Static_assert(PT_ENTRIES * ENTRY_SIZE == PAGE_SIZE, "a table is one page");

/* One entry on a walk: where it is and what it held when read. */
struct pt_slot {
	paddr_t table;         /* physical address of the table page */
	uint64_t *entries;     /* the same page, mapped */
	unsigned index;
	unsigned level;
	uint64_t entry;
};

/*
 * Pages taken from the pool before an operation starts: a map piece needs
 * at most one table per level below the root, a split of a 1 GiB page down
 * to 4 KiB two.
 */
struct pt_reserve {
	paddr_t pages[PT_MAX_LEVELS];
	unsigned count;
};

#ifdef IOMON_HOST
static pt_write_observer_fn write_observer;
static void *write_observer_ctx;

void pt_set_write_observer(pt_write_observer_fn fn, void *ctx)
{
	write_observer = fn;
	write_observer_ctx = ctx;
}

static void observe_store(paddr_t entry_pa, uint64_t old, uint64_t val)
{
	if (write_observer)
		write_observer(write_observer_ctx, entry_pa, old, val);
}
#else
static inline void observe_store(paddr_t entry_pa, uint64_t old, uint64_t val)
{
	(void)entry_pa, (void)old, (void)val;
}
#endif

static uint64_t *table_map(paddr_t table)
{
	return phys_map(table, PAGE_SIZE, PHYS_WB);
}

static unsigned level_index(uint64_t iova, unsigned level)
{
	return (iova >> pt_level_shift(level)) & (PT_ENTRIES - 1);
}

/* [base, base+len) lies below limit. */
static bool range_below(uint64_t base, uint64_t len, uint64_t limit)
{
	return base <= limit && len <= limit - base;
}

/*
 * Acquire pairs with the release in raw_store: whoever reads a table
 * pointer also sees the table's contents. The value is read once, as CPU
 * walkers may set accessed/dirty bits in EPT and NPT entries meanwhile.
 */
static uint64_t entry_load(const uint64_t *entry)
{
	return __atomic_load_n(entry, __ATOMIC_ACQUIRE);
}

/* The only way a table entry changes: one aligned 64-bit store. */
static void raw_store(paddr_t table, uint64_t *entries, unsigned i, uint64_t val)
{
	observe_store(table + i * ENTRY_SIZE, entry_load(&entries[i]), val);
	__atomic_store_n(&entries[i], val, __ATOMIC_RELEASE);
}

static void entry_store(struct pt_table *t, paddr_t table, uint64_t *entries, unsigned i,
			uint64_t val)
{
	raw_store(table, entries, i, val);
	t->stats.entries_written++;
}

/* Make entries [first, first+count) visible to a walker that does not snoop. */
static void flush_entries(const struct pt_table *t, uint64_t *entries, unsigned first,
			  unsigned count)
{
	if (t->flush_cache && count)
		t->flush_cache(&entries[first], count * ENTRY_SIZE);
}

/* Store into the entry a walk stopped at, and flush it. */
static void slot_store(struct pt_table *t, struct pt_slot *s, uint64_t val)
{
	entry_store(t, s->table, s->entries, s->index, val);
	flush_entries(t, s->entries, s->index, 1);
	s->entry = val;
}

static void release_pages(struct pt_table *t, struct pt_reserve *res)
{
	while (res->count)
		t->pool.free(t->pool.ctx, res->pages[--res->count]);
}

/* Take n pages from the pool now, or none at all. */
static int reserve_pages(struct pt_table *t, struct pt_reserve *res, unsigned n)
{
	res->count = 0;
	while (res->count < n) {
		paddr_t pa = t->pool.alloc(t->pool.ctx);

		if (!pa) {
			release_pages(t, res);
			return -ENOMEM;
		}
		res->pages[res->count++] = pa;
		if (!IS_ALIGNED(pa, PAGE_SIZE) || !table_map(pa)) {
			pr_err("pool page 0x%llx is not a usable table page",
			       (unsigned long long)pa);
			release_pages(t, res);
			return -ENOMEM;
		}
	}
	return 0;
}

/*
 * A reserved page turned into an empty table. Zeroed by the engine because
 * pool pages hold whatever their last owner left; not yet flushed, since the
 * caller may fill it first.
 */
static paddr_t table_new(struct pt_table *t, struct pt_reserve *res, uint64_t **entries)
{
	paddr_t table = res->pages[--res->count];

	*entries = table_map(table);
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		raw_store(table, *entries, i, 0);
	t->stats.tables++;
	t->stats.tables_allocated++;
	return table;
}

/*
 * Point the entry at s to a fully built table, then move s to that table's
 * entry for iova. The whole page is flushed first: a non-coherent walker must
 * find the table's contents in memory by the time it can reach them.
 */
static void publish_table(struct pt_table *t, struct pt_slot *s, uint64_t iova,
			  paddr_t table, uint64_t *entries)
{
	unsigned level = s->level - 1;
	unsigned i = level_index(iova, level);

	flush_entries(t, entries, 0, PT_ENTRIES);
	slot_store(t, s, t->fmt->make_table(table, s->level));
	*s = (struct pt_slot){ table, entries, i, level, entry_load(&entries[i]) };
}

/*
 * Walk from the root towards the leaf for iova. Stops at stop_level, at a
 * not-present entry or at a leaf, whichever comes first; *granted (may be
 * NULL) collects what every present entry on the way allows.
 */
static int walk_to(const struct pt_table *t, uint64_t iova, unsigned stop_level,
		   struct pt_slot *s, unsigned *granted)
{
	const struct pt_format *fmt = t->fmt;
	paddr_t table = t->root;
	unsigned perms = PT_PERMS_ALL;

	for (unsigned level = t->levels;; level--) {
		uint64_t *entries = table_map(table);
		unsigned i = level_index(iova, level);

		if (!entries)
			return -EFAULT;
		*s = (struct pt_slot){ table, entries, i, level, entry_load(&entries[i]) };
		if (!fmt->is_present(s->entry, level))
			break;
		perms &= fmt->entry_perms(s->entry, level);
		if (level <= stop_level || fmt->is_leaf(s->entry, level))
			break;
		table = pt_entry_addr(s->entry);
	}
	if (granted)
		*granted = perms;
	return 0;
}

static bool slot_present(const struct pt_table *t, const struct pt_slot *s)
{
	return t->fmt->is_present(s->entry, s->level);
}

static bool slot_leaf(const struct pt_table *t, const struct pt_slot *s)
{
	return t->fmt->is_leaf(s->entry, s->level);
}

/* ---- map ---- */

/*
 * The level of the largest leaf for the piece iova -> pa with `left` bytes
 * to go, at or below max_level: both addresses aligned to it, the piece at
 * least that long, the size allowed by the unit.
 */
static unsigned best_leaf_level(const struct pt_table *t, uint64_t iova, paddr_t pa,
				uint64_t left, unsigned max_level)
{
	for (unsigned level = MIN(max_level, PT_MAX_LEAF_LEVEL); level > 1; level--) {
		uint64_t size = pt_level_size(level);

		if ((t->page_sizes & size) && IS_ALIGNED(iova | pa, size) && left >= size)
			return level;
	}
	return 1;
}

/*
 * Find the slot for the leaf of the piece at iova: the walk stops at the
 * leaf's level, or higher up where a table is missing. When the leaf's own
 * slot holds a table already (other mappings, or one left empty by an
 * unmap), the piece goes into that table with smaller pages.
 */
static int map_find_slot(const struct pt_table *t, uint64_t iova, paddr_t pa, uint64_t left,
			 unsigned *leaf_level, struct pt_slot *s)
{
	*leaf_level = best_leaf_level(t, iova, pa, left, t->levels);
	for (;;) {
		int rc = walk_to(t, iova, *leaf_level, s, NULL);

		if (rc)
			return rc;
		if (!slot_present(t, s))
			return 0;
		if (slot_leaf(t, s))
			return -EEXIST;
		*leaf_level = best_leaf_level(t, iova, pa, left, s->level - 1);
	}
}

/*
 * Write leaves from s onward, one page of s's level each, while the range
 * lasts and the slots are free; stops at the end of the table, where a
 * larger page may fit again. One cache flush covers the run.
 */
static uint64_t fill_leaves(struct pt_table *t, const struct pt_slot *s, paddr_t pa,
			    uint64_t left, unsigned perms)
{
	const struct pt_format *fmt = t->fmt;
	uint64_t size = pt_level_size(s->level), done = 0;
	unsigned i;

	for (i = s->index; i < PT_ENTRIES && left - done >= size; i++) {
		if (fmt->is_present(entry_load(&s->entries[i]), s->level))
			break;
		entry_store(t, s->table, s->entries, i, fmt->make_leaf(pa + done, s->level, perms));
		done += size;
	}
	flush_entries(t, s->entries, s->index, i - s->index);
	return done;
}

/* Map a first piece of [iova, iova+left); *done is its length. */
static int map_piece(struct pt_table *t, uint64_t iova, paddr_t pa, uint64_t left,
		     unsigned perms, uint64_t *done)
{
	struct pt_reserve res;
	struct pt_slot s;
	unsigned leaf_level;
	int rc;

	rc = map_find_slot(t, iova, pa, left, &leaf_level, &s);
	if (rc)
		return rc;
	rc = reserve_pages(t, &res, s.level - leaf_level);
	if (rc)
		return rc;
	while (s.level > leaf_level) {
		uint64_t *entries;
		paddr_t table = table_new(t, &res, &entries);

		publish_table(t, &s, iova, table, entries);
	}
	*done = fill_leaves(t, &s, pa, left, perms);
	return 0;
}

static int check_map_args(const struct pt_table *t, uint64_t iova, paddr_t pa, uint64_t size,
			  unsigned perms)
{
	if ((perms & ~PT_PERMS_ALL) || !t->fmt->perms_valid(perms))
		return -EINVAL;
	if (!IS_ALIGNED(iova | pa | size, PAGE_SIZE))
		return -EINVAL;
	if (!range_below(iova, size, t->iova_limit) || !range_below(pa, size, t->pa_limit))
		return -ERANGE;
	return 0;
}

int pt_map_range(struct pt_table *t, uint64_t iova, paddr_t pa, uint64_t size,
		 unsigned perms, uint64_t *mapped)
{
	uint64_t done = 0;
	int rc = check_map_args(t, iova, pa, size, perms);

	if (rc == 0) {
		spin_lock(&t->lock);
		while (done < size) {
			uint64_t piece;

			rc = map_piece(t, iova + done, pa + done, size - done, perms, &piece);
			if (rc)
				break;
			done += piece;
		}
		spin_unlock(&t->lock);
	}
	if (mapped)
		*mapped = done;
	return rc;
}

/* ---- unmap ---- */

/* Does [iova, iova+left) cover the whole page of `level` that starts at iova? */
static bool leaf_covered(uint64_t iova, uint64_t left, unsigned level)
{
	uint64_t size = pt_level_size(level);

	return IS_ALIGNED(iova, size) && left >= size;
}

/*
 * Splits needed before the leaf of `level` holding iova can be cleared: one
 * per level until the page at iova lies wholly inside the range. A 4 KiB
 * page always does (both ends are 4 KiB aligned).
 */
static unsigned splits_needed(uint64_t iova, uint64_t left, unsigned level)
{
	unsigned n = 0;

	for (; level > 1 && !leaf_covered(iova, left, level); level--)
		n++;
	return n;
}

/*
 * Replace the superpage at s by a table of the next smaller pages with the
 * same output addresses and permissions, then move s into it. The table is
 * complete before the one store that swaps it in, so a walker sees the
 * superpage or the table, and both translate every address alike.
 */
static void split_superpage(struct pt_table *t, struct pt_slot *s, uint64_t iova,
			    struct pt_reserve *res)
{
	const struct pt_format *fmt = t->fmt;
	unsigned level = s->level - 1;
	uint64_t size = pt_level_size(level);
	paddr_t base = ALIGN_DOWN(pt_entry_addr(s->entry), pt_level_size(s->level));
	unsigned perms = fmt->entry_perms(s->entry, s->level);
	uint64_t *entries;
	paddr_t table = table_new(t, res, &entries);

	for (unsigned i = 0; i < PT_ENTRIES; i++)
		entry_store(t, table, entries, i, fmt->make_leaf(base + i * size, level, perms));
	publish_table(t, s, iova, table, entries);
	t->stats.splits++;
}

/*
 * Clear leaves from s onward while the range covers them whole, passing
 * over holes; stops at a table (the next piece descends into it) and at
 * the end of this table. One cache flush covers the run.
 */
static uint64_t clear_leaves(struct pt_table *t, const struct pt_slot *s, uint64_t left)
{
	const struct pt_format *fmt = t->fmt;
	uint64_t size = pt_level_size(s->level), done = 0;
	unsigned i;

	for (i = s->index; i < PT_ENTRIES && left - done >= size; i++) {
		uint64_t e = entry_load(&s->entries[i]);

		if (fmt->is_present(e, s->level)) {
			if (!fmt->is_leaf(e, s->level))
				break;
			entry_store(t, s->table, s->entries, i, 0);
		}
		done += size;
	}
	flush_entries(t, s->entries, s->index, i - s->index);
	return done;
}

/* Unmap a first piece of [iova, iova+left); *done is its length. */
static int unmap_piece(struct pt_table *t, uint64_t iova, uint64_t left, uint64_t *done)
{
	struct pt_reserve res;
	struct pt_slot s;
	int rc;

	rc = walk_to(t, iova, 1, &s, NULL);
	if (rc)
		return rc;
	if (!slot_present(t, &s)) {
		/* A hole as large as the missing entry's span: nothing to clear. */
		uint64_t span = pt_level_size(s.level);

		*done = MIN(left, span - (iova & (span - 1)));
		return 0;
	}
	rc = reserve_pages(t, &res, splits_needed(iova, left, s.level));
	if (rc)
		return rc;
	while (!leaf_covered(iova, left, s.level))
		split_superpage(t, &s, iova, &res);
	*done = clear_leaves(t, &s, left);
	return 0;
}

int pt_unmap_range(struct pt_table *t, uint64_t iova, uint64_t size, uint64_t *unmapped)
{
	uint64_t done = 0;
	int rc = 0;

	if (!IS_ALIGNED(iova | size, PAGE_SIZE))
		rc = -EINVAL;
	else if (!range_below(iova, size, t->iova_limit))
		rc = -ERANGE;
	if (rc == 0) {
		spin_lock(&t->lock);
		while (done < size) {
			uint64_t piece;

			rc = unmap_piece(t, iova + done, size - done, &piece);
			if (rc)
				break;
			done += piece;
		}
		spin_unlock(&t->lock);
	}
	if (unmapped)
		*unmapped = done;
	return rc;
}

/* ---- lookup, walk ---- */

int pt_lookup(const struct pt_table *t, uint64_t iova, paddr_t *pa, unsigned *perms,
	      uint64_t *page_size)
{
	struct pt_slot s;
	unsigned granted;
	uint64_t size;
	int rc;

	if (iova >= t->iova_limit)
		return -ERANGE;
	rc = walk_to(t, iova, 1, &s, &granted);
	if (rc)
		return rc;
	if (!slot_present(t, &s))
		return -ENOENT;
	size = pt_level_size(s.level);
	if (pa)
		*pa = ALIGN_DOWN(pt_entry_addr(s.entry), size) + (iova & (size - 1));
	if (perms)
		*perms = granted;
	if (page_size)
		*page_size = size;
	return 0;
}

static struct pt_walk_step describe_slot(const struct pt_table *t, const struct pt_slot *s)
{
	const struct pt_format *fmt = t->fmt;
	struct pt_walk_step step = {
		.level = s->level, .table = s->table, .index = s->index, .entry = s->entry,
		.present = fmt->is_present(s->entry, s->level),
	};

	if (step.present) {
		step.leaf = fmt->is_leaf(s->entry, s->level);
		step.addr = pt_entry_addr(s->entry);
		if (step.leaf)
			step.addr = ALIGN_DOWN(step.addr, pt_level_size(s->level));
		step.perms = fmt->entry_perms(s->entry, s->level);
	}
	return step;
}

int pt_walk(const struct pt_table *t, uint64_t iova, pt_walk_fn fn, void *ctx)
{
	int steps = 0;

	if (iova >= t->iova_limit)
		return -ERANGE;
	/* Re-walking from the root for each level keeps one walker; depth is tiny. */
	for (unsigned level = t->levels; level >= 1; level--) {
		struct pt_slot s;
		struct pt_walk_step step;
		int rc = walk_to(t, iova, level, &s, NULL);

		if (rc)
			return rc;
		step = describe_slot(t, &s);
		fn(ctx, &step);
		steps++;
		if (!step.present || step.leaf)
			break;
	}
	return steps;
}

/* ---- init, destroy ---- */

static int check_geometry(const struct pt_format *fmt, unsigned levels, unsigned addr_width,
			  uint32_t page_sizes)
{
	if (levels < fmt->min_levels || levels > fmt->max_levels || levels > PT_MAX_LEVELS) {
		pr_err("%s: %u-level tables not supported", fmt->name, levels);
		return -EINVAL;
	}
	if (addr_width <= PAGE_SHIFT || addr_width > pt_level_shift(levels) + 9) {
		pr_err("%s: %u-bit addresses do not fit %u levels", fmt->name, addr_width, levels);
		return -EINVAL;
	}
	/* Splitting a 1G page yields 2M pages, so 1G needs 2M. */
	if (!(page_sizes & PT_SIZE_4K) || (page_sizes & ~fmt->page_sizes) ||
	    ((page_sizes & PT_SIZE_1G) && !(page_sizes & PT_SIZE_2M))) {
		pr_err("%s: page sizes 0x%x not supported", fmt->name, page_sizes);
		return -EINVAL;
	}
	return 0;
}

int pt_init(struct pt_table *t, const struct pt_format *fmt, unsigned levels,
	    unsigned addr_width, uint32_t page_sizes, const struct pt_pool *pool,
	    void (*flush_cache)(void *va, size_t len))
{
	struct pt_reserve res;
	uint64_t *entries;
	unsigned pa_bits;
	int rc;

	if (!fmt || !pool || !pool->alloc || !pool->free)
		return -EINVAL;
	rc = check_geometry(fmt, levels, addr_width, page_sizes);
	if (rc)
		return rc;
	pa_bits = fmt->pa_bounded_by_width ? MIN(fmt->pa_bits, addr_width) : fmt->pa_bits;
	*t = (struct pt_table){
		.fmt = fmt, .levels = levels, .iova_limit = BIT(addr_width),
		.pa_limit = BIT(pa_bits), .page_sizes = page_sizes, .pool = *pool,
		.flush_cache = flush_cache, .lock = SPINLOCK_INIT,
	};
	rc = reserve_pages(t, &res, 1);
	if (rc)
		return rc;
	t->root = table_new(t, &res, &entries);
	flush_entries(t, entries, 0, PT_ENTRIES);
	return 0;
}

/* Free a table and everything below it; recursion depth is the table depth. */
static void free_tables(struct pt_table *t, paddr_t table, unsigned level)
{
	const struct pt_format *fmt = t->fmt;
	uint64_t *entries = table_map(table);

	for (unsigned i = 0; entries && level > 1 && i < PT_ENTRIES; i++) {
		uint64_t e = entry_load(&entries[i]);

		if (fmt->is_present(e, level) && !fmt->is_leaf(e, level))
			free_tables(t, pt_entry_addr(e), level - 1);
	}
	t->pool.free(t->pool.ctx, table);
	t->stats.tables--;
}

void pt_destroy(struct pt_table *t)
{
	spin_lock(&t->lock);
	if (t->root)
		free_tables(t, t->root, t->levels);
	t->root = 0;
	spin_unlock(&t->lock);
}
