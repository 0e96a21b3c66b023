/* SPDX-License-Identifier: MIT */
/*
 * Builds and edits the monitor's page tables. Until the frame allocator
 * exists, page-table pages come from a small pool inside the image; after
 * paging_map_ram() every RAM frame is reachable through the direct map and
 * page-table pages come from the allocator.
 */
#define LOG_TAG "paging"
#include <errno.h>
#include <string.h>

#include "arch/x86/paging.h"
#include "arch/x86/cpu.h"
#include "arch/x86/io.h"
#include "boot/boot.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/phys.h"
#include "kernel/spinlock.h"

#define BOOT_POOL_PAGES 64
#define LEVEL_SHIFT(l)  (PAGE_SHIFT + 9 * ((l) - 1))   /* 1: 4K, 2: 2M, 3: 1G, 4: 512G */
#define LEVEL_SIZE(l)   (1ULL << LEVEL_SHIFT(l))
#define INDEX(va, l)    (((va) >> LEVEL_SHIFT(l)) & 511)
/* The CPU sets Accessed and Dirty on its own: ignore them when comparing. */
#define SAME_LEAF(e, want) ((((e) ^ (want)) & ~(PTE_A | PTE_D)) == 0)

static uint8_t boot_pool[BOOT_POOL_PAGES][PAGE_SIZE] __aligned(PAGE_SIZE);
static unsigned boot_pool_used, pages_from_frames;
static bool frames_ready;
static uint64_t *pml4;
static uint64_t nx_bit;
static spinlock_t paging_lock = SPINLOCK_INIT;
static struct phys_range ram_ranges[FRAMES_MAX_RANGES + 1];
static unsigned ram_count;

static bool in_mapped_ram(paddr_t pa, uint64_t len);

static void *table_virt(paddr_t pa)
{
	paddr_t img_start = (paddr_t)(uintptr_t)_phys_start, img_end = (paddr_t)(uintptr_t)_phys_end;

	if (pa >= img_start && pa < img_end)
		return (void *)(KERNEL_VMA + pa);
	return phys_to_virt(pa);
}

static paddr_t table_alloc(void)
{
	paddr_t pa;

	if (boot_pool_used < BOOT_POOL_PAGES) {
		pa = kernel_virt_to_phys(boot_pool[boot_pool_used++]);
	} else if (frames_ready) {
		pa = frame_alloc();
		if (!pa)
			return 0;
		if (!in_mapped_ram(pa, PAGE_SIZE))
			panic("paging: page-table frame 0x%llx is not in the direct map yet",
			      (unsigned long long)pa);
		pages_from_frames++;
	} else {
		return 0;
	}
	memset(table_virt(pa), 0, PAGE_SIZE);
	return pa;
}

/*
 * Install a leaf of `level` (1: 4K, 2: 2M, 3: 1G) mapping va -> pa.
 * Returns 0, 1 when an identical leaf is already there, -EEXIST when the
 * slot holds something else (a different leaf or a lower table), -ENOMEM.
 */
static int map_leaf(uint64_t va, paddr_t pa, unsigned level, uint64_t flags)
{
	uint64_t *table = pml4;

	for (unsigned l = 4; l > level; l--) {
		uint64_t *e = &table[INDEX(va, l)];

		if (!(*e & PTE_P)) {
			paddr_t t = table_alloc();

			if (!t)
				return -ENOMEM;
			*e = t | PTE_P | PTE_RW;
		} else if (*e & PTE_PS) {
			/* Already inside a larger leaf: fine if it maps the same way. */
			uint64_t same = ALIGN_DOWN(pa, LEVEL_SIZE(l)) | flags | PTE_PS;

			return SAME_LEAF(*e, same) ? 1 : -EEXIST;
		}
		table = table_virt(*e & PTE_ADDR);
	}
	uint64_t want = pa | flags | (level > 1 ? PTE_PS : 0);
	uint64_t *e = &table[INDEX(va, level)];

	if (SAME_LEAF(*e, want))
		return 1;
	if (*e & PTE_P)
		return -EEXIST;
	*e = want;
	return 0;
}

static bool level_fits(uint64_t va, paddr_t pa, uint64_t left, unsigned level)
{
	if (level == 3 && !cpu_features.pdpe1gb)
		return false;
	return IS_ALIGNED(va | pa, LEVEL_SIZE(level)) && left >= LEVEL_SIZE(level);
}

