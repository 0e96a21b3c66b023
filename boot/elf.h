/* SPDX-License-Identifier: MIT */
/*
 * ELF identification and headers (System V ABI, "ELF-64 Object File
 * Format"), for the two loaders that read kernels from untrusted bytes: the
 * monitor's Multiboot2 loader (kernel/partition/mb2_load.c) and iomon's UEFI
 * loader (boot/efi/image.c). Layouts only; every field is checked by its user.
 */
#ifndef IOMON_BOOT_ELF_H
#define IOMON_BOOT_ELF_H

#include "kernel/types.h"

#define ELF_MAGIC               "\x7f" "ELF"
#define EI_CLASS                4
#define EI_DATA                 5
#define ELFCLASS32              1
#define ELFCLASS64              2
#define ELFDATA2LSB             1
#define EV_CURRENT              1
#define ET_EXEC                 2
#define EM_386                  3
#define EM_X86_64               62
#define PT_LOAD                 1
struct elf32_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version, entry, phoff, shoff, flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
_Static_assert(sizeof(struct elf32_ehdr) == 52, "ELF32 header is 52 bytes");

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header is 64 bytes");

struct elf32_phdr {
	uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};
_Static_assert(sizeof(struct elf32_phdr) == 32, "ELF32 phdr is 32 bytes");

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 phdr is 56 bytes");

#endif
