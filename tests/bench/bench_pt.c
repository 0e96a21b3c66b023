/* SPDX-License-Identifier: MIT */
/*
 * Page-table engine benchmark (make bench). The engine (iommu/pt/ sources) is
 * compiled with the monitor's code-generation flags at -O2 and without the
 * unit-test hooks; this driver feeds it workloads over a simulated physical
 * arena and prints, per format, the median of several repetitions next to a
 * memset of the same number of table bytes measured in the same run.
 *
 * Instructions per page come from perf_event_open when the kernel allows it,
 * otherwise from a file of per-workload counts (--insns FILE, written by
 * tools/bench.sh from a callgrind pass of --count-only), otherwise "n/a".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>

#include "iommu/pt/pt.h"
#include "tests/bench/bench.h"

#define REPS         5
#define SEQ_PAGES    262144ULL                 /* 1 GiB of 4 KiB pages */
#define SCATTER_STEP (64 * KiB)                /* one page per 64 KiB ... */
#define SCATTER_SPAN (16 * GiB)                /* ... over 16 GiB */
#define BATCH        507                       /* pages per MAP_DEVICE_GPA_PAGES call */
#define IDENT_SIZE   (64 * GiB)
#define DATA_BASE    (1ULL << 40)              /* output addresses: far from the arena */
#define RW           (PT_READ | PT_WRITE)
#define ALL_SIZES    (PT_SIZE_4K | PT_SIZE_2M | PT_SIZE_1G)

static struct pt_table t;
static bool flushing;                          /* the non-coherent pass */
static uint64_t flush_calls, flush_lines;
static paddr_t *scatter_pa;                    /* SEQ_PAGES random page addresses */
static bool count_only;
static const char *only_format, *only_workload;   /* --format / --only: substrings */

static void count_flush(void *va, size_t len)
{
	uintptr_t a = (uintptr_t)va;

	flush_calls++;
	flush_lines += (ALIGN_UP(a + len, 64) - ALIGN_DOWN(a, 64)) / 64;
}

static void must(int rc, const char *what)
{
	if (rc) {
		fprintf(stderr, "bench: %s failed: %d\n", what, rc);
		exit(1);
	}
}

static void table_init(const struct pt_format *fmt, uint32_t sizes)
{
	bench_arena_reset();
	must(pt_init(&t, fmt, 4, 48, sizes, bench_pool(), flushing ? count_flush : NULL),
	     "pt_init");
}

static void table_fini(void)
{
	pt_destroy(&t);
}

/* ---- workloads: each has a setup (untimed) and a body (timed) ---- */

struct workload {
	const char *name;
	uint32_t sizes;
	uint64_t pages;            /* 4 KiB pages the body maps or unmaps */
	uint64_t calls;            /* engine calls the body makes */
	void (*setup)(void);
	void (*body)(void);
};

static void map_seq(void)
{
	for (uint64_t i = 0; i < SEQ_PAGES; i++)
		must(pt_map_range(&t, i * PAGE_SIZE, DATA_BASE + i * PAGE_SIZE, PAGE_SIZE, RW, NULL),
		     "map");
}

static void unmap_seq(void)
{
	for (uint64_t i = 0; i < SEQ_PAGES; i++)
		must(pt_unmap_range(&t, i * PAGE_SIZE, PAGE_SIZE, NULL), "unmap");
}

static void map_scatter(void)
{
	for (uint64_t i = 0; i < SEQ_PAGES; i++)
		must(pt_map_range(&t, i * SCATTER_STEP, DATA_BASE + i * PAGE_SIZE, PAGE_SIZE, RW,
				  NULL), "map");
}

static void map_1g(void)
{
	must(pt_map_range(&t, 0, DATA_BASE, SEQ_PAGES * PAGE_SIZE, RW, NULL), "map");
}

static void unmap_1g(void)
{
	must(pt_unmap_range(&t, 0, SEQ_PAGES * PAGE_SIZE, NULL), "unmap");
}

/* Leaf tables present, nothing mapped: map then unmap leaves the tables. */
static void present_1g(void)
{
	/* Output 4 KiB off 2 MiB alignment: 4 KiB leaves, whatever the sizes. */
	must(pt_map_range(&t, 0, DATA_BASE + PAGE_SIZE, SEQ_PAGES * PAGE_SIZE, RW, NULL), "map");
	unmap_1g();
}

