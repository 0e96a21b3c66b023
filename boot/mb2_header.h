/* SPDX-License-Identifier: MIT */
/*
 * The Multiboot2 header a kernel carries (Multiboot2 specification §3.1):
 * where to find it, its fixed part and its tags. Shared by the two loaders
 * that read it from untrusted bytes: the monitor's partition loader
 * (kernel/partition/mb2_load.c) and iomon's UEFI loader (boot/efi/image.c).
 */
#ifndef IOMON_BOOT_MB2_HEADER_H
#define IOMON_BOOT_MB2_HEADER_H

#include "kernel/types.h"

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

#endif
