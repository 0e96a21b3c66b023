// SPDX-License-Identifier: MIT
/*
 * Linux/x86 boot protocol loader (see linux_boot.h). Three steps, as the
 * multiboot2 loader: check the setup header; choose where the kernel, its
 * boot tables and the initramfs go (inside available RAM of the memory map,
 * below 4 GiB, away from the boot modules still to be copied); only then
 * write guest memory.
 */
#include <errno.h>
#include <string.h>

#define LOG_TAG "linuxboot"
#include "kernel/log.h"
#include "kernel/partition/linux_boot.h"

#define FOUR_GIB        (4 * GiB)
#define PTE_P           BIT(0)
#define PTE_RW          BIT(1)
#define PTE_PS          BIT(7)

static uint8_t rd8(const uint8_t *p, unsigned off) { return p[off]; }
static uint16_t rd16(const uint8_t *p, unsigned off) { uint16_t v; memcpy(&v, p + off, 2); return v; }
static uint32_t rd32(const uint8_t *p, unsigned off) { uint32_t v; memcpy(&v, p + off, 4); return v; }
static uint64_t rd64(const uint8_t *p, unsigned off) { uint64_t v; memcpy(&v, p + off, 8); return v; }
static void wr8(uint8_t *p, unsigned off, uint8_t v) { p[off] = v; }
static void wr32(uint8_t *p, unsigned off, uint32_t v) { memcpy(p + off, &v, 4); }
static void wr64(uint8_t *p, unsigned off, uint64_t v) { memcpy(p + off, &v, 8); }