static void present_scatter(void)
{
	map_scatter();
	for (uint64_t i = 0; i < SEQ_PAGES; i++)
		must(pt_unmap_range(&t, i * SCATTER_STEP, PAGE_SIZE, NULL), "unmap");
}

#ifdef PT_MAP_BATCH_MAX
/* The hypercall's shape: consecutive IOVAs, a list of scattered page addresses. */
static void batch_pages(void)
{
	for (uint64_t i = 0; i < SEQ_PAGES; i += BATCH) {
		unsigned n = MIN(BATCH, SEQ_PAGES - i);
		struct pt_progress p;

		must(pt_map_pages(&t, i * PAGE_SIZE, &scatter_pa[i], n, RW, &p), "map_pages");
	}
}

/* Scattered IOVAs too: one page per 64 KiB. */
static void batch_runs(void)
{
	static struct pt_map_run runs[BATCH];

	for (uint64_t i = 0; i < SEQ_PAGES; i += BATCH) {
		unsigned n = MIN(BATCH, SEQ_PAGES - i);
		struct pt_progress p;

		for (unsigned k = 0; k < n; k++)
			runs[k] = (struct pt_map_run){ (i + k) * SCATTER_STEP, scatter_pa[i + k],
						       PAGE_SIZE };
		must(pt_map_batch(&t, runs, n, RW, &p), "map_batch");
	}
}
#else
/* Today's engine has no list call: one pt_map_range per page. */
static void batch_pages(void)
{
	for (uint64_t i = 0; i < SEQ_PAGES; i++)
		must(pt_map_range(&t, i * PAGE_SIZE, scatter_pa[i], PAGE_SIZE, RW, NULL), "map");
}

static void batch_runs(void)
{
	for (uint64_t i = 0; i < SEQ_PAGES; i++)
		must(pt_map_range(&t, i * SCATTER_STEP, scatter_pa[i], PAGE_SIZE, RW, NULL), "map");
}
#endif

static void map_ident(void)
{
	must(pt_map_range(&t, 0, 0, IDENT_SIZE, RW, NULL), "map");
}

static void unmap_ident(void)
{
	must(pt_unmap_range(&t, 0, IDENT_SIZE, NULL), "unmap");
}

static void nothing(void) { }

#define IDENT_PAGES (IDENT_SIZE / PAGE_SIZE)
#ifdef PT_MAP_BATCH_MAX
#define BATCH_CALLS ((SEQ_PAGES + BATCH - 1) / BATCH)
#else
#define BATCH_CALLS SEQ_PAGES
#endif

static const struct workload workloads[] = {
	{ "map 4K x262144 seq, 1 call/page",     ALL_SIZES,  SEQ_PAGES, SEQ_PAGES, nothing, map_seq },
	{ "unmap 4K x262144 seq, 1 call/page",   ALL_SIZES,  SEQ_PAGES, SEQ_PAGES, map_seq, unmap_seq },
	{ "map 4K x262144 1/64K over 16G",       ALL_SIZES,  SEQ_PAGES, SEQ_PAGES, nothing, map_scatter },
	{ "map 1G 4K-only, 1 call",              PT_SIZE_4K, SEQ_PAGES, 1, nothing, map_1g },
	{ "unmap 1G of 4K, 1 call",              PT_SIZE_4K, SEQ_PAGES, 1, map_1g, unmap_1g },
	{ "batch 507 pages/call, present tables", ALL_SIZES, SEQ_PAGES, BATCH_CALLS, present_1g,
	  batch_pages },
	{ "batch 507 1/64K/call, present tables", ALL_SIZES, SEQ_PAGES, BATCH_CALLS,
	  present_scatter, batch_runs },
	{ "identity 64G, 2M+1G, 1 call",         ALL_SIZES,  IDENT_PAGES, 1, nothing, map_ident },
	{ "identity 64G, 4K-only, 1 call",       PT_SIZE_4K, IDENT_PAGES, 1, nothing, map_ident },
	{ "unmap identity 64G 4K, 1 call",       PT_SIZE_4K, IDENT_PAGES, 1, map_ident, unmap_ident },
};

/* ---- measurement ---- */

