/* SPDX-License-Identifier: MIT */
/*
 * The page-table walker shared by every format (see pt.h for the rules it
 * keeps towards hardware walkers, fmt.h for the formats).
 *
 * Every operation that needs table pages takes them from the pool before it
 * changes anything (struct pt_reserve), so running out of pages is always a
 * clean stop between two pieces of a range, never a half-built path.
 *
 * Speed. Formats are masks (no call per entry); table pages are reached
 * through the direct map (va = pa + t->dm, checked once when a page enters
 * the table); a new subtree is built whole, zeroed in bulk while nothing can
 * reach it, and linked with one store; and the walk to the last table used
 * at each level is remembered (t->walk_cache), so neighbouring calls and the
 * elements of a batch start next to where the previous one ended. That cache
 * stays valid because a table pointer, once written, is never changed or
 * cleared before pt_destroy (unmaps clear leaves only, splits replace a leaf).
 */
#define LOG_TAG "pt"

#include <errno.h>

#include "iommu/pt/pt.h"
#include "iommu/pt/pt_walk.h"
#include "kernel/log.h"
#include "kernel/phys.h"

#define ENTRY_SIZE       sizeof(uint64_t)
#define LINE_SIZE        64                          /* cache-line size of every x86 CPU */
#define ENTRIES_PER_LINE (LINE_SIZE / ENTRY_SIZE)

_Static_assert(PT_ENTRIES * ENTRY_SIZE == PAGE_SIZE, "a table is one page");
_Static_assert(PT_ENTRIES / ENTRIES_PER_LINE == 64, "a table's lines fit a uint64_t bitmap");

/*
 * Pages taken from the pool before an operation starts: a map piece needs
 * at most one table per level below the root, a split of a 1 GiB page down
 * to 4 KiB two.
 */
struct pt_reserve {
	paddr_t pages[PT_MAX_LEVELS];
	unsigned count;
};

/* Lines written in one table page and not yet flushed (non-coherent walkers). */
struct pt_dirty {
	uint64_t *entries;
	uint64_t lines;        /* bit n: line n of the page */
};

/* One locked operation: what it writes, and what it still has to flush. */
struct pt_op {
	struct pt_table *t;
	uint64_t leaf_bits;    /* the format's leaf bits for the call's perms */
	uint64_t present, large_bits;  /* copied from the format: no reload per store */
	uint64_t stores;       /* entry stores, for t->stats */
	bool flushed;          /* the flush hook was called: fence before returning */
	struct pt_dirty dirty[PT_MAX_LEVELS + 1];
};

#ifdef IOMON_HOST
static pt_write_observer_fn write_observer;
static pt_zero_observer_fn zero_observer;
static void *observer_ctx;

void pt_set_write_observer(pt_write_observer_fn store, pt_zero_observer_fn zero, void *ctx)
{
	write_observer = store;
	zero_observer = zero;
	observer_ctx = ctx;
}

static void observe_store(const struct pt_table *t, uint64_t *entry, uint64_t val)
{
	if (write_observer)
		write_observer(observer_ctx, (uintptr_t)entry - t->dm,
			       __atomic_load_n(entry, __ATOMIC_RELAXED), val);
}

static void observe_zero(const struct pt_table *t, uint64_t *entries)
{
	if (zero_observer)
		zero_observer(observer_ctx, (uintptr_t)entries - t->dm);
}
#else
static inline void observe_store(const struct pt_table *t, uint64_t *entry, uint64_t val)
{
	(void)t, (void)entry, (void)val;
}

static inline void observe_zero(const struct pt_table *t, uint64_t *entries)
{
	(void)t, (void)entries;
}
#endif

/* [base, base+len) lies below limit. */
static bool range_below(uint64_t base, uint64_t len, uint64_t limit)
{
	return base <= limit && len <= limit - base;
}

/*
 * The only way an entry changes: one aligned 64-bit store (fill_leaves and
 * clear_leaves inline the same).
 */
static inline void entry_store(struct pt_op *op, uint64_t *entries, unsigned i, uint64_t val)
{
	observe_store(op->t, &entries[i], val);
	__atomic_store_n(&entries[i], val, __ATOMIC_RELEASE);
	op->stores++;
}

