// SPDX-License-Identifier: MIT
/*
 * Monitor image checks (image.h). The image comes from a removable stick:
 * every offset and size is checked against the file before it is used, and
 * every failure names what is wrong in words a user can act on.
 */
#include "boot/efi/image.h"

#include "boot/elf.h"
#include "boot/mb2.h"

#include <errno.h>
#include <string.h>

#define FOUR_GIB (1ULL << 32)

static int fail(const char **why, const char *msg)
{
	*why = msg;
	return -EINVAL;
}

/* The info tags this loader writes (mb2_build.h). */
static bool tag_provided(uint32_t type)
{
	switch (type) {
	case 1: case 2: case 3: case 4: case 6: case 12: case 14: case 15: case 17:
		return true;
	default:
		return false;
	}
}

static int check_info_request(const uint8_t *tag, uint32_t size, bool optional, const char **why)
{
	for (uint32_t off = sizeof(struct mb2_header_tag); off + 4 <= size; off += 4) {
		uint32_t type;

		memcpy(&type, tag + off, sizeof(type));
		if (!optional && !tag_provided(type))
			return fail(why, "its multiboot2 header requires an information tag this loader does not provide");
	}
	return 0;
}

static int check_header_tag(const uint8_t *tag, const struct mb2_header_tag *t,
			    struct mb2_image *img, const char **why)
{
	bool optional = t->flags & MB2_HDR_TAG_OPTIONAL;

	switch (t->type) {
	case MB2_HDR_TAG_INFO_REQUEST:
		return check_info_request(tag, t->size, optional, why);
	case MB2_HDR_TAG_ENTRY_ADDRESS: {
		uint32_t entry;

		if (t->size < 12)
			return fail(why, "its multiboot2 entry address tag is too short");
		memcpy(&entry, tag + 8, sizeof(entry));
		img->entry = entry;
		return 0;
	}
	case MB2_HDR_TAG_MODULE_ALIGN:
		img->page_align_modules = true;   /* modules are page-aligned anyway */
		return 0;
	case MB2_HDR_TAG_CONSOLE_FLAGS:
	case MB2_HDR_TAG_RELOCATABLE:   /* loading at the linked address is always allowed */
		return 0;
	case MB2_HDR_TAG_ADDRESS:
		return optional ? 0 : fail(why, "its multiboot2 header uses the address tag; only ELF images are supported");
	case MB2_HDR_TAG_EFI_BS:
		return optional ? 0 : fail(why, "its multiboot2 header asks to keep boot services, which this loader does not do");
	case MB2_HDR_TAG_FRAMEBUFFER:
	default:
		return optional ? 0 : fail(why, "its multiboot2 header requires a feature this loader does not support");
	}
}

static int check_mb2_header(const uint8_t *file, uint64_t size, struct mb2_image *img,
			    const char **why)
{
	uint64_t window = MIN(size, (uint64_t)MB2_HEADER_SEARCH);
	struct mb2_header h;
	uint64_t off;

	for (off = 0; off + sizeof(h) <= window; off += 8) {
		memcpy(&h, file + off, sizeof(h));
		if (h.magic == MB2_HEADER_MAGIC)
			break;
	}
	if (off + sizeof(h) > window)
		return fail(why, "no multiboot2 header in its first 32 KiB");
	if (h.magic + h.architecture + h.header_length + h.checksum != 0)
		return fail(why, "its multiboot2 header checksum is wrong");
	if (h.architecture != MB2_ARCH_I386)
		return fail(why, "its multiboot2 header is not for the i386 architecture");
	if (h.header_length < sizeof(h) + sizeof(struct mb2_header_tag) ||
	    h.header_length > window - off)
		return fail(why, "its multiboot2 header length is wrong");
	img->header_offset = (uint32_t)off;

	for (uint64_t t_off = off + sizeof(h); t_off + sizeof(struct mb2_header_tag) <= off + h.header_length;) {
		struct mb2_header_tag t;
		int err;

		memcpy(&t, file + t_off, sizeof(t));
		if (t.type == MB2_HDR_TAG_END)
			return 0;
		if (t.size < sizeof(t) || t.size > off + h.header_length - t_off)
			return fail(why, "a multiboot2 header tag has a bad size");
		err = check_header_tag(file + t_off, &t, img, why);
		if (err)
			return err;
		t_off += ALIGN_UP((uint64_t)t.size, 8);
	}
	return fail(why, "its multiboot2 header has no end tag");
}

static int check_segment(const struct elf64_phdr *ph, uint64_t size, const char **why)
{
	if (ph->filesz > ph->memsz)
		return fail(why, "a segment has more file bytes than memory bytes");
	if (ph->offset > size || ph->filesz > size - ph->offset)
		return fail(why, "a segment runs past the end of the file");
	if (ph->paddr >= FOUR_GIB || ph->memsz > FOUR_GIB - ph->paddr)
		return fail(why, "a segment lies above 4 GiB, out of reach of the 32-bit entry");
	return 0;
}

