/* SPDX-License-Identifier: MIT */
/*
 * The four entry formats, checked bit by bit against the specifications:
 * VT-d second level (3 and 4 levels), AMD-Vi v1 Next Level fields, EPT
 * memory type and table-pointer bits, x86-64/NPT U bit at every level; then
 * seeded random map/unmap sequences per format, after which every entry
 * must respect the format's reserved bits and every page must translate as
 * a simple model says.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/pt_fake.h"
#include "iommu/pt/fmt_amdvi.h"
#include "iommu/pt/fmt_ept.h"
#include "iommu/pt/fmt_vtd.h"
#include "iommu/pt/fmt_x86.h"

#define ARENA_PAGES 4096
#define RW          (PT_READ | PT_WRITE)
#define ALL_SIZES   (PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G)
#define DATA        0x100000000ULL

static struct pt_table t;

struct walk_log {
	unsigned n;
	struct pt_walk_step steps[PT_MAX_LEVELS];
};

static int setup(void **state)
{
	(void)state;
	fake_init(ARENA_PAGES);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pt_destroy(&t);
	assert_int_equal(fake_pool_in_use(), 0);
	fake_fini();
	return 0;
}

static void init(const struct pt_format *fmt, unsigned levels, unsigned aw)
{
	assert_int_equal(pt_init(&t, fmt, levels, aw, ALL_SIZES, fake_pool(), NULL), 0);
}

static void map_ok(uint64_t iova, paddr_t pa, uint64_t size, unsigned perms)
{
	uint64_t mapped = 0;

	assert_int_equal(pt_map_range(&t, iova, pa, size, perms, &mapped), 0);
	assert_int_equal(mapped, size);
}

static void collect(void *ctx, const struct pt_walk_step *step)
{
	struct walk_log *log = ctx;

	log->steps[log->n++] = *step;
}

/* The raw entries on the walk for iova, root first; returns how many. */
static unsigned entries_for(uint64_t iova, uint64_t *e)
{
	struct walk_log log = { 0 };
	int n = pt_walk(&t, iova, collect, &log);

	assert_true(n > 0);
	for (int i = 0; i < n; i++)
		e[i] = log.steps[i].entry;
	return (unsigned)n;
}

static paddr_t next_table(uint64_t e)
{
	return e & GENMASK(51, 12);
}

static void test_vtd_entry_bits(void **state)
{
	uint64_t e[PT_MAX_LEVELS];

	(void)state;
	init(&pt_fmt_vtd_sl, 4, 48);
	map_ok(0x1000, DATA + 0x1000, PAGE_SIZE, RW | PT_EXEC);
	map_ok(2 * MiB, DATA + 2 * MiB, 2 * MiB, PT_READ);
	map_ok(GiB, 2 * GiB, GiB, PT_WRITE);

	assert_int_equal(entries_for(0x1000, e), 4);
	for (unsigned i = 0; i < 3; i++)       /* table pointers: R|W, nothing else */
		assert_int_equal(e[i], next_table(e[i]) | VTD_SL_R | VTD_SL_W);
	assert_int_equal(e[3], (DATA + 0x1000) | VTD_SL_R | VTD_SL_W);   /* X never set */
	assert_int_equal(entries_for(2 * MiB, e), 3);
	assert_int_equal(e[2], (DATA + 2 * MiB) | VTD_SL_R | VTD_SL_PS);
	assert_int_equal(entries_for(GiB, e), 2);
	assert_int_equal(e[1], 2 * GiB | VTD_SL_W | VTD_SL_PS);
	assert_int_equal(fake_check_tables(&t, NULL), 4);
}

