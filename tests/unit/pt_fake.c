/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/pt_fake.h"

#define GARBAGE 0xa5

struct fake_event {
	bool is_flush;
	bool is_zero;        /* a new table page cleared in bulk (pa: the page) */
	paddr_t pa;
	uint64_t old, val;   /* store */
	uint64_t len;        /* flush */
};

static struct {
	uint8_t *buf;
	unsigned npages;
	bool *used;
	unsigned in_use, allocs, frees, flushes;
	uint64_t flushed_bytes;
	long budget;                     /* allocations left before failing; -1: unlimited */
	uint8_t *snapshot;               /* arena at fake_record_start */
	struct fake_event *ev;
	unsigned nev, cap;
	bool recording;
} fm;

static uint64_t rng = 1;

static uint64_t arena_bytes(void)
{
	return (uint64_t)fm.npages * PAGE_SIZE;
}

static bool in_arena(paddr_t pa, uint64_t len)
{
	return pa >= FAKE_BASE && pa - FAKE_BASE + len <= arena_bytes();
}

static paddr_t pool_alloc(void *ctx)
{
	(void)ctx;
	if (fm.budget == 0)
		return 0;
	for (unsigned i = 0; i < fm.npages; i++) {
		if (!fm.used[i]) {
			fm.used[i] = true;
			fm.in_use++;
			fm.allocs++;
			if (fm.budget > 0)
				fm.budget--;
			return FAKE_BASE + (uint64_t)i * PAGE_SIZE;
		}
	}
	return 0;
}

static void pool_free(void *ctx, paddr_t pa)
{
	uint64_t i = (pa - FAKE_BASE) / PAGE_SIZE;

	(void)ctx;
	assert_true(in_arena(pa, PAGE_SIZE));
	assert_true(IS_ALIGNED(pa, PAGE_SIZE));
	assert_true(fm.used[i]);              /* no double free */
	fm.used[i] = false;
	fm.in_use--;
	fm.frees++;
}

static const struct pt_pool pool = { pool_alloc, pool_free, NULL };

static void record(struct fake_event e)
{
	if (!fm.recording)
		return;
	if (fm.nev == fm.cap) {
		fm.cap = fm.cap ? fm.cap * 2 : 4096;
		fm.ev = realloc(fm.ev, fm.cap * sizeof(*fm.ev));
		assert_non_null(fm.ev);
	}
	fm.ev[fm.nev++] = e;
}

static void observer(void *ctx, paddr_t pa, uint64_t old, uint64_t val)
{
	(void)ctx;
	assert_true(in_arena(pa, 8));
	assert_true(IS_ALIGNED(pa, 8));
	record((struct fake_event){ .pa = pa, .old = old, .val = val });
}

static void zero_observer(void *ctx, paddr_t page)
{
	(void)ctx;
	assert_true(in_arena(page, PAGE_SIZE));
	assert_true(IS_ALIGNED(page, PAGE_SIZE));
	assert_true(fm.used[(page - FAKE_BASE) / PAGE_SIZE]);  /* a page the pool handed out */
	record((struct fake_event){ .is_zero = true, .pa = page });
}

void fake_init(unsigned npages)
{
	memset(&fm, 0, sizeof(fm));
	fm.npages = npages;
	fm.buf = aligned_alloc(PAGE_SIZE, arena_bytes());
	fm.used = calloc(npages, sizeof(bool));
	assert_non_null(fm.buf);
	assert_non_null(fm.used);
	memset(fm.buf, GARBAGE, arena_bytes());
	fm.budget = -1;
	phys_arena_reset();
	phys_arena_add(FAKE_BASE, fm.buf, arena_bytes());
	pt_set_write_observer(observer, zero_observer, NULL);
	log_capture_reset();
}

void fake_fini(void)
{
	pt_set_write_observer(NULL, NULL, NULL);
	phys_arena_reset();
	free(fm.buf);
	free(fm.used);
	free(fm.snapshot);
	free(fm.ev);
	memset(&fm, 0, sizeof(fm));
}

const struct pt_pool *fake_pool(void) { return &pool; }
void fake_pool_limit(long n) { fm.budget = n; }
unsigned fake_pool_in_use(void) { return fm.in_use; }
unsigned fake_pool_allocs(void) { return fm.allocs; }
unsigned fake_pool_frees(void) { return fm.frees; }
unsigned fake_flush_calls(void) { return fm.flushes; }
uint64_t fake_flush_bytes(void) { return fm.flushed_bytes; }
unsigned fake_recorded_writes(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < fm.nev; i++)
		n += !fm.ev[i].is_flush && !fm.ev[i].is_zero;
	return n;
}

