/* SPDX-License-Identifier: MIT */
/*
 * The MAP_DEVICE_GPA_PAGES path, end to end (make bench): a fake root
 * partition with 48 GiB of RAM maps 24 GiB of its pages, scattered in
 * random order over that RAM, into one device domain, in calls of 507 PFNs
 * as Linux issues them. Each call runs the monitor's own code, compiled
 * like the monitor: the dispatcher (control word, GPA checks, input copy,
 * counters), the handler (stage-2 check of every PFN through a real EPT
 * stage-2, the domain layer's DMA-able and map-count checks, the
 * page-table engine's batched walk, table pages from the monitor's own
 * deposit pool code), and the one flush request. What is fake: guest
 * memory (a host page), the IOMMU vendor (its flush only counts), the
 * clock of the time budget, and the deposit itself: the pages of a second
 * RAM chunk of the root (the arena) go into its pool directly, not through
 * DEPOSIT_MEMORY's stage-2 and DMA-able-set changes.
 *
 * Time is the thread's CPU time for all the calls, minus that of a pass
 * that only fills the PFN lists (the guest's work). Flags as bench_pt: --only WORD, --count-only
 * (under callgrind), --insns FILE, --probe-perf.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/bench/bench.h"
#include "kernel/hvcall/hvcall.h"
#include "kernel/hvcall/pool.h"
#include "kernel/partition/partition.h"
#include "iommu/iommu.h"
#include "pci/dev.h"
#include "pci/pci.h"
#include "kernel/panic.h"

#define REPS        3
#define RAM_BASE    (4 * GiB)
#define RAM_SIZE    (48 * GiB)
#define MAP_BYTES   (24 * GiB)
#define NPAGES      (MAP_BYTES / PAGE_SIZE)
#define BATCH       HV_MAP_DEVICE_GPA_BATCH_SIZE
#define IN_GPA      RAM_BASE          /* the root's input page: its first page */
#define IOVA_BASE   (1ULL << 40)
#define DOMAIN_ID   7
#define POOL_PAGES  12800             /* deposited: the tables of 24 GiB of 4 KiB leaves and some */

/* ---- the fake root partition ---- */

struct partition partitions[PART_MAX];
unsigned partition_count;
static uint8_t in_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

unsigned smp_this_cpu(void) { return 0; }

uint64_t hvcall_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Only the input page has contents; the same page checks as the monitor's copy. */
int copy_from_guest(struct partition *p, void *dst, uint64_t gpa, uint64_t len)
{
	if (!part_gpa_to_hpa(p, gpa) || !part_gpa_to_hpa(p, gpa + len - 1) || gpa != IN_GPA || len > PAGE_SIZE)
		return -EFAULT;
	memcpy(dst, in_page, len);
	return 0;
}

int copy_to_guest(struct partition *p, uint64_t gpa, const void *src, uint64_t len)
{
	(void)p; (void)gpa; (void)src; (void)len;
	return -EFAULT;
}

/* The deposit pool's bookkeeping: one byte per RAM page (the monitor takes it from its frames). */
void *hv_pool_map_alloc(const struct partition *p, uint64_t bytes)
{
	static void *buf;
	static uint64_t len;

	(void)p;
	if (bytes > len) {
		free(buf);
		buf = malloc(bytes);
		len = buf ? bytes : 0;
	}
	return buf;
}

/* Calls of the table this benchmark does not make. */
uint16_t hvcall_deposit_memory(struct hvcall_ctx *c) { (void)c; return HV_STATUS_FEATURE_UNAVAILABLE; }
uint16_t hvcall_withdraw_memory(struct hvcall_ctx *c) { (void)c; return HV_STATUS_FEATURE_UNAVAILABLE; }
/* ---- the fake IOMMU: limits of a VT-d unit, flushes only counted ---- */

static bool caching_mode;
static uint64_t vendor_flushes;
static int unit;

static bool fake_probe(const struct acpi_info *ai, struct iommu_limits *lim)
{
	(void)ai;
	*lim = (struct iommu_limits){ .pt_levels = 4, .addr_width = 48,
				      .page_sizes = PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G, .coherent = true,
				      .domain_ids = 1u << 16, .caches_not_present = caching_mode };
	return true;
}
static void *fake_unit_for(uint16_t seg, uint16_t rid, bool *failed) { (void)seg; (void)rid; *failed = false; return &unit; }
static paddr_t fake_unit_base(const void *u) { (void)u; return 0xfed90000; }
static int fake_set_rid(void *u, uint16_t rid, const struct iommu_domain *d) { (void)u; (void)rid; (void)d; return 0; }
static int fake_flush(const struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	(void)d; (void)iova; (void)size;
	vendor_flushes++;
	return 0;
}
static int fake_enable(void) { return 0; }
static unsigned fake_poll(void) { return 0; }
static unsigned fake_unity(struct iommu_unity *out, unsigned max) { (void)out; (void)max; return 0; }
const struct iommu_ops vtd_iommu_ops = {
	.name = "bench", .pt_format = &pt_fmt_vtd_sl, .probe = fake_probe, .unit_for = fake_unit_for,
	.unit_base = fake_unit_base, .set_rid = fake_set_rid, .flush = fake_flush,
	.enable = fake_enable, .fault_poll = fake_poll, .unity_ranges = fake_unity,
};
static bool no_probe(const struct acpi_info *ai, struct iommu_limits *l) { (void)ai; (void)l; return false; }
const struct iommu_ops amdvi_iommu_ops = { .name = "none", .probe = no_probe };