/* Map [pa, pa+len) at va with the largest pages that fit and whose slot is free. */
static int map_range(uint64_t va, paddr_t pa, uint64_t len, uint64_t flags, unsigned max_level)
{
	while (len) {
		unsigned level = max_level;
		int rc;

		for (;;) {
			while (level > 1 && !level_fits(va, pa, len, level))
				level--;
			rc = map_leaf(va, pa, level, flags);
			if (rc != -EEXIST || level == 1)
				break;
			level--;   /* the slot is split into a lower table: go finer */
		}
		if (rc < 0)
			return rc;
		va += LEVEL_SIZE(level);
		pa += LEVEL_SIZE(level);
		len -= LEVEL_SIZE(level);
	}
	return 0;
}

static void map_image_section(const void *start, const void *end, uint64_t flags)
{
	uint64_t va = (uint64_t)(uintptr_t)start;

	for (; va < (uint64_t)(uintptr_t)end; va += PAGE_SIZE) {
		if (va == (uint64_t)(uintptr_t)boot_stack_guard)
			continue;   /* stack guard: deliberately absent */
		if (map_leaf(va, va - KERNEL_VMA, 1, flags) < 0)
			panic("paging: cannot map the monitor image at 0x%llx", (unsigned long long)va);
	}
}

void paging_init(void)
{
	paddr_t root;

	if (rdmsr(MSR_EFER) & EFER_NXE)
		nx_bit = PTE_NX;
	root = table_alloc();
	pml4 = table_virt(root);
	map_image_section(_text, _etext, PTE_P);
	map_image_section(_etext, _erodata, PTE_P | nx_bit);
	map_image_section(_erodata, _end, PTE_P | PTE_RW | nx_bit);
	write_cr3(root);
}

static uint64_t cache_flags(enum phys_cache cache)
{
	/* PAT is left at its reset value: PCD|PWT selects entry 3, UC. */
	return cache == PHYS_UC ? PTE_PCD | PTE_PWT : 0;
}

static bool in_mapped_ram(paddr_t pa, uint64_t len)
{
	for (unsigned i = 0; i < ram_count; i++)
		if (pa >= ram_ranges[i].base && pa + len <= ram_ranges[i].end)
			return true;
	return false;
}

void *phys_map(paddr_t pa, uint64_t len, enum phys_cache cache)
{
	uint64_t limit = 1ULL << cpu_features.phys_addr_bits;
	paddr_t start, end;
	int rc;

	if (len == 0 || range_overflows(pa, len) || pa + len > limit)
		return NULL;
	if (cache == PHYS_WB && in_mapped_ram(pa, len))
		return phys_to_virt(pa);
	if (cache == PHYS_UC && in_mapped_ram(pa, len)) {
		pr_warn("refusing an uncached mapping of RAM at 0x%llx", (unsigned long long)pa);
		return NULL;
	}
	start = ALIGN_DOWN(pa, PAGE_SIZE);
	end = ALIGN_UP(pa + len, PAGE_SIZE);
	spin_lock(&paging_lock);
	rc = map_range(DIRECT_MAP_BASE + start, start, end - start,
		       PTE_P | PTE_RW | nx_bit | cache_flags(cache), 2);
	spin_unlock(&paging_lock);
	if (rc < 0) {
		pr_warn("cannot map 0x%llx+0x%llx (%s): %s", (unsigned long long)pa,
			(unsigned long long)len, cache == PHYS_UC ? "uncached" : "write-back",
			rc == -ENOMEM ? "out of page-table memory" : "conflicting mapping");
		return NULL;
	}
	return phys_to_virt(pa);
}

void paging_map_ram(const struct phys_range *ranges, unsigned n)
{
	spin_lock(&paging_lock);
	for (unsigned i = 0; i < n; i++) {
		int rc = map_range(DIRECT_MAP_BASE + ranges[i].base, ranges[i].base,
				   ranges[i].end - ranges[i].base, PTE_P | PTE_RW | nx_bit, 3);

		if (rc < 0 || ram_count == ARRAY_SIZE(ram_ranges))
			panic("paging: cannot map RAM 0x%llx-0x%llx into the direct map (%d)",
			      (unsigned long long)ranges[i].base, (unsigned long long)ranges[i].end, rc);
		ram_ranges[ram_count++] = ranges[i];
		/*
		 * Once the allocator's own memory is mapped (the caller maps it
		 * first), later ranges may take page-table pages from it.
		 */
		frames_ready = true;
	}
	spin_unlock(&paging_lock);
	write_cr3(read_cr3());
}

void paging_stats(unsigned *pool_used, unsigned *pool_size, unsigned *from_frames)
{
	*pool_used = boot_pool_used;
	*pool_size = BOOT_POOL_PAGES;
	*from_frames = pages_from_frames;
}
