// SPDX-License-Identifier: MIT
/*
 * Multiboot2 boot information parser (Multiboot2 specification §3.6).
 *
 * The info block is written by the loader, so every byte of it is untrusted:
 * each tag is bounds-checked against total_size before any field is read,
 * fields are copied out with memcpy, strings are copied with an explicit
 * bound, and a malformed tag is reported and skipped rather than trusted.
 * Nothing outside [info, info + total_size) is ever read, and total_size is
 * itself checked against what the caller says is readable.
 */
#define LOG_TAG "mb2"
#include "kernel/log.h"
#include "boot/mb2.h"

/* After the project headers: newlib's sys/cdefs.h also defines __packed and friends. */
#include <errno.h>
#include <string.h>

#define MB2_TAG_ALIGN 8   /* §3.6: every tag starts 8-byte aligned */

/* EFI_MEMORY_TYPE values (UEFI 2.x §7.2). */
enum efi_memory_type {
	EFI_RESERVED_MEMORY   = 0,
	EFI_LOADER_CODE       = 1,
	EFI_LOADER_DATA       = 2,
	EFI_BOOT_SERVICES_CODE = 3,
	EFI_BOOT_SERVICES_DATA = 4,
	EFI_CONVENTIONAL      = 7,
	EFI_UNUSABLE          = 8,
	EFI_ACPI_RECLAIM      = 9,
	EFI_ACPI_NVS          = 10,
};

/* One tag being parsed: its header and its bytes, already known to lie inside the block. */
struct tag_view {
	uint32_t type;
	uint32_t size;
	const uint8_t *bytes;   /* the tag, header included; size bytes readable */
};

const char *mem_type_name(uint32_t type)
{
	switch (type) {
	case MEM_AVAILABLE:    return "available";
	case MEM_RESERVED:     return "reserved";
	case MEM_ACPI_RECLAIM: return "ACPI reclaimable";
	case MEM_ACPI_NVS:     return "ACPI NVS";
	case MEM_BAD:          return "bad";
	default:               return "unknown";
	}
}

