// SPDX-License-Identifier: MIT
/*
 * Multiboot2 kernel loader (see mb2_load.h). Three steps, each on untrusted
 * bytes: find and check the header and its tags; turn the image into a list
 * of segments (address tag, else ELF program headers) and check them all;
 * only then copy into guest memory.
 */
#include <errno.h>
#include <string.h>

#define LOG_TAG "mb2load"
#include "kernel/log.h"
#include "kernel/partition/mb2_load.h"
#include "boot/elf.h"

#define MB2_LOAD_MAX_SEGS       32
#define ELF_MAX_PHNUM           256
#define FOUR_GIB                (4 * GiB)

/* One piece of the image: file bytes [off, off+filesz) at gpa, then zeroes to memsz. */
struct seg {
	uint64_t gpa, vaddr, off, filesz, memsz;
};

struct loader {
	const uint8_t *img;
	size_t len;
	struct seg segs[MB2_LOAD_MAX_SEGS];
	unsigned nsegs;
	bool have_addr, have_entry;
	struct mb2_header_tag_address addr;
	uint32_t entry_addr;
};

/* True when [off, off+n) lies inside the image. */
static bool in_file(const struct loader *l, uint64_t off, uint64_t n)
{
	return off <= l->len && n <= l->len - off;
}

static int find_header(struct loader *l, struct mb2_image *out)
{
	uint64_t limit = MIN((uint64_t)l->len, MB2_HEADER_SEARCH);
	uint64_t off;

	for (off = 0; off + sizeof(struct mb2_header) <= limit; off += MB2_HEADER_ALIGN) {
		struct mb2_header h;

		memcpy(&h, l->img + off, sizeof(h));
		if (h.magic != MB2_HEADER_MAGIC)
			continue;
		if ((uint32_t)(h.magic + h.architecture + h.header_length + h.checksum) != 0)
			continue;
		if (h.architecture != MB2_ARCH_I386) {
			pr_err("header at 0x%llx: architecture %u is not i386",
			       (unsigned long long)off, h.architecture);
			return -ENOEXEC;
		}
		if (h.header_length < sizeof(h) || !in_file(l, off, h.header_length)) {
			pr_err("header at 0x%llx: length %u runs past the image",
			       (unsigned long long)off, h.header_length);
			return -ENOEXEC;
		}
		out->header_offset = (uint32_t)off;
		return 0;
	}
	pr_err("no multiboot2 header in the first %u bytes", MB2_HEADER_SEARCH);
	return -ENOEXEC;
}

static int header_tag(struct loader *l, struct mb2_image *out, const uint8_t *t,
		      const struct mb2_header_tag *tag)
{
	bool optional = tag->flags & MB2_HDR_TAG_OPTIONAL;
	uint32_t i, n;

	switch (tag->type) {
	case MB2_HDR_TAG_INFO_REQUEST:
		n = (tag->size - sizeof(*tag)) / 4;
		for (i = 0; i < n; i++) {
			uint32_t type;

			if (out->info_req_count == MB2_INFO_REQ_MAX) {
				pr_err("header: more than %u information requests", MB2_INFO_REQ_MAX);
				return -ENOEXEC;
			}
			memcpy(&type, t + sizeof(*tag) + 4 * i, 4);
			out->info_req[out->info_req_count++] = type;
		}
		out->info_req_required |= !optional;
		return 0;
	case MB2_HDR_TAG_ADDRESS:
		if (tag->size < sizeof(l->addr))
			break;
		memcpy(&l->addr, t, sizeof(l->addr));
		l->have_addr = true;
		return 0;
	case MB2_HDR_TAG_ENTRY_ADDRESS:
		if (tag->size < sizeof(struct mb2_header_tag_entry))
			break;
		memcpy(&l->entry_addr, t + sizeof(*tag), 4);
		l->have_entry = true;
		return 0;
	case MB2_HDR_TAG_CONSOLE_FLAGS:
		if (tag->size < sizeof(*tag) + 4)
			break;
		memcpy(&out->console_flags, t + sizeof(*tag), 4);
		out->console_flags_present = true;
		return 0;
	case MB2_HDR_TAG_MODULE_ALIGN:
		out->module_align = true;
		return 0;
	case MB2_HDR_TAG_FRAMEBUFFER:
	case MB2_HDR_TAG_EFI_BS:
	case MB2_HDR_TAG_ENTRY_EFI32:
	case MB2_HDR_TAG_ENTRY_EFI64:
	case MB2_HDR_TAG_RELOCATABLE:
		/* EFI entry and relocation only widen what the kernel accepts; no framebuffer here. */
		if (optional || tag->type != MB2_HDR_TAG_FRAMEBUFFER)
			return 0;
		pr_err("header: kernel requires a framebuffer, which this loader does not provide");
		return -ENOEXEC;
	default:
		if (optional)
			return 0;
		pr_err("header: unknown required tag %u", tag->type);
		return -ENOEXEC;
	}
	pr_err("header: tag %u has short size %u", tag->type, tag->size);
	return -ENOEXEC;
}