/*
 * CPU time of this thread: on a shared machine, time the scheduler gives to
 * other processes does not count (their cache pollution still does).
 */
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int perf_fd = -1;
static int perf_errno;

static void perf_open(void)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_HARDWARE, .size = sizeof(a),
		.config = PERF_COUNT_HW_INSTRUCTIONS, .disabled = 1,
		.exclude_kernel = 1, .exclude_hv = 1,
	};

	perf_fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	perf_errno = perf_fd < 0 ? errno : 0;
}

static void perf_start(void)
{
	if (perf_fd >= 0) {
		ioctl(perf_fd, PERF_EVENT_IOC_RESET, 0);
		ioctl(perf_fd, PERF_EVENT_IOC_ENABLE, 0);
	}
}

static uint64_t perf_stop(void)
{
	uint64_t v = 0;

	if (perf_fd < 0)
		return 0;
	ioctl(perf_fd, PERF_EVENT_IOC_DISABLE, 0);
	if (read(perf_fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/* Counts from a callgrind pass: "FORMAT|WORKLOAD INSTRUCTIONS" per line. */
static char insns_names[64][256];
static uint64_t insns_vals[64];
static unsigned insns_n;

static void insns_load(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];

	if (!f)
		return;
	while (insns_n < ARRAY_SIZE(insns_vals) && fgets(line, sizeof(line), f)) {
		char *sp = strrchr(line, ' ');

		if (!sp)
			continue;
		*sp = 0;
		snprintf(insns_names[insns_n], sizeof(insns_names[0]), "%s", line);
		insns_vals[insns_n++] = strtoull(sp + 1, NULL, 10);
	}
	fclose(f);
}

static uint64_t insns_lookup(const char *key)
{
	for (unsigned i = 0; i < insns_n; i++)
		if (strcmp(insns_names[i], key) == 0)
			return insns_vals[i];
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

/*
 * The bound: clearing the very table pages the workload built (the pool hands
 * them out from the arena's start), right after the table is destroyed, so
 * the caches hold what the workload left in them.
 */
static uint64_t memset_tables_ns(uint64_t bytes)
{
	uint64_t t0 = now_ns();

	memset(bench_arena_va(), 0, bytes);
	__asm__ volatile("" ::: "memory");
	return now_ns() - t0;
}

struct result {
	uint64_t ns, insns, tables, entries, flushes, lines, fences, memset_ns;
};

static uint64_t stat_fences(void)
{
#ifdef PT_MAP_BATCH_MAX
	return t.stats.fences;
#else
	return flush_calls;        /* today's hook fences on every call */
#endif
}

static void run_counts(const struct pt_format *fmt, const struct workload *w, struct result *res)
{
	uint64_t entries0, fences0;

	flushing = true;
	table_init(fmt, w->sizes);
	w->setup();
	flush_calls = flush_lines = 0;
	entries0 = t.stats.entries_written;
	fences0 = stat_fences();
	flush_calls = flush_lines = 0;
	w->body();
	res->entries = t.stats.entries_written - entries0;
	res->flushes = flush_calls;
	res->lines = flush_lines;
	res->fences = stat_fences() - fences0;
	res->tables = t.stats.tables;
	table_fini();
	flushing = false;
}

static void run_timed(const struct pt_format *fmt, const struct workload *w, struct result *res)
{
	uint64_t ns[REPS], in[REPS], ms[REPS];

	for (unsigned r = 0; r < REPS; r++) {
		uint64_t t0;

		table_init(fmt, w->sizes);
		w->setup();
		perf_start();
		t0 = now_ns();
		w->body();
		ns[r] = now_ns() - t0;
		in[r] = perf_stop();
		table_fini();
		ms[r] = memset_tables_ns(res->tables * PAGE_SIZE);
	}
	res->memset_ns = median(ms, REPS);
	res->ns = median(ns, REPS);
	res->insns = median(in, REPS);
}

/* Under callgrind: each body once, its instructions dumped under its name. */
static void run_count_only(const struct pt_format *fmt, const struct workload *w)
{
	char key[128];

	snprintf(key, sizeof(key), "%s|%s", fmt->name, w->name);
	table_init(fmt, w->sizes);
	w->setup();
	CALLGRIND_START_INSTRUMENTATION;
	CALLGRIND_ZERO_STATS;
	CALLGRIND_TOGGLE_COLLECT;
	w->body();
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT(key);
	CALLGRIND_STOP_INSTRUMENTATION;
	table_fini();
}

static void print_header(const struct pt_format *fmt)
{
	printf("\n%s (4 levels, 48-bit)\n", fmt->name);
	printf("%-38s %9s %7s %8s %8s %9s %7s %7s %6s %9s %6s\n", "workload", "pages",
	       "ns/page", "insn/pg", "tables", "entries", "flushes", "lines", "fences",
	       "memset us", "x bnd");
}

static void run_format(const struct pt_format *fmt)
{
	if (!count_only)
		print_header(fmt);
	for (unsigned i = 0; i < ARRAY_SIZE(workloads); i++) {
		const struct workload *w = &workloads[i];
		struct result res = { 0 };
		char key[128], insn[16];
		uint64_t ms;

		if (only_workload && !strstr(w->name, only_workload))
			continue;
		if (count_only) {
			run_count_only(fmt, w);
			continue;
		}
		run_counts(fmt, w, &res);
		run_timed(fmt, w, &res);
		snprintf(key, sizeof(key), "%s|%s", fmt->name, w->name);
		if (!res.insns)
			res.insns = insns_lookup(key);
		if (res.insns)
			snprintf(insn, sizeof(insn), "%.1f", (double)res.insns / (double)w->pages);
		else
			snprintf(insn, sizeof(insn), "n/a");
		ms = res.memset_ns;
		printf("%-38s %9llu %7.3f %8s %8llu %9llu %7llu %7llu %6llu %9.1f %6.1f\n", w->name,
		       (unsigned long long)w->pages, (double)res.ns / (double)w->pages, insn,
		       (unsigned long long)res.tables, (unsigned long long)res.entries,
		       (unsigned long long)res.flushes, (unsigned long long)res.lines,
		       (unsigned long long)res.fences, (double)ms / 1000.0,
		       ms ? (double)res.ns / (double)ms : 0.0);
		fflush(stdout);
	}
}

int main(int argc, char **argv)
{
	static const struct pt_format *const formats[] = {
		&pt_fmt_vtd_sl, &pt_fmt_amdvi_v1, &pt_fmt_ept, &pt_fmt_x86,
	};
	uint64_t seed = 0x9e3779b97f4a7c15ULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--probe-perf") == 0) {
			perf_open();
			return perf_fd < 0;
		}
		if (strcmp(argv[i], "--count-only") == 0)
			count_only = true;
		else if (strcmp(argv[i], "--insns") == 0 && i + 1 < argc)
			insns_load(argv[++i]);
		else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			only_format = argv[++i];
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			only_workload = argv[++i];
	}
	bench_arena_init((IDENT_SIZE / PAGE_SIZE / 512 + 256) * PAGE_SIZE);
	scatter_pa = malloc(SEQ_PAGES * sizeof(*scatter_pa));
	if (!scatter_pa)
		return 1;
	/* Distinct page addresses in random order: a guest's scattered frames. */
	for (uint64_t i = 0; i < SEQ_PAGES; i++)
		scatter_pa[i] = DATA_BASE + 2 * i * PAGE_SIZE;
	for (uint64_t i = SEQ_PAGES - 1; i > 0; i--) {
		uint64_t j, tmp;

		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		j = seed % (i + 1);
		tmp = scatter_pa[i], scatter_pa[i] = scatter_pa[j], scatter_pa[j] = tmp;
	}
	if (!count_only) {
		perf_open();
		printf("page-table engine bench: median of %d runs; ns/page = thread CPU time per "
		       "4 KiB mapped or unmapped\n", REPS);
		if (perf_fd < 0)
			printf("instructions: perf_event_open unavailable (%s); %s\n",
			       strerror(perf_errno),
			       insns_n ? "counts from a callgrind pass (--insns)" : "not measured");
		printf("tables/entries/flushes/lines/fences: a separate run with a non-coherent "
		       "walker's flush hook (counts only)\n");
		printf("x bnd = time / memset of the same table pages (tables x 4 KiB) right "
		       "after, same run\n");
	}
	for (unsigned f = 0; f < ARRAY_SIZE(formats); f++)
		if (!only_format || strstr(formats[f]->name, only_format))
			run_format(formats[f]);
	return 0;
}
