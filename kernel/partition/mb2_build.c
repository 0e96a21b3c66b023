// SPDX-License-Identifier: MIT
/* Multiboot2 information for a guest (see mb2_build.h). */
#include <errno.h>
#include <string.h>

#define LOG_TAG "mb2build"
#include "kernel/log.h"
#include "kernel/partition/mb2_build.h"

#define MB2_RSDP_NEW_MAX        4096u
#define ONE_MIB                 (1 * MiB)

struct mb2_writer {
	uint8_t *buf;
	uint32_t cap;
	uint32_t len;
	bool overflow;
};

/* Start a tag of `size` bytes (header included) at the next 8-byte boundary; NULL if full. */
static uint8_t *tag_begin(struct mb2_writer *w, uint32_t type, uint64_t size)
{
	struct mb2_tag hdr = { type, (uint32_t)size };
	uint8_t *t;

	if (w->overflow || size > w->cap || ALIGN_UP(size, 8) > w->cap - w->len) {
		w->overflow = true;
		return NULL;
	}
	t = w->buf + w->len;
	memset(t, 0, ALIGN_UP(size, 8));
	memcpy(t, &hdr, sizeof(hdr));
	w->len += (uint32_t)ALIGN_UP(size, 8);
	return t;
}

static void put_string_tag(struct mb2_writer *w, uint32_t type, const char *s)
{
	uint64_t n = strlen(s) + 1;
	uint8_t *t = tag_begin(w, type, sizeof(struct mb2_tag) + n);

	if (t)
		memcpy(t + sizeof(struct mb2_tag), s, n);
}

static void put_module(struct mb2_writer *w, const struct mb2_build_module *mod)
{
	const char *s = mod->cmdline ? mod->cmdline : "";
	uint64_t n = strlen(s) + 1;
	struct mb2_tag_module hdr = { MB2_TAG_MODULE, 0, mod->start, mod->end };
	uint8_t *t = tag_begin(w, MB2_TAG_MODULE, sizeof(hdr) + n);

	if (!t)
		return;
	hdr.size = (uint32_t)(sizeof(hdr) + n);
	memcpy(t, &hdr, sizeof(hdr));
	memcpy(t + sizeof(hdr), s, n);
}

void mb2_basic_meminfo(const struct mem_range *map, unsigned n, uint32_t *lower_kib,
		       uint32_t *upper_kib)
{
	uint64_t lower = 0, upper = 0;
	unsigned i;

	for (i = 0; i < n; i++) {
		const struct mem_range *r = &map[i];

		if (r->type != MEM_AVAILABLE || range_overflows(r->base, r->len))
			continue;
		if (r->base == 0)
			lower = r->len;
		if (r->base <= ONE_MIB && r->base + r->len > ONE_MIB)
			upper = r->base + r->len - ONE_MIB;
	}
	/* Lower memory is conventional memory: the Multiboot spec caps it at 640 KiB. */
	*lower_kib = (uint32_t)(MIN(lower, 640 * KiB) / KiB);
	*upper_kib = (uint32_t)MIN(upper / KiB, (uint64_t)UINT32_MAX);
}

static void put_meminfo(struct mb2_writer *w, const struct mb2_build_args *a)
{
	struct mb2_tag_basic_meminfo m = { MB2_TAG_BASIC_MEMINFO, sizeof(m), 0, 0 };
	uint8_t *t = tag_begin(w, MB2_TAG_BASIC_MEMINFO, sizeof(m));

	if (!t)
		return;
	mb2_basic_meminfo(a->mmap, a->nmmap, &m.mem_lower, &m.mem_upper);
	memcpy(t, &m, sizeof(m));
}

