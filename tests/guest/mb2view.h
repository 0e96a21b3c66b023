/* SPDX-License-Identifier: MIT */
/*
 * The test guest's view of its multiboot2 information (Multiboot2
 * specification §3.6) and the checks it runs on it. Unlike the monitor's
 * parser (boot/mb2.c), which tolerates and skips bad tags, this one is a
 * judge: the first thing that is not exactly as the specification says is
 * the failure, described in `why`. Host-buildable (tests/unit/test_guest.c).
 */
#ifndef IOMON_GUEST_MB2VIEW_H
#define IOMON_GUEST_MB2VIEW_H

#include "kernel/types.h"
#include "boot/mb2.h"
#include "tests/guest/opts.h"

#define GUEST_MAP_MAX   128
#define GUEST_MODS_MAX  8
#define GUEST_LOW_MEM_MAX (640 * KiB)   /* mem_lower never exceeds 640 KiB */

struct mb2_view {
	const uint8_t *info;
	uint32_t total_size;
	unsigned ntags;
	const char *cmdline;            /* NULL: no command-line tag */
	bool has_meminfo;
	uint32_t mem_lower, mem_upper;  /* KiB */
	bool has_mmap;
	uint32_t mmap_entry_size;
	unsigned nmap;
	struct mem_range map[GUEST_MAP_MAX];
	const uint8_t *rsdp;            /* inside the tag; NULL: no ACPI tag */
	uint32_t rsdp_len;
	unsigned nmods;
	struct guest_range mods[GUEST_MODS_MAX];
};

/*
 * Check the loader's magic and the info block's framing (total_size, tag
 * alignment and sizes, the end tag) and collect the tags the guest uses.
 * Returns 0, or -1 with the reason in `why`.
 */
int mb2_view_parse(uint32_t magic, const void *info, struct mb2_view *v, char *why, size_t n);

/* Entries sane; available ranges overlap no other entry. */
int mmap_check_sane(const struct mb2_view *v, char *why, size_t n);
/* No available byte inside any of the ranges. */
int mmap_check_excluded(const struct mb2_view *v, const struct guest_range *r, unsigned nr,
			char *why, size_t n);
/* A child's map: RAM from GPA 0, nothing past its limit (ram, or what it has + 1 MiB). */
int mmap_check_child(const struct mb2_view *v, uint64_t ram, char *why, size_t n);
/* mem_lower/mem_upper exactly as a loader derives them from this map. */
int meminfo_check(const struct mb2_view *v, char *why, size_t n);

/* End of the run of available memory that contains `addr` (adjacent entries merge); addr if none. */
uint64_t mmap_available_end(const struct mb2_view *v, uint64_t addr);
/* Highest end address of any entry. */
uint64_t mmap_top(const struct mb2_view *v);
/* Sum of the available entries' lengths. */
uint64_t mmap_available_bytes(const struct mb2_view *v);

#endif
