/* SPDX-License-Identifier: MIT */
#define LOG_TAG "mem"
#include <string.h>

#include "kernel/memory.h"
#include "kernel/frames.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "arch/x86/paging.h"
#include "boot/boot.h"

#define LOW_MEMORY_END  (1 * MiB)   /* real-mode IVT, BDA, EBDA, option ROMs, AP trampolines later */

static struct phys_range usable[FRAMES_MAX_RANGES];
static unsigned usable_count;
static struct phys_range root_ram[FRAMES_MAX_RANGES + 1];
static unsigned root_count;
static struct phys_range pool;   /* the monitor's frames */

static void report_map(const struct boot_info *bi)
{
	uint64_t totals[MEM_BAD + 1] = { 0 };

	pr_info("memory map (%s, %u entries):", bi->mmap_from_efi ? "EFI" : "E820", bi->mmap_count);
	for (unsigned i = 0; i < bi->mmap_count; i++) {
		const struct mem_range *r = &bi->mmap[i];

		pr_info("  0x%016llx-0x%016llx %s", (unsigned long long)r->base,
			(unsigned long long)(r->base + r->len - 1), mem_type_name(r->type));
		if (r->type <= MEM_BAD)
			totals[r->type] += r->len;
	}
	pr_info("RAM %llu MiB available, %llu KiB ACPI, %llu KiB NVS, %llu MiB reserved",
		(unsigned long long)(totals[MEM_AVAILABLE] / MiB),
		(unsigned long long)(totals[MEM_ACPI_RECLAIM] / KiB),
		(unsigned long long)(totals[MEM_ACPI_NVS] / KiB),
		(unsigned long long)(totals[MEM_RESERVED] / MiB));
}

static unsigned add_reserved(struct phys_range *r, unsigned n, uint64_t base, uint64_t len)
{
	if (n >= FRAMES_MAX_RESERVED) {
		pr_warn("too many reserved ranges; 0x%llx+0x%llx not excluded",
			(unsigned long long)base, (unsigned long long)len);
		return n;
	}
	r[n].base = ALIGN_DOWN(base, PAGE_SIZE);
	r[n].end = ALIGN_UP(base + len, PAGE_SIZE);
	return n + 1;
}

/* What the allocator must never hand out. */
static unsigned collect_reserved(const struct boot_info *bi, const struct acpi_info *ai,
				 struct phys_range *r)
{
	unsigned n = 0;

	n = add_reserved(r, n, 0, LOW_MEMORY_END);
	n = add_reserved(r, n, (uintptr_t)_phys_start, (uintptr_t)_phys_end - (uintptr_t)_phys_start);
	n = add_reserved(r, n, bi->info_pa, bi->info_size);
	for (unsigned i = 0; i < bi->module_count; i++)
		n = add_reserved(r, n, bi->modules[i].start, bi->modules[i].end - bi->modules[i].start);
	if (ai->rsdp_pa)
		n = add_reserved(r, n, ai->rsdp_pa, sizeof(struct acpi_rsdp));
	if (ai->root_pa)
		n = add_reserved(r, n, ai->root_pa, PAGE_SIZE);
	for (unsigned i = 0; i < ai->count; i++)
		n = add_reserved(r, n, ai->tables[i].pa, ai->tables[i].length);
	return n;
}

/*
 * Prove memory above 4 GiB is really reachable: write and read back the top
 * page of root RAM there (nothing runs in it yet), then restore it.
 */
static void check_high_memory(void)
{
	static const uint64_t pattern = 0x696f6d6f6e2d3467ULL;

	for (unsigned i = root_count; i-- > 0;) {
		paddr_t pa = root_ram[i].end - PAGE_SIZE;
		volatile uint64_t *p = phys_to_virt(pa);
		uint64_t saved0, saved511;

		if (pa < 4 * GiB)
			return;
		saved0 = p[0];
		saved511 = p[511];
		p[0] = pattern;
		p[511] = ~pattern;
		if (p[0] != pattern || p[511] != ~pattern)
			pr_err("frame 0x%llx above 4 GiB does not hold data", (unsigned long long)pa);
		else
			pr_info("memory above 4 GiB: frame 0x%llx writable and readable", (unsigned long long)pa);
		p[0] = saved0;
		p[511] = saved511;
		return;
	}
}

