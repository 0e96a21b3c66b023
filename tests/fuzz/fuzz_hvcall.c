// SPDX-License-Identifier: MIT
/*
 * libFuzzer over the hypercall dispatcher and the real device-domain layer:
 * a sequence of hostile calls per input (raw control words and input pages,
 * and well-formed DEPOSIT, WITHDRAW, CREATE, DELETE, CONFIGURE, ATTACH,
 * DETACH, MAP, UNMAP, FLUSH calls with hostile fields) by the root or the
 * child, with IOMMU units that fail their Nth context write or flush, on the
 * fake machine of tests/unit/fake_devdom.h (the handlers of kernel/hvcall/
 * over iommu/iommu.c and the pt/ engine). After every call:
 *   - no monitor page, no page of the child and no deposited page is
 *     reachable by DMA (the map count of the paging domains, the unity
 *     ranges, and the default domain's identity table through the pt
 *     engine); every table leaf of every device domain is checked against
 *     the same rule at the end of the input;
 *   - pool accounting is exact: pages deposited = pages out of the stage-2s,
 *     pages in use = table pages of the domains built from the pools;
 *   - every device is in exactly one domain and a group's members in the
 *     same one; the domains' device counts add up;
 *   - a call by the child changes nothing in the domain layer or the root;
 *   - the result value is well-formed (reps completed <= rep count, a
 *     continuation only for a rep call and only changing the rep start).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/fuzz/fuzz.h"
#include "tests/unit/fake_devdom.h"
#include "kernel/hvcall/hvcall.h"
#include "iommu/iommu.h"
#include "iommu/internal.h"
#include "pci/dev.h"
#include "include/hv/hv_iommu.h"
#include "include/hv/hv_memory.h"

#define STEPS_MAX   48
#define DEP_WINDOW  0x1000000ULL   /* root pages deposits take, 64 of them */
#define DATA_WINDOW 0x400000ULL    /* 4 MiB of root RAM the maps name, 2 MiB aligned */

/* ---- tests/unit/fake_pci.c asserts through cmocka: here a failed assertion aborts ---- */

void mock_assert(const int result, const char *const expression, const char *const file, const int line)
{
	if (!result) {
		fprintf(stderr, "%s:%d: %s\n", file, line, expression);
		abort();
	}
}
void _assert_true(const LargestIntegralType result, const char *const expression, const char *const file,
		  const int line)
{
	mock_assert(result != 0, expression, file, line);
}
void print_error(const char *const format, ...)
{
	va_list ap;

	va_start(ap, format);
	vfprintf(stderr, format, ap);
	va_end(ap);
}
void _fail(const char *const file, const int line)
{
	mock_assert(0, "fail()", file, line);
	abort();
}

/* ---- input ---- */

struct in_stream {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct in_stream *s, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && s->left; i++, s->left--)
		v |= (uint64_t)*s->p++ << (8 * i);
	return v;
}

static void die(const char *why)
{
	fprintf(stderr, "fuzz_hvcall: %s\n", why);
	abort();
}

static void phys_add(paddr_t base, void *buf, uint64_t len) { (void)base; (void)buf; (void)len; }

static void *phys_back(paddr_t pa, uint64_t len)
{
	uint8_t *first = fake_devdom_va(pa), *last = fake_devdom_va(pa + len - 1);

	return first && last == first + len - 1 ? first : NULL;
}


/* The caller's input and output pages: the root's first two, the child's GPA 0 and 4 KiB. */
static uint64_t in_gpa(struct partition *p) { return p->is_root ? ROOT_BASE : 0; }
static uint64_t out_gpa(struct partition *p) { return in_gpa(p) + PAGE_SIZE; }
static void *in_page(struct partition *p) { return fake_devdom_va(part_chunk_hpa(p, in_gpa(p))); }

