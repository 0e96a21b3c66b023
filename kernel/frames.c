// SPDX-License-Identifier: MIT
/*
 * Physical frame allocator.
 *
 * The usable ranges come from the loader's memory map, which is untrusted
 * firmware data: entries may overlap, repeat, be unaligned or wrap. The rule
 * that keeps the monitor safe is that the more restrictive claim always wins:
 * any byte a non-available entry (or the caller's reserved list) covers is
 * never handed out, whatever an available entry says about it.
 *
 * Each usable range gets a bitmap (1 = used) with one bit per 4 KiB frame.
 * All bitmaps live in one block carved out of usable memory itself, so the
 * allocator needs nothing but the memory it manages.
 */
#define LOG_TAG "frames"
#include "kernel/log.h"
#include "kernel/frames.h"
#include "kernel/phys.h"

/* After the project headers: newlib's sys/cdefs.h also defines __packed and friends. */
#include <errno.h>
#include <string.h>

/* x86-64 architectural MAXPHYADDR: nothing at or above 2^52 can be RAM. */
#define PHYS_ADDR_LIMIT   BIT(52)
#define HOLES_MAX         (BOOT_MMAP_MAX + FRAMES_MAX_RESERVED)
#define NO_FRAME          UINT64_MAX
#define BITS_PER_WORD     64u

/* ------------------------------------------------------------------------ */
/* Usable ranges from the memory map (pure)                                  */
/* ------------------------------------------------------------------------ */

struct usable_scratch {
	struct phys_range avail[BOOT_MMAP_MAX];   /* byte-exact until merged */
	struct phys_range holes[HOLES_MAX];       /* page-aligned outward */
	unsigned navail, nholes;
};

/* Insertion sort by base: n is at most a few hundred, and this runs once at boot. */
static void sort_ranges(struct phys_range *r, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		struct phys_range key = r[i];
		unsigned j = i;

		for (; j > 0 && r[j - 1].base > key.base; j--)
			r[j] = r[j - 1];
		r[j] = key;
	}
}

/* Merge overlapping or touching ranges of a sorted list in place; returns the new count. */
static unsigned merge_sorted(struct phys_range *r, unsigned n)
{
	unsigned out = 0;

	for (unsigned i = 0; i < n; i++) {
		if (out > 0 && r[i].base <= r[out - 1].end)
			r[out - 1].end = MAX(r[out - 1].end, r[i].end);
		else
			r[out++] = r[i];
	}
	return out;
}

static void add_hole(struct usable_scratch *s, uint64_t base, uint64_t end)
{
	/* Outward: a partially covered page is not usable. end <= 2^52, so no wrap. */
	s->holes[s->nholes++] = (struct phys_range){ ALIGN_DOWN(base, PAGE_SIZE),
						     ALIGN_UP(end, PAGE_SIZE) };
}

static void collect_map_entry(struct usable_scratch *s, const struct mem_range *m, unsigned i)
{
	bool available = m->type == MEM_AVAILABLE;
	uint64_t end;

	if (m->len == 0)
		return;
	if (range_overflows(m->base, m->len)) {
		/*
		 * A wrapping RAM claim is ignored; a wrapping reserved claim is
		 * read as "everything from base up", the reading that hands out less.
		 */
		pr_warn("map entry %u (0x%llx + 0x%llx, type %u) wraps, %s", i,
			(unsigned long long)m->base, (unsigned long long)m->len,
			m->type, available ? "ignored" : "reserving up to the top");
		if (available)
			return;
		end = PHYS_ADDR_LIMIT;
	} else {
		end = m->base + m->len;
	}
	if (m->base >= PHYS_ADDR_LIMIT)
		return;
	end = MIN(end, PHYS_ADDR_LIMIT);
	if (available)
		s->avail[s->navail++] = (struct phys_range){ m->base, end };
	else
		add_hole(s, m->base, end);
}

static void collect_reserved(struct usable_scratch *s, const struct phys_range *r, unsigned i)
{
	uint64_t end = r->end;

	if (r->end < r->base) {
		pr_warn("reserved range %u (0x%llx..0x%llx) is inverted, reserving up to the top",
			i, (unsigned long long)r->base, (unsigned long long)r->end);
		end = PHYS_ADDR_LIMIT;
	}
	if (r->base >= PHYS_ADDR_LIMIT || r->base == end)
		return;
	add_hole(s, r->base, MIN(end, PHYS_ADDR_LIMIT));
}