static int parse_header_tags(struct loader *l, struct mb2_image *out)
{
	struct mb2_header h;
	uint64_t off = sizeof(h), end;
	const uint8_t *base = l->img + out->header_offset;

	memcpy(&h, base, sizeof(h));
	end = h.header_length;
	while (off + sizeof(struct mb2_header_tag) <= end) {
		struct mb2_header_tag tag;
		int err;

		memcpy(&tag, base + off, sizeof(tag));
		if (tag.type == MB2_HDR_TAG_END)
			return 0;
		if (tag.size < sizeof(tag) || tag.size > end - off) {
			pr_err("header: tag %u at +%llu has bad size %u", tag.type,
			       (unsigned long long)off, tag.size);
			return -ENOEXEC;
		}
		err = header_tag(l, out, base + off, &tag);
		if (err)
			return err;
		off += ALIGN_UP(tag.size, 8);
	}
	pr_err("header: no end tag within header_length %u", h.header_length);
	return -ENOEXEC;
}

static int add_segment(struct loader *l, unsigned i, const struct seg *s)
{
	if (s->filesz > s->memsz || !in_file(l, s->off, s->filesz)) {
		pr_err("segment %u: file bytes [0x%llx +0x%llx] outside the image or above memsz",
		       i, (unsigned long long)s->off, (unsigned long long)s->filesz);
		return -ENOEXEC;
	}
	if (s->memsz == 0)
		return 0;
	if (range_overflows(s->gpa, s->memsz) || s->gpa + s->memsz > FOUR_GIB) {
		pr_err("segment %u at 0x%llx size 0x%llx does not fit below 4 GiB",
		       i, (unsigned long long)s->gpa, (unsigned long long)s->memsz);
		return -ENOEXEC;
	}
	if (l->nsegs == MB2_LOAD_MAX_SEGS) {
		pr_err("more than %u loadable segments", MB2_LOAD_MAX_SEGS);
		return -ENOEXEC;
	}
	l->segs[l->nsegs++] = *s;
	return 0;
}