/* A page frame somewhere interesting: the caller's RAM mostly, then everything it must not name. */
static uint64_t pick_pfn(struct partition *p, uint16_t v)
{
	unsigned k = v & 0x3ff;

	switch (v >> 12) {
	case 0: case 1: case 2: case 3: case 4:
		return p->is_root ? (DATA_WINDOW >> PAGE_SHIFT) + k : k;
	case 5: case 6:
		return p->is_root ? (DEP_WINDOW >> PAGE_SHIFT) + (k & 63) : 16 + (k & 63);
	case 7:
		return (ROOT_BASE >> PAGE_SHIFT) + (k & 15);
	case 8:
		return (UNITY_BASE >> PAGE_SHIFT) + (k & 7);
	case 9:
		return (MON_BASE >> PAGE_SHIFT) + (k & 63);
	case 10:
		return (CHILD_HPA >> PAGE_SHIFT) + (k & 63);
	case 11:
		return 0xfee00 + (k & 3);
	case 12:
		return (ROOT_END >> PAGE_SHIFT) - 1 + (k & 1);
	default:
		return (uint64_t)v << 20 | k;
	}
}

/* A GPA for a raw call's input or output: mostly the caller's own pages, 8-byte steps. */
static uint64_t pick_gpa(struct partition *p, uint16_t v)
{
	switch (v >> 14) {
	case 0: case 1:
		return in_gpa(p) + (v >> 14) * PAGE_SIZE + (v & 0x1ff) * 8;
	case 2:
		return (pick_pfn(p, (uint16_t)(v << 2)) << PAGE_SHIFT) + (v & 0x1ff) * 8;
	default:
		return in_gpa(p) + (v & 0x1fff);   /* any alignment, maybe crossing into the next page */
	}
}

static uint64_t pick_pid(uint8_t v)
{
	static const uint64_t ids[] = { HV_PARTITION_ID_SELF, HV_PARTITION_ID_SELF, 1, 2, 3, 0 };

	return ids[v % ARRAY_SIZE(ids)];
}

static uint32_t pick_domain(uint8_t v)
{
	static const uint32_t ids[] = { 5, 5, 6, 7, 0, IOMMU_DOMAIN_NULL_ID, 0xFFFF0002u, 9 };

	return v < 0xf8 ? ids[v & 7] : v;
}

static uint64_t pci_id(uint16_t rid, uint16_t flags)
{
	union hv_device_id id = { .as_uint64 = 0 };

	id.pci.rid = rid;
	id.pci.flags = (uint16_t)(HV_DEVICE_TYPE_PCI << 14 | flags);
	return id.as_uint64;
}

static uint64_t pick_devid(struct in_stream *s)
{
	static const uint16_t rids[] = { RID_EDU, RID_NIC, 0x0018, 0x0218, 0x0220, RID_SEC, 0x0028 };
	uint8_t v = (uint8_t)take(s, 1);
	union hv_device_id id = { .as_uint64 = pci_id(rids[v % ARRAY_SIZE(rids)], 0) };

	if (v & 0x80) {   /* the bridge's bus range, and sometimes flags or a segment */
		id.pci.secondary_bus = 2;
		id.pci.subordinate_bus = 2;
		id.pci.flags |= HV_PCI_ID_SOURCE_SHADOW;
	}
	if ((v & 0x70) == 0x70)
		id.as_uint64 ^= take(s, 8);
	return id.as_uint64;
}

static struct hv_input_device_domain pick_dd(struct in_stream *s)
{
	uint8_t v = (uint8_t)take(s, 1);
	struct hv_input_device_domain d = { .partition_id = pick_pid(v >> 5) };

	d.domain_id.type = (v & 0x10) ? v & 0xf : HV_DEVICE_DOMAIN_TYPE_S2;
	d.domain_id.id = pick_domain((uint8_t)take(s, 1));
	return d;
}

/* ---- calls ---- */

/* A control word for a known code, a sane shape most of the time. */
static uint64_t pick_control(struct in_stream *s)
{
	uint64_t raw = take(s, 8);
	uint8_t how = (uint8_t)take(s, 1);
	uint64_t cw = raw;

	if (how & 1) {
		cw = (raw & ~HV_HYPERCALL_CODE_MASK) | hvcall_table[(raw & 0xff) % hvcall_table_len].code;
		if (how & 2)
			cw &= HV_HYPERCALL_CODE_MASK | HV_HYPERCALL_REP_COMP_MASK | HV_HYPERCALL_REP_START_MASK;
		if (how & 4)
			cw = (cw & ~(HV_HYPERCALL_REP_COMP_MASK | HV_HYPERCALL_REP_START_MASK)) |
			     (uint64_t)((how >> 3) & 0x1f) << 32 | (uint64_t)(how >> 6) << 48;
	}
	return cw;
}