static void test_vtd_3_and_4_levels(void **state)
{
	uint64_t e[PT_MAX_LEVELS], mapped = 1;

	(void)state;
	/* AW 39, 3 levels (SAGAW bit 1): the top level is L3, where 1G leaves may sit. */
	init(&pt_fmt_vtd_sl, 3, 39);
	assert_int_equal(t.iova_limit, BIT(39));
	assert_int_equal(pt_map_range(&t, BIT(39), DATA, PAGE_SIZE, RW, &mapped), -ERANGE);
	assert_int_equal(mapped, 0);
	assert_int_equal(pt_map_range(&t, BIT(39) - PAGE_SIZE, DATA, 2 * PAGE_SIZE, RW, NULL), -ERANGE);
	assert_int_equal(pt_map_range(&t, 0, BIT(39), PAGE_SIZE, RW, NULL), -ERANGE);
	assert_int_equal(pt_map_range(&t, 0, BIT(39) - PAGE_SIZE, 2 * PAGE_SIZE, RW, NULL), -ERANGE);
	assert_int_equal(pt_lookup(&t, BIT(39), NULL, NULL, NULL), -ERANGE);
	map_ok(BIT(39) - PAGE_SIZE, BIT(39) - PAGE_SIZE, PAGE_SIZE, RW);
	assert_int_equal(entries_for(BIT(39) - PAGE_SIZE, e), 3);
	assert_int_equal(e[0], fake_entry(t.root + 511 * 8));
	map_ok(GiB, 2 * GiB, GiB, RW);
	assert_int_equal(entries_for(GiB, e), 1);                /* a 1G leaf in the root */
	assert_int_equal(e[0], 2 * GiB | VTD_SL_R | VTD_SL_W | VTD_SL_PS);
	fake_check_tables(&t, NULL);
	pt_destroy(&t);

	/* AW 48, 4 levels (SAGAW bit 2): 2^39 is the second PML4 slot. */
	init(&pt_fmt_vtd_sl, 4, 48);
	map_ok(BIT(39), BIT(47), GiB, RW);
	assert_int_equal(entries_for(BIT(39), e), 2);
	assert_int_equal(e[0], fake_entry(t.root + 8));
	assert_false(e[0] & VTD_SL_PS);                          /* never a leaf at L4 */
	assert_int_equal(pt_map_range(&t, BIT(48), DATA, PAGE_SIZE, RW, NULL), -ERANGE);
	assert_int_equal(pt_map_range(&t, 0, BIT(48), PAGE_SIZE, RW, NULL), -ERANGE);
	fake_check_tables(&t, NULL);
}

static void test_amdvi_next_level(void **state)
{
	uint64_t e[PT_MAX_LEVELS];

	(void)state;
	init(&pt_fmt_amdvi_v1, 4, 48);
	map_ok(0, DATA, PAGE_SIZE, PT_READ);
	map_ok(2 * MiB, DATA + 2 * MiB, 2 * MiB, PT_WRITE);
	map_ok(GiB, 2 * GiB, GiB, RW);
	assert_int_equal(entries_for(0, e), 4);
	for (unsigned i = 0; i < 3; i++)       /* level 4, 3, 2 point at level 3, 2, 1 */
		assert_int_equal(e[i], next_table(e[i]) | AMDVI_PTE_PR | AMDVI_PTE_IR | AMDVI_PTE_IW |
				 FIELD_PREP(AMDVI_PTE_NEXT_LEVEL, 3 - i));
	assert_int_equal(e[3], DATA | AMDVI_PTE_PR | AMDVI_PTE_IR);
	assert_int_equal(entries_for(2 * MiB, e), 3);
	assert_int_equal(e[2], (DATA + 2 * MiB) | AMDVI_PTE_PR | AMDVI_PTE_IW);   /* NL 0: 2 MiB */
	assert_int_equal(entries_for(GiB, e), 2);
	assert_int_equal(e[1], 2 * GiB | AMDVI_PTE_PR | AMDVI_PTE_IR | AMDVI_PTE_IW);
	fake_check_tables(&t, NULL);
	pt_destroy(&t);

	/* DTE Mode 3: the root is level 3 and points at level 2. */
	init(&pt_fmt_amdvi_v1, 3, 39);
	map_ok(0, DATA, PAGE_SIZE, RW);
	assert_int_equal(entries_for(0, e), 3);
	assert_int_equal(FIELD_GET(AMDVI_PTE_NEXT_LEVEL, e[0]), 2);
	assert_int_equal(FIELD_GET(AMDVI_PTE_NEXT_LEVEL, e[1]), 1);
	assert_int_equal(FIELD_GET(AMDVI_PTE_NEXT_LEVEL, e[2]), 0);
	fake_check_tables(&t, NULL);
}

static void test_ept_memory_type_and_tables(void **state)
{
	uint64_t e[PT_MAX_LEVELS];
	unsigned perms;

	(void)state;
	init(&pt_fmt_ept, 4, 48);
	map_ok(0, DATA, PAGE_SIZE, PT_READ | PT_EXEC);
	map_ok(2 * MiB, DATA + 2 * MiB, 2 * MiB, RW);
	map_ok(GiB, 2 * GiB, GiB, PT_PERMS_ALL);
	assert_int_equal(entries_for(0, e), 4);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(e[i], next_table(e[i]) | EPT_R | EPT_W | EPT_X);
	assert_int_equal(e[3], DATA | EPT_R | EPT_X | FIELD_PREP(EPT_MEMTYPE, EPT_MEMTYPE_WB));
	assert_int_equal(entries_for(2 * MiB, e), 3);
	assert_int_equal(e[2], (DATA + 2 * MiB) | EPT_R | EPT_W | EPT_PS |
			 FIELD_PREP(EPT_MEMTYPE, EPT_MEMTYPE_WB));
	assert_int_equal(entries_for(GiB, e), 2);
	assert_int_equal(e[1] & (EPT_IPAT | EPT_VTD_SNP | EPT_VTD_TM), 0);
	assert_int_equal(pt_lookup(&t, 0, NULL, &perms, NULL), 0);
	assert_int_equal(perms, PT_READ | PT_EXEC);
	assert_int_equal(pt_map_range(&t, 8 * MiB, DATA, PAGE_SIZE, PT_EXEC, NULL), -EINVAL);
	fake_check_tables(&t, NULL);
}