/* ---- setup ---- */

static uint64_t *gpa_pfns;       /* NPAGES guest page numbers in random order */
static struct partition *root;

static void must(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "bench_hvmap: %s failed\n", what);
		exit(1);
	}
}

static void setup(void)
{
	static const struct phys_range ram[] = { { RAM_BASE, RAM_BASE + RAM_SIZE } };
	static const struct phys_range monitor[] = { { BENCH_ARENA_BASE, BENCH_ARENA_BASE + 1 } };
	struct iommu_memory im = { ram, 1, monitor, 1 };
	struct acpi_info ai = { 0 };
	struct iommu_domain *d;
	struct pt_pool pool;
	uint64_t mapped;
	int err;

	bench_arena_reset();
	memset(partitions, 0, sizeof(partitions));
	root = &partitions[0];
	/* RAM: 48 GiB the guest maps from, and the arena, whose pages it deposits. */
	*root = (struct partition){ .id = 1, .is_root = true, .ram_chunks = 2,
				    .ram = { { RAM_BASE, RAM_BASE, RAM_SIZE },
					     { BENCH_ARENA_BASE, BENCH_ARENA_BASE, bench_arena_bytes() } } };
	partition_count = 1;
	hv_pool_reset();
	for (unsigned i = 0; i < POOL_PAGES; i++) {
		paddr_t pa = bench_pool()->alloc(NULL);

		must(pa && hv_pool_add(root, root->id, pa, pa, true) == 0, "deposit");
	}
	hv_pool_pt_pool(root, &pool);
	/* The root's stage-2: identity over its RAM in 1 GiB pages, as the monitor builds it. */
	must(pt_init(&root->s2, &pt_fmt_ept, 4, 48, PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G, bench_pool(), NULL) == 0,
	     "stage-2");
	must(pt_map_range(&root->s2, RAM_BASE, RAM_BASE, RAM_SIZE, PT_READ | PT_WRITE | PT_EXEC, &mapped) == 0,
	     "stage-2 map");
	hvcall_counters_reset();
	must(iommu_init(&ai, &im) == 0, "iommu_init");
	d = iommu_domain_create(DOMAIN_ID, &pool, &err);
	must(d != NULL, "domain");
	d->owner = root->id;
}

static void teardown(void)
{
	iommu_domain_destroy(iommu_domain_find(DOMAIN_ID));
	pt_destroy(&root->s2);
}

/* ---- the workload ---- */

struct result {
	uint64_t ns, calls, continuations, flushes, tables, errors;
};

/* CPU time of this thread: time the scheduler gives to other processes does not count. */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static bool fill_only;   /* the guest's part alone: filling the list */

static void issue(uint64_t first, unsigned n, struct result *r)
{
	struct hv_input_map_device_gpa_pages *in = (void *)in_page;
	unsigned start = 0;

	memset(in, 0, sizeof(*in));
	in->device_domain.partition_id = HV_PARTITION_ID_SELF;
	in->device_domain.domain_id.id = DOMAIN_ID;
	in->map_flags = HV_MAP_GPA_READABLE | HV_MAP_GPA_WRITABLE;
	in->target_device_va_base = IOVA_BASE + first * PAGE_SIZE;
	memcpy(in->gpa_page_list, &gpa_pfns[first], n * sizeof(uint64_t));
	__asm__ volatile("" ::: "memory");
	while (!fill_only && start < n) {
		struct hvcall_args a = {
			.control = HVCALL_MAP_DEVICE_GPA_PAGES | (uint64_t)n << HV_HYPERCALL_REP_COMP_OFFSET |
				   (uint64_t)start << HV_HYPERCALL_REP_START_OFFSET,
			.in_gpa = IN_GPA, .may_continue = true,
		};
		hvcall_dispatch(root, NULL, &a);
		r->calls++;
		if ((a.result & HV_HYPERCALL_RESULT_MASK) != HV_STATUS_SUCCESS) {
			r->errors++;
			return;
		}
		if (a.advance_rip)
			break;
		r->continuations++;
		start = (unsigned)((a.control & HV_HYPERCALL_REP_START_MASK) >> HV_HYPERCALL_REP_START_OFFSET);
	}
}