static uint64_t rep(uint16_t code, unsigned count, unsigned start)
{
	return code | (uint64_t)count << 32 | (uint64_t)start << 48;
}

/* Build a well-formed call of kind k in p's input page from the input; returns its control word. */
static uint64_t structured_call(struct partition *p, struct in_stream *s, unsigned k)
{
	uint8_t *in = in_page(p);
	uint8_t how = (uint8_t)take(s, 1);
	unsigned n = 1 + (how & 15), start = how & 0x10 ? (unsigned)take(s, 1) % n : 0;
	struct hv_input_device_domain dd = pick_dd(s);

	memset(in, 0, 64);
	switch (k) {
	case 0: {   /* DEPOSIT: pages of the deposit window mostly */
		struct hv_deposit_memory *dm = (void *)in;

		dm->partition_id = pick_pid(how >> 5);
		for (unsigned i = 0; i < n; i++) {
			uint8_t v = (uint8_t)take(s, 1);

			dm->gpa_page_list[i] = pick_pfn(p, (uint16_t)((v & 0xf) < 8 ? 0x5000 | v << 4 | i : v << 12 | i));
		}
		return rep(HVCALL_DEPOSIT_MEMORY, n, start);
	}
	case 1: {
		struct hv_input_withdraw_memory *w = (void *)in;

		w->partition_id = pick_pid(how >> 5);
		return rep(HVCALL_WITHDRAW_MEMORY, n, start);
	}
	case 2: {
		struct hv_input_create_device_domain *c = (void *)in;

		c->device_domain = dd;
		c->create_device_domain_flags = how & 0x20 ? (uint32_t)take(s, 4) :
			HV_CREATE_DEVICE_DOMAIN_FORWARD_PROGRESS_REQUIRED;
		return HVCALL_CREATE_DEVICE_DOMAIN;
	}
	case 3:
		memcpy(in, &dd, sizeof(dd));
		return HVCALL_DELETE_DEVICE_DOMAIN;
	case 4: {
		struct hv_input_configure_device_domain *c = (void *)in;

		c->device_domain = dd;
		c->settings.flags = how & 0x20 ? take(s, 8) : 0;
		c->settings.page_table_root = how & 0x40 ? pick_gpa(p, (uint16_t)take(s, 2)) : 0;
		return HVCALL_CONFIGURE_DEVICE_DOMAIN;
	}
	case 5: {
		struct hv_input_attach_device_domain *a = (void *)in;

		a->device_domain = dd;
		a->device_id.as_uint64 = pick_devid(s);
		return HVCALL_ATTACH_DEVICE_DOMAIN;
	}
	case 6: {
		struct hv_input_detach_device_domain *d = (void *)in;

		d->partition_id = pick_pid(how >> 5);
		d->device_id.as_uint64 = pick_devid(s);
		return HVCALL_DETACH_DEVICE_DOMAIN;
	}
	case 7: {   /* MAP: runs of contiguous frames, as Linux sends them, with strays */
		struct hv_input_map_device_gpa_pages *m = (void *)in;
		uint64_t pfn = 0;

		n = 1 + (unsigned)take(s, 2) % 600;
		start = how & 0x10 ? (unsigned)take(s, 2) % n : 0;
		m->device_domain = dd;
		m->map_flags = how & 0x20 ? (uint32_t)take(s, 1) : HV_MAP_GPA_READABLE | HV_MAP_GPA_WRITABLE;
		m->target_device_va_base = (uint64_t)(how >> 6) << 21 | (take(s, 1) & 0x3) << 30 |
					   (how & 0x40 && how & 0x80 ? take(s, 2) << PAGE_SHIFT : 0);
		for (unsigned i = 0; i < n && 64 + 8 * (i + 1) <= PAGE_SIZE; i++) {
			uint8_t v = i % 64 ? 0 : (uint8_t)take(s, 1);   /* a new run every 64 pages */

			pfn = i == 0 || v ? pick_pfn(p, (uint16_t)(v << 8 | (take(s, 1) & 0xff))) : pfn + 1;
			m->gpa_page_list[i] = pfn;
		}
		return rep(HVCALL_MAP_DEVICE_GPA_PAGES, n, start);
	}
	case 8: {
		struct hv_input_unmap_device_gpa_pages *u = (void *)in;

		n = 1 + (unsigned)take(s, 2) % 1100;
		start = how & 0x10 ? (unsigned)take(s, 2) % n : 0;
		u->device_domain = dd;
		u->target_device_va_base = (uint64_t)(how >> 6) << 21 | (take(s, 1) & 0x3) << 30;
		return rep(HVCALL_UNMAP_DEVICE_GPA_PAGES, n, start);
	}
	case 9: {
		struct hv_input_flush_device_domain *f = (void *)in;

		f->device_domain = dd;
		f->flags = how & 0x20 ? (uint32_t)take(s, 4) : 0;
		return HVCALL_FLUSH_DEVICE_DOMAIN;
	}
	default: {
		struct hv_input_flush_device_domain_list *f = (void *)in;

		f->device_domain = dd;
		f->flags = how & 0x20 ? HV_FLUSH_DEVICE_DOMAIN_LIST_IOMMU_FORMAT : 0;
		for (unsigned i = 0; i < n; i++)
			f->iova_list[i] = take(s, 1) << 21 | (take(s, 1) & 0x1f);
		return rep(HVCALL_FLUSH_DEVICE_DOMAIN_LIST, n, start);
	}
	}
}

