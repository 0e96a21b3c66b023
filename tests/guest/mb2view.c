// SPDX-License-Identifier: MIT
/*
 * Judging the multiboot2 information the guest was booted with.
 */
#include "tests/guest/mb2view.h"
#include "tests/guest/fmt.h"

#define FAIL(...) do { gsnprintf(why, n, __VA_ARGS__); return -1; } while (0)

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static int parse_mmap(struct mb2_view *v, const uint8_t *tag, uint32_t size, char *why, size_t n)
{
	uint32_t esz, off;

	if (size < 16)
		FAIL("memory map tag size %u < 16", size);
	esz = rd32(tag + 8);
	if (esz < sizeof(struct mb2_mmap_entry) || esz % 8)
		FAIL("memory map entry_size %u (must be >= 24 and a multiple of 8)", esz);
	if (rd32(tag + 12) != 0)
		FAIL("memory map entry_version %u, expected 0", rd32(tag + 12));
	if ((size - 16) % esz)
		FAIL("memory map tag size %u is not 16 + a whole number of %u-byte entries", size, esz);
	if (v->has_mmap)
		FAIL("two memory map tags");
	v->has_mmap = true;
	v->mmap_entry_size = esz;
	for (off = 16; off + esz <= size; off += esz) {
		const uint8_t *e = tag + off;

		if (v->nmap == GUEST_MAP_MAX)
			FAIL("more than %u memory map entries", GUEST_MAP_MAX);
		v->map[v->nmap++] = (struct mem_range){ rd64(e), rd64(e + 8), rd32(e + 16) };
	}
	return 0;
}

static int parse_tag(struct mb2_view *v, const uint8_t *tag, uint32_t type, uint32_t size,
		     char *why, size_t n)
{
	switch (type) {
	case MB2_TAG_CMDLINE:
		if (size < 9 || tag[size - 1] != '\0')
			FAIL("command-line tag (size %u) is not a NUL-terminated string", size);
		v->cmdline = (const char *)tag + 8;
		break;
	case MB2_TAG_BASIC_MEMINFO:
		if (size != sizeof(struct mb2_tag_basic_meminfo))
			FAIL("basic meminfo tag size %u, expected 16", size);
		v->has_meminfo = true;
		v->mem_lower = rd32(tag + 8);
		v->mem_upper = rd32(tag + 12);
		break;
	case MB2_TAG_MMAP:
		return parse_mmap(v, tag, size, why, n);
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		if (size < 8 + MB2_RSDP_V1_LEN)
			FAIL("ACPI tag %u size %u is too small for an RSDP", type, size);
		if (!v->rsdp || type == MB2_TAG_ACPI_NEW) {
			v->rsdp = tag + 8;
			v->rsdp_len = size - 8;
		}
		break;
	case MB2_TAG_MODULE:
		if (size < 17 || tag[size - 1] != '\0')
			FAIL("module tag (size %u) has no NUL-terminated string", size);
		if (rd32(tag + 12) < rd32(tag + 8))
			FAIL("module ends (0x%x) before it starts (0x%x)", rd32(tag + 12), rd32(tag + 8));
		if (v->nmods < GUEST_MODS_MAX)
			v->mods[v->nmods++] = (struct guest_range){ rd32(tag + 8), rd32(tag + 12) };
		break;
	default:
		break;
	}
	return 0;
}

