// SPDX-License-Identifier: MIT
/*
 * Deposit pools. Each partition has one: pages it (or the root, on its
 * behalf) gave the monitor with DEPOSIT_MEMORY. While a page is in a pool
 * it is in no stage-2 and not DMA-able (memory.c sees to that before it
 * gets here), so the monitor may use it for page tables: the tables of
 * the partition's device domains, and of a child's direct-attach mirror
 * (kernel/partition/assign.c; a child's own page leaves the mirror before
 * it gets here). A table page is in use until its table is destroyed.
 * WITHDRAW_MEMORY
 * gives free pages back to their depositor only, where they came from.
 *
 * Bookkeeping: a frame map per depositor, one byte for each 4 KiB frame of
 * its RAM (the frames in the order of its RAM chunks): in a pool or not,
 * which pool, a table page now or free, DMA-able before the deposit. So a
 * pool is bounded only by the RAM that can be deposited into it (Linux
 * deposits as it goes: mapping a 24 GiB guest takes some 12000 table
 * pages), and a page's depositor and guest address follow from its host
 * address through the depositor's RAM chunks: nothing about a page is kept
 * inside it, so a table page is all table. The map costs 1/4096 of the
 * depositor's RAM, taken from the monitor's memory once, at its first
 * deposit (hv_pool_map_alloc); a partition that never deposits costs
 * nothing. Only pages of the depositor's own RAM, at their own guest
 * address, can be deposited (what part_gpa_to_hpa gives).
 *
 * Finding a free page scans the map 8 frames at a time from where the last
 * search ended, and the counts say whether there is one to find, so taking
 * a page is cheap in the common case (a pool filled and used in order) and
 * bounded by the depositor's RAM in the worst.
 */
#define LOG_TAG "hvcall"
#include <string.h>

#include "kernel/hvcall/pool.h"
#include "kernel/partition/partition.h"
#include "kernel/log.h"
#include "kernel/spinlock.h"

#define FM_POOLED   BIT(7)           /* in the pool FM_TARGET names */
#define FM_USED     BIT(6)           /* a table page now */
#define FM_DMA      BIT(5)           /* DMA-able before the deposit */
#define FM_TARGET   GENMASK(2, 0)    /* the pool: its partition id - 1 */
_Static_assert(PART_MAX <= FM_TARGET + 1, "a pool's index fits FM_TARGET");

struct frame_map {
	uint8_t *state;              /* NULL until the partition's first deposit */
	uint64_t frames;
	uint64_t cursor;             /* where the last search ended */
	bool failed;                 /* no memory for it: said once, never asked again */
};

struct hv_pool {
	unsigned n, used;
	unsigned free_from[PART_MAX];   /* free pages, by depositor index */
};

static struct frame_map maps[PART_MAX];   /* by depositor index (id - 1) */
static struct hv_pool pools[PART_MAX];     /* by target index */
static spinlock_t pool_lock = SPINLOCK_INIT;

static int index_of(const struct partition *p)
{
	return p && p->id >= 1 && p->id <= PART_MAX ? (int)p->id - 1 : -1;
}

static uint64_t ram_frames(const struct partition *p)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < p->ram_chunks; i++)
		n += p->ram[i].size >> PAGE_SHIFT;
	return n;
}

/* Frame number in p's map of the page at hpa, or -1 when it is not p's RAM. */
static int64_t frame_of_hpa(const struct partition *p, paddr_t hpa)
{
	uint64_t base = 0;

	for (unsigned i = 0; i < p->ram_chunks; i++) {
		const struct part_chunk *c = &p->ram[i];

		if (hpa >= c->hpa && hpa - c->hpa < c->size)
			return (int64_t)(base + ((hpa - c->hpa) >> PAGE_SHIFT));
		base += c->size >> PAGE_SHIFT;
	}
	return -1;
}

static void frame_addr(const struct partition *p, uint64_t f, uint64_t *gpa, paddr_t *hpa)
{
	for (unsigned i = 0; i < p->ram_chunks; i++) {
		const struct part_chunk *c = &p->ram[i];
		uint64_t pages = c->size >> PAGE_SHIFT;

		if (f < pages) {
			*gpa = c->gpa + (f << PAGE_SHIFT);
			*hpa = c->hpa + (f << PAGE_SHIFT);
			return;
		}
		f -= pages;
	}
	*gpa = *hpa = 0;
}

/* The partition whose RAM holds hpa (chunks of different partitions never overlap), and the frame. */
static struct partition *owner_of(paddr_t hpa, int64_t *frame)
{
	for (unsigned i = 0; i < partition_count && i < PART_MAX; i++)
		if ((*frame = frame_of_hpa(&partitions[i], hpa)) >= 0)
			return &partitions[i];
	return NULL;
}

static struct frame_map *map_of(const struct partition *p, bool create)
{
	struct frame_map *m = &maps[index_of(p)];

	if (!m->state && !m->failed && create) {
		m->frames = ram_frames(p);
		m->state = m->frames ? hv_pool_map_alloc(p, m->frames) : NULL;
		m->failed = !m->state;
		if (m->state)
			memset(m->state, 0, m->frames);
		else   /* once: a guest retrying its deposits must not fill the log */
			pr_err("%s: no monitor memory for its deposit bookkeeping (%llu bytes)", p->name,
			       (unsigned long long)m->frames);
	}
	return m->state ? m : NULL;
}