static void run_map(struct result *r)
{
	uint64_t t0 = cpu_ns();

	for (uint64_t i = 0; i < NPAGES; i += BATCH)
		issue(i, (unsigned)MIN((uint64_t)BATCH, NPAGES - i), r);
	r->ns = cpu_ns() - t0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static char insns_key[64][256];
static uint64_t insns_val[64];
static unsigned insns_n;

static void insns_load(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];

	while (f && insns_n < 64 && fgets(line, sizeof(line), f)) {
		char *sp = strrchr(line, ' ');

		if (!sp)
			continue;
		*sp = 0;
		snprintf(insns_key[insns_n], sizeof(insns_key[0]), "%s", line);
		insns_val[insns_n++] = strtoull(sp + 1, NULL, 10);
	}
	if (f)
		fclose(f);
}

static void run_config(bool cm, bool count_only)
{
	char key[128], insn[32] = "n/a";
	uint64_t ns[REPS];
	struct result r = { 0 };

	caching_mode = cm;
	snprintf(key, sizeof(key), "hvmap|24G scattered, 507/call, CM=%d", cm);
	if (count_only) {
		setup();
		CALLGRIND_START_INSTRUMENTATION;
		CALLGRIND_ZERO_STATS;
		CALLGRIND_TOGGLE_COLLECT;
		run_map(&r);
		CALLGRIND_TOGGLE_COLLECT;
		CALLGRIND_DUMP_STATS_AT(key);
		CALLGRIND_STOP_INSTRUMENTATION;
		teardown();
		return;
	}
	for (unsigned rep = 0; rep < REPS; rep++) {
		struct result guest = { 0 };
		struct iommu_domain *d;

		fill_only = true;
		run_map(&guest);
		fill_only = false;
		r = (struct result){ 0 };
		vendor_flushes = 0;
		setup();
		run_map(&r);
		r.ns = r.ns > guest.ns ? r.ns - guest.ns : 0;
		d = iommu_domain_find(DOMAIN_ID);
		r.tables = iommu_domain_table_pages(d);
		r.flushes = hvcall_counters(1, HVCALL_MAP_DEVICE_GPA_PAGES)->iotlb_flushes;
		must(r.flushes == vendor_flushes, "flush accounting");
		/* One flush per call however often it was continued (where a unit caches not-present entries). */
		must(r.flushes == (cm ? r.calls - r.continuations : 0), "one flush per call");
		must(r.errors == 0, "every call succeeds");
		teardown();
		ns[rep] = r.ns;
	}
	qsort(ns, REPS, sizeof(ns[0]), cmp_u64);
	for (unsigned i = 0; i < insns_n; i++)
		if (strcmp(insns_key[i], key) == 0)
			snprintf(insn, sizeof(insn), "%.1f", (double)insns_val[i] / (double)NPAGES);
	printf("%-36s %9llu %7.2f %8s %7llu %5llu %7llu %8llu %7.1f %7.3f\n", key + 6,
	       (unsigned long long)NPAGES, (double)ns[REPS / 2] / (double)NPAGES, insn,
	       (unsigned long long)r.calls, (unsigned long long)r.continuations,
	       (unsigned long long)r.flushes, (unsigned long long)r.tables,
	       (double)r.tables / (double)(MAP_BYTES / GiB), (double)ns[REPS / 2] / 1e9);
}

int main(int argc, char **argv)
{
	bool count_only = false;
	const char *only = NULL;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--probe-perf") == 0)
			return 1;   /* time only; instruction counts come from callgrind */
		if (strcmp(argv[i], "--count-only") == 0)
			count_only = true;
		else if (strcmp(argv[i], "--insns") == 0 && i + 1 < argc)
			insns_load(argv[++i]);
		else if ((strcmp(argv[i], "--only") == 0 || strcmp(argv[i], "--format") == 0) && i + 1 < argc)
			only = argv[++i];
	}
	if (only && !strstr("hvmap", only))
		return 0;
	/* Tables for 24 GiB of 4 KiB leaves, map counts, the stage-2, the default domain. */
	bench_arena_init(96 * MiB);
	gpa_pfns = malloc(NPAGES * sizeof(*gpa_pfns));
	must(gpa_pfns != NULL, "malloc");
	/* Every other page of the root's RAM, in random order: a guest's scattered frames. */
	for (uint64_t i = 0; i < NPAGES; i++)
		gpa_pfns[i] = (RAM_BASE >> PAGE_SHIFT) + 2 * i;
	for (uint64_t i = NPAGES - 1; i > 0; i--) {
		uint64_t j, tmp;

		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		j = seed % (i + 1);
		tmp = gpa_pfns[i], gpa_pfns[i] = gpa_pfns[j], gpa_pfns[j] = tmp;
	}
	if (!count_only) {
		printf("\nMAP_DEVICE_GPA_PAGES end to end (dispatcher, input copy, stage-2 and DMA-able checks,\n"
		       "walk, flush request): median of %d runs; ns/page = thread CPU time in the calls per 4 KiB page\n",
		       REPS);
		printf("%-36s %9s %7s %8s %7s %5s %7s %8s %7s %7s\n", "workload", "pages", "ns/page", "insn/pg",
		       "calls", "cont", "flushes", "tables", "tbl/GiB", "total s");
	}
	run_config(false, count_only);
	run_config(true, count_only);
	return 0;
}