/* Shrink each merged available range inward to whole pages; drop what vanishes. */
static void align_avail_inward(struct usable_scratch *s)
{
	unsigned out = 0;

	for (unsigned i = 0; i < s->navail; i++) {
		uint64_t base = ALIGN_UP(s->avail[i].base, PAGE_SIZE);
		uint64_t end = ALIGN_DOWN(s->avail[i].end, PAGE_SIZE);

		if (base < end)
			s->avail[out++] = (struct phys_range){ base, end };
	}
	s->navail = out;
}

struct usable_out {
	struct phys_range *r;
	unsigned n, max;
	unsigned dropped;
};

static void emit_usable(struct usable_out *o, uint64_t base, uint64_t end)
{
	if (o->n > 0 && o->r[o->n - 1].end == base) {
		o->r[o->n - 1].end = end;
		return;
	}
	if (o->n < o->max)
		o->r[o->n++] = (struct phys_range){ base, end };
	else
		o->dropped++;
}

/* avail minus holes; both sorted and disjoint, so one forward sweep suffices. */
static void subtract_holes(const struct usable_scratch *s, struct usable_out *o)
{
	unsigned first_hole = 0;

	for (unsigned i = 0; i < s->navail; i++) {
		uint64_t cur = s->avail[i].base, end = s->avail[i].end;

		while (first_hole < s->nholes && s->holes[first_hole].end <= cur)
			first_hole++;
		for (unsigned h = first_hole; h < s->nholes && s->holes[h].base < end; h++) {
			if (s->holes[h].base > cur)
				emit_usable(o, cur, s->holes[h].base);
			cur = MAX(cur, s->holes[h].end);
			if (cur >= end)
				break;
		}
		if (cur < end)
			emit_usable(o, cur, end);
	}
}

unsigned frames_compute_usable(const struct mem_range *map, unsigned nmap,
			       const struct phys_range *reserved, unsigned nreserved,
			       struct phys_range *out, unsigned max_out)
{
	struct usable_scratch s;   /* ~9 KiB of stack, used once at boot */
	struct usable_out o = { out, 0, max_out, 0 };

	/* Dropping an entry could drop a reservation: refuse rather than guess. */
	if (nmap > BOOT_MMAP_MAX || nreserved > FRAMES_MAX_RESERVED) {
		pr_err("%u map entries / %u reserved ranges exceed %u / %u, no usable memory",
		       nmap, nreserved, BOOT_MMAP_MAX, FRAMES_MAX_RESERVED);
		return 0;
	}
	s.navail = s.nholes = 0;
	for (unsigned i = 0; i < nmap; i++)
		collect_map_entry(&s, &map[i], i);
	for (unsigned i = 0; i < nreserved; i++)
		collect_reserved(&s, &reserved[i], i);

	sort_ranges(s.avail, s.navail);
	s.navail = merge_sorted(s.avail, s.navail);
	align_avail_inward(&s);
	sort_ranges(s.holes, s.nholes);
	s.nholes = merge_sorted(s.holes, s.nholes);

	subtract_holes(&s, &o);
	if (o.dropped)
		pr_warn("%u usable ranges beyond the first %u dropped", o.dropped, max_out);
	return o.n;
}

/* ------------------------------------------------------------------------ */
/* The allocator                                                             */
/* ------------------------------------------------------------------------ */

struct frame_range {
	paddr_t base;
	uint64_t frames;
	uint64_t free;
	uint64_t *bitmap;   /* 1 = used; bits past `frames` in the last word are set */
	uint64_t hint;      /* word where the last single-frame search succeeded */
};

static struct {
	struct frame_range range[FRAMES_MAX_RANGES];
	struct phys_range usable[FRAMES_MAX_RANGES];   /* what frames_ranges() reports */
	unsigned n;
	paddr_t bitmap_pa;
	uint64_t bitmap_frames;
	uint64_t bitmap_bytes;
} fa;

/* A lock around every shared structure from day one (docs/ARCHITECTURE.md §8). */
static volatile int frames_lock;

