/* SPDX-License-Identifier: MIT */
/*
 * Loading a multiboot2 kernel into a partition, as GRUB's `multiboot2`
 * command does (Multiboot2 specification §3.1): find the header in the
 * image's first 32 KiB, then either place the image by the header's address
 * tag (the "a.out kludge") or, without one, load the ELF32/ELF64 program
 * headers at their physical addresses. The image bytes are untrusted: every
 * offset, size and address is checked before anything is written, and a
 * malformed image is refused with one log line, never a crash.
 */
#ifndef IOMON_PARTITION_MB2_LOAD_H
#define IOMON_PARTITION_MB2_LOAD_H

#include "kernel/types.h"
#include "kernel/partition/gmem.h"
#include "boot/mb2_header.h"

#define MB2_INFO_REQ_MAX        32

/* What loading produced, and what the kernel asked of the loader. */
struct mb2_image {
	uint64_t entry;                     /* GPA of the 32-bit entry point */
	uint64_t load_start;                /* lowest GPA written */
	uint64_t load_end;                  /* one past the highest GPA written (bss included) */
	bool elf64;                         /* loaded from ELF64 program headers */
	bool address_tag;                   /* placed by the address tag instead */
	uint32_t header_offset;             /* file offset of the mb2 header */

	/* Information request tags (§3.1.4): the info tag types the kernel wants. */
	uint32_t info_req[MB2_INFO_REQ_MAX];
	unsigned info_req_count;
	bool info_req_required;             /* some request tag was not optional */
	bool module_align;                  /* modules must be page aligned */
	bool console_flags_present;
	uint32_t console_flags;
};

/*
 * Load the multiboot2 kernel `img` (`len` bytes) into guest memory `m`.
 * 0 and *out filled; -ENOEXEC when the image is not a loadable multiboot2
 * kernel (no header, bad checksum, foreign architecture, malformed ELF or
 * header tags, an entry point outside every segment); -ERANGE when a
 * segment or the entry point is not inside the partition's RAM. One log
 * line says why. Everything is checked before the first byte is copied,
 * so a refused image leaves guest memory untouched.
 */
int __must_check mb2_load(const struct gmem *m, const void *img, size_t len,
			  struct mb2_image *out);

#endif
