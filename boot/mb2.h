/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 boot information: the loader's tags, validated and copied into
 * a struct boot_info that owns no pointers into loader memory. Every tag is
 * untrusted input: a tag whose size is wrong is reported and skipped, and a
 * total_size that is absurd stops the walk without reading past the block.
 */
#ifndef IOMON_MB2_H
#define IOMON_MB2_H

#include "kernel/types.h"

#define MB2_BOOTLOADER_MAGIC   0x36d76289u
#define MB2_INFO_MAX_SIZE      (1u << 20)   /* refuse info blocks bigger than 1 MiB */

/* Tag types (Multiboot2 specification §3.6). */
#define MB2_TAG_END            0
#define MB2_TAG_CMDLINE        1
#define MB2_TAG_LOADER_NAME    2
#define MB2_TAG_MODULE         3
#define MB2_TAG_BASIC_MEMINFO  4
#define MB2_TAG_BOOTDEV        5
#define MB2_TAG_MMAP           6
#define MB2_TAG_FRAMEBUFFER    8
#define MB2_TAG_ELF_SECTIONS   9
#define MB2_TAG_APM            10
#define MB2_TAG_EFI32_ST       11
#define MB2_TAG_EFI64_ST       12
#define MB2_TAG_ACPI_OLD       14
#define MB2_TAG_ACPI_NEW       15
#define MB2_TAG_EFI_MMAP       17
#define MB2_TAG_EFI_BS         18
#define MB2_TAG_LOAD_BASE_ADDR 21

/* E820-style memory types; the EFI map is converted into these. */
#define MEM_AVAILABLE          1
#define MEM_RESERVED           2
#define MEM_ACPI_RECLAIM       3
#define MEM_ACPI_NVS           4
#define MEM_BAD                5

#define BOOT_CMDLINE_MAX       1024
#define BOOT_MMAP_MAX          256
#define BOOT_MODULES_MAX       16
#define BOOT_MODULE_CMDLINE_MAX 256

/*
 * Wire layouts of the tags this parser reads (Multiboot2 specification §3.6).
 * The parser copies them out with memcpy, so alignment inside the block is
 * never assumed beyond what the spec guarantees.
 */
struct mb2_info_header {
	uint32_t total_size;   /* includes this header and the end tag */
	uint32_t reserved;
};
_Static_assert(sizeof(struct mb2_info_header) == 8, "mb2 info header is 8 bytes");

struct mb2_tag {
	uint32_t type;
	uint32_t size;         /* header included, padding to 8 bytes excluded */
};
_Static_assert(sizeof(struct mb2_tag) == 8, "mb2 tag header is 8 bytes");

struct mb2_tag_module {        /* followed by a NUL-terminated string */
	uint32_t type, size;
	uint32_t mod_start;
	uint32_t mod_end;      /* exclusive */
};
_Static_assert(sizeof(struct mb2_tag_module) == 16, "mb2 module tag is 16 bytes + string");

struct mb2_tag_basic_meminfo {
	uint32_t type, size;
	uint32_t mem_lower;    /* KiB */
	uint32_t mem_upper;    /* KiB */
};
_Static_assert(sizeof(struct mb2_tag_basic_meminfo) == 16, "mb2 meminfo tag is 16 bytes");

struct mb2_tag_mmap {          /* followed by entries of entry_size bytes */
	uint32_t type, size;
	uint32_t entry_size;
	uint32_t entry_version;
};
_Static_assert(sizeof(struct mb2_tag_mmap) == 16, "mb2 mmap tag header is 16 bytes");

struct mb2_mmap_entry {
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;
	uint32_t reserved;
} __packed;
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "mb2 mmap entry is 24 bytes");

struct mb2_tag_efi64_st {
	uint32_t type, size;
	uint64_t pointer;
} __packed;
_Static_assert(sizeof(struct mb2_tag_efi64_st) == 16, "mb2 EFI64 system table tag is 16 bytes");

struct mb2_tag_efi_mmap {      /* followed by descriptors of descr_size bytes */
	uint32_t type, size;
	uint32_t descr_size;
	uint32_t descr_version;
};
_Static_assert(sizeof(struct mb2_tag_efi_mmap) == 16, "mb2 EFI mmap tag header is 16 bytes");

/* EFI_MEMORY_DESCRIPTOR (UEFI 2.x §7.2, GetMemoryMap()). */
struct efi_memory_descriptor {
	uint32_t type;
	uint32_t pad;
	uint64_t physical_start;
	uint64_t virtual_start;
	uint64_t number_of_pages;   /* 4 KiB pages */
	uint64_t attribute;
} __packed;
_Static_assert(sizeof(struct efi_memory_descriptor) == 40, "EFI memory descriptor is 40 bytes");

#define MB2_RSDP_V1_LEN        20   /* ACPI 1.0 RSDP */
#define MB2_RSDP_V2_LEN        36   /* ACPI 2.0+ XSDP */

struct mem_range {
	uint64_t base;
	uint64_t len;
	uint32_t type;   /* MEM_* */
};

struct boot_module {
	uint64_t start;  /* physical, inclusive */
	uint64_t end;    /* physical, exclusive */
	char cmdline[BOOT_MODULE_CMDLINE_MAX];
};

struct boot_info {
	uint64_t info_pa;                     /* where the loader put the info block */
	uint32_t info_size;

	bool has_cmdline;
	char cmdline[BOOT_CMDLINE_MAX];
	char loader_name[64];

	bool has_meminfo;
	uint32_t mem_lower_kib, mem_upper_kib;

	/* The map the monitor uses: the legacy (E820) tag, else the EFI map converted. */
	struct mem_range mmap[BOOT_MMAP_MAX];
	unsigned mmap_count;
	bool mmap_from_efi;
	unsigned mmap_ram_dropped;            /* available ranges past BOOT_MMAP_MAX, unused */
	unsigned mmap_folded;                 /* reserved ranges past it, merged into a neighbour */
	unsigned legacy_mmap_entries;         /* as reported by each tag, for the boot report */
	unsigned efi_mmap_entries;

	struct boot_module modules[BOOT_MODULES_MAX];
	unsigned module_count;

	/* ACPI RSDP copied out of tag 14 (20 bytes) or 15 (up to 36 bytes). */
	uint8_t rsdp[36];
	uint32_t rsdp_len;                    /* 0: no RSDP tag */
	unsigned rsdp_tag;                    /* 14 or 15 */

	uint64_t efi64_system_table;          /* 0: none */
	bool efi_boot_services_not_exited;    /* tag 18 present */

	unsigned tags_seen;
	unsigned tags_skipped;                /* malformed tags reported and ignored */
};

/*
 * Parse the info block at `info` (which the caller can read for `avail`
 * bytes) into `bi`. Returns 0, or -EINVAL when the block as a whole is
 * unusable (misaligned, total_size < 16 or > avail). Malformed tags are
 * logged, counted in tags_skipped and skipped; the walk ends at the end tag
 * or at total_size, whichever comes first.
 */
int mb2_parse(const void *info, uint32_t avail, uint64_t info_pa, struct boot_info *bi);

const char *mem_type_name(uint32_t type);

#endif