void fake_flush(void *va, size_t len)
{
	uint8_t *p = va;

	assert_true(p >= fm.buf && (uint64_t)(p - fm.buf) + len <= arena_bytes());
	fm.flushes++;
	fm.flushed_bytes += len;
	record((struct fake_event){ .is_flush = true, .pa = FAKE_BASE + (uint64_t)(p - fm.buf),
				    .len = len });
}

static uint64_t image_entry(const uint8_t *mem, paddr_t pa)
{
	uint64_t v;

	assert_true(in_arena(pa, 8));
	memcpy(&v, (mem ? mem : fm.buf) + (pa - FAKE_BASE), 8);
	return v;
}

uint64_t fake_entry(paddr_t pa)
{
	return image_entry(NULL, pa);
}

uint8_t *fake_snapshot(void)
{
	uint8_t *s = malloc(arena_bytes());

	assert_non_null(s);
	memcpy(s, fm.buf, arena_bytes());
	return s;
}

bool fake_same_as(const uint8_t *snapshot)
{
	return memcmp(snapshot, fm.buf, arena_bytes()) == 0;
}

void fake_record_start(void)
{
	free(fm.snapshot);
	fm.snapshot = fake_snapshot();
	fm.nev = 0;
	fm.recording = true;
}

void fake_record_stop(void)
{
	fm.recording = false;
}

/* ---- the reference walker: bit numbers straight from the specifications ---- */

enum ref_kind { REF_VTD, REF_AMDVI, REF_EPT, REF_X86 };

static enum ref_kind kind_of(const struct pt_table *t)
{
	if (t->fmt == &pt_fmt_vtd_sl)
		return REF_VTD;
	if (t->fmt == &pt_fmt_amdvi_v1)
		return REF_AMDVI;
	if (t->fmt == &pt_fmt_ept)
		return REF_EPT;
	assert_ptr_equal(t->fmt, &pt_fmt_x86);
	return REF_X86;
}

static bool ref_present(enum ref_kind k, uint64_t e)
{
	switch (k) {
	case REF_VTD:   return e & 3;          /* R or W */
	case REF_EPT:   return e & 7;          /* R, W or X */
	default:        return e & 1;          /* PR / P */
	}
}

static bool ref_leaf(enum ref_kind k, uint64_t e, unsigned level)
{
	if (level == 1)
		return true;
	if (k == REF_AMDVI)
		return ((e >> 9) & 7) == 0;    /* Next Level 0 */
	return (e >> 7) & 1;                   /* PS */
}

static unsigned ref_perms(enum ref_kind k, uint64_t e)
{
	switch (k) {
	case REF_VTD:   return (e & 1 ? PT_READ : 0) | (e & 2 ? PT_WRITE : 0);
	case REF_AMDVI: return (e >> 61 & 1 ? PT_READ : 0) | (e >> 62 & 1 ? PT_WRITE : 0);
	case REF_EPT:   return (e & 1 ? PT_READ : 0) | (e & 2 ? PT_WRITE : 0) | (e & 4 ? PT_EXEC : 0);
	default:        return PT_READ | (e & 2 ? PT_WRITE : 0) | (e >> 63 ? 0 : PT_EXEC);
	}
}

#define REF_ADDR 0x000ffffffffff000ULL

static struct ref_tr ref_walk(const struct pt_table *t, enum ref_kind k, const uint8_t *mem,
			      uint64_t iova)
{
	paddr_t table = t->root;
	unsigned perms = PT_PERMS_ALL;

	for (unsigned level = t->levels; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		uint64_t e = image_entry(mem, table + ((iova >> shift) & 511) * 8);

		if (!ref_present(k, e))
			return (struct ref_tr){ 0 };
		perms &= ref_perms(k, e);
		if (ref_leaf(k, e, level)) {
			uint64_t size = 1ULL << shift;

			return (struct ref_tr){ true, (e & REF_ADDR & ~(size - 1)) + (iova & (size - 1)),
						perms, size };
		}
		table = e & REF_ADDR;
	}
	fail_msg("walk ran past level 1");
	return (struct ref_tr){ 0 };
}

struct ref_tr ref_translate(const struct pt_table *t, const uint8_t *mem, uint64_t iova)
{
	return ref_walk(t, kind_of(t), mem, iova);
}

static bool same_tr(struct ref_tr a, struct ref_tr b)
{
	if (!a.present || !b.present)
		return a.present == b.present;
	return a.pa == b.pa && a.perms == b.perms;
}

/* ---- replay ---- */

/* A write: one entry stored, or a whole page zeroed. */
static bool is_write(const struct fake_event *e)
{
	return !e->is_flush;
}

static uint64_t write_len(const struct fake_event *e)
{
	return e->is_zero ? PAGE_SIZE : 8;
}

static bool flush_covers(const struct fake_event *f, paddr_t pa)
{
	return f->is_flush && pa >= f->pa && pa + 8 <= f->pa + f->len;
}