static void test_x86_npt_user_everywhere(void **state)
{
	uint64_t e[PT_MAX_LEVELS];
	unsigned perms;

	(void)state;
	init(&pt_fmt_x86, 4, 48);
	map_ok(0, DATA, PAGE_SIZE, PT_READ);
	map_ok(2 * MiB, DATA + 2 * MiB, 2 * MiB, RW | PT_EXEC);
	map_ok(GiB, 2 * GiB, GiB, RW);
	assert_int_equal(entries_for(0, e), 4);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(e[i], next_table(e[i]) | X86_PTE_P | X86_PTE_RW | X86_PTE_US);
	assert_int_equal(e[3], DATA | X86_PTE_P | X86_PTE_US | X86_PTE_NX);
	assert_int_equal(entries_for(2 * MiB, e), 3);
	assert_int_equal(e[2], (DATA + 2 * MiB) | X86_PTE_P | X86_PTE_RW | X86_PTE_US | X86_PTE_PS);
	assert_int_equal(entries_for(GiB, e), 2);
	assert_int_equal(e[1], 2 * GiB | X86_PTE_P | X86_PTE_RW | X86_PTE_US | X86_PTE_PS |
			 X86_PTE_NX);
	assert_int_equal(pt_lookup(&t, 3 * MiB, NULL, &perms, NULL), 0);
	assert_int_equal(perms, PT_PERMS_ALL);
	assert_int_equal(pt_map_range(&t, 8 * MiB, DATA, PAGE_SIZE, PT_WRITE, NULL), -EINVAL);
	fake_check_tables(&t, NULL);
}

/*
 * Direct attach: a VT-d unit walking an EPT or NPT table built here must
 * see the same pages (R/W) as the CPU does.
 */
static void test_stage2_tables_read_as_vtd(void **state)
{
	const struct pt_format *stage2[] = { &pt_fmt_ept, &pt_fmt_x86 };

	(void)state;
	for (unsigned f = 0; f < ARRAY_SIZE(stage2); f++) {
		init(stage2[f], 4, 48);
		map_ok(0, DATA, 3 * MiB, RW);
		map_ok(GiB, 2 * GiB, GiB, PT_READ);
		for (uint64_t iova = 0; iova < 2 * GiB; iova += 97 * PAGE_SIZE + 4 * MiB) {
			struct ref_tr cpu = ref_translate(&t, NULL, iova);
			struct ref_tr dma = ref_translate_as_vtd(&t, iova);

			assert_int_equal(cpu.present, dma.present);
			assert_int_equal(cpu.pa, dma.pa);
			assert_int_equal(cpu.perms & RW, dma.perms);
		}
		/* And it passes the VT-d reserved-bit rules as they are. */
		fake_check_tables_as_vtd(&t, NULL);
		pt_destroy(&t);
	}
}

/* ---- random sequences against a model ---- */

#define WINDOW      (4 * GiB)
#define WIN_PAGES   (WINDOW / PAGE_SIZE)
#define MODEL_PERMS 7ULL

static uint64_t *model;            /* per 4K page of the window: pa | perms, 0 = hole */

static unsigned random_perms(void)
{
	static const unsigned choice[] = { PT_READ, RW, PT_READ | PT_EXEC, PT_PERMS_ALL, PT_WRITE };
	unsigned p;

	do
		p = choice[fake_rand() % ARRAY_SIZE(choice)];
	while (!pt_fmt_perms_valid(t.fmt, p));
	return p;
}

/* A random size and the alignment that lets it use large pages (or not). */
static uint64_t random_size(uint64_t *align)
{
	unsigned r = fake_rand() % 100;

	if (r < 55) {
		*align = PAGE_SIZE;
		return (1 + fake_rand() % 16) * PAGE_SIZE;
	}
	if (r < 85) {
		*align = 2 * MiB;
		return (1 + fake_rand() % 3) * 2 * MiB + (fake_rand() % 2) * PAGE_SIZE;
	}
	if (r < 93) {
		*align = GiB;
		return GiB;
	}
	*align = PAGE_SIZE;
	return (1 + fake_rand() % 1024) * PAGE_SIZE;
}

static bool model_range_empty(uint64_t iova, uint64_t size)
{
	for (uint64_t p = iova / PAGE_SIZE; p < (iova + size) / PAGE_SIZE; p++)
		if (model[p])
			return false;
	return true;
}

