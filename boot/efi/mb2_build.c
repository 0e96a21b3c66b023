// SPDX-License-Identifier: MIT
/*
 * The multiboot2 information block as GRUB 2 builds it on x86_64-efi
 * (grub_multiboot2_make_mbi): the same tags, in the same order, with the
 * same memory-type conversion, so iomon cannot tell the two loaders apart.
 */
#include "boot/efi/mb2_build.h"

#include <errno.h>
#include <string.h>

#define TAG_ALIGN 8

/* EFI_MEMORY_TYPE (UEFI 2.x §7.2, Table "Memory Type Usage before ExitBootServices()"). */
enum {
	EFI_RESERVED = 0, EFI_LOADER_CODE, EFI_LOADER_DATA, EFI_BS_CODE, EFI_BS_DATA,
	EFI_RT_CODE, EFI_RT_DATA, EFI_CONVENTIONAL, EFI_UNUSABLE, EFI_ACPI_RECLAIM,
	EFI_ACPI_NVS, EFI_MMIO, EFI_MMIO_PORT, EFI_PAL_CODE, EFI_PERSISTENT,
};

int mb2b_init(struct mb2_builder *b, void *buf, uint32_t cap)
{
	struct mb2_info_header hdr = { 0, 0 };

	if (!buf || (uintptr_t)buf % TAG_ALIGN || cap < sizeof(hdr) + sizeof(struct mb2_tag))
		return -EINVAL;
	*b = (struct mb2_builder){ buf, cap, sizeof(hdr) };
	memcpy(b->buf, &hdr, sizeof(hdr));
	return 0;
}

/* Room for a tag of `size` bytes (padded) and, always, the end tag after it. */
static bool fits(const struct mb2_builder *b, uint64_t size)
{
	return b->len + ALIGN_UP(size, TAG_ALIGN) + sizeof(struct mb2_tag) <= b->cap;
}

/* Append a tag: header fields `head` (type and size first), then `tail`, zero-padded to 8. */
static int append(struct mb2_builder *b, const void *head, uint32_t head_len,
		  const void *tail, uint32_t tail_len)
{
	uint64_t size = (uint64_t)head_len + tail_len;
	uint32_t padded;

	if (size > UINT32_MAX - TAG_ALIGN || !fits(b, size))
		return -ENOSPC;
	padded = ALIGN_UP(size, TAG_ALIGN);
	memcpy(b->buf + b->len, head, head_len);
	if (tail_len)
		memcpy(b->buf + b->len + head_len, tail, tail_len);
	memset(b->buf + b->len + size, 0, padded - size);
	b->len += padded;
	return 0;
}

int mb2b_add_load_base(struct mb2_builder *b, uint32_t load_base)
{
	struct { uint32_t type, size, load_base_addr; } tag = {
		MB2_TAG_LOAD_BASE_ADDR, sizeof(tag), load_base };

	return append(b, &tag, sizeof(tag), NULL, 0);
}

int mb2b_add_string(struct mb2_builder *b, uint32_t type, const char *s)
{
	uint32_t n = strlen(s) + 1;
	struct mb2_tag tag = { type, sizeof(tag) + n };

	return append(b, &tag, sizeof(tag), s, n);
}

int mb2b_add_module(struct mb2_builder *b, uint32_t start, uint32_t end, const char *cmdline)
{
	uint32_t n = strlen(cmdline) + 1;
	struct mb2_tag_module tag = { MB2_TAG_MODULE, sizeof(tag) + n, start, end };

	if (end < start)
		return -EINVAL;
	return append(b, &tag, sizeof(tag), cmdline, n);
}

/* GRUB's grub_efi_mmap_iterate() table, boot services already counted as free. */
uint32_t mb2b_efi_to_mem_type(uint32_t efi_type)
{
	switch (efi_type) {
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BS_CODE:
	case EFI_BS_DATA:
	case EFI_CONVENTIONAL:
		return MEM_AVAILABLE;
	case EFI_RT_CODE:
		return MB2B_MEM_RUNTIME_CODE;
	case EFI_UNUSABLE:
		return MEM_BAD;
	case EFI_ACPI_RECLAIM:
		return MEM_ACPI_RECLAIM;
	case EFI_ACPI_NVS:
		return MEM_ACPI_NVS;
	case EFI_PERSISTENT:
		return MB2B_MEM_PERSISTENT;
	default:   /* reserved, runtime data, MMIO, MMIO ports, PAL code, unknown */
		return MEM_RESERVED;
	}
}

static void sort_ranges(struct mem_range *r, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		struct mem_range key = r[i];
		uint32_t j = i;

		for (; j > 0 && r[j - 1].base > key.base; j--)
			r[j] = r[j - 1];
		r[j] = key;
	}
}

int mb2b_convert_efi_map(const void *map, uint64_t map_size, uint64_t descr_size,
			 struct mem_range *out, uint32_t out_max)
{
	const uint8_t *p = map;
	uint32_t n = 0, merged = 0;