static void check_result(uint64_t cw, const struct hvcall_args *a)
{
	unsigned count = (unsigned)((cw & HV_HYPERCALL_REP_COMP_MASK) >> HV_HYPERCALL_REP_COMP_OFFSET);
	const struct hvcall_desc *d = hvcall_find((uint16_t)cw);

	if (a->result & ~(HV_HYPERCALL_RESULT_MASK | HV_HYPERCALL_REP_COMP_MASK))
		die("reserved result bits set");
	if (hv_repcomp(a->result) > count)
		die("more reps completed than asked");
	if (!a->advance_rip) {
		if (!d || !d->rep || hv_result(a->result) != HV_STATUS_SUCCESS)
			die("continuation of a non-rep or failed call");
		if ((a->control ^ cw) & ~HV_HYPERCALL_REP_START_MASK)
			die("continuation changed more than the rep start");
	} else if (a->control != cw) {
		die("control word changed without a continuation");
	}
}

/* ---- invariants ---- */

/* A paging domain maps it (the map count), a unity range holds it, or the default domain's identity does. */
static bool dma_reaches(paddr_t pa)
{
	const struct pt_table *def = iommu_domain_table(iommu_domain_default(), 4);
	paddr_t out = 0;

	return iommu_page_dma_mapped(pa) || pt_lookup(def, pa, &out, NULL, NULL) == 0;
}

/* Monitor, child, outside the root's RAM (the child lies right above it), or deposited. */
static bool forbidden(paddr_t pa)
{
	return pa < ROOT_BASE || pa >= ROOT_END || hv_pool_holds_hpa(pa);
}

static void check_pages(paddr_t base, unsigned pages)
{
	for (paddr_t pa = base; pa < base + (uint64_t)pages * PAGE_SIZE; pa += PAGE_SIZE)
		if (forbidden(pa) && dma_reaches(pa)) {
			fprintf(stderr, "page 0x%llx\n", (unsigned long long)pa);
			die("a monitor, child or deposited page is reachable by DMA");
		}
}

/*
 * Per call: the windows pick_pfn names most (the data window at the end of
 * the input: 1024 pages), and the map count over all of the monitor and
 * the child.
 */
static void check_dma(void)
{
	check_pages(MON_BASE, 64);
	check_pages(CHILD_HPA, 64);
	check_pages(DEP_WINDOW, 64);
	check_pages(ROOT_BASE, 16);
	check_pages(UNITY_BASE, 8);
	check_pages(ROOT_END - PAGE_SIZE, 2);
	if (iommu_mapcount_any(MON_BASE, MON_SIZE) || iommu_mapcount_any(CHILD_HPA, CHILD_SIZE))
		die("a monitor or child page is mapped in a device domain");
}

static unsigned unmapped_pages(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(fdd.unmapped); i++)
		n += fdd.unmapped[i];
	return n;
}

