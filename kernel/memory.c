/* SPDX-License-Identifier: MIT */
#define LOG_TAG "mem"
#include <string.h>

#include "kernel/memory.h"
#include "kernel/frames.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "arch/x86/paging.h"
#include "boot/boot.h"

_Static_assert(ACPI_MMIO_FORBIDDEN_MAX >= BOOT_MMAP_MAX + 2,
	       "the device-window check holds every RAM range and the monitor's own");

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

/* Remove [base, end) from root RAM (it lies wholly inside range i). */
static void root_ram_cut(unsigned i, paddr_t base, paddr_t end)
{
	struct phys_range r = root_ram[i];

	if (base == r.base && end == r.end) {
		memmove(&root_ram[i], &root_ram[i + 1], (root_count - i - 1) * sizeof(root_ram[0]));
		root_count--;
	} else if (base == r.base) {
		root_ram[i].base = end;
	} else if (end == r.end) {
		root_ram[i].end = base;
	} else if (root_count < ARRAY_SIZE(root_ram)) {
		memmove(&root_ram[i + 2], &root_ram[i + 1], (root_count - i - 1) * sizeof(root_ram[0]));
		root_ram[i].end = base;
		root_ram[i + 1] = (struct phys_range){ end, r.end };
		root_count++;
	}
}

unsigned memory_take_from_root(uint64_t size, struct phys_range *out, unsigned max)
{
	struct phys_range saved[ARRAY_SIZE(root_ram)];
	unsigned saved_count = root_count, n = 0;

	if (!size || !IS_ALIGNED(size, 2 * MiB))
		return 0;
	memcpy(saved, root_ram, sizeof(saved));
	for (unsigned i = root_count; i-- > 0 && size;) {
		paddr_t top = ALIGN_DOWN(root_ram[i].end, 2 * MiB);
		paddr_t bottom = ALIGN_UP(root_ram[i].base, 2 * MiB);
		uint64_t take;

		if (top <= bottom)
			continue;
		if (n == max)
			break;
		take = MIN(size, top - bottom);
		out[n++] = (struct phys_range){ top - take, top };
		root_ram_cut(i, top - take, top);
		size -= take;
	}
	if (size) {
		memcpy(root_ram, saved, sizeof(saved));
		root_count = saved_count;
		return 0;
	}
	return n;
}

void memory_give_to_root(paddr_t base, paddr_t end)
{
	unsigned i;

	base = ALIGN_UP(base, PAGE_SIZE);
	end = ALIGN_DOWN(end, PAGE_SIZE);
	if (end <= base || root_count == ARRAY_SIZE(root_ram))
		return;
	for (i = 0; i < root_count && root_ram[i].base < base; i++)
		;
	memmove(&root_ram[i + 1], &root_ram[i], (root_count - i) * sizeof(root_ram[0]));
	root_ram[i] = (struct phys_range){ base, end };
	root_count++;
	/* Merge neighbours that now touch. */
	for (i = 0; i + 1 < root_count;) {
		if (root_ram[i].end == root_ram[i + 1].base) {
			root_ram[i].end = root_ram[i + 1].end;
			memmove(&root_ram[i + 1], &root_ram[i + 2], (root_count - i - 2) * sizeof(root_ram[0]));
			root_count--;
		} else {
			i++;
		}
	}
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

/*
 * Tell the firmware-table parsers what can never be a device window: the
 * monitor's image and pool, and every RAM range the loader reported.
 */
static void forbid_mmio_overlaps(const struct boot_info *bi)
{
	int rc;

	acpi_mmio_forbid_reset();
	rc = acpi_mmio_forbid("the monitor image", (uintptr_t)_phys_start, (uintptr_t)_phys_end);
	rc = rc ?: acpi_mmio_forbid("the monitor pool", pool.base, pool.end);
	for (unsigned i = 0; i < bi->mmap_count && !rc; i++) {
		const struct mem_range *r = &bi->mmap[i];

		if (r->type == MEM_AVAILABLE)
			rc = acpi_mmio_forbid("RAM", r->base, range_overflows(r->base, r->len) ?
						     UINT64_MAX : r->base + r->len);
	}
	if (rc)
		pr_err("more RAM ranges than the device-window check holds: every firmware MMIO window will be refused");
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
	forbid_mmio_overlaps(bi);
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