	if (descr_size < sizeof(struct efi_memory_descriptor))
		return -EINVAL;
	for (uint64_t off = 0; off + descr_size <= map_size; off += descr_size) {
		struct efi_memory_descriptor d;

		memcpy(&d, p + off, sizeof(d));
		if (d.number_of_pages == 0 || d.number_of_pages > (UINT64_MAX >> PAGE_SHIFT))
			continue;
		if (n == out_max)
			return -ENOSPC;
		out[n++] = (struct mem_range){ d.physical_start, d.number_of_pages << PAGE_SHIFT,
					       mb2b_efi_to_mem_type(d.type) };
	}
	/* grub_mmap_iterate() reports the map in address order, touching equal types joined. */
	sort_ranges(out, n);
	for (uint32_t i = 0; i < n; i++) {
		struct mem_range *prev = merged ? &out[merged - 1] : NULL;

		if (prev && prev->type == out[i].type && prev->base + prev->len == out[i].base)
			prev->len += out[i].len;
		else
			out[merged++] = out[i];
	}
	return merged;
}

/* grub_mmap_get_lower()/get_upper(): available RAM at 0 (capped at 1 MiB) and from 1 MiB on. */
static void basic_meminfo(const struct mem_range *r, uint32_t n, uint64_t *lower, uint64_t *upper)
{
	*lower = *upper = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (r[i].type != MEM_AVAILABLE)
			continue;
		if (r[i].base == 0)
			*lower = r[i].len;
		if (r[i].base <= MiB && r[i].base + r[i].len > MiB)
			*upper = r[i].base + r[i].len - MiB;
	}
	if (*lower > MiB)
		*lower = MiB;
}

int mb2b_add_mmap_and_meminfo(struct mb2_builder *b, const void *map, uint64_t map_size,
			      uint64_t descr_size, struct mem_range *scratch, uint32_t scratch_max)
{
	struct mb2_tag_mmap head = { MB2_TAG_MMAP, sizeof(head), sizeof(struct mb2_mmap_entry), 0 };
	struct mb2_tag_basic_meminfo info = { MB2_TAG_BASIC_MEMINFO, sizeof(info), 0, 0 };
	uint32_t saved = b->len;
	uint64_t lower, upper;
	int n = mb2b_convert_efi_map(map, map_size, descr_size, scratch, scratch_max);

	if (n < 0)
		return n;
	head.size += (uint32_t)n * sizeof(struct mb2_mmap_entry);
	if (!fits(b, head.size + sizeof(info)))
		return -ENOSPC;
	memcpy(b->buf + b->len, &head, sizeof(head));
	b->len += sizeof(head);
	for (int i = 0; i < n; i++) {
		struct mb2_mmap_entry e = { scratch[i].base, scratch[i].len, scratch[i].type, 0 };

		memcpy(b->buf + b->len, &e, sizeof(e));
		b->len += sizeof(e);
	}
	b->len = saved + ALIGN_UP(head.size, TAG_ALIGN);   /* entries are 24 bytes: pad to 8 */

	basic_meminfo(scratch, n, &lower, &upper);
	info.mem_lower = lower / KiB;
	info.mem_upper = upper / KiB > UINT32_MAX ? UINT32_MAX : (uint32_t)(upper / KiB);
	return append(b, &info, sizeof(info), NULL, 0);
}

int mb2b_add_efi64_st(struct mb2_builder *b, uint64_t system_table)
{
	struct mb2_tag_efi64_st tag = { MB2_TAG_EFI64_ST, sizeof(tag), system_table };

	return append(b, &tag, sizeof(tag), NULL, 0);
}

int mb2b_add_rsdp(struct mb2_builder *b, uint32_t type, const void *rsdp, uint32_t rsdp_len)
{
	struct mb2_tag tag = { type, sizeof(tag) + rsdp_len };

	if ((type != MB2_TAG_ACPI_OLD && type != MB2_TAG_ACPI_NEW) || rsdp_len < MB2_RSDP_V1_LEN)
		return -EINVAL;
	return append(b, &tag, sizeof(tag), rsdp, rsdp_len);
}

void *mb2b_efi_mmap_room(struct mb2_builder *b, uint64_t *room)
{
	uint64_t used = (uint64_t)b->len + sizeof(struct mb2_tag_efi_mmap) + sizeof(struct mb2_tag);

	*room = used < b->cap ? ALIGN_DOWN(b->cap - used, TAG_ALIGN) : 0;
	return b->buf + b->len + sizeof(struct mb2_tag_efi_mmap);
}

int mb2b_finish(struct mb2_builder *b, uint64_t map_size, uint32_t descr_size,
		uint32_t descr_version)
{
	struct mb2_tag end = { MB2_TAG_END, sizeof(end) };
	struct mb2_info_header hdr;
	uint64_t room;
	uint32_t off = b->len;

	mb2b_efi_mmap_room(b, &room);
	if (map_size > room)
		return -ENOSPC;
	if (map_size) {
		struct mb2_tag_efi_mmap tag = { MB2_TAG_EFI_MMAP,
						(uint32_t)(sizeof(tag) + map_size),
						descr_size, descr_version };

		/* The descriptors are already in place (mb2b_efi_mmap_room()). */
		memcpy(b->buf + off, &tag, sizeof(tag));
		off += ALIGN_UP(tag.size, TAG_ALIGN);
	}
	memcpy(b->buf + off, &end, sizeof(end));
	hdr = (struct mb2_info_header){ off + (uint32_t)sizeof(end), 0 };
	memcpy(b->buf, &hdr, sizeof(hdr));
	return 0;
}