int hv_pool_add(struct partition *p, unsigned depositor, uint64_t gpa, paddr_t hpa, bool dma)
{
	int t = index_of(p), d = depositor >= 1 && depositor <= PART_MAX ? (int)depositor - 1 : -1;
	struct partition *dep = d >= 0 && (unsigned)d < partition_count ? &partitions[d] : NULL;
	struct frame_map *m;
	int64_t f;
	int rc = 0;

	if (t < 0 || !dep || part_chunk_hpa(dep, gpa) != hpa || !IS_ALIGNED(hpa, PAGE_SIZE) || !hpa)
		return -EINVAL;   /* only the depositor's own RAM, at its own address */
	f = frame_of_hpa(dep, hpa);
	spin_lock(&pool_lock);
	m = map_of(dep, true);
	if (!m || f < 0)
		rc = -ENOSPC;
	else if (m->state[f] & FM_POOLED)
		rc = -EEXIST;
	if (rc == 0) {
		m->state[f] = (uint8_t)(FM_POOLED | (dma ? FM_DMA : 0) | t);
		pools[t].n++;
		pools[t].free_from[d]++;
	}
	spin_unlock(&pool_lock);
	return rc;
}

/* A free page of pool t in depositor d's map (pool_lock held; the counts say there is one). */
static int64_t find_free(struct frame_map *m, int t)
{
	uint8_t want = (uint8_t)(FM_POOLED | t), mask = FM_POOLED | FM_USED | FM_TARGET;

	for (uint64_t k = 0, f = m->cursor; k < m->frames; k++, f++) {
		if (f >= m->frames)
			f = 0;
		/* Eight frames none of which is pooled: skip them at once. */
		if ((f & 7) == 0 && f + 8 <= m->frames && k + 8 <= m->frames) {
			uint64_t w;

			memcpy(&w, &m->state[f], 8);
			if (!(w & 0x8080808080808080ull)) {
				k += 7;
				f += 7;
				continue;
			}
		}
		if ((m->state[f] & mask) == want) {
			m->cursor = f;
			return (int64_t)f;
		}
	}
	return -1;
}

int hv_pool_take_free(struct partition *p, unsigned depositor, uint64_t *gpa, paddr_t *hpa, bool *dma)
{
	int t = index_of(p), d = depositor >= 1 && depositor <= PART_MAX ? (int)depositor - 1 : -1;
	struct frame_map *m;
	int64_t f = -1;

	if (t < 0 || d < 0)
		return -EINVAL;
	spin_lock(&pool_lock);
	m = pools[t].free_from[d] ? &maps[d] : NULL;
	if (m && m->state)
		f = find_free(m, t);
	if (f >= 0) {
		*dma = m->state[f] & FM_DMA;
		m->state[f] = 0;
		pools[t].n--;
		pools[t].free_from[d]--;
		frame_addr(&partitions[d], (uint64_t)f, gpa, hpa);
	}
	spin_unlock(&pool_lock);
	return f >= 0 ? 0 : -ENOENT;
}

int hv_pool_put_back(struct partition *p, unsigned depositor, uint64_t gpa, paddr_t hpa, bool dma)
{
	return hv_pool_add(p, depositor, gpa, hpa, dma);
}

static paddr_t pool_alloc(void *ctx)
{
	int t = index_of(ctx);
	paddr_t pa = 0;

	if (t < 0)
		return 0;
	spin_lock(&pool_lock);
	for (unsigned d = 0; d < PART_MAX && !pa; d++) {
		int64_t f = pools[t].free_from[d] && maps[d].state ? find_free(&maps[d], t) : -1;
		uint64_t gpa;

		if (f < 0)
			continue;
		maps[d].state[f] |= FM_USED;
		pools[t].used++;
		pools[t].free_from[d]--;
		frame_addr(&partitions[d], (uint64_t)f, &gpa, &pa);
	}
	spin_unlock(&pool_lock);
	return pa;
}

static void pool_free(void *ctx, paddr_t pa)
{
	int t = index_of(ctx);
	struct partition *dep;
	int64_t f;

	if (t < 0)
		return;
	spin_lock(&pool_lock);
	dep = owner_of(pa, &f);
	if (dep && maps[dep->id - 1].state &&
	    (maps[dep->id - 1].state[f] & (FM_POOLED | FM_USED | FM_TARGET)) == (FM_POOLED | FM_USED | t)) {
		maps[dep->id - 1].state[f] &= (uint8_t)~FM_USED;
		pools[t].used--;
		pools[t].free_from[dep->id - 1]++;
	}
	spin_unlock(&pool_lock);
}

void hv_pool_pt_pool(struct partition *p, struct pt_pool *out)
{
	*out = (struct pt_pool){ .alloc = pool_alloc, .free = pool_free, .ctx = p };
}

static bool pooled(const struct partition *dep, int64_t f)
{
	const struct frame_map *m = &maps[dep->id - 1];

	return f >= 0 && m->state && (uint64_t)f < m->frames && (m->state[f] & FM_POOLED);
}

bool hv_pool_holds_gpa(const struct partition *p, uint64_t gpa)
{
	paddr_t hpa = index_of(p) >= 0 ? part_chunk_hpa(p, gpa) : 0;

	return hpa && pooled(p, frame_of_hpa(p, hpa));
}

bool hv_pool_holds_hpa(paddr_t hpa)
{
	int64_t f;
	struct partition *dep = owner_of(ALIGN_DOWN(hpa, PAGE_SIZE), &f);

	return dep && index_of(dep) >= 0 && pooled(dep, f);
}

unsigned hv_pool_pages(const struct partition *p)
{
	int t = index_of(p);

	return t >= 0 ? pools[t].n : 0;
}

unsigned hv_pool_in_use(const struct partition *p)
{
	int t = index_of(p);

	return t >= 0 ? pools[t].used : 0;
}

void hv_pool_reset(void)
{
	memset(pools, 0, sizeof(pools));
	memset(maps, 0, sizeof(maps));
}