static void put_mmap(struct mb2_writer *w, const struct mb2_build_args *a)
{
	struct mb2_tag_mmap hdr = { MB2_TAG_MMAP, 0, MB2_MMAP_ENTRY_SIZE, MB2_MMAP_ENTRY_VERSION };
	uint64_t size = sizeof(hdr) + (uint64_t)a->nmmap * MB2_MMAP_ENTRY_SIZE;
	uint8_t *t = tag_begin(w, MB2_TAG_MMAP, size);
	unsigned i;

	if (!t)
		return;
	hdr.size = (uint32_t)size;
	memcpy(t, &hdr, sizeof(hdr));
	for (i = 0; i < a->nmmap; i++) {
		struct mb2_mmap_entry e = { a->mmap[i].base, a->mmap[i].len, a->mmap[i].type, 0 };

		memcpy(t + sizeof(hdr) + i * MB2_MMAP_ENTRY_SIZE, &e, sizeof(e));
	}
}

static void put_blob_tag(struct mb2_writer *w, uint32_t type, const void *p, uint32_t n)
{
	uint8_t *t = tag_begin(w, type, sizeof(struct mb2_tag) + n);

	if (t)
		memcpy(t + sizeof(struct mb2_tag), p, n);
}

static int check_args(const struct mb2_build_args *a)
{
	unsigned i;

	if (a->rsdp_new && (a->rsdp_new_len < MB2_RSDP_V2_LEN || a->rsdp_new_len > MB2_RSDP_NEW_MAX))
		return -EINVAL;
	if (a->nmmap && !a->mmap)
		return -EINVAL;
	if (a->nmodules && !a->modules)
		return -EINVAL;
	for (i = 0; i < a->nmmap; i++)
		if (range_overflows(a->mmap[i].base, a->mmap[i].len))
			return -EINVAL;
	return 0;
}

int mb2_build(const struct mb2_build_args *a, void *buf, uint32_t cap, uint32_t *size)
{
	struct mb2_writer w = { .buf = buf, .cap = cap };
	struct mb2_info_header hdr = { 0, 0 };
	unsigned i;
	int err;

	err = check_args(a);
	if (err)
		return err;
	if (cap < sizeof(hdr) || !IS_ALIGNED((uintptr_t)buf, 8))
		return cap < sizeof(hdr) ? -ENOSPC : -EINVAL;
	w.len = sizeof(hdr);
	put_string_tag(&w, MB2_TAG_CMDLINE, a->cmdline ? a->cmdline : "");
	put_string_tag(&w, MB2_TAG_LOADER_NAME, a->loader_name ? a->loader_name : MB2_LOADER_NAME);
	for (i = 0; i < a->nmodules; i++)
		put_module(&w, &a->modules[i]);
	put_meminfo(&w, a);
	put_mmap(&w, a);
	if (a->rsdp_old)
		put_blob_tag(&w, MB2_TAG_ACPI_OLD, a->rsdp_old, MB2_RSDP_V1_LEN);
	if (a->rsdp_new)
		put_blob_tag(&w, MB2_TAG_ACPI_NEW, a->rsdp_new, a->rsdp_new_len);
	tag_begin(&w, MB2_TAG_END, sizeof(struct mb2_tag));
	if (w.overflow)
		return -ENOSPC;
	hdr.total_size = w.len;
	memcpy(buf, &hdr, sizeof(hdr));
	*size = w.len;
	return 0;
}

static bool provided(uint32_t type)
{
	switch (type) {
	case MB2_TAG_END:
	case MB2_TAG_CMDLINE:
	case MB2_TAG_LOADER_NAME:
	case MB2_TAG_MODULE:
	case MB2_TAG_BASIC_MEMINFO:
	case MB2_TAG_MMAP:
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		return true;
	default:
		return false;
	}
}

int mb2_build_check_requests(const struct mb2_image *img)
{
	unsigned i;

	if (!img->info_req_required)
		return 0;
	for (i = 0; i < img->info_req_count && i < MB2_INFO_REQ_MAX; i++)
		if (!provided(img->info_req[i])) {
			pr_err("kernel requires information tag %u, which this loader does not provide",
			       img->info_req[i]);
			return -EOPNOTSUPP;
		}
	return 0;
}