static void check_accounting(void)
{
	unsigned pooled = hv_pool_pages(fdd_root()) + hv_pool_pages(fdd_child());
	unsigned used = hv_pool_in_use(fdd_root()) + hv_pool_in_use(fdd_child());
	uint64_t tables = 0;

	for (unsigned i = 0; i < IOMMU_MAX_DOMAINS; i++) {
		const struct iommu_domain *d = iommu_domain_at(i);

		if (d && d->owner)
			tables += iommu_domain_table_pages(d);
	}
	if (pooled != unmapped_pages())
		die("pool accounting: pages deposited != pages out of the stage-2s");
	if (used != tables)
		die("pool accounting: pages in use != table pages of the domains built from pools");
	if (used > pooled)
		die("pool accounting: more in use than deposited");
}

static uint32_t refs_at_boot[FDD_DEVICES];

static void check_devices(void)
{
	const char *broken = fake_devdom_domains_broken();

	if (broken)
		die(broken);
	for (unsigned i = 0; i < FDD_DEVICES; i++)
		if (fdd.devs[i]->refcount != refs_at_boot[i])
			die("a device reference leaked or dropped");
}

/* What a child's call must leave alone. */
struct snapshot {
	uint32_t id[IOMMU_MAX_DOMAINS];
	unsigned devices[IOMMU_MAX_DOMAINS];
	uint64_t tables[IOMMU_MAX_DOMAINS];
	const struct iommu_domain *dev_domain[FDD_DEVICES];
	unsigned root_pool, root_used, unmapped_root, flushes, set_rids;
};

static void snap(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < IOMMU_MAX_DOMAINS; i++) {
		const struct iommu_domain *d = iommu_domain_at(i);

		if (d) {
			s->id[i] = d->id + 1;
			s->devices[i] = d->devices;
			s->tables[i] = iommu_domain_table_pages(d);
		}
	}
	for (unsigned i = 0; i < FDD_DEVICES; i++)
		s->dev_domain[i] = iommu_domain_of(fdd.devs[i]);
	s->root_pool = hv_pool_pages(fdd_root());
	s->root_used = hv_pool_in_use(fdd_root());
	for (paddr_t pa = ROOT_BASE; pa < ROOT_END; pa += PAGE_SIZE)
		s->unmapped_root += fdd.unmapped[pa >> PAGE_SHIFT] ? (unsigned)(pa >> PAGE_SHIFT) : 0;
	s->flushes = fdd.flushes;
	s->set_rids = fdd.set_rids;
}

/*
 * Every leaf of every device domain's table, walked through the pt engine:
 * only the root's own RAM, never a deposited page. (The default domain's
 * identity table is checked page by page at the addresses that matter,
 * after every call: walking its thousands of leaves per input would cost
 * most of the smoke run.)
 */
struct last_step {
	struct pt_walk_step s;
	bool any;
};

static void keep_step(void *ctx, const struct pt_walk_step *step)
{
	struct last_step *l = ctx;

	l->s = *step;
	l->any = true;
}

static void check_leaves(const struct pt_table *t)
{
	uint64_t iova = 0;

	while (t->root && iova < t->iova_limit) {
		struct last_step l = { .any = false };
		uint64_t span;

		if (pt_walk(t, iova, keep_step, &l) <= 0 || !l.any)
			die("a table walk failed");
		span = 1ull << (PAGE_SHIFT + 9 * (l.s.level - 1));
		if (l.s.present && l.s.leaf && (l.s.addr < ROOT_BASE || l.s.addr + span > ROOT_END))
			die("a table leaf maps a page outside the root's RAM");
		for (paddr_t pa = l.s.addr; l.s.present && l.s.leaf && pa < l.s.addr + span; pa += PAGE_SIZE)
			if (hv_pool_holds_hpa(pa)) {
				fprintf(stderr, "IOVA 0x%llx -> 0x%llx\n", (unsigned long long)(ALIGN_DOWN(iova, span) +
					(pa - l.s.addr)), (unsigned long long)pa);
				die("a table leaf maps a deposited page");
			}
		iova = ALIGN_DOWN(iova, span) + span;
	}
}