/* Report a malformed tag (its type, its size, what is wrong) and count it. */
#define skip_tag(bi, t, fmt, ...)						\
	do {									\
		pr_warn("tag %u size %u: " fmt ", skipped", (t)->type, (t)->size,	\
			##__VA_ARGS__);						\
		(bi)->tags_skipped++;						\
	} while (0)

/*
 * Copy the string at [src, src+len) into dst. A string that is not
 * NUL-terminated inside the tag, or longer than dst, is cut (and always
 * terminated) with a warning: the loader wrote something odd, but the
 * prefix is still the best information there is.
 */
static void copy_tag_string(char *dst, size_t dst_size, const uint8_t *src, size_t len,
			    const struct tag_view *t)
{
	size_t n = strnlen((const char *)src, len);

	if (n == len)
		pr_warn("tag %u size %u: string not NUL-terminated inside the tag, truncated",
			t->type, t->size);
	if (n >= dst_size) {
		pr_warn("tag %u size %u: string of %u bytes truncated to %u",
			t->type, t->size, (unsigned)n, (unsigned)(dst_size - 1));
		n = dst_size - 1;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void parse_cmdline(struct boot_info *bi, const struct tag_view *t)
{
	copy_tag_string(bi->cmdline, sizeof(bi->cmdline), t->bytes + sizeof(struct mb2_tag),
			t->size - sizeof(struct mb2_tag), t);
	bi->has_cmdline = true;
}

static void parse_loader_name(struct boot_info *bi, const struct tag_view *t)
{
	copy_tag_string(bi->loader_name, sizeof(bi->loader_name),
			t->bytes + sizeof(struct mb2_tag), t->size - sizeof(struct mb2_tag), t);
}

static void parse_module(struct boot_info *bi, const struct tag_view *t)
{
	struct mb2_tag_module tag;
	struct boot_module *mod;

	if (t->size < sizeof(tag)) {
		skip_tag(bi, t, "too small for a module");
		return;
	}
	memcpy(&tag, t->bytes, sizeof(tag));
	if (tag.mod_end < tag.mod_start) {
		skip_tag(bi, t, "module end 0x%x is below its start 0x%x",
			 tag.mod_end, tag.mod_start);
		return;
	}
	if (bi->module_count >= BOOT_MODULES_MAX) {
		skip_tag(bi, t, "more than %u modules", BOOT_MODULES_MAX);
		return;
	}
	mod = &bi->modules[bi->module_count++];
	mod->start = tag.mod_start;
	mod->end = tag.mod_end;
	copy_tag_string(mod->cmdline, sizeof(mod->cmdline), t->bytes + sizeof(tag),
			t->size - sizeof(tag), t);
}

static void parse_basic_meminfo(struct boot_info *bi, const struct tag_view *t)
{
	struct mb2_tag_basic_meminfo tag;

	if (t->size < sizeof(tag)) {
		skip_tag(bi, t, "too small for basic meminfo");
		return;
	}
	memcpy(&tag, t->bytes, sizeof(tag));
	bi->has_meminfo = true;
	bi->mem_lower_kib = tag.mem_lower;
	bi->mem_upper_kib = tag.mem_upper;
}

/* §3.6.8: types other than 1..5 "indicate a reserved area". */
static uint32_t legacy_mem_type(uint32_t type)
{
	return type >= MEM_AVAILABLE && type <= MEM_BAD ? type : MEM_RESERVED;
}

/* End of a range, saturated: firmware lengths may wrap. */
static uint64_t range_end(const struct mem_range *r)
{
	return range_overflows(r->base, r->len) ? UINT64_MAX : r->base + r->len;
}

/* Fold `r` into the map entry `into`: their hull, reserved unless both agree on a type. */
static void mmap_fold(struct mem_range *into, const struct mem_range *r)
{
	uint64_t base = MIN(into->base, r->base);
	uint64_t end = MAX(range_end(into), range_end(r));

	into->type = into->type == r->type ? r->type : MEM_RESERVED;
	into->base = base;
	into->len = end - base;
}

/*
 * The map is full and `r` does not fit. Dropping an available range only
 * leaves RAM unused. Dropping any other range could turn reserved memory
 * into usable memory, since the frame allocator honours a reservation that
 * overlaps an available entry only if it sees it. So a non-available range
 * takes the slot of an available one, or, when no slot holds RAM, is folded
 * into the non-available entry whose hull with it is smallest (the gap
 * between them is then reserved too, which only costs RAM).
 */
static void mmap_overflow(struct boot_info *bi, const struct mem_range *r)
{
	struct mem_range *best = NULL;
	uint64_t best_span = UINT64_MAX;

	if (r->type == MEM_AVAILABLE) {
		bi->mmap_ram_dropped++;
		return;
	}
	for (unsigned i = bi->mmap_count; i-- > 0;) {
		if (bi->mmap[i].type == MEM_AVAILABLE) {
			bi->mmap[i] = *r;
			bi->mmap_ram_dropped++;
			return;
		}
	}
	for (unsigned i = 0; i < bi->mmap_count; i++) {
		struct mem_range hull = bi->mmap[i];

		mmap_fold(&hull, r);
		if (!best || hull.len < best_span) {
			best = &bi->mmap[i];
			best_span = hull.len;
		}
	}
	mmap_fold(best, r);
	bi->mmap_folded++;
}

/*
 * Append one range to the monitor's map. `merge` joins it to the previous
 * entry when both have one type and touch (the EFI map is fine-grained;
 * the legacy map is kept as the loader wrote it).
 */
static void mmap_add(struct boot_info *bi, const struct mem_range *r, bool merge)
{
	if (merge && bi->mmap_count > 0) {
		struct mem_range *prev = &bi->mmap[bi->mmap_count - 1];

		if (prev->type == r->type && range_end(prev) == r->base) {
			prev->len += r->len;
			return;
		}
	}
	if (bi->mmap_count < BOOT_MMAP_MAX)
		bi->mmap[bi->mmap_count++] = *r;
	else
		mmap_overflow(bi, r);
}

static void mmap_reset(struct boot_info *bi, bool from_efi)
{
	bi->mmap_count = 0;
	bi->mmap_from_efi = from_efi;
	bi->mmap_ram_dropped = 0;
	bi->mmap_folded = 0;
}

static void mmap_overflow_report(const struct boot_info *bi, const char *which, uint32_t count)
{
	if (bi->mmap_ram_dropped || bi->mmap_folded)
		pr_warn("%s memory map has %u entries, more than %u: %u available ranges left "
			"unused, %u reserved ranges merged into a neighbour", which, count,
			BOOT_MMAP_MAX, bi->mmap_ram_dropped, bi->mmap_folded);
}

static void parse_legacy_mmap(struct boot_info *bi, const struct tag_view *t, bool *seen)
{
	struct mb2_tag_mmap tag;
	uint32_t count;

	if (t->size < sizeof(tag)) {
		skip_tag(bi, t, "too small for a memory map");
		return;
	}
	memcpy(&tag, t->bytes, sizeof(tag));
	if (tag.entry_size < sizeof(struct mb2_mmap_entry) || tag.entry_size % 8 != 0) {
		skip_tag(bi, t, "memory map entry_size %u is invalid", tag.entry_size);
		return;
	}
	if (*seen) {
		skip_tag(bi, t, "second memory map");
		return;
	}
	*seen = true;
	count = (t->size - sizeof(tag)) / tag.entry_size;
	/* The legacy map wins over an EFI map parsed earlier (see mb2_parse). */
	mmap_reset(bi, false);
	for (uint32_t i = 0; i < count; i++) {
		struct mb2_mmap_entry e;

		memcpy(&e, t->bytes + sizeof(tag) + (size_t)i * tag.entry_size, sizeof(e));
		mmap_add(bi, &(struct mem_range){ e.base_addr, e.length, legacy_mem_type(e.type) },
			 false);
	}
	mmap_overflow_report(bi, "legacy", count);
	bi->legacy_mmap_entries = count;
}

static uint32_t efi_mem_type(uint32_t efi_type)
{
	switch (efi_type) {
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA:
	case EFI_CONVENTIONAL:
		return MEM_AVAILABLE;
	case EFI_ACPI_RECLAIM:
		return MEM_ACPI_RECLAIM;
	case EFI_ACPI_NVS:
		return MEM_ACPI_NVS;
	case EFI_UNUSABLE:
		return MEM_BAD;
	default:
		return MEM_RESERVED;   /* runtime services, MMIO, PAL, persistent, unknown */
	}
}

static void convert_efi_mmap(struct boot_info *bi, const struct tag_view *t,
			     uint32_t descr_size, uint32_t count)
{
	mmap_reset(bi, true);
	for (uint32_t i = 0; i < count; i++) {
		struct efi_memory_descriptor d;

		memcpy(&d, t->bytes + sizeof(struct mb2_tag_efi_mmap) + (size_t)i * descr_size,
		       sizeof(d));
		/* A page count this large cannot be real memory and would wrap when scaled. */
		if (d.number_of_pages == 0 || d.number_of_pages > (UINT64_MAX >> PAGE_SHIFT) ||
		    range_overflows(d.physical_start, d.number_of_pages << PAGE_SHIFT)) {
			pr_warn("EFI descriptor %u (0x%llx, %llu pages) is empty or wraps, ignored",
				i, (unsigned long long)d.physical_start,
				(unsigned long long)d.number_of_pages);
			continue;
		}
		mmap_add(bi, &(struct mem_range){ d.physical_start, d.number_of_pages << PAGE_SHIFT,
						  efi_mem_type(d.type) }, true);
	}
	mmap_overflow_report(bi, "EFI", count);
}

static void parse_efi_mmap(struct boot_info *bi, const struct tag_view *t, bool legacy_seen)
{
	struct mb2_tag_efi_mmap tag;
	uint32_t count;

	if (t->size < sizeof(tag)) {
		skip_tag(bi, t, "too small for an EFI memory map");
		return;
	}
	memcpy(&tag, t->bytes, sizeof(tag));
	/* UEFI lets descriptors grow; they never shrink below the 2.x layout. */
	if (tag.descr_size < sizeof(struct efi_memory_descriptor)) {
		skip_tag(bi, t, "EFI memory map descr_size %u is invalid", tag.descr_size);
		return;
	}
	if (bi->efi_mmap_entries) {
		skip_tag(bi, t, "second EFI memory map");
		return;
	}
	count = (t->size - sizeof(tag)) / tag.descr_size;
	bi->efi_mmap_entries = count;
	/* The EFI map is only a fallback: the loader's E820-style map is authoritative. */
	if (!legacy_seen)
		convert_efi_mmap(bi, t, tag.descr_size, count);
}

static void parse_efi64_st(struct boot_info *bi, const struct tag_view *t)
{
	struct mb2_tag_efi64_st tag;

	if (t->size < sizeof(tag)) {
		skip_tag(bi, t, "too small for an EFI64 system table pointer");
		return;
	}
	memcpy(&tag, t->bytes, sizeof(tag));
	bi->efi64_system_table = tag.pointer;
}

/* Tags 14/15 carry a copy of the RSDP; 15 (ACPI 2.0+, with the XSDT) is preferred. */
static void parse_rsdp(struct boot_info *bi, const struct tag_view *t)
{
	uint32_t payload = t->size - sizeof(struct mb2_tag);
	uint32_t len = t->type == MB2_TAG_ACPI_OLD ? MB2_RSDP_V1_LEN : MIN(payload, MB2_RSDP_V2_LEN);

	if (payload < MB2_RSDP_V1_LEN) {
		skip_tag(bi, t, "too small for an RSDP (%u bytes)", MB2_RSDP_V1_LEN);
		return;
	}
	if (t->type == MB2_TAG_ACPI_OLD && bi->rsdp_tag == MB2_TAG_ACPI_NEW)
		return;
	memset(bi->rsdp, 0, sizeof(bi->rsdp));
	memcpy(bi->rsdp, t->bytes + sizeof(struct mb2_tag), len);
	bi->rsdp_len = len;
	bi->rsdp_tag = t->type;
}

static bool tag_is_known_ignored(uint32_t type)
{
	switch (type) {
	case MB2_TAG_BOOTDEV:
	case 7:                       /* VBE info */
	case MB2_TAG_FRAMEBUFFER:
	case MB2_TAG_ELF_SECTIONS:
	case MB2_TAG_APM:
	case MB2_TAG_EFI32_ST:
	case 13:                      /* SMBIOS tables */
	case 16:                      /* networking (DHCP ACK) */
	case 19:                      /* EFI32 image handle */
	case 20:                      /* EFI64 image handle */
	case MB2_TAG_LOAD_BASE_ADDR:
		return true;
	default:
		return false;
	}
}

static void parse_tag(struct boot_info *bi, const struct tag_view *t, bool *legacy_seen)
{
	switch (t->type) {
	case MB2_TAG_CMDLINE:       parse_cmdline(bi, t); break;
	case MB2_TAG_LOADER_NAME:   parse_loader_name(bi, t); break;
	case MB2_TAG_MODULE:        parse_module(bi, t); break;
	case MB2_TAG_BASIC_MEMINFO: parse_basic_meminfo(bi, t); break;
	case MB2_TAG_MMAP:          parse_legacy_mmap(bi, t, legacy_seen); break;
	case MB2_TAG_EFI64_ST:      parse_efi64_st(bi, t); break;
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:      parse_rsdp(bi, t); break;
	case MB2_TAG_EFI_MMAP:      parse_efi_mmap(bi, t, *legacy_seen); break;
	case MB2_TAG_EFI_BS:        bi->efi_boot_services_not_exited = true; break;
	default:
		if (!tag_is_known_ignored(t->type))
			pr_debug("unknown tag type %u size %u skipped", t->type, t->size);
		break;
	}
}

static int check_block(const void *info, uint32_t avail, uint32_t *total_size)
{
	struct mb2_info_header hdr;

	if (!info || (uintptr_t)info % MB2_TAG_ALIGN != 0) {
		pr_warn("info block at 0x%llx is not 8-byte aligned",
			(unsigned long long)(uintptr_t)info);
		return -EINVAL;
	}
	if (avail < sizeof(hdr)) {
		pr_warn("only %u bytes readable, no room for the info header", avail);
		return -EINVAL;
	}
	memcpy(&hdr, info, sizeof(hdr));
	/* The smallest valid block is the 8-byte header plus the 8-byte end tag. */
	if (hdr.total_size < sizeof(hdr) + sizeof(struct mb2_tag) || hdr.total_size > avail ||
	    hdr.total_size > MB2_INFO_MAX_SIZE) {
		pr_warn("total_size %u is invalid (%u bytes readable, limit %u)",
			hdr.total_size, avail, MB2_INFO_MAX_SIZE);
		return -EINVAL;
	}
	*total_size = hdr.total_size;
	return 0;
}

/* Read the tag header at `off`; false (after reporting) when the walk cannot go on. */
static bool next_tag(struct boot_info *bi, const uint8_t *base, uint32_t total, uint32_t off,
		     struct tag_view *t)
{
	struct mb2_tag hdr;

	memcpy(&hdr, base + off, sizeof(hdr));
	*t = (struct tag_view){ hdr.type, hdr.size, base + off };
	if (hdr.size < sizeof(hdr)) {
		/* The next tag's position is unknowable: stop rather than guess. */
		skip_tag(bi, t, "shorter than its header, walk stopped");
		return false;
	}
	if (hdr.size > total - off) {
		skip_tag(bi, t, "runs past total_size %u, walk stopped", total);
		return false;
	}
	return true;
}

static void walk_tags(struct boot_info *bi, const uint8_t *base, uint32_t total)
{
	bool legacy_seen = false;
	uint64_t off = sizeof(struct mb2_info_header);

	while (off + sizeof(struct mb2_tag) <= total) {
		struct tag_view t;

		if (!next_tag(bi, base, total, (uint32_t)off, &t))
			return;
		if (t.type == MB2_TAG_END) {
			if (t.size != sizeof(struct mb2_tag))
				pr_warn("end tag has size %u, expected 8", t.size);
			return;
		}
		bi->tags_seen++;
		parse_tag(bi, &t, &legacy_seen);
		off += ALIGN_UP((uint64_t)t.size, MB2_TAG_ALIGN);
	}
	pr_warn("no end tag before total_size %u", total);
}

int mb2_parse(const void *info, uint32_t avail, uint64_t info_pa, struct boot_info *bi)
{
	uint32_t total;
	int err;

	memset(bi, 0, sizeof(*bi));
	err = check_block(info, avail, &total);
	if (err)
		return err;
	bi->info_pa = info_pa;
	bi->info_size = total;
	walk_tags(bi, info, total);
	pr_info("info at 0x%llx, %u bytes: %u tags (%u skipped), %u memory ranges from the %s map",
		(unsigned long long)info_pa, total, bi->tags_seen, bi->tags_skipped,
		bi->mmap_count, bi->mmap_from_efi ? "EFI" : "legacy");
	for (unsigned i = 0; i < bi->module_count; i++)
		pr_info("module %u: 0x%llx-0x%llx (%llu bytes) '%s'", i,
			(unsigned long long)bi->modules[i].start, (unsigned long long)bi->modules[i].end,
			(unsigned long long)(bi->modules[i].end - bi->modules[i].start),
			bi->modules[i].cmdline);
	return 0;
}