bool linux_is_bzimage(const void *image, size_t len)
{
	return len >= LB_HEADER + 4 && rd32(image, LB_HEADER) == LB_HDRS_MAGIC;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

int linux_parse_setup(const void *image, size_t len, struct linux_setup *out)
{
	const uint8_t *b = image;
	unsigned sects;

	memset(out, 0, sizeof(*out));
	if (len < LB_HDR_MIN_END || !linux_is_bzimage(image, len)) {
		pr_err("not a bzImage (no \"HdrS\" setup header)");
		return -ENOEXEC;
	}
	out->version = rd16(b, LB_VERSION);
	if (rd16(b, LB_BOOT_FLAG) != 0xAA55 || out->version < LB_MIN_VERSION) {
		pr_err("setup header: boot flag 0x%x, protocol %u.%02u (need 0xaa55 and 2.12+)",
		       rd16(b, LB_BOOT_FLAG), out->version >> 8, out->version & 0xff);
		return -ENOEXEC;
	}
	sects = rd8(b, LB_SETUP_SECTS) ? rd8(b, LB_SETUP_SECTS) : 4;
	out->setup_bytes = (sects + 1) * 512;
	out->hdr_end = LB_JUMP + 2 + rd8(b, LB_JUMP + 1);
	out->xloadflags = rd16(b, LB_XLOADFLAGS);
	out->kernel_alignment = rd32(b, LB_KERNEL_ALIGNMENT);
	out->relocatable = rd8(b, LB_RELOCATABLE) != 0;
	out->cmdline_size = rd32(b, LB_CMDLINE_SIZE);
	out->initrd_addr_max = rd32(b, LB_INITRD_ADDR_MAX);
	out->pref_address = rd64(b, LB_PREF_ADDRESS);
	out->init_size = rd32(b, LB_INIT_SIZE);
	if (out->setup_bytes >= len || out->hdr_end < LB_HDR_MIN_END || out->hdr_end > out->setup_bytes) {
		pr_err("setup header: %u setup bytes, header end 0x%x, image %zu bytes: inconsistent",
		       out->setup_bytes, out->hdr_end, len);
		return -ENOEXEC;
	}
	if (!(out->xloadflags & LB_XLF_KERNEL_64) || !(rd8(b, LB_LOADFLAGS) & LB_LOADED_HIGH)) {
		pr_err("setup header: no 64-bit entry (xloadflags 0x%x, loadflags 0x%x)",
		       out->xloadflags, rd8(b, LB_LOADFLAGS));
		return -ENOEXEC;
	}
	if (!is_pow2(out->kernel_alignment) || out->kernel_alignment > 1 * GiB) {
		pr_err("setup header: kernel_alignment 0x%x is not a power of two up to 1 GiB",
		       out->kernel_alignment);
		return -ENOEXEC;
	}
	if (out->init_size < len - out->setup_bytes || out->init_size > 1 * GiB) {
		pr_err("setup header: init_size 0x%x does not hold the %zu-byte kernel", out->init_size,
		       len - out->setup_bytes);
		return -ENOEXEC;
	}
	if (!out->relocatable && (out->pref_address % LB_KERNEL_ALIGN ||
				  out->pref_address + out->init_size > FOUR_GIB)) {
		pr_err("setup header: fixed kernel at 0x%llx cannot be loaded 2 MiB aligned below 4 GiB",
		       (unsigned long long)out->pref_address);
		return -ENOEXEC;
	}
	return 0;
}

/* ---- Placement ------------------------------------------------------------------------- */

struct slot_rules {
	const struct linux_boot_args *a;
	const struct phys_range *taken;     /* ranges already given out by this loader */
	unsigned ntaken;
};

static bool overlaps(uint64_t s, uint64_t e, const struct phys_range *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (s < r[i].end && r[i].base < e)
			return true;
	return false;
}

/* Is [s, e) inside one available map entry and clear of the modules and of what is taken? */
static bool slot_free(const struct slot_rules *r, uint64_t s, uint64_t e)
{
	const struct linux_boot_args *a = r->a;
	bool in_ram = false;

	for (unsigned i = 0; i < a->nmap && !in_ram; i++) {
		const struct mem_range *m = &a->map[i];

		in_ram = m->type == MEM_AVAILABLE && s >= m->base && e <= m->base + m->len &&
			 m->base + m->len >= m->base;
	}
	return in_ram && !overlaps(s, e, a->avoid, a->navoid) && !overlaps(s, e, r->taken, r->ntaken);
}

/*
 * The lowest `align`-aligned address >= from where `size` bytes are free and
 * end at or below `limit`. Candidates are `from` and the aligned starts of
 * available map entries and the ends of the ranges to avoid, so the search is
 * short whatever the sizes.
 */
static bool find_slot(const struct slot_rules *r, uint64_t from, uint64_t size, uint64_t align,
		      uint64_t limit, uint64_t *out)
{
	const struct linux_boot_args *a = r->a;
	uint64_t best = UINT64_MAX;
	unsigned ncand = 1 + a->nmap + a->navoid + r->ntaken;

	for (unsigned i = 0; i < ncand; i++) {
		uint64_t c;

		if (i == 0)
			c = from;
		else if (i <= a->nmap)
			c = a->map[i - 1].base;
		else if (i <= a->nmap + a->navoid)
			c = a->avoid[i - 1 - a->nmap].end;
		else
			c = r->taken[i - 1 - a->nmap - a->navoid].end;
		if (c < from || c > limit)
			continue;
		c = ALIGN_UP(c, align);
		if (c < best && size <= limit && c <= limit - size && slot_free(r, c, c + size))
			best = c;
	}
	*out = best;
	return best != UINT64_MAX;
}

static int place(const struct linux_boot_args *a, struct linux_image *li)
{
	const struct linux_setup *s = &li->setup;
	struct phys_range taken[2];
	struct slot_rules r = { a, taken, 0 };
	uint64_t align = MAX((uint64_t)s->kernel_alignment, (uint64_t)LB_KERNEL_ALIGN);
	uint64_t initrd_limit;

	if (s->relocatable) {
		if (!find_slot(&r, MAX(s->pref_address, (uint64_t)LB_KERNEL_ALIGN), s->init_size, align,
			       FOUR_GIB, &li->kernel)) {
			pr_err("no %u MiB of free RAM below 4 GiB for the kernel", s->init_size / (unsigned)MiB);
			return -ENOSPC;
		}
	} else if (slot_free(&r, s->pref_address, s->pref_address + s->init_size)) {
		li->kernel = s->pref_address;
	} else {
		pr_err("the fixed kernel's [0x%llx, +0x%x) is not free RAM",
		       (unsigned long long)s->pref_address, s->init_size);
		return -ENOSPC;
	}
	li->kernel_end = li->kernel + s->init_size;
	li->entry = li->kernel + LB_ENTRY64_OFFSET;
	taken[r.ntaken++] = (struct phys_range){ li->kernel, li->kernel_end };

	if (!find_slot(&r, li->kernel_end, LB_TABLE_PAGES * PAGE_SIZE, PAGE_SIZE, FOUR_GIB, &li->tables)) {
		pr_err("no free RAM below 4 GiB for boot_params and the boot page tables");
		return -ENOSPC;
	}
	li->boot_params = li->tables;
	li->cmdline = li->tables + PAGE_SIZE;
	li->gdt = li->tables + 2 * PAGE_SIZE;
	li->pml4 = li->tables + 3 * PAGE_SIZE;
	li->rsdp = a->rsdp_len ? li->gdt + LB_RSDP_OFFSET : 0;
	taken[r.ntaken++] = (struct phys_range){ li->tables, li->tables + LB_TABLE_PAGES * PAGE_SIZE };

	if (!a->initrd_len)
		return 0;
	li->initrd_size = a->initrd_len;
	initrd_limit = MIN((uint64_t)s->initrd_addr_max + 1, FOUR_GIB);
	if (!find_slot(&r, li->tables, ALIGN_UP(a->initrd_len, PAGE_SIZE), PAGE_SIZE, initrd_limit,
		       &li->initrd)) {
		pr_err("no free RAM below 0x%llx for the %zu-byte initramfs",
		       (unsigned long long)initrd_limit, a->initrd_len);
		return -ENOSPC;
	}
	return 0;
}

/* ---- What is written ------------------------------------------------------------------- */

int linux_build_boot_params(const struct linux_boot_args *a, const struct linux_image *li, uint8_t *bp)
{
	const uint8_t *img = a->image;

	if (a->nmap > LB_BP_E820_MAX) {
		pr_err("memory map has %u entries, the zero page holds %u", a->nmap, LB_BP_E820_MAX);
		return -ENOSPC;
	}
	memset(bp, 0, LB_BP_SIZE);
	memcpy(bp + LB_HDR_START, img + LB_HDR_START, li->setup.hdr_end - LB_HDR_START);
	wr8(bp, LB_TYPE_OF_LOADER, LB_TYPE_UNDEFINED);
	/* No real-mode code runs: there is no heap to offer. */
	wr8(bp, LB_LOADFLAGS, rd8(bp, LB_LOADFLAGS) & (uint8_t)~LB_CAN_USE_HEAP);
	wr32(bp, LB_CMD_LINE_PTR, (uint32_t)li->cmdline);
	wr32(bp, LB_BP_EXT_CMD_LINE_PTR, (uint32_t)(li->cmdline >> 32));
	wr32(bp, LB_RAMDISK_IMAGE, (uint32_t)li->initrd);
	wr32(bp, LB_BP_EXT_RAMDISK_IMAGE, (uint32_t)(li->initrd >> 32));
	wr32(bp, LB_RAMDISK_SIZE, (uint32_t)li->initrd_size);
	wr32(bp, LB_BP_EXT_RAMDISK_SIZE, (uint32_t)(li->initrd_size >> 32));
	wr64(bp, LB_BP_ACPI_RSDP_ADDR, li->rsdp);
	wr8(bp, LB_BP_E820_ENTRIES, (uint8_t)a->nmap);
	for (unsigned i = 0; i < a->nmap; i++) {
		unsigned off = LB_BP_E820_TABLE + 20 * i;   /* struct boot_e820_entry: addr, size, type */

		wr64(bp, off, a->map[i].base);
		wr64(bp, off + 8, a->map[i].len);
		wr32(bp, off + 16, a->map[i].type);
	}
	return 0;
}

/* PML4 -> PDPT -> four PDs of 2 MiB pages: the identity over [0, 4 GiB). */
static int write_page_tables(const struct gmem *m, uint64_t pml4)
{
	static uint64_t t[512];
	uint64_t pdpt = pml4 + PAGE_SIZE, pd = pml4 + 2 * PAGE_SIZE;
	int rc;

	memset(t, 0, sizeof(t));
	t[0] = pdpt | PTE_P | PTE_RW;
	rc = gmem_write(m, pml4, t, PAGE_SIZE);
	memset(t, 0, sizeof(t));
	for (unsigned i = 0; i < 4; i++)
		t[i] = (pd + i * PAGE_SIZE) | PTE_P | PTE_RW;
	if (!rc)
		rc = gmem_write(m, pdpt, t, PAGE_SIZE);
	for (unsigned g = 0; g < 4 && !rc; g++) {
		for (unsigned i = 0; i < 512; i++)
			t[i] = ((uint64_t)g * GiB + (uint64_t)i * 2 * MiB) | PTE_P | PTE_RW | PTE_PS;
		rc = gmem_write(m, pd + g * PAGE_SIZE, t, PAGE_SIZE);
	}
	return rc;
}

/* Null, null, flat 64-bit code (0x10), flat data (0x18): boot.rst's 64-bit requirements. */
static int write_gdt(const struct gmem *m, uint64_t gdt)
{
	const uint64_t g[4] = { 0, 0, 0x00af9a000000ffffull, 0x00cf92000000ffffull };

	return gmem_write(m, gdt, g, sizeof(g));
}

static int write_all(const struct gmem *m, const struct linux_boot_args *a, const struct linux_image *li)
{
	static uint8_t bp[LB_BP_SIZE];
	const uint8_t *img = a->image;
	size_t clen = strlen(a->cmdline) + 1;
	int rc = linux_build_boot_params(a, li, bp);

	if (!rc)
		rc = gmem_zero(m, li->tables, LB_TABLE_PAGES * PAGE_SIZE);
	if (!rc)
		rc = gmem_write(m, li->boot_params, bp, LB_BP_SIZE);
	if (!rc)
		rc = gmem_write(m, li->cmdline, a->cmdline, clen);
	if (!rc)
		rc = write_gdt(m, li->gdt);
	if (!rc && a->rsdp_len)
		rc = gmem_write(m, li->rsdp, a->rsdp, a->rsdp_len);
	if (!rc)
		rc = write_page_tables(m, li->pml4);
	if (!rc)
		rc = gmem_write(m, li->kernel, img + li->setup.setup_bytes,
				a->image_len - li->setup.setup_bytes);
	if (!rc && a->initrd_len)
		rc = gmem_write(m, li->initrd, a->initrd, a->initrd_len);
	if (rc)
		pr_err("copy into guest memory failed (%d)", rc);
	return rc;
}

int linux_load(const struct gmem *m, const struct linux_boot_args *a, struct linux_image *out)
{
	size_t clen = strlen(a->cmdline);
	int rc;

	memset(out, 0, sizeof(*out));
	rc = linux_parse_setup(a->image, a->image_len, &out->setup);
	if (rc)
		return rc;
	if (clen >= LB_CMDLINE_MAX || clen > out->setup.cmdline_size) {
		pr_err("command line of %zu bytes; the kernel takes %u", clen,
		       MIN(out->setup.cmdline_size, (uint32_t)LB_CMDLINE_MAX - 1));
		return -E2BIG;
	}
	if (a->nmap > LB_BP_E820_MAX) {
		pr_err("memory map has %u entries, the zero page holds %u", a->nmap, LB_BP_E820_MAX);
		return -ENOSPC;
	}
	if (a->rsdp_len > LB_RSDP_MAX) {
		pr_err("RSDP of %zu bytes", a->rsdp_len);
		return -EINVAL;
	}
	rc = place(a, out);
	if (rc)
		return rc;
	if (!gmem_range_ok(m, out->kernel, out->setup.init_size) ||
	    !gmem_range_ok(m, out->tables, LB_TABLE_PAGES * PAGE_SIZE) ||
	    !gmem_range_ok(m, out->initrd, out->initrd_size)) {
		pr_err("the memory map's RAM at 0x%llx is not the partition's",
		       (unsigned long long)out->kernel);
		return -ENOSPC;
	}
	return write_all(m, a, out);
}