/* ---- cache maintenance for walkers that do not snoop ---- */

/*
 * After the write-backs of one operation: MFENCE, which CLFLUSH is ordered
 * with, as the monitor's own cache flush uses (a compiler seq_cst fence may
 * become a locked instruction instead).
 */
static inline void write_back_fence(void)
{
	__asm__ volatile("mfence" ::: "memory");
}

/* Hand [va, va+len) to the flush hook; the operation then ends with a fence. */
static void op_flush(struct pt_op *op, void *va, size_t len)
{
	op->t->flush_cache(va, len);
	op->flushed = true;
}

/* Write back the dirty lines of one table, one hook call per run of lines. */
static void dirty_flush(struct pt_op *op, struct pt_dirty *d)
{
	uint64_t lines = d->lines;

	while (lines) {
		unsigned first = __builtin_ctzll(lines);
		uint64_t rest = ~(lines >> first);
		unsigned n = rest ? (unsigned)__builtin_ctzll(rest) : 64 - first;

		op_flush(op, &d->entries[first * ENTRIES_PER_LINE], n * LINE_SIZE);
		lines = first + n >= 64 ? 0 : lines & (~0ULL << (first + n));
	}
	d->lines = 0;
}

/* Remember that entries [first, end) of a table at `level` must reach memory. */
static inline void mark_dirty_range(struct pt_op *op, unsigned level, uint64_t *entries,
				    unsigned first, unsigned end)
{
	struct pt_dirty *d = &op->dirty[level];

	if (!op->t->flush_cache || first == end)
		return;
	if (d->entries != entries) {
		dirty_flush(op, d);
		d->entries = entries;
	}
	d->lines |= GENMASK((end - 1) / ENTRIES_PER_LINE, first / ENTRIES_PER_LINE);
}

/*
 * Write back everything the operation left dirty, then one fence, so the
 * walker's memory holds it all before the caller invalidates its caches.
 */
static inline void op_finish(struct pt_op *op)
{
	struct pt_table *t = op->t;

	t->stats.entries_written += op->stores;
	op->stores = 0;
	if (!t->flush_cache)
		return;
	for (unsigned l = 1; l <= PT_MAX_LEVELS; l++)
		dirty_flush(op, &op->dirty[l]);
	if (op->flushed) {
		write_back_fence();
		t->stats.fences++;
	}
}

/* perms: already checked against t->perms_ok. */
static inline void op_start(struct pt_op *op, struct pt_table *t, unsigned perms)
{
	op->t = t;
	op->leaf_bits = t->leaf_bits[perms & PT_PERMS_ALL];
	op->present = t->fmt->present;
	op->large_bits = t->fmt->large_bits;
	op->stores = 0;
	op->flushed = false;
	if (t->flush_cache)
		__builtin_memset(op->dirty, 0, sizeof(op->dirty));
}

/* ---- table pages ---- */

static void release_pages(struct pt_table *t, struct pt_reserve *res)
{
	while (res->count)
		t->pool.free(t->pool.ctx, res->pages[--res->count]);
}

/*
 * Where a page enters the table: the pool's page must sit in the direct map
 * like every other table page (the monitor maps all RAM there).
 */
static bool page_usable(const struct pt_table *t, paddr_t pa)
{
	void *va = IS_ALIGNED(pa, PAGE_SIZE) ? phys_map(pa, PAGE_SIZE, PHYS_WB) : NULL;

	return va && (uintptr_t)va - pa == t->dm;
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
		if (!page_usable(t, pa)) {
			pr_err("pool page 0x%llx is not a usable table page",
			       (unsigned long long)pa);
			release_pages(t, res);
			return -ENOMEM;
		}
	}
	return 0;
}

/*
 * A reserved page turned into an empty table. Pool pages hold whatever their
 * last owner left, so it is zeroed, in bulk: nothing can reach it yet.
 */
static uint64_t *table_new(struct pt_table *t, struct pt_reserve *res)
{
	uint64_t *entries = pt_table_va(t, res->pages[--res->count]);

	observe_zero(t, entries);
	__builtin_memset(entries, 0, PAGE_SIZE);
	t->stats.tables++;
	t->stats.tables_allocated++;
	return entries;
}

