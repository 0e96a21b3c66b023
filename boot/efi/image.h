/* SPDX-License-Identifier: MIT */
/*
 * Checking a monitor image before loading it: an ELF64 x86-64 executable
 * whose loadable segments and entry point lie below 4 GiB (the multiboot2
 * i386 entry runs with paging off), carrying a valid multiboot2 header in
 * its first 32 KiB (Multiboot2 specification §3.1) that asks for nothing
 * this loader cannot give. Pure C: the loader and the host tests share it.
 */
#ifndef IOMON_EFI_IMAGE_H
#define IOMON_EFI_IMAGE_H

#include "kernel/types.h"
#include "boot/mb2_header.h"

#define IMAGE_SEGMENTS_MAX   16
#define IMAGE_HEAD_BYTES     MB2_HEADER_SEARCH   /* what the loader reads first */

struct image_segment {
	uint64_t paddr;
	uint64_t offset;     /* in the file */
	uint64_t filesz;
	uint64_t memsz;      /* >= filesz; the rest is zeroed */
};

struct mb2_image {
	struct image_segment segs[IMAGE_SEGMENTS_MAX];
	unsigned nsegs;
	uint64_t load_lo, load_hi;   /* physical span of every segment, [lo, hi) */
	uint64_t entry;              /* physical: ELF e_entry or the entry address tag */
	uint32_t header_offset;      /* of the multiboot2 header in the file */
	bool page_align_modules;     /* module alignment tag present */
};

/*
 * Check an image from its first `head_len` bytes (IMAGE_HEAD_BYTES, or the
 * whole file when it is smaller) and its size: the ELF and program headers
 * and the multiboot2 header must lie in that head, every segment inside the
 * file. Returns 0 with `img` filled in, or -EINVAL with `*why` pointing at a
 * static sentence saying what is wrong.
 */
int __must_check image_check(const uint8_t *head, uint64_t head_len, uint64_t file_size,
			     struct mb2_image *img, const char **why);

/*
 * Where the monitor goes when the firmware will not allocate its address
 * range: memory the firmware's boot services hold is free once they have
 * exited, so the loader may take the range if every byte of [lo, hi) is
 * conventional memory or boot-services code or data in the EFI memory map
 * (`map_size` bytes of `descr_size`-byte descriptors). Returns 0 and the
 * conventional parts, clipped to [lo, hi), in `free[]` (the loader reserves
 * them at once so nothing else lands there), -EBUSY when some byte is held
 * otherwise or not described, -ENOSPC when `free_max` is too small.
 */
int __must_check image_plan_target(const void *map, uint64_t map_size, uint64_t descr_size,
				   uint64_t lo, uint64_t hi, struct image_segment *free,
				   unsigned free_max, unsigned *nfree);

#endif