static void check_all_leaves(void)
{
	for (unsigned i = 0; i < IOMMU_MAX_DOMAINS; i++) {
		const struct iommu_domain *d = iommu_domain_at(i);

		if (d && d->kind == IOMMU_DOMAIN_PAGING)
			check_leaves(iommu_domain_table(d, 4));
	}
}

/* ---- the driver ---- */

static bool trace;

static void one_call(struct partition *p, uint64_t cw, uint64_t in, uint64_t out, bool may_continue)
{
	struct hvcall_args a = { .control = cw, .in_gpa = in, .out_gpa = out, .may_continue = may_continue };
	struct snapshot before, after;

	if (!p->is_root)
		snap(&before);
	hvcall_dispatch(p, NULL, &a);
	if (trace)   /* FUZZ_HVCALL_TRACE=1: what a crashing input did */
		fprintf(stderr, "%s: call 0x%llx in 0x%llx -> 0x%llx%s\n", p->name, (unsigned long long)cw,
			(unsigned long long)in, (unsigned long long)a.result, a.advance_rip ? "" : " (continue)");
	check_result(cw, &a);
	if (!p->is_root) {
		snap(&after);
		if (memcmp(&before, &after, sizeof(before)))
			die("a call by the child changed the domain layer or the root");
	}
}

static void write_page(struct partition *p, struct in_stream *s)
{
	unsigned off = ((unsigned)take(s, 2) % PAGE_SIZE) & ~7u;
	unsigned len = (unsigned)take(s, 1) & 0x3f;
	uint8_t *dst = in_page(p);

	for (unsigned i = 0; i < len && off + 8 <= PAGE_SIZE; i++, off += 8) {
		uint64_t v = take(s, 2);

		switch (v & 3) {
		case 0: v = pick_pid((uint8_t)(v >> 2)); break;
		case 1: v = pick_pfn(p, (uint16_t)(v >> 2)); break;
		case 2: v = pick_domain((uint8_t)(v >> 2)); break;
		default: v = v >> 2 | take(s, 6) << 14; break;
		}
		memcpy(dst + off, &v, 8);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in_stream s = { data, size };
	uint8_t cfg = (uint8_t)take(&s, 1);
	struct fake_devdom_opts o = { .cm = cfg & 1, .nr_ids = cfg & 2 ? 8 : 0, .keep_ram = true,
				      .phys_add = phys_add };

	trace = getenv("FUZZ_HVCALL_TRACE") != NULL;
	fuzz_phys_fallback(phys_back);
	if (fake_devdom_setup(&o) < 0)
		die("the fake machine does not come up");
	for (unsigned i = 0; i < FDD_DEVICES; i++)
		refs_at_boot[i] = fdd.devs[i]->refcount;
	memset(in_page(fdd_root()), 0, 2 * PAGE_SIZE);
	memset(in_page(fdd_child()), 0, 2 * PAGE_SIZE);
	for (unsigned step = 0; step < STEPS_MAX && s.left; step++) {
		uint8_t op = (uint8_t)take(&s, 1);
		struct partition *p = op & 1 && op & 0x40 ? fdd_child() : fdd_root();
		unsigned kind = (op >> 1) % 16;

		if (kind == 0) {
			uint64_t cw = pick_control(&s);

			one_call(p, cw, pick_gpa(p, (uint16_t)take(&s, 2)), pick_gpa(p, (uint16_t)take(&s, 2)),
				 !(op & 0x80));
		} else if (kind <= 11) {
			one_call(p, structured_call(p, &s, kind - 1), in_gpa(p), out_gpa(p), !(op & 0x80));
		} else if (kind == 12) {
			write_page(p, &s);
		} else if (kind == 13) {   /* a unit fails its Nth next context write or flush */
			uint8_t f = (uint8_t)take(&s, 1);

			fdd.fail_set_rid = f & 7 ? fdd.set_rids + (f & 7) : 0;
			fdd.fail_flush = f & 0x70 ? fdd.all_flushes + ((f >> 4) & 7) : 0;
		} else {
			fdd.clock_step = take(&s, 1) * 1000;
		}
		check_dma();
		check_accounting();
		check_devices();
	}
	check_pages(DATA_WINDOW, 1024);
	check_all_leaves();
	fake_devdom_teardown();
	return 0;
}
