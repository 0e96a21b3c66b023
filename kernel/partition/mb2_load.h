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

#define MB2_HEADER_MAGIC        0xE85250D6u
#define MB2_HEADER_SEARCH       32768u   /* the header lies within the first 32 KiB */
#define MB2_HEADER_ALIGN        8u
#define MB2_ARCH_I386           0u       /* 32-bit protected mode entry */

/* Header tag types (Multiboot2 specification §3.1.3 - §3.1.13). */
#define MB2_HDR_TAG_END                 0
#define MB2_HDR_TAG_INFO_REQUEST        1
#define MB2_HDR_TAG_ADDRESS             2
#define MB2_HDR_TAG_ENTRY_ADDRESS       3
#define MB2_HDR_TAG_CONSOLE_FLAGS       4
#define MB2_HDR_TAG_FRAMEBUFFER         5
#define MB2_HDR_TAG_MODULE_ALIGN        6
#define MB2_HDR_TAG_EFI_BS              7
#define MB2_HDR_TAG_ENTRY_EFI32         8
#define MB2_HDR_TAG_ENTRY_EFI64         9
#define MB2_HDR_TAG_RELOCATABLE         10
#define MB2_HDR_TAG_OPTIONAL            BIT(0)   /* flags: the loader may ignore this tag */

struct mb2_header {
	uint32_t magic;
	uint32_t architecture;
	uint32_t header_length;   /* bytes, tags included */
	uint32_t checksum;        /* magic + architecture + header_length + checksum == 0 */
};
_Static_assert(sizeof(struct mb2_header) == 16, "mb2 header is 16 bytes");

struct mb2_header_tag {
	uint16_t type;
	uint16_t flags;
	uint32_t size;            /* header included; tags are padded to 8 bytes */
};
_Static_assert(sizeof(struct mb2_header_tag) == 8, "mb2 header tag is 8 bytes");

struct mb2_header_tag_address {
	uint16_t type, flags;
	uint32_t size;
	uint32_t header_addr;     /* where the header's magic lands */
	uint32_t load_addr;       /* start of the loaded image */
	uint32_t load_end_addr;   /* end of data (0: to the end of the file) */
	uint32_t bss_end_addr;    /* end of bss, zeroed (0: none) */
};
_Static_assert(sizeof(struct mb2_header_tag_address) == 24, "mb2 address tag is 24 bytes");

struct mb2_header_tag_entry {
	uint16_t type, flags;
	uint32_t size;
	uint32_t entry_addr;
};
_Static_assert(sizeof(struct mb2_header_tag_entry) == 12, "mb2 entry tag is 12 bytes");

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