/* The address tag: the file from load_addr's offset on is the image (§3.1.5). */
static int segs_from_address_tag(struct loader *l, struct mb2_image *out)
{
	const struct mb2_header_tag_address *a = &l->addr;
	uint64_t head = (uint64_t)a->header_addr - a->load_addr;
	uint64_t off, filesz, load_end, memsz;

	if (a->load_addr > a->header_addr || head > out->header_offset) {
		pr_err("address tag: load_addr 0x%x does not precede header_addr 0x%x in the file",
		       a->load_addr, a->header_addr);
		return -ENOEXEC;
	}
	off = out->header_offset - head;
	if (a->load_end_addr == 0) {
		filesz = l->len - off;
	} else {
		if (a->load_end_addr < a->load_addr || !in_file(l, off, a->load_end_addr - a->load_addr)) {
			pr_err("address tag: load_end_addr 0x%x outside the image", a->load_end_addr);
			return -ENOEXEC;
		}
		filesz = a->load_end_addr - a->load_addr;
	}
	load_end = a->load_addr + filesz;
	memsz = filesz;
	if (a->bss_end_addr) {
		if (a->bss_end_addr < load_end) {
			pr_err("address tag: bss_end_addr 0x%x below the end of the data", a->bss_end_addr);
			return -ENOEXEC;
		}
		memsz = a->bss_end_addr - a->load_addr;
	}
	if (!l->have_entry) {
		pr_err("address tag without an entry address tag");
		return -ENOEXEC;
	}
	out->address_tag = true;
	return add_segment(l, 0, &(struct seg){ .gpa = a->load_addr, .vaddr = a->load_addr,
						.off = off, .filesz = filesz, .memsz = memsz });
}

static int segs_from_elf(struct loader *l, struct mb2_image *out, uint64_t *entry)
{
	uint64_t phoff, phent_min, i;
	unsigned phnum, phentsize;
	const uint8_t *id = l->img;
	int err;

	if (!in_file(l, 0, 16) || memcmp(id, ELF_MAGIC, 4) != 0 || id[EI_DATA] != ELFDATA2LSB ||
	    (id[EI_CLASS] != ELFCLASS32 && id[EI_CLASS] != ELFCLASS64)) {
		pr_err("not a little-endian ELF32/ELF64 image and no address tag");
		return -ENOEXEC;
	}
	out->elf64 = id[EI_CLASS] == ELFCLASS64;
	if (out->elf64) {
		struct elf64_ehdr e;

		if (!in_file(l, 0, sizeof(e)))
			goto truncated;
		memcpy(&e, id, sizeof(e));
		if (e.type != ET_EXEC || e.machine != EM_X86_64)
			goto foreign;
		phoff = e.phoff, phnum = e.phnum, phentsize = e.phentsize, *entry = e.entry;
		phent_min = sizeof(struct elf64_phdr);
	} else {
		struct elf32_ehdr e;

		if (!in_file(l, 0, sizeof(e)))
			goto truncated;
		memcpy(&e, id, sizeof(e));
		if (e.type != ET_EXEC || e.machine != EM_386)
			goto foreign;
		phoff = e.phoff, phnum = e.phnum, phentsize = e.phentsize, *entry = e.entry;
		phent_min = sizeof(struct elf32_phdr);
	}
	if (phnum == 0 || phnum > ELF_MAX_PHNUM || phentsize < phent_min ||
	    !in_file(l, phoff, (uint64_t)phnum * phentsize)) {
		pr_err("ELF: program header table (%u x %u at 0x%llx) malformed or outside the image",
		       phnum, phentsize, (unsigned long long)phoff);
		return -ENOEXEC;
	}
	for (i = 0; i < phnum; i++) {
		const uint8_t *p = l->img + phoff + i * phentsize;
		struct seg s;

		if (out->elf64) {
			struct elf64_phdr ph;

			memcpy(&ph, p, sizeof(ph));
			if (ph.type != PT_LOAD)
				continue;
			s = (struct seg){ ph.paddr, ph.vaddr, ph.offset, ph.filesz, ph.memsz };
		} else {
			struct elf32_phdr ph;

			memcpy(&ph, p, sizeof(ph));
			if (ph.type != PT_LOAD)
				continue;
			s = (struct seg){ ph.paddr, ph.vaddr, ph.offset, ph.filesz, ph.memsz };
		}
		err = add_segment(l, (unsigned)i, &s);
		if (err)
			return err;
	}
	if (!l->nsegs) {
		pr_err("ELF: no loadable segment");
		return -ENOEXEC;
	}
	return 0;
truncated:
	pr_err("ELF: header truncated (%zu bytes)", l->len);
	return -ENOEXEC;
foreign:
	pr_err("ELF: not an x86 executable of its class");
	return -ENOEXEC;
}