int mb2_view_parse(uint32_t magic, const void *info, struct mb2_view *v, char *why, size_t n)
{
	const uint8_t *base = info;
	uint32_t off, total;
	bool end_seen = false;

	*v = (struct mb2_view){ .info = base };
	if (magic != MB2_BOOTLOADER_MAGIC)
		FAIL("EAX was 0x%x, not the multiboot2 magic 0x%x", magic, MB2_BOOTLOADER_MAGIC);
	if (!base || !IS_ALIGNED((uintptr_t)base, 8))
		FAIL("info block at %p is not 8-byte aligned", info);
	total = rd32(base);
	v->total_size = total;
	if (total < 16 || total > MB2_INFO_MAX_SIZE || total % 8)
		FAIL("total_size %u (expected 16..%u and a multiple of 8)", total, MB2_INFO_MAX_SIZE);
	for (off = 8; off < total; off = (uint32_t)ALIGN_UP(off + rd32(base + off + 4), 8)) {
		const uint8_t *tag = base + off;
		uint32_t type, size;

		if (end_seen)
			FAIL("tag at offset %u follows the end tag", off);
		if (total - off < 8)
			FAIL("tag header at offset %u runs past total_size %u", off, total);
		type = rd32(tag);
		size = rd32(tag + 4);
		if (size < 8 || size > total - off)
			FAIL("tag type %u at offset %u has size %u (past total_size %u)", type, off, size, total);
		v->ntags++;
		if (type == MB2_TAG_END) {
			if (size != 8)
				FAIL("end tag has size %u, expected 8", size);
			end_seen = true;
			continue;
		}
		if (parse_tag(v, tag, type, size, why, n))
			return -1;
	}
	if (!end_seen)
		FAIL("no end tag within total_size %u", total);
	if (off != total)
		FAIL("last tag ends at %u, total_size is %u", off, total);
	return 0;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

int mmap_check_sane(const struct mb2_view *v, char *why, size_t n)
{
	unsigned i, j, navail = 0;

	if (!v->has_mmap)
		FAIL("no memory map tag");
	if (v->nmap == 0)
		FAIL("memory map has no entries");
	for (i = 0; i < v->nmap; i++) {
		const struct mem_range *e = &v->map[i];

		if (e->len == 0)
			FAIL("entry %u at 0x%llx has length 0", i, (unsigned long long)e->base);
		if (range_overflows(e->base, e->len))
			FAIL("entry %u 0x%llx+0x%llx wraps", i, (unsigned long long)e->base,
			     (unsigned long long)e->len);
		if (e->type == 0)
			FAIL("entry %u at 0x%llx has type 0", i, (unsigned long long)e->base);
		if (e->type != MEM_AVAILABLE)
			continue;
		navail++;
		for (j = 0; j < v->nmap; j++) {
			const struct mem_range *o = &v->map[j];

			if (j != i && overlaps(e->base, e->len, o->base, o->len))
				FAIL("available 0x%llx-0x%llx overlaps entry %u 0x%llx-0x%llx (type %u)",
				     (unsigned long long)e->base, (unsigned long long)(e->base + e->len),
				     j, (unsigned long long)o->base, (unsigned long long)(o->base + o->len),
				     o->type);
		}
	}
	if (navail == 0)
		FAIL("no available memory in the map");
	return 0;
}

int mmap_check_excluded(const struct mb2_view *v, const struct guest_range *r, unsigned nr,
			char *why, size_t n)
{
	unsigned i, k;

	for (k = 0; k < nr; k++) {
		for (i = 0; i < v->nmap; i++) {
			const struct mem_range *e = &v->map[i];

			if (e->type == MEM_AVAILABLE &&
			    overlaps(e->base, e->len, r[k].start, r[k].end - r[k].start))
				FAIL("excluded 0x%llx-0x%llx is available in entry 0x%llx-0x%llx",
				     (unsigned long long)r[k].start, (unsigned long long)r[k].end,
				     (unsigned long long)e->base, (unsigned long long)(e->base + e->len));
		}
	}
	return 0;
}

uint64_t mmap_available_end(const struct mb2_view *v, uint64_t addr)
{
	bool grew = true;

	while (grew) {
		unsigned i;

		grew = false;
		for (i = 0; i < v->nmap; i++) {
			const struct mem_range *e = &v->map[i];

			if (e->type == MEM_AVAILABLE && e->base <= addr && addr < e->base + e->len) {
				addr = e->base + e->len;
				grew = true;
			}
		}
	}
	return addr;
}

uint64_t mmap_top(const struct mb2_view *v)
{
	uint64_t top = 0;
	unsigned i;

	for (i = 0; i < v->nmap; i++)
		top = MAX(top, v->map[i].base + v->map[i].len);
	return top;
}

uint64_t mmap_available_bytes(const struct mb2_view *v)
{
	uint64_t sum = 0;
	unsigned i;

	for (i = 0; i < v->nmap; i++)
		if (v->map[i].type == MEM_AVAILABLE)
			sum += v->map[i].len;
	return sum;
}

int mmap_check_child(const struct mb2_view *v, uint64_t ram, char *why, size_t n)
{
	uint64_t have = mmap_available_bytes(v);
	uint64_t limit = ram ? ram : have + MiB;
	uint64_t top = mmap_top(v);

	if (mmap_available_end(v, 0) == 0)
		FAIL("no available memory at GPA 0");
	if (top > limit)
		FAIL("map reaches 0x%llx, past the child's limit 0x%llx", (unsigned long long)top,
		     (unsigned long long)limit);
	if (ram && (have > ram || have + MiB < ram))
		FAIL("0x%llx bytes available, expected ram=0x%llx (less at most a 1 MiB hole)",
		     (unsigned long long)have, (unsigned long long)ram);
	return 0;
}

int meminfo_check(const struct mb2_view *v, char *why, size_t n)
{
	uint64_t low = MIN(mmap_available_end(v, 0), GUEST_LOW_MEM_MAX);
	uint64_t up_end = mmap_available_end(v, MiB);
	uint64_t up = up_end > MiB ? up_end - MiB : 0;

	if (!v->has_meminfo)
		FAIL("no basic meminfo tag");
	if (v->mem_lower != low / KiB)
		FAIL("mem_lower %u KiB, the map says %llu KiB", v->mem_lower,
		     (unsigned long long)(low / KiB));
	if (v->mem_upper != up / KiB)
		FAIL("mem_upper %u KiB, the map says %llu KiB", v->mem_upper,
		     (unsigned long long)(up / KiB));
	return 0;
}