/*
 * Link a fully built table page into the slot s: write the whole page back
 * first (a non-coherent walker must find it in memory once it can reach
 * it), then one store.
 */
static void publish_table(struct pt_op *op, const struct pt_slot *s, uint64_t *table)
{
	struct pt_table *t = op->t;

	if (t->flush_cache)
		op_flush(op, table, PAGE_SIZE);
	entry_store(op, s->entries, s->index, pt_fmt_table(t->fmt, pt_table_pa(t, table), s->level));
	mark_dirty_range(op, s->level, s->entries, s->index, s->index + 1);
}

/* ---- walks ---- */

/*
 * Walk towards the leaf for iova, under the lock: from the lowest remembered
 * table that covers iova (the root at worst), remembering the tables passed.
 * Stops at stop_level, at a not-present entry or at a leaf.
 */
static void walk_cached(struct pt_table *t, uint64_t iova, unsigned stop_level,
			struct pt_slot *s)
{
	const struct pt_format *fmt = t->fmt;
	uint64_t present = fmt->present, leaf_mask = fmt->leaf_mask, leaf_match = fmt->leaf_match;
	unsigned level = stop_level;
	uint64_t *entries;

	while (level < t->levels && (!t->walk_cache[level].entries ||
				     t->walk_cache[level].tag != iova >> pt_level_shift(level + 1)))
		level++;
	entries = level < t->levels ? t->walk_cache[level].entries : pt_table_va(t, t->root);
	for (;; level--) {
		unsigned i = pt_level_index(iova, level);
		uint64_t e = pt_entry_load(&entries[i]);

		*s = (struct pt_slot){ entries, i, level, e };
		if (level <= stop_level || !(e & present) ||
		    (level > 1 && (e & leaf_mask) == leaf_match))
			return;
		entries = pt_table_va(t, pt_entry_addr(e));
		t->walk_cache[level - 1] = (struct pt_walk_cache){
			iova >> pt_level_shift(level), entries };
	}
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
static int map_find_slot(struct pt_table *t, uint64_t iova, paddr_t pa, uint64_t left,
			 unsigned *leaf_level, struct pt_slot *s)
{
	const struct pt_format *fmt = t->fmt;

	*leaf_level = best_leaf_level(t, iova, pa, left, t->levels);
	for (;;) {
		walk_cached(t, iova, *leaf_level, s);
		if (!pt_fmt_present(fmt, s->entry))
			return 0;
		if (pt_fmt_leaf(fmt, s->entry, s->level))
			return -EEXIST;
		*leaf_level = best_leaf_level(t, iova, pa, left, s->level - 1);
	}
}

/*
 * Write leaves of `level` into entries from index i on, while the range
 * lasts and the slots are free; stops at the end of the table, where a
 * larger page may fit again. Returns the bytes mapped. A fresh table is
 * written back whole when it is published, so only reachable ones are
 * marked dirty.
 */
static inline uint64_t fill_leaves(struct pt_op *op, uint64_t *entries, unsigned i,
				   unsigned level, paddr_t pa, uint64_t left, bool fresh)
{
	uint64_t present = op->present;
	uint64_t bits = op->leaf_bits | (level > 1 ? op->large_bits : 0);
	unsigned shift = pt_level_shift(level);
	unsigned first = i, end = i + (unsigned)MIN(PT_ENTRIES - i, left >> shift);

	for (; i < end; i++) {
		if (pt_entry_load(&entries[i]) & present)
			break;
		observe_store(op->t, &entries[i], (pa & PT_ENTRY_ADDR) | bits);
		__atomic_store_n(&entries[i], (pa & PT_ENTRY_ADDR) | bits, __ATOMIC_RELEASE);
		pa += BIT(shift);
	}
	op->stores += i - first;
	if (!fresh)
		mark_dirty_range(op, level, entries, first, i);
	return (uint64_t)(i - first) << shift;
}

/*
 * The slot s is empty and sits above leaf_level: build the missing tables
 * down to leaf_level with the first leaves already in place, then link the
 * whole subtree with one store. Pages come from res.
 */
static uint64_t map_subtree(struct pt_op *op, struct pt_slot *s, unsigned leaf_level,
			    uint64_t iova, paddr_t pa, uint64_t left, struct pt_reserve *res)
{
	struct pt_table *t = op->t;
	uint64_t *tables[PT_MAX_LEVELS + 1];
	uint64_t done;

	for (unsigned level = s->level - 1; level >= leaf_level; level--)
		tables[level] = table_new(t, res);
	done = fill_leaves(op, tables[leaf_level], pt_level_index(iova, leaf_level), leaf_level, pa,
			   left, true);
	for (unsigned level = leaf_level; level < s->level - 1; level++) {
		struct pt_slot up = { tables[level + 1], pt_level_index(iova, level + 1), level + 1, 0 };

		if (t->flush_cache)
			op_flush(op, tables[level], PAGE_SIZE);
		entry_store(op, up.entries, up.index,
			    pt_fmt_table(t->fmt, pt_table_pa(t, tables[level]), up.level));
	}
	publish_table(op, s, tables[s->level - 1]);
	for (unsigned level = leaf_level; level < s->level; level++)
		t->walk_cache[level] = (struct pt_walk_cache){
			iova >> pt_level_shift(level + 1), tables[level] };
	return done;
}

/* Map a first piece of [iova, iova+left); *done is its length. */
static int map_piece(struct pt_op *op, uint64_t iova, paddr_t pa, uint64_t left, uint64_t *done)
{
	struct pt_table *t = op->t;
	struct pt_reserve res;
	struct pt_slot s;
	unsigned leaf_level;
	int rc;

	rc = map_find_slot(t, iova, pa, left, &leaf_level, &s);
	if (rc)
		return rc;
	if (s.level == leaf_level) {
		*done = fill_leaves(op, s.entries, s.index, leaf_level, pa, left, false);
		return 0;
	}
	rc = reserve_pages(t, &res, s.level - leaf_level);
	if (rc)
		return rc;
	*done = map_subtree(op, &s, leaf_level, iova, pa, left, &res);
	return 0;
}

/* The level-1 table covering iova, when the walk cache holds it. */
static inline uint64_t *cached_leaf_table(const struct pt_table *t, uint64_t iova)
{
	const struct pt_walk_cache *c = &t->walk_cache[1];

	return c->tag == iova >> pt_level_shift(2) ? c->entries : NULL;
}

/* Will the piece at iova -> pa with `left` to go take 4 KiB leaves? */
static inline bool small_pages_only(const struct pt_table *t, uint64_t iova, paddr_t pa,
				    uint64_t left)
{
	uint64_t large = pt_level_size(2);

	return !(t->page_sizes & PT_SIZE_2M) || left < large || !IS_ALIGNED(iova | pa, large);
}

/*
 * Map one run under the lock; *mapped is the exact prefix now mapped. The
 * common case, 4 KiB leaves into the leaf table used last, skips the walk.
 */
static int map_run(struct pt_op *op, uint64_t iova, paddr_t pa, uint64_t size, uint64_t *mapped)
{
	uint64_t done = 0;
	int rc = 0;

	while (done < size) {
		uint64_t piece, left = size - done;
		uint64_t *leaves = small_pages_only(op->t, iova + done, pa + done, left) ?
				   cached_leaf_table(op->t, iova + done) : NULL;

		if (leaves) {
			piece = fill_leaves(op, leaves, pt_level_index(iova + done, 1), 1, pa + done,
					    left, false);
			if (!piece)
				rc = -EEXIST;   /* a level-1 entry present is a leaf */
		} else {
			rc = map_piece(op, iova + done, pa + done, left, &piece);
		}
		if (rc)
			break;
		done += piece;
	}
	*mapped = done;
	return rc;
}

/*
 * A lone 4 KiB page into the leaf table used last: one entry, no walk.
 * Returns 1 when done, 0 when the cache does not cover iova, -EEXIST.
 */
static inline int map_one_cached(struct pt_op *op, uint64_t iova, paddr_t pa)
{
	uint64_t *leaves = cached_leaf_table(op->t, iova);
	unsigned i = pt_level_index(iova, 1);
	uint64_t e = (pa & PT_ENTRY_ADDR) | op->leaf_bits;

	if (!leaves)
		return 0;
	if (pt_entry_load(&leaves[i]) & op->present)
		return -EEXIST;
	observe_store(op->t, &leaves[i], e);
	__atomic_store_n(&leaves[i], e, __ATOMIC_RELEASE);
	op->stores++;
	mark_dirty_range(op, 1, leaves, i, i + 1);
	return 1;
}

static inline bool perms_ok(const struct pt_table *t, unsigned perms)
{
	return perms <= PT_PERMS_ALL && (t->perms_ok & BIT(perms));
}

static int check_map_args(const struct pt_table *t, uint64_t iova, paddr_t pa, uint64_t size)
{
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
	struct pt_op op;
	int rc = perms_ok(t, perms) ? check_map_args(t, iova, pa, size) : -EINVAL;

	if (rc == 0) {
		spin_lock(&t->lock);
		op_start(&op, t, perms);
		rc = size == PAGE_SIZE ? map_one_cached(&op, iova, pa) : 0;
		if (rc > 0) {
			done = PAGE_SIZE;
			rc = 0;
		} else if (rc == 0) {
			rc = map_run(&op, iova, pa, size, &done);
		}
		op_finish(&op);
		spin_unlock(&t->lock);
	}
	if (mapped)
		*mapped = done;
	return rc;
}

/* ---- batches ---- */

static int check_runs(const struct pt_table *t, const struct pt_map_run *runs, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		int rc = runs[k].size ? check_map_args(t, runs[k].iova, runs[k].pa, runs[k].size) :
					-EINVAL;

		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Map runs[0..n) in order, neighbours that continue each other (next IOVA
 * and next PA both follow on) merged into one run, each run with the largest
 * pages it allows. On failure, the bytes done of the failing run are turned
 * back into whole elements and a prefix of the next.
 */
static int runs_map(struct pt_op *op, const struct pt_map_run *runs, unsigned n,
		    struct pt_progress *progress)
{
	unsigned k = 0;

	while (k < n) {
		struct pt_map_run run = runs[k];
		unsigned end = k + 1;
		uint64_t mapped = 0;
		int rc = 0;

		for (; end < n; end++) {
			if (runs[end].iova != run.iova + run.size || runs[end].pa != run.pa + run.size)
				break;
			run.size += runs[end].size;
		}
		if (run.size == PAGE_SIZE)
			rc = map_one_cached(op, run.iova, run.pa);
		if (rc == 0)
			rc = map_run(op, run.iova, run.pa, run.size, &mapped);
		if (rc < 0) {
			for (; mapped >= runs[k].size; k++)
				mapped -= runs[k].size;
			*progress = (struct pt_progress){ k, mapped };
			return rc;
		}
		k = end;
	}
	*progress = (struct pt_progress){ n, 0 };
	return 0;
}

int pt_map_batch(struct pt_table *t, const struct pt_map_run *runs, unsigned n,
		 unsigned perms, struct pt_progress *progress)
{
	struct pt_progress p = { 0, 0 };
	struct pt_op op;
	int rc = n > PT_MAP_BATCH_MAX || !perms_ok(t, perms) ? -EINVAL : check_runs(t, runs, n);

	if (rc == 0) {
		spin_lock(&t->lock);
		op_start(&op, t, perms);
		rc = runs_map(&op, runs, n, &p);
		op_finish(&op);
		spin_unlock(&t->lock);
	}
	if (progress)
		*progress = p;
	return rc;
}

static int check_pages(const struct pt_table *t, uint64_t iova, const paddr_t *pages, unsigned n)
{
	paddr_t pa_last = t->pa_limit - PAGE_SIZE;   /* pa_limit is at least 1 << 39 */

	if (!IS_ALIGNED(iova, PAGE_SIZE))
		return -EINVAL;
	if (!range_below(iova, (uint64_t)n * PAGE_SIZE, t->iova_limit))
		return -ERANGE;
	for (unsigned k = 0; k < n; k++) {
		if (!IS_ALIGNED(pages[k], PAGE_SIZE))
			return -EINVAL;
		if (pages[k] > pa_last)
			return -ERANGE;
	}
	return 0;
}

/* pt_map_batch for 4 KiB elements at consecutive IOVAs, without a run list. */
static int pages_map(struct pt_op *op, uint64_t iova, const paddr_t *pages, unsigned n,
		     struct pt_progress *progress)
{
	unsigned k = 0;

	while (k < n) {
		paddr_t pa = pages[k];
		uint64_t at = iova + (uint64_t)k * PAGE_SIZE, mapped = 0;
		unsigned end = k + 1;
		int rc = 0;

		while (end < n && pages[end] == pa + (uint64_t)(end - k) * PAGE_SIZE)
			end++;
		if (end == k + 1)
			rc = map_one_cached(op, at, pa);
		if (rc == 0)
			rc = map_run(op, at, pa, (uint64_t)(end - k) * PAGE_SIZE, &mapped);
		if (rc < 0) {
			*progress = (struct pt_progress){ k + (unsigned)(mapped / PAGE_SIZE), 0 };
			return rc;
		}
		k = end;
	}
	*progress = (struct pt_progress){ n, 0 };
	return 0;
}

int pt_map_pages(struct pt_table *t, uint64_t iova, const paddr_t *pages, unsigned n,
		 unsigned perms, struct pt_progress *progress)
{
	struct pt_progress p = { 0, 0 };
	struct pt_op op;
	int rc = n > PT_MAP_BATCH_MAX || !perms_ok(t, perms) ? -EINVAL :
		 check_pages(t, iova, pages, n);

	if (rc == 0) {
		spin_lock(&t->lock);
		op_start(&op, t, perms);
		rc = pages_map(&op, iova, pages, n, &p);
		op_finish(&op);
		spin_unlock(&t->lock);
	}
	if (progress)
		*progress = p;
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
static void split_superpage(struct pt_op *op, struct pt_slot *s, uint64_t iova,
			    struct pt_reserve *res)
{
	struct pt_table *t = op->t;
	const struct pt_format *fmt = t->fmt;
	unsigned level = s->level - 1;
	uint64_t size = pt_level_size(level);
	paddr_t base = ALIGN_DOWN(pt_entry_addr(s->entry), pt_level_size(s->level));
	uint64_t bits = pt_fmt_leaf_bits(fmt, pt_fmt_perms(fmt, s->entry)) |
			(level > 1 ? fmt->large_bits : 0);
	uint64_t *entries = table_new(t, res);
	unsigned i = pt_level_index(iova, level);

	for (unsigned k = 0; k < PT_ENTRIES; k++)
		entry_store(op, entries, k, ((base + k * size) & PT_ENTRY_ADDR) | bits);
	publish_table(op, s, entries);
	t->walk_cache[level] = (struct pt_walk_cache){ iova >> pt_level_shift(level + 1), entries };
	*s = (struct pt_slot){ entries, i, level, pt_entry_load(&entries[i]) };
	t->stats.splits++;
}

/*
 * Clear leaves from s onward while the range covers them whole, passing
 * over holes; stops at a table (the next piece descends into it) and at
 * the end of this table.
 */
static inline uint64_t clear_leaves(struct pt_op *op, const struct pt_slot *s, uint64_t left)
{
	const struct pt_format *fmt = op->t->fmt;
	uint64_t present = fmt->present, leaf_mask = fmt->leaf_mask, leaf_match = fmt->leaf_match;
	unsigned shift = pt_level_shift(s->level), first = s->index, i;
	unsigned end = first + (unsigned)MIN(PT_ENTRIES - first, left >> shift);
	uint64_t stores = 0;

	for (i = first; i < end; i++) {
		uint64_t e = pt_entry_load(&s->entries[i]);

		if (e & present) {
			if (s->level > 1 && (e & leaf_mask) != leaf_match)
				break;
			observe_store(op->t, &s->entries[i], 0);
			__atomic_store_n(&s->entries[i], 0, __ATOMIC_RELEASE);
			stores++;
		}
	}
	op->stores += stores;
	mark_dirty_range(op, s->level, s->entries, first, i);
	return (uint64_t)(i - first) << shift;
}

/* Unmap a first piece of [iova, iova+left); *done is its length. */
static int unmap_piece(struct pt_op *op, uint64_t iova, uint64_t left, uint64_t *done)
{
	struct pt_table *t = op->t;
	struct pt_reserve res;
	struct pt_slot s;
	uint64_t *leaves = cached_leaf_table(t, iova);
	int rc;

	if (leaves) {
		/* 4 KiB leaves are always covered: no split, no walk. */
		s = (struct pt_slot){ leaves, pt_level_index(iova, 1), 1, 0 };
		*done = clear_leaves(op, &s, left);
		return 0;
	}
	walk_cached(t, iova, 1, &s);
	if (!pt_fmt_present(t->fmt, s.entry)) {
		/* A hole as large as the missing entry's span: nothing to clear. */
		uint64_t span = pt_level_size(s.level);

		*done = MIN(left, span - (iova & (span - 1)));
		return 0;
	}
	rc = reserve_pages(t, &res, splits_needed(iova, left, s.level));
	if (rc)
		return rc;
	while (!leaf_covered(iova, left, s.level))
		split_superpage(op, &s, iova, &res);
	*done = clear_leaves(op, &s, left);
	return 0;
}

int pt_unmap_range(struct pt_table *t, uint64_t iova, uint64_t size, uint64_t *unmapped)
{
	uint64_t done = 0;
	struct pt_op op;
	int rc = 0;

	if (!IS_ALIGNED(iova | size, PAGE_SIZE))
		rc = -EINVAL;
	else if (!range_below(iova, size, t->iova_limit))
		rc = -ERANGE;
	if (rc == 0) {
		uint64_t *leaves;

		spin_lock(&t->lock);
		op_start(&op, t, 0);
		leaves = size == PAGE_SIZE ? cached_leaf_table(t, iova) : NULL;
		if (leaves) {
			/* One 4 KiB page in the leaf table used last: no walk, no split. */
			struct pt_slot s = { leaves, pt_level_index(iova, 1), 1, 0 };

			done = clear_leaves(&op, &s, PAGE_SIZE);
		}
		while (done < size) {
			uint64_t piece;

			rc = unmap_piece(&op, iova + done, size - done, &piece);
			if (rc)
				break;
			done += piece;
		}
		op_finish(&op);
		spin_unlock(&t->lock);
	}
	if (unmapped)
		*unmapped = done;
	return rc;
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
	struct pt_reserve res = { .count = 0 };
	uint64_t *root;
	unsigned pa_bits;
	paddr_t pa;
	void *va;
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
	for (unsigned p = 0; p <= PT_PERMS_ALL; p++) {
		t->leaf_bits[p] = pt_fmt_leaf_bits(fmt, p);
		if (pt_fmt_perms_valid(fmt, p))
			t->perms_ok |= BIT(p);
	}
	/* The root page fixes the direct-map offset every later page must share. */
	pa = pool->alloc(pool->ctx);
	if (!pa)
		return -ENOMEM;
	va = IS_ALIGNED(pa, PAGE_SIZE) ? phys_map(pa, PAGE_SIZE, PHYS_WB) : NULL;
	if (!va) {
		pr_err("pool page 0x%llx is not a usable table page", (unsigned long long)pa);
		pool->free(pool->ctx, pa);
		return -ENOMEM;
	}
	t->dm = (uintptr_t)va - pa;
	res.pages[res.count++] = pa;
	root = table_new(t, &res);
	t->root = pa;
	if (flush_cache) {
		flush_cache(root, PAGE_SIZE);
		write_back_fence();
		t->stats.fences++;
	}
	return 0;
}

/* Free a table and everything below it; recursion depth is the table depth. */
static void free_tables(struct pt_table *t, paddr_t table, unsigned level)
{
	const struct pt_format *fmt = t->fmt;
	uint64_t *entries = pt_table_va(t, table);

	for (unsigned i = 0; level > 1 && i < PT_ENTRIES; i++) {
		uint64_t e = pt_entry_load(&entries[i]);

		if (pt_fmt_present(fmt, e) && !pt_fmt_leaf(fmt, e, level))
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
	t->iova_limit = 0;      /* every later call fails its range check: -ERANGE */
	for (unsigned l = 0; l < ARRAY_SIZE(t->walk_cache); l++)
		t->walk_cache[l] = (struct pt_walk_cache){ 0, NULL };
	spin_unlock(&t->lock);
}
