/* SPDX-License-Identifier: MIT */
/*
 * Building a multiboot2 information block the way GRUB 2 does on x86_64-efi
 * (Multiboot2 specification §3.6): load base address, command line, boot
 * loader name, modules,
 * the memory map converted from the EFI map, basic meminfo, the EFI64 system
 * table, the ACPI 1.0 and 2.0 RSDP copies and, last, the EFI memory map that
 * ExitBootServices() accepted. Boot services are exited, so there is no
 * tag 18.
 *
 * Pure C with no firmware calls: the loader and the host unit tests build it
 * alike. Every append checks the room left and fails with -ENOSPC, leaving
 * the block as it was.
 */
#ifndef IOMON_EFI_MB2_BUILD_H
#define IOMON_EFI_MB2_BUILD_H

#include "boot/mb2.h"

#define MB2B_LOADER_NAME "iomon-efi"

/* Memory types GRUB writes into tag 6 besides the E820 ones in boot/mb2.h. */
#define MB2B_MEM_PERSISTENT    7    /* GRUB_MEMORY_PERSISTENT */
#define MB2B_MEM_RUNTIME_CODE  20   /* GRUB_MEMORY_CODE: EFI runtime services code */

struct mb2_builder {
	uint8_t *buf;        /* 8-byte aligned */
	uint32_t cap;        /* bytes available at buf */
	uint32_t len;        /* bytes written, header included */
};

int __must_check mb2b_init(struct mb2_builder *b, void *buf, uint32_t cap);
/* Tag 21: where the image was loaded (GRUB writes it first, for every image). */
int __must_check mb2b_add_load_base(struct mb2_builder *b, uint32_t load_base);
int __must_check mb2b_add_string(struct mb2_builder *b, uint32_t type, const char *s);
int __must_check mb2b_add_module(struct mb2_builder *b, uint32_t start, uint32_t end,
				 const char *cmdline);
/*
 * Tag 6 from an EFI memory map (`map_size` bytes of `descr_size`-byte
 * descriptors), converted and merged as GRUB does, then tag 4 from that map.
 * `scratch` holds at least map_size / descr_size struct mem_range entries.
 */
int __must_check mb2b_add_mmap_and_meminfo(struct mb2_builder *b, const void *map,
					   uint64_t map_size, uint64_t descr_size,
					   struct mem_range *scratch, uint32_t scratch_max);
int __must_check mb2b_add_efi64_st(struct mb2_builder *b, uint64_t system_table);
/* Tag 14 (rsdp_len 20) or 15 (the XSDP's own length). */
int __must_check mb2b_add_rsdp(struct mb2_builder *b, uint32_t type, const void *rsdp,
			       uint32_t rsdp_len);

/*
 * Tag 17 is filled by GetMemoryMap() in place: mb2b_efi_mmap_room() says
 * where the descriptors go and how many bytes fit (0 when none), and
 * mb2b_finish() records what the firmware wrote (map_size 0: no tag 17),
 * appends the end tag and sets total_size. Both can be called again after a
 * failed ExitBootServices(): they never move anything that came before.
 */
void *mb2b_efi_mmap_room(struct mb2_builder *b, uint64_t *room);
int __must_check mb2b_finish(struct mb2_builder *b, uint64_t map_size, uint32_t descr_size,
			     uint32_t descr_version);

/* The E820-style type GRUB gives an EFI memory type (EFI_MEMORY_TYPE, UEFI §7.2). */
uint32_t mb2b_efi_to_mem_type(uint32_t efi_type);

/* Sorted, merged ranges from an EFI map; returns how many, or -ENOSPC. */
int mb2b_convert_efi_map(const void *map, uint64_t map_size, uint64_t descr_size,
			 struct mem_range *out, uint32_t out_max);

#endif