/* Index of the first flush after event k covering the 8 bytes at pa, or nev. */
static unsigned flushed_at(unsigned k, paddr_t pa)
{
	unsigned j;

	for (j = k + 1; j < fm.nev && !flush_covers(&fm.ev[j], pa); j++)
		;
	return j;
}

/* Index by which every line event k wrote is flushed (nev: some never is). */
static unsigned write_flushed_at(unsigned k)
{
	const struct fake_event *e = &fm.ev[k];
	unsigned last = 0;

	for (uint64_t off = 0; off < write_len(e); off += 64) {
		unsigned j = flushed_at(k, e->pa + off);

		if (j > last)
			last = j;
	}
	return last;
}

static bool page_written_before(paddr_t page, unsigned m)
{
	for (unsigned k = 0; k < m; k++)
		if (is_write(&fm.ev[k]) && ALIGN_DOWN(fm.ev[k].pa, PAGE_SIZE) == page)
			return true;
	return false;
}

static void check_flush_order(void)
{
	for (unsigned k = 0; k < fm.nev; k++) {
		if (is_write(&fm.ev[k]) && write_flushed_at(k) == fm.nev)
			fail_msg("%s 0x%llx never flushed", fm.ev[k].is_zero ? "zeroed page" : "store to",
				 (unsigned long long)fm.ev[k].pa);
	}
	/* A store linking page X: every earlier write into X is flushed before it. */
	for (unsigned m = 0; m < fm.nev; m++) {
		paddr_t target = fm.ev[m].val & REF_ADDR;

		if (!is_write(&fm.ev[m]) || fm.ev[m].is_zero || !in_arena(target, PAGE_SIZE) ||
		    !page_written_before(target, m))
			continue;
		for (unsigned k = 0; k < m; k++)
			if (is_write(&fm.ev[k]) && ALIGN_DOWN(fm.ev[k].pa, PAGE_SIZE) == target &&
			    write_flushed_at(k) > m)
				fail_msg("write to 0x%llx flushed after the table was linked (event %u)",
					 (unsigned long long)fm.ev[k].pa, m);
	}
}

/* Is `page` a table the walker can reach in the image? */
static bool page_reachable(const struct pt_table *t, const uint8_t *mem, paddr_t table,
			   unsigned level, paddr_t page)
{
	if (table == page)
		return true;
	for (unsigned i = 0; level > 1 && i < 512; i++) {
		uint64_t e = image_entry(mem, table + i * 8);
		enum ref_kind k = kind_of(t);

		if (ref_present(k, e) && !ref_leaf(k, e, level) && in_arena(e & REF_ADDR, PAGE_SIZE) &&
		    page_reachable(t, mem, e & REF_ADDR, level - 1, page))
			return true;
	}
	return false;
}

void fake_replay_check(const struct pt_table *t, const uint64_t *probes, unsigned nprobes)
{
	uint8_t *shadow = malloc(arena_bytes());
	struct ref_tr *before = calloc(nprobes, sizeof(*before));
	struct ref_tr *after = calloc(nprobes, sizeof(*after));

	assert_true(shadow && before && after && fm.snapshot);
	memcpy(shadow, fm.snapshot, arena_bytes());
	for (unsigned p = 0; p < nprobes; p++) {
		before[p] = ref_translate(t, shadow, probes[p]);
		after[p] = ref_translate(t, NULL, probes[p]);
	}
	for (unsigned k = 0; k < fm.nev; k++) {
		const struct fake_event *e = &fm.ev[k];

		if (e->is_flush)
			continue;
		if (e->is_zero) {
			/* Bulk zeroing is unobserved per entry: only while unreachable. */
			if (page_reachable(t, shadow, t->root, t->levels, e->pa))
				fail_msg("page 0x%llx zeroed while a walker can reach it",
					 (unsigned long long)e->pa);
			memset(shadow + (e->pa - FAKE_BASE), 0, PAGE_SIZE);
			continue;
		}
		/* The observer's "old" is what the replay holds: no store went unseen. */
		assert_int_equal(image_entry(shadow, e->pa), e->old);
		memcpy(shadow + (e->pa - FAKE_BASE), &e->val, 8);
		for (unsigned p = 0; p < nprobes; p++) {
			struct ref_tr now = ref_translate(t, shadow, probes[p]);

			if (!same_tr(now, before[p]) && !same_tr(now, after[p]))
				fail_msg("after store %u (0x%llx := 0x%llx) iova 0x%llx translates "
					 "neither as before nor as after", k,
					 (unsigned long long)e->pa, (unsigned long long)e->val,
					 (unsigned long long)probes[p]);
		}
	}
	assert_true(memcmp(shadow, fm.buf, arena_bytes()) == 0);
	if (t->flush_cache)
		check_flush_order();
	free(shadow);
	free(before);
	free(after);
}