static void lock_frames(void)
{
	while (__atomic_exchange_n(&frames_lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&frames_lock, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

static void unlock_frames(void)
{
	__atomic_store_n(&frames_lock, 0, __ATOMIC_RELEASE);
}

static uint64_t bitmap_words(uint64_t frames)
{
	return (frames + BITS_PER_WORD - 1) / BITS_PER_WORD;
}

static bool bit_is_set(const uint64_t *bm, uint64_t i)
{
	return bm[i / BITS_PER_WORD] & BIT(i % BITS_PER_WORD);
}

static void mark_used(struct frame_range *r, uint64_t first, uint64_t count)
{
	for (uint64_t i = first; i < first + count; i++)
		r->bitmap[i / BITS_PER_WORD] |= BIT(i % BITS_PER_WORD);
	r->free -= count;
}

static void mark_free(struct frame_range *r, uint64_t first, uint64_t count)
{
	for (uint64_t i = first; i < first + count; i++)
		r->bitmap[i / BITS_PER_WORD] &= ~BIT(i % BITS_PER_WORD);
	r->free += count;
	r->hint = MIN(r->hint, first / BITS_PER_WORD);
}

/* Highest used frame in [first, end), or NO_FRAME. Scanning down lets a search skip furthest. */
static uint64_t last_used_in(const struct frame_range *r, uint64_t first, uint64_t end)
{
	for (uint64_t i = end; i > first; i--)
		if (bit_is_set(r->bitmap, i - 1))
			return i - 1;
	return NO_FRAME;
}

static bool any_used_in(const struct frame_range *r, uint64_t first, uint64_t count)
{
	return last_used_in(r, first, first + count) != NO_FRAME;
}

static bool all_used_in(const struct frame_range *r, uint64_t first, uint64_t count)
{
	for (uint64_t i = first; i < first + count; i++)
		if (!bit_is_set(r->bitmap, i))
			return false;
	return true;
}

static paddr_t frame_pa(const struct frame_range *r, uint64_t idx)
{
	return r->base + (idx << PAGE_SHIFT);
}

static struct frame_range *range_containing(paddr_t pa)
{
	for (unsigned i = 0; i < fa.n; i++) {
		struct frame_range *r = &fa.range[i];

		if (pa >= r->base && pa - r->base < (r->frames << PAGE_SHIFT))
			return r;
	}
	return NULL;
}

static bool range_is_sane(const struct phys_range *u, paddr_t prev_end, unsigned i)
{
	if (!IS_ALIGNED(u->base, PAGE_SIZE) || !IS_ALIGNED(u->end, PAGE_SIZE) ||
	    u->base >= u->end || u->end > PHYS_ADDR_LIMIT || u->base < prev_end) {
		pr_err("usable range %u (0x%llx..0x%llx) is unaligned, empty, unsorted or too high, ignored",
		       i, (unsigned long long)u->base, (unsigned long long)u->end);
		return false;
	}
	return true;
}

/*
 * Copy the sane ranges into fa.range/fa.usable; returns how many. fa.n stays
 * 0 until the bitmaps are in place, so nothing can allocate from a
 * half-built allocator. Frame 0 is dropped so it can never be handed out.
 */
static unsigned stage_ranges(const struct phys_range *usable, unsigned n)
{
	paddr_t prev_end = 0;
	unsigned staged = 0;

	for (unsigned i = 0; i < n; i++) {
		struct phys_range u = usable[i];

		if (!range_is_sane(&u, prev_end, i))
			continue;
		prev_end = u.end;
		if (u.base == 0)
			u.base = PAGE_SIZE;   /* physical page 0: real-mode IVT, and 0 means "no frame" */
		if (u.base >= u.end)
			continue;
		if (staged == FRAMES_MAX_RANGES) {
			pr_warn("more than %u usable ranges, the rest is not managed", FRAMES_MAX_RANGES);
			break;
		}
		fa.usable[staged] = u;
		fa.range[staged++] = (struct frame_range){
			.base = u.base, .frames = (u.end - u.base) >> PAGE_SHIFT,
		};
	}
	return staged;
}

/* The first staged range that can hold `bytes` at its base and is mappable; its index, or -1. */
static int place_bitmaps(unsigned staged, uint64_t bytes, uint64_t **va)
{
	for (unsigned i = 0; i < staged; i++) {
		if ((fa.range[i].frames << PAGE_SHIFT) < bytes)
			continue;
		*va = phys_map(fa.range[i].base, bytes, PHYS_WB);
		if (*va)
			return (int)i;
	}
	return -1;
}

static void setup_bitmaps(unsigned staged, uint64_t *block, uint64_t block_bytes)
{
	memset(block, 0, block_bytes);
	for (unsigned i = 0; i < staged; i++) {
		struct frame_range *r = &fa.range[i];
		uint64_t tail = r->frames % BITS_PER_WORD;

		r->bitmap = block;
		r->free = r->frames;
		if (tail)   /* bits beyond the range read as used, so searches never return them */
			r->bitmap[r->frames / BITS_PER_WORD] = ~0ULL << tail;
		block += bitmap_words(r->frames);
	}
}

/*
 * Runs at boot on one CPU. The lock is not held across phys_map(), which may
 * build page tables and so, once the allocator is live, call frame_alloc().
 */
int frames_init(const struct phys_range *usable, unsigned n)
{
	uint64_t words = 0, block_bytes;
	uint64_t *block;
	unsigned staged;
	int home;

	lock_frames();
	memset(&fa, 0, sizeof(fa));
	unlock_frames();
	staged = stage_ranges(usable, n);
	for (unsigned i = 0; i < staged; i++)
		words += bitmap_words(fa.range[i].frames);
	block_bytes = ALIGN_UP(words * sizeof(uint64_t), PAGE_SIZE);
	home = staged ? place_bitmaps(staged, block_bytes, &block) : -1;
	if (home < 0) {
		pr_err("no usable range can hold %llu bytes of bitmaps", (unsigned long long)block_bytes);
		return -ENOMEM;
	}

	lock_frames();
	setup_bitmaps(staged, block, block_bytes);
	fa.bitmap_pa = fa.range[home].base;
	fa.bitmap_frames = block_bytes >> PAGE_SHIFT;
	fa.bitmap_bytes = words * sizeof(uint64_t);
	mark_used(&fa.range[home], 0, fa.bitmap_frames);
	fa.n = staged;   /* publish */
	unlock_frames();
	pr_info("%u range(s), bitmaps at 0x%llx (%llu frames)", staged,
		(unsigned long long)fa.bitmap_pa, (unsigned long long)fa.bitmap_frames);
	return 0;
}

/* First free frame of a range with free > 0, starting at the hint word. */
static uint64_t find_free_frame(struct frame_range *r)
{
	uint64_t nwords = bitmap_words(r->frames);

	for (uint64_t k = 0; k < nwords; k++) {
		uint64_t w = (r->hint + k) % nwords;

		if (r->bitmap[w] != ~0ULL) {
			r->hint = w;
			return w * BITS_PER_WORD + (uint64_t)__builtin_ctzll(~r->bitmap[w]);
		}
	}
	return NO_FRAME;
}

paddr_t frame_alloc(void)
{
	paddr_t pa = 0;

	lock_frames();
	for (unsigned i = 0; i < fa.n && !pa; i++) {
		struct frame_range *r = &fa.range[i];
		uint64_t idx;

		if (r->free == 0)
			continue;
		idx = find_free_frame(r);
		if (idx == NO_FRAME)
			continue;
		mark_used(r, idx, 1);
		pa = frame_pa(r, idx);
	}
	unlock_frames();
	return pa;
}

/* Index of the first frame at or after `idx` whose address is a multiple of `align`. */
static uint64_t next_aligned_index(const struct frame_range *r, uint64_t idx, uint64_t align)
{
	/* base + idx pages <= 2^52 and align <= 2^52: ALIGN_UP cannot wrap. */
	return (ALIGN_UP(frame_pa(r, idx), align) - r->base) >> PAGE_SHIFT;
}

static uint64_t find_free_run(const struct frame_range *r, uint64_t count, uint64_t align)
{
	uint64_t idx = next_aligned_index(r, 0, align);

	while (idx < r->frames && count <= r->frames - idx) {
		uint64_t used = last_used_in(r, idx, idx + count);

		if (used == NO_FRAME)
			return idx;
		idx = next_aligned_index(r, used + 1, align);
	}
	return NO_FRAME;
}

paddr_t frames_alloc_contig(uint64_t count, uint64_t align)
{
	paddr_t pa = 0;

	if (count == 0 || count > (PHYS_ADDR_LIMIT >> PAGE_SHIFT) || align < PAGE_SIZE ||
	    (align & (align - 1)) != 0 || align > PHYS_ADDR_LIMIT) {
		pr_err("contiguous request of %llu frames aligned to 0x%llx is invalid",
		       (unsigned long long)count, (unsigned long long)align);
		return 0;
	}
	lock_frames();
	for (unsigned i = 0; i < fa.n && !pa; i++) {
		struct frame_range *r = &fa.range[i];
		uint64_t idx;

		if (r->free < count)
			continue;
		idx = find_free_run(r, count, align);
		if (idx == NO_FRAME)
			continue;
		mark_used(r, idx, count);
		pa = frame_pa(r, idx);
	}
	unlock_frames();
	return pa;
}

static bool overlaps_bitmaps(paddr_t pa, uint64_t count)
{
	paddr_t end = pa + (count << PAGE_SHIFT);

	return fa.bitmap_frames && pa < fa.bitmap_pa + (fa.bitmap_frames << PAGE_SHIFT) &&
	       fa.bitmap_pa < end;
}

/* The frames [pa, pa + count pages) as one range and index, or NULL. */
static struct frame_range *frames_lookup(paddr_t pa, uint64_t count, uint64_t *first)
{
	struct frame_range *r;

	if (!IS_ALIGNED(pa, PAGE_SIZE) || count > (PHYS_ADDR_LIMIT >> PAGE_SHIFT))
		return NULL;
	r = range_containing(pa);
	if (!r)
		return NULL;
	*first = (pa - r->base) >> PAGE_SHIFT;
	return count <= r->frames - *first ? r : NULL;
}

void frames_free(paddr_t pa, uint64_t count)
{
	struct frame_range *r;
	uint64_t first;

	if (count == 0)
		return;
	lock_frames();
	r = frames_lookup(pa, count, &first);
	if (!r || overlaps_bitmaps(pa, count)) {
		unlock_frames();
		pr_err("free of %llu frames at 0x%llx: not allocatable memory, ignored",
		       (unsigned long long)count, (unsigned long long)pa);
		return;
	}
	/* All or nothing: a double free means the caller's bookkeeping is wrong. */
	if (!all_used_in(r, first, count)) {
		unlock_frames();
		pr_err("double free in %llu frames at 0x%llx, ignored",
		       (unsigned long long)count, (unsigned long long)pa);
		return;
	}
	mark_free(r, first, count);
	unlock_frames();
}

/* The part of range r inside [base, end) as frame indexes; false when disjoint. */
static bool range_intersection(const struct frame_range *r, paddr_t base, paddr_t end,
			       uint64_t *first, uint64_t *count)
{
	paddr_t lo = MAX(base, r->base);
	paddr_t hi = MIN(end, frame_pa(r, r->frames));

	if (lo >= hi)
		return false;
	*first = (lo - r->base) >> PAGE_SHIFT;
	*count = (hi - lo) >> PAGE_SHIFT;
	return true;
}

int frames_reserve(paddr_t pa, uint64_t len)
{
	paddr_t base, end;
	uint64_t first, count;

	if (len == 0)
		return 0;
	if (range_overflows(pa, len))
		return -EINVAL;
	if (pa >= PHYS_ADDR_LIMIT)
		return 0;   /* nothing up there is managed */
	base = ALIGN_DOWN(pa, PAGE_SIZE);
	/* Compare lengths, not ends: pa + len may be exactly 2^64. */
	end = len >= PHYS_ADDR_LIMIT - pa ? PHYS_ADDR_LIMIT : ALIGN_UP(pa + len, PAGE_SIZE);

	lock_frames();
	/* Check every range first so a busy frame leaves nothing half-reserved. */
	for (unsigned i = 0; i < fa.n; i++) {
		if (range_intersection(&fa.range[i], base, end, &first, &count) &&
		    any_used_in(&fa.range[i], first, count)) {
			unlock_frames();
			return -EBUSY;
		}
	}
	for (unsigned i = 0; i < fa.n; i++)
		if (range_intersection(&fa.range[i], base, end, &first, &count))
			mark_used(&fa.range[i], first, count);
	unlock_frames();
	return 0;
}

void frames_get_stats(struct frames_stats *st)
{
	memset(st, 0, sizeof(*st));
	lock_frames();
	for (unsigned i = 0; i < fa.n; i++) {
		st->total_frames += fa.range[i].frames;
		st->free_frames += fa.range[i].free;
	}
	st->bitmap_bytes = fa.bitmap_bytes;
	st->ranges = fa.n;
	if (fa.n) {
		st->lowest = fa.usable[0].base;
		st->highest_end = fa.usable[fa.n - 1].end;
	}
	unlock_frames();
}

unsigned frames_ranges(const struct phys_range **out)
{
	*out = fa.usable;
	return fa.n;
}