static void random_map(void)
{
	uint64_t align, size = random_size(&align), mapped;
	uint64_t iova = ALIGN_DOWN(fake_rand() % (WINDOW - size + 1), align);
	paddr_t pa = DATA + ALIGN_DOWN(fake_rand() % (16 * GiB), align);
	unsigned perms = random_perms();
	bool was_empty = model_range_empty(iova, size);
	int rc;

	if (fake_rand() % 8 == 0)
		pa += PAGE_SIZE;                         /* misaligned: 4K pages only */
	rc = pt_map_range(&t, iova, pa, size, perms, &mapped);
	if (rc == 0) {
		assert_true(was_empty);
		assert_int_equal(mapped, size);
	} else {
		assert_int_equal(rc, -EEXIST);
		assert_true(mapped < size);
		assert_true(model[(iova + mapped) / PAGE_SIZE] != 0);
	}
	for (uint64_t off = 0; off < mapped; off += PAGE_SIZE) {
		assert_int_equal(model[(iova + off) / PAGE_SIZE], 0);
		model[(iova + off) / PAGE_SIZE] = (pa + off) | perms;
	}
}

static void random_unmap(void)
{
	uint64_t align, size = random_size(&align), unmapped;
	uint64_t iova = ALIGN_DOWN(fake_rand() % (WINDOW - size + 1), PAGE_SIZE);

	assert_int_equal(pt_unmap_range(&t, iova, size, &unmapped), 0);
	assert_int_equal(unmapped, size);
	memset(&model[iova / PAGE_SIZE], 0, size / PAGE_SIZE * sizeof(*model));
}

static unsigned granted(unsigned perms)
{
	/* What the format can express of a request: VT-d and AMD-Vi have no X. */
	if (t.fmt == &pt_fmt_vtd_sl || t.fmt == &pt_fmt_amdvi_v1)
		return perms & RW;
	return perms;
}

static void compare_with_model(void)
{
	uint64_t model_bytes = 0, table_bytes;

	for (uint64_t p = 0; p < WIN_PAGES; p++) {
		struct ref_tr tr = ref_translate(&t, NULL, p * PAGE_SIZE);

		assert_int_equal(tr.present, model[p] != 0);
		if (!model[p])
			continue;
		model_bytes += PAGE_SIZE;
		assert_int_equal(tr.pa, model[p] & ~MODEL_PERMS);
		assert_int_equal(tr.perms, granted(model[p] & MODEL_PERMS));
	}
	assert_int_equal(fake_check_tables(&t, &table_bytes), t.stats.tables);
	assert_int_equal(table_bytes, model_bytes);
}

static void run_random(const struct pt_format *fmt, unsigned levels, unsigned aw, uint64_t seed)
{
	model = calloc(WIN_PAGES, sizeof(*model));
	assert_non_null(model);
	fake_srand(seed);
	init(fmt, levels, aw);
	for (unsigned op = 1; op <= 400; op++) {
		if (fake_rand() % 3)
			random_map();
		else
			random_unmap();
		if (op % 100 == 0)
			compare_with_model();
	}
	assert_true(t.stats.splits > 0);        /* the sequence did cut superpages */
	for (unsigned i = 0; i < 2000; i++) {   /* the engine's own lookup agrees */
		uint64_t iova = ALIGN_DOWN(fake_rand() % WINDOW, PAGE_SIZE);
		paddr_t pa;
		unsigned perms;
		int rc = pt_lookup(&t, iova, &pa, &perms, NULL);

		assert_int_equal(rc, model[iova / PAGE_SIZE] ? 0 : -ENOENT);
		if (rc == 0) {
			assert_int_equal(pa, model[iova / PAGE_SIZE] & ~MODEL_PERMS);
			assert_int_equal(perms, granted(model[iova / PAGE_SIZE] & MODEL_PERMS));
		}
	}
	pt_destroy(&t);
	assert_int_equal(fake_pool_in_use(), 0);
	free(model);
}

static void test_random_vtd_3level(void **state) { (void)state; run_random(&pt_fmt_vtd_sl, 3, 39, 0x1d0c); }
static void test_random_vtd_4level(void **state) { (void)state; run_random(&pt_fmt_vtd_sl, 4, 48, 0x2e77); }
static void test_random_amdvi(void **state) { (void)state; run_random(&pt_fmt_amdvi_v1, 4, 48, 0xa3d1); }
static void test_random_ept(void **state) { (void)state; run_random(&pt_fmt_ept, 4, 48, 0xe97); }
static void test_random_x86(void **state) { (void)state; run_random(&pt_fmt_x86, 4, 48, 0x86); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vtd_entry_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vtd_3_and_4_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_amdvi_next_level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ept_memory_type_and_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_x86_npt_user_everywhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stage2_tables_read_as_vtd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_vtd_3level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_vtd_4level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_amdvi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_ept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_x86, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