static int check_overlaps(const struct loader *l)
{
	unsigned i, j;

	for (i = 0; i < l->nsegs; i++)
		for (j = i + 1; j < l->nsegs; j++) {
			const struct seg *a = &l->segs[i], *b = &l->segs[j];

			if (a->gpa < b->gpa + b->memsz && b->gpa < a->gpa + a->memsz) {
				pr_err("segments at 0x%llx and 0x%llx overlap",
				       (unsigned long long)a->gpa, (unsigned long long)b->gpa);
				return -ENOEXEC;
			}
		}
	return 0;
}

/* An ELF entry is virtual: translate it through the segment that holds it, as GRUB does. */
static int elf_entry_to_gpa(const struct loader *l, uint64_t entry, uint64_t *gpa)
{
	unsigned i;

	for (i = 0; i < l->nsegs; i++) {
		const struct seg *s = &l->segs[i];

		if (entry >= s->vaddr && entry - s->vaddr < s->memsz) {
			*gpa = entry - s->vaddr + s->gpa;
			return 0;
		}
	}
	pr_err("ELF: entry point 0x%llx is in no loadable segment", (unsigned long long)entry);
	return -ENOEXEC;
}

static int place(const struct gmem *m, const struct loader *l, struct mb2_image *out)
{
	unsigned i;

	out->load_start = UINT64_MAX;
	out->load_end = 0;
	for (i = 0; i < l->nsegs; i++) {
		const struct seg *s = &l->segs[i];

		if (!gmem_range_ok(m, s->gpa, s->memsz)) {
			pr_err("segment [0x%llx, 0x%llx) is not inside the partition's RAM",
			       (unsigned long long)s->gpa, (unsigned long long)(s->gpa + s->memsz));
			return -ERANGE;
		}
		out->load_start = MIN(out->load_start, s->gpa);
		out->load_end = MAX(out->load_end, s->gpa + s->memsz);
	}
	if (!gmem_range_ok(m, out->entry, 1)) {
		pr_err("entry point 0x%llx is not inside the partition's RAM",
		       (unsigned long long)out->entry);
		return -ERANGE;
	}
	return 0;
}

static int copy_segments(const struct gmem *m, const struct loader *l)
{
	unsigned i;
	int err;

	for (i = 0; i < l->nsegs; i++) {
		const struct seg *s = &l->segs[i];

		err = gmem_write(m, s->gpa, l->img + s->off, s->filesz);
		if (!err)
			err = gmem_zero(m, s->gpa + s->filesz, s->memsz - s->filesz);
		if (err) {
			pr_err("copy into segment at 0x%llx failed", (unsigned long long)s->gpa);
			return err;
		}
	}
	return 0;
}

int mb2_load(const struct gmem *m, const void *img, size_t len, struct mb2_image *out)
{
	struct loader l;
	uint64_t elf_entry = 0;
	int err;

	memset(&l, 0, sizeof(l));
	memset(out, 0, sizeof(*out));
	l.img = img;
	l.len = len;
	err = find_header(&l, out);
	if (!err)
		err = parse_header_tags(&l, out);
	if (!err)
		err = l.have_addr ? segs_from_address_tag(&l, out) : segs_from_elf(&l, out, &elf_entry);
	if (!err && l.nsegs == 0) {
		pr_err("image loads nothing");
		err = -ENOEXEC;
	}
	if (!err)
		err = check_overlaps(&l);
	if (err)
		return err;
	if (l.have_entry)
		out->entry = l.entry_addr;
	else if ((err = elf_entry_to_gpa(&l, elf_entry, &out->entry)))
		return err;
	err = place(m, &l, out);
	if (!err)
		err = copy_segments(m, &l);
	return err;
}