static int check_elf(const uint8_t *file, uint64_t head_len, uint64_t size, struct mb2_image *img,
		     const char **why)
{
	struct elf64_ehdr eh;

	if (head_len < sizeof(eh) || memcmp(file, ELF_MAGIC, 4) != 0)
		return fail(why, "not an ELF file");
	memcpy(&eh, file, sizeof(eh));
	if (eh.ident[EI_CLASS] != ELFCLASS64 || eh.ident[EI_DATA] != ELFDATA2LSB ||
	    eh.machine != EM_X86_64 || eh.version != EV_CURRENT)
		return fail(why, "not an ELF64 x86-64 file");
	if (eh.type != ET_EXEC)
		return fail(why, "not an ELF executable");
	if (eh.phentsize != sizeof(struct elf64_phdr) || eh.phoff > head_len ||
	    (uint64_t)eh.phnum * sizeof(struct elf64_phdr) > head_len - eh.phoff)
		return fail(why, "its program headers are malformed or not in its first 32 KiB");

	img->load_lo = UINT64_MAX;
	img->load_hi = 0;
	for (unsigned i = 0; i < eh.phnum; i++) {
		struct elf64_phdr ph;
		int err;

		memcpy(&ph, file + eh.phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		err = check_segment(&ph, size, why);
		if (err)
			return err;
		if (img->nsegs == IMAGE_SEGMENTS_MAX)
			return fail(why, "it has too many loadable segments");
		img->segs[img->nsegs++] = (struct image_segment){ ph.paddr, ph.offset,
								  ph.filesz, ph.memsz };
		img->load_lo = MIN(img->load_lo, ph.paddr);
		img->load_hi = MAX(img->load_hi, ph.paddr + ph.memsz);
	}
	if (!img->nsegs)
		return fail(why, "it has no loadable segment");
	img->entry = eh.entry;
	return 0;
}

int image_check(const uint8_t *head, uint64_t head_len, uint64_t file_size, struct mb2_image *img,
		const char **why)
{
	int err;

	memset(img, 0, sizeof(*img));
	*why = NULL;
	head_len = MIN(head_len, file_size);
	err = check_elf(head, head_len, file_size, img, why);
	if (!err)
		err = check_mb2_header(head, head_len, img, why);   /* may override the entry */
	if (err)
		return err;
	if (img->entry < img->load_lo || img->entry >= img->load_hi)
		return fail(why, "its entry point is outside its loaded segments");
	return 0;
}

/* EFI_MEMORY_TYPE values that are free once boot services have exited (UEFI 2.x §7.2). */
#define EFI_BS_CODE       3
#define EFI_BS_DATA       4
#define EFI_CONVENTIONAL  7

/* The descriptor covering `pa`, or false when none does. */
static bool descriptor_at(const uint8_t *map, uint64_t map_size, uint64_t descr_size, uint64_t pa,
			  struct efi_memory_descriptor *out)
{
	for (uint64_t off = 0; off + descr_size <= map_size; off += descr_size) {
		struct efi_memory_descriptor d;

		memcpy(&d, map + off, sizeof(d));
		if (d.number_of_pages > (UINT64_MAX >> PAGE_SHIFT) ||
		    range_overflows(d.physical_start, d.number_of_pages << PAGE_SHIFT))
			continue;
		if (pa >= d.physical_start && pa - d.physical_start < d.number_of_pages << PAGE_SHIFT) {
			*out = d;
			return true;
		}
	}
	return false;
}

int image_plan_target(const void *map, uint64_t map_size, uint64_t descr_size, uint64_t lo,
		      uint64_t hi, struct image_segment *free, unsigned free_max, unsigned *nfree)
{
	uint64_t pa = lo;

	*nfree = 0;
	if (descr_size < sizeof(struct efi_memory_descriptor) || lo >= hi)
		return -EINVAL;
	while (pa < hi) {
		struct efi_memory_descriptor d;
		uint64_t end;

		if (!descriptor_at(map, map_size, descr_size, pa, &d))
			return -EBUSY;   /* a hole: nothing says it is RAM */
		if (d.type != EFI_BS_CODE && d.type != EFI_BS_DATA && d.type != EFI_CONVENTIONAL)
			return -EBUSY;
		end = MIN(hi, d.physical_start + (d.number_of_pages << PAGE_SHIFT));
		if (d.type == EFI_CONVENTIONAL) {
			if (*nfree == free_max)
				return -ENOSPC;
			free[(*nfree)++] = (struct image_segment){ .paddr = pa, .memsz = end - pa };
		}
		pa = end;
	}
	return 0;
}
