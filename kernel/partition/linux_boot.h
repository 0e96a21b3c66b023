/* SPDX-License-Identifier: MIT */
/*
 * Loading a Linux bzImage into a partition by the Linux/x86 boot protocol
 * (Linux Documentation/arch/x86/boot.rst, "The Real-Mode Kernel Header",
 * "64-bit Boot Protocol", "Details of Header Fields"): the setup header is
 * checked and copied into a zeroed boot_params ("zero page"), the
 * protected-mode kernel goes to a 2 MiB-aligned address with init_size bytes
 * of RAM free, the command line and initramfs are placed and described, the
 * e820 table is the partition's memory map, acpi_rsdp_addr points at a copy
 * of the loader's RSDP (a UEFI machine has none where Linux would scan for
 * it; the copy points at the same tables), and the vcpu enters at the
 * 64-bit entry (load address + 0x200) in long mode with an identity map of
 * the low 4 GiB, a GDT with flat code at 0x10 and data at 0x18, and RSI
 * pointing at boot_params.
 *
 * The image bytes are untrusted: every field is checked before anything is
 * written, and a refused image leaves guest memory untouched.
 */
#ifndef IOMON_PARTITION_LINUX_BOOT_H
#define IOMON_PARTITION_LINUX_BOOT_H

#include "kernel/types.h"
#include "boot/mb2.h"
#include "kernel/frames.h"
#include "kernel/partition/gmem.h"

/* Setup header offsets inside the image / boot_params (boot.rst, "Details of Header Fields"). */
#define LB_SETUP_SECTS          0x1f1
#define LB_HDR_START            0x1f1      /* the setup header is copied from here ... */
#define LB_BOOT_FLAG            0x1fe      /* 0xAA55 */
#define LB_JUMP                 0x200      /* ... to 0x202 + the byte at 0x201 */
#define LB_HEADER               0x202      /* "HdrS" */
#define LB_VERSION              0x206
#define LB_TYPE_OF_LOADER       0x210
#define LB_LOADFLAGS            0x211
#define LB_RAMDISK_IMAGE        0x218
#define LB_RAMDISK_SIZE         0x21c
#define LB_HEAP_END_PTR         0x224
#define LB_CMD_LINE_PTR         0x228
#define LB_INITRD_ADDR_MAX      0x22c
#define LB_KERNEL_ALIGNMENT     0x230
#define LB_RELOCATABLE          0x234
#define LB_XLOADFLAGS           0x236
#define LB_CMDLINE_SIZE         0x238
#define LB_PREF_ADDRESS         0x258
#define LB_INIT_SIZE            0x260
#define LB_HDR_MIN_END          0x264      /* protocol 2.10+ headers reach at least here */

/* boot_params ("zero page", Documentation/arch/x86/zero-page.rst). */
#define LB_BP_SIZE              4096
#define LB_BP_ACPI_RSDP_ADDR    0x070
#define LB_BP_EXT_RAMDISK_IMAGE 0x0c0
#define LB_BP_EXT_RAMDISK_SIZE  0x0c4
#define LB_BP_EXT_CMD_LINE_PTR  0x0c8
#define LB_BP_E820_ENTRIES      0x1e8
#define LB_BP_E820_TABLE        0x2d0
#define LB_BP_E820_MAX          128

#define LB_HDRS_MAGIC           0x53726448u   /* "HdrS" */
#define LB_MIN_VERSION          0x020c        /* 2.12: xloadflags, the 64-bit entry */
#define LB_LOADED_HIGH          BIT(0)
#define LB_CAN_USE_HEAP         BIT(7)
#define LB_XLF_KERNEL_64        BIT(0)
#define LB_TYPE_UNDEFINED       0xff          /* "undefined" boot loader id */
#define LB_ENTRY64_OFFSET       0x200
#define LB_KERNEL_ALIGN         (2 * MiB)
#define LB_CMDLINE_MAX          2048          /* what iomon passes, NUL included */
#define LB_GDT_CODE64           0x10
#define LB_GDT_DATA             0x18
#define LB_RSDP_OFFSET          0x800         /* the RSDP copy, in the GDT's page */
#define LB_RSDP_MAX             36
#define LB_TABLE_PAGES          9             /* boot_params, cmdline, GDT, PML4, PDPT, 4 PDs */

/* What the setup header says, checked. */
struct linux_setup {
	uint16_t version;
	uint32_t setup_bytes;      /* (setup_sects + 1) * 512: where the protected-mode kernel starts */
	uint32_t hdr_end;          /* one past the setup header in the image */
	uint32_t kernel_alignment;
	uint32_t cmdline_size;     /* the longest command line the kernel takes, NUL excluded */
	uint32_t initrd_addr_max;
	uint64_t pref_address;
	uint32_t init_size;
	uint16_t xloadflags;
	bool relocatable;
};

/* What the caller provides. */
struct linux_boot_args {
	const void *image;
	size_t image_len;
	const void *initrd;                 /* NULL: none */
	size_t initrd_len;
	const char *cmdline;
	const struct mem_range *map;        /* the partition's memory map, sorted (the e820 table) */
	unsigned nmap;
	const void *rsdp;                   /* the ACPI RSDP (a copy; NULL: none), at most 36 bytes */
	size_t rsdp_len;
	const struct phys_range *avoid;     /* GPA ranges nothing may be written to (the boot modules) */
	unsigned navoid;
};

/* Where everything went; all guest-physical, below 4 GiB. */
struct linux_image {
	struct linux_setup setup;
	uint64_t kernel, kernel_end;        /* [kernel, kernel + init_size) */
	uint64_t entry;                     /* kernel + 0x200 */
	uint64_t tables;                    /* LB_TABLE_PAGES pages: */
	uint64_t boot_params, cmdline, gdt, pml4, rsdp;
	uint64_t initrd, initrd_size;
};

/* True when the image has a setup header ("HdrS" at 0x202): it is meant for this loader. */
bool linux_is_bzimage(const void *image, size_t len);

/* Check the setup header: 0, or -ENOEXEC with one line saying why. */
int __must_check linux_parse_setup(const void *image, size_t len, struct linux_setup *out);

/*
 * Build the zero page for `li` into `bp` (LB_BP_SIZE bytes): the image's
 * setup header, then what the loader fills in. -ENOSPC when the memory map
 * has more entries than the zero page holds.
 */
int __must_check linux_build_boot_params(const struct linux_boot_args *a, const struct linux_image *li,
					 uint8_t *bp);

/*
 * Place and copy everything into guest memory `m`. 0 and *out filled;
 * -ENOEXEC (a bad image), -ENOSPC (no room for the kernel, its tables or the
 * initramfs), -E2BIG (command line too long for the kernel), each with one line.
 */
int __must_check linux_load(const struct gmem *m, const struct linux_boot_args *a,
			    struct linux_image *out);

#endif
