/* SPDX-License-Identifier: MIT */
/*
 * Read-only walks of an engine table (pt_lookup, pt_walk): no lock, entries
 * read atomically, table pages valid until pt_destroy.
 */
#include <errno.h>

#include "iommu/pt/pt_walk.h"

/*
 * Walk from the root towards the leaf for iova, as a hardware walker would.
 * Stops at stop_level, at a not-present entry or at a leaf; *granted
 * collects what every present entry on the way allows.
 */
static void walk_from_root(const struct pt_table *t, uint64_t iova, unsigned stop_level,
			   struct pt_slot *s, unsigned *granted)
{
	const struct pt_format *fmt = t->fmt;
	uint64_t *entries = pt_table_va(t, t->root);
	unsigned perms = PT_PERMS_ALL;

	for (unsigned level = t->levels;; level--) {
		unsigned i = pt_level_index(iova, level);

		*s = (struct pt_slot){ entries, i, level, pt_entry_load(&entries[i]) };
		if (!pt_fmt_present(fmt, s->entry))
			break;
		perms &= pt_fmt_perms(fmt, s->entry);
		if (level <= stop_level || pt_fmt_leaf(fmt, s->entry, level))
			break;
		entries = pt_table_va(t, pt_entry_addr(s->entry));
	}
	*granted = perms;
}

int pt_lookup(const struct pt_table *t, uint64_t iova, paddr_t *pa, unsigned *perms,
	      uint64_t *page_size)
{
	struct pt_slot s;
	unsigned granted;
	uint64_t size;

	if (iova >= t->iova_limit)
		return -ERANGE;
	walk_from_root(t, iova, 1, &s, &granted);
	if (!pt_fmt_present(t->fmt, s.entry))
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
		.level = s->level, .table = pt_table_pa(t, s->entries), .index = s->index,
		.entry = s->entry, .present = pt_fmt_present(fmt, s->entry),
	};

	if (step.present) {
		step.leaf = pt_fmt_leaf(fmt, s->entry, s->level);
		step.addr = pt_entry_addr(s->entry);
		if (step.leaf)
			step.addr = ALIGN_DOWN(step.addr, pt_level_size(s->level));
		step.perms = pt_fmt_perms(fmt, s->entry);
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
		unsigned granted;

		walk_from_root(t, iova, level, &s, &granted);
		step = describe_slot(t, &s);
		fn(ctx, &step);
		steps++;
		if (!step.present || step.leaf)
			break;
	}
	return steps;
}
