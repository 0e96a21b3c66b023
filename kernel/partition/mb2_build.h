/* SPDX-License-Identifier: MIT */
/*
 * The multiboot2 information a guest kernel receives, built as GRUB builds
 * it (Multiboot2 specification §3.6): an 8-byte header (total_size,
 * reserved), then tags, each starting on an 8-byte boundary, closed by an
 * end tag. Only what a partition has is given: its command line, the
 * loader's name, its modules, basic meminfo and the memory map computed
 * from the partition's own map, and (root only) the ACPI RSDP copies.
 *
 * The block holds no pointers, so it is built in a monitor buffer and then
 * copied to any 8-byte aligned GPA of the guest.
 */
#ifndef IOMON_PARTITION_MB2_BUILD_H
#define IOMON_PARTITION_MB2_BUILD_H

#include "kernel/types.h"
#include "boot/mb2.h"
#include "kernel/partition/mb2_load.h"

#define MB2_LOADER_NAME         "iomon"
#define MB2_MMAP_ENTRY_SIZE     24
#define MB2_MMAP_ENTRY_VERSION  0

struct mb2_build_module {
	uint32_t start, end;        /* GPAs, end exclusive (as the tag has them) */
	const char *cmdline;        /* NULL: empty string */
};

struct mb2_build_args {
	const char *cmdline;        /* tag 1; NULL: empty string (GRUB always sends one) */
	const char *loader_name;    /* tag 2; NULL: MB2_LOADER_NAME */
	const struct mb2_build_module *modules;   /* tag 3 each */
	unsigned nmodules;
	/* The partition's memory map (sorted, disjoint): tag 6, and tag 4 from it. */
	const struct mem_range *mmap;
	unsigned nmmap;
	/*
	 * tag 14: the 20-byte ACPI 1.0 RSDP; tag 15: the ACPI 2.0+ XSDP, its
	 * `length` bytes. NULL: no such tag. For an XSDP, GRUB sends both (its
	 * first 20 bytes are a valid ACPI 1.0 RSDP), so pass it as both.
	 */
	const void *rsdp_old;
	const void *rsdp_new;
	uint32_t rsdp_new_len;
};

/*
 * Write the information into buf (8-byte aligned, `cap` bytes). 0 and
 * *size = total_size; -ENOSPC when it does not fit (nothing useful in buf
 * then); -EINVAL for arguments no loader would send (an XSDP shorter than
 * 36 bytes or longer than 4 KiB, a map entry that wraps).
 */
int __must_check mb2_build(const struct mb2_build_args *a, void *buf, uint32_t cap,
			   uint32_t *size);

/*
 * Basic meminfo as GRUB derives it from the map: mem_lower is the size of
 * the available range that starts at 0 (capped at 1 MiB),
 * mem_upper the length of the available range that contains 1 MiB, from
 * 1 MiB to its end; both in KiB.
 */
void mb2_basic_meminfo(const struct mem_range *map, unsigned n, uint32_t *lower_kib,
		       uint32_t *upper_kib);

/*
 * Whether the information this builder sends satisfies what the kernel
 * asked for in its information request tag (§3.1.4): 0, or -EOPNOTSUPP
 * with one log line naming a requested tag type that is not optional and
 * that this loader never provides.
 */
int __must_check mb2_build_check_requests(const struct mb2_image *img);

#endif