/* ---- whole-table checks ---- */

/* The VT-d walker's rules; `built_as_vtd`: also nothing beyond address, R, W, PS. */
static void check_vtd_entry(const struct pt_table *t, uint64_t e, unsigned level, bool leaf,
			    bool built_as_vtd)
{
	unsigned aw = 63 - __builtin_clzll(t->iova_limit);

	assert_false(e & BIT(11));                             /* SNP */
	assert_false(e & BIT(62));                             /* TM */
	assert_int_equal(e & GENMASK(51, aw), 0);               /* reserved at and above AW */
	if (built_as_vtd)
		assert_int_equal(e & (GENMASK(63, 52) | GENMASK(10, 8) | GENMASK(6, 2)), 0);
	if (level == 4)
		assert_false(e & BIT(7));                      /* PS reserved in a PML4E */
	if (!leaf)
		assert_int_equal(e & 3, 3);                    /* R|W: checked at every level */
	if (leaf && level > 1) {
		assert_true(e & BIT(7));
		assert_int_equal(e & GENMASK(9 * (level - 1) + 11, 12), 0);
	}
}

static void check_amdvi_entry(uint64_t e, unsigned level, bool leaf)
{
	unsigned next = (e >> 9) & 7;

	assert_true(e & 1);                                    /* PR */
	assert_int_equal(next, leaf ? 0 : level - 1);
	if (!leaf)
		assert_int_equal(e & (BIT(61) | BIT(62)), BIT(61) | BIT(62));
	assert_int_equal(e & (GENMASK(8, 1) | GENMASK(60, 52) | BIT(63)), 0);
}

static void check_ept_entry(uint64_t e, unsigned level, bool leaf)
{
	assert_false(e & BIT(11));
	assert_false(e & BIT(62));
	if (leaf) {
		assert_int_equal((e >> 3) & 7, 6);             /* WB */
		assert_false(e & BIT(6));                      /* IPAT */
		assert_int_equal(!!(e & BIT(7)), level > 1);
	} else {
		assert_int_equal(e & GENMASK(7, 0), 7);        /* R|W|X, memtype/PS clear */
	}
}

static void check_x86_entry(uint64_t e, unsigned level, bool leaf)
{
	assert_int_equal(e & 5, 5);                            /* P, US */
	assert_false(e & BIT(11));
	assert_false(e & BIT(62));
	if (leaf && level > 1) {
		assert_true(e & BIT(7));
		assert_false(e & BIT(12));                     /* PAT of a large leaf */
	}
	if (!leaf)
		assert_int_equal(e & (BIT(1) | BIT(7) | BIT(63)), BIT(1));
}

static unsigned check_table(const struct pt_table *t, enum ref_kind k, paddr_t table,
			    unsigned level, uint64_t *mapped)
{
	unsigned tables = 1;

	assert_true(in_arena(table, PAGE_SIZE));
	assert_true(fm.used[(table - FAKE_BASE) / PAGE_SIZE]);
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e = fake_entry(table + i * 8);
		bool leaf;

		if (!ref_present(k, e)) {
			assert_int_equal(e, 0);                /* nothing half-written */
			continue;
		}
		leaf = ref_leaf(k, e, level);
		assert_true(level <= 3 || !leaf);
		if (k == REF_VTD)
			check_vtd_entry(t, e, level, leaf, kind_of(t) == REF_VTD);
		else if (k == REF_AMDVI)
			check_amdvi_entry(e, level, leaf);
		else if (k == REF_EPT)
			check_ept_entry(e, level, leaf);
		else
			check_x86_entry(e, level, leaf);
		if (leaf)
			*mapped += 1ULL << (12 + 9 * (level - 1));
		else
			tables += check_table(t, k, e & REF_ADDR, level - 1, mapped);
	}
	return tables;
}

unsigned fake_check_tables(const struct pt_table *t, uint64_t *mapped_bytes)
{
	uint64_t mapped = 0;
	unsigned n = check_table(t, kind_of(t), t->root, t->levels, &mapped);

	if (mapped_bytes)
		*mapped_bytes = mapped;
	return n;
}

unsigned fake_check_tables_as_vtd(const struct pt_table *t, uint64_t *mapped_bytes)
{
	uint64_t mapped = 0;
	unsigned n = check_table(t, REF_VTD, t->root, t->levels, &mapped);

	if (mapped_bytes)
		*mapped_bytes = mapped;
	return n;
}

struct ref_tr ref_translate_as_vtd(const struct pt_table *t, uint64_t iova)
{
	return ref_walk(t, REF_VTD, NULL, iova);
}

uint64_t fake_rand(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

void fake_srand(uint64_t seed)
{
	rng = seed ? seed : 1;
}
