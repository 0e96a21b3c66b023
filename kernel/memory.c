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

/* Prove memory above 4 GiB is really reachable: write and read back a frame there. */
static void check_high_memory(void)
{
	for (unsigned i = usable_count; i-- > 0;) {
		paddr_t pa = usable[i].end - PAGE_SIZE;
		volatile uint64_t *p;

		if (pa < 4 * GiB)
			return;
		if (frames_reserve(pa, PAGE_SIZE) < 0)
			continue;
		p = phys_to_virt(pa);
		p[0] = 0x696f6d6f6e2d3467ULL;
		p[511] = ~p[0];
		if (p[0] != 0x696f6d6f6e2d3467ULL || p[511] != ~0x696f6d6f6e2d3467ULL)
			pr_err("frame 0x%llx above 4 GiB does not hold data", (unsigned long long)pa);
		else
			pr_info("memory above 4 GiB: frame 0x%llx writable and readable", (unsigned long long)pa);
		frames_free(pa, 1);
		return;
	}
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
	if (!usable_count || frames_init(usable, usable_count) < 0)
		panic("no usable memory for the frame allocator");
	paging_map_ram(usable, usable_count);
	frames_get_stats(&st);
	paging_stats(&pool_used, &pool_size, &from_frames);
	pr_info("frames: %llu MiB usable in %u ranges (0x%llx-0x%llx), bitmap %llu KiB; monitor image 0x%llx-0x%llx",
		(unsigned long long)(st.total_frames * PAGE_SIZE / MiB), st.ranges,
		(unsigned long long)st.lowest, (unsigned long long)st.highest_end,
		(unsigned long long)(st.bitmap_bytes / KiB),
		(unsigned long long)(uintptr_t)_phys_start, (unsigned long long)(uintptr_t)_phys_end);
	pr_info("paging: direct map ready, %u/%u boot page-table pages, %u from frames",
		pool_used, pool_size, from_frames);
	check_high_memory();
}