/* The monitor pool: the top of the largest usable range, an eighth of RAM at most. */
static struct phys_range choose_pool(uint64_t want)
{
	uint64_t total = 0;
	unsigned best = 0;

	for (unsigned i = 0; i < usable_count; i++) {
		total += usable[i].end - usable[i].base;
		if (usable[i].end - usable[i].base > usable[best].end - usable[best].base)
			best = i;
	}
	want = ALIGN_DOWN(MIN(want, total / 8), 2 * MiB);
	want = MIN(want, ALIGN_DOWN(usable[best].end - usable[best].base, PAGE_SIZE));
	return (struct phys_range){ usable[best].end - want, usable[best].end };
}

/* Root RAM: every usable range minus the pool (which lies at the top of one of them). */
static void split_root_ram(void)
{
	root_count = 0;
	for (unsigned i = 0; i < usable_count; i++) {
		struct phys_range r = usable[i];

		if (pool.base >= r.base && pool.end <= r.end)
			r.end = pool.base;
		if (r.end > r.base)
			root_ram[root_count++] = r;
	}
}

unsigned memory_root_ram(const struct phys_range **out)
{
	*out = root_ram;
	return root_count;
}

unsigned memory_monitor_ranges(const struct phys_range **out)
{
	static struct phys_range monitor[2];

	monitor[0] = (struct phys_range){ ALIGN_DOWN((uintptr_t)_phys_start, PAGE_SIZE),
					  ALIGN_UP((uintptr_t)_phys_end, PAGE_SIZE) };
	monitor[1] = pool;
	*out = monitor;
	return 2;
}

bool memory_is_monitor(paddr_t pa)
{
	for (unsigned i = 0; i < root_count; i++)
		if (pa >= root_ram[i].base && pa < root_ram[i].end)
			return false;
	return true;
}

static void report_root_ram(void)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < root_count; i++)
		total += root_ram[i].end - root_ram[i].base;
	pr_info("root partition RAM: %llu MiB in %u ranges (monitor memory excluded)",
		(unsigned long long)(total / MiB), root_count);
	for (unsigned i = 0; i < root_count; i++)
		pr_debug("  root RAM 0x%016llx-0x%016llx", (unsigned long long)root_ram[i].base,
			 (unsigned long long)root_ram[i].end - 1);
}

void memory_init(const struct boot_info *bi, const struct acpi_info *ai)
{
	struct phys_range reserved[FRAMES_MAX_RESERVED];
	unsigned nreserved = collect_reserved(bi, ai, reserved);
	struct frames_stats st;
	unsigned pool_used, pool_size, from_frames;

	report_map(bi);
	usable_count = frames_compute_usable(bi->mmap, bi->mmap_count, reserved, nreserved,
					     usable, ARRAY_SIZE(usable));
	if (!usable_count)
		panic("no usable memory");
	pool = choose_pool(MONITOR_POOL_DEFAULT);
	if (pool.end == pool.base || frames_init(&pool, 1) < 0)
		panic("no room for the monitor's memory pool");
	split_root_ram();
	/* The pool first: the direct map of the rest takes page-table pages from it. */
	paging_map_ram(&pool, 1);
	paging_map_ram(root_ram, root_count);
	frames_get_stats(&st);
	paging_stats(&pool_used, &pool_size, &from_frames);
	pr_info("monitor: image 0x%llx-0x%llx, pool 0x%llx-0x%llx (%llu MiB, bitmap %llu KiB)",
		(unsigned long long)(uintptr_t)_phys_start, (unsigned long long)(uintptr_t)_phys_end,
		(unsigned long long)pool.base, (unsigned long long)pool.end,
		(unsigned long long)(st.total_frames * PAGE_SIZE / MiB),
		(unsigned long long)(st.bitmap_bytes / KiB));
	report_root_ram();
	pr_info("paging: direct map ready, %u/%u boot page-table pages, %u from frames",
		pool_used, pool_size, from_frames);
	check_high_memory();
}
