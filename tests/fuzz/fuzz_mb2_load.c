/* SPDX-License-Identifier: MIT */
/*
 * A multiboot2 kernel image is untrusted bytes (a GRUB module): hostile
 * images must never crash the loader nor write outside the partition's RAM
 * (here 64 guest pages at GPA 1 MiB, each its own heap block).
 */
#include <stdlib.h>
#include <string.h>

#include "kernel/partition/mb2_load.h"
#include "tests/fuzz/fuzz.h"

#define RAM_BASE   0x100000ULL
#define RAM_PAGES  64

static uint8_t *pages[RAM_PAGES];

static void *page(void *ctx, uint64_t gpa_page)
{
	(void)ctx;
	if (gpa_page < RAM_BASE || gpa_page >= RAM_BASE + RAM_PAGES * PAGE_SIZE)
		return NULL;
	return pages[(gpa_page - RAM_BASE) / PAGE_SIZE];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gmem m = { page, NULL, RAM_PAGES * PAGE_SIZE };
	struct mb2_image img;
	uint8_t *copy;
	bool plant;
	size_t off;

	if (!pages[0])
		for (unsigned i = 0; i < RAM_PAGES; i++)
			pages[i] = malloc(PAGE_SIZE);
	if (size < 2)
		return 0;
	/*
	 * data[0] bit 0 set: plant a header with a valid checksum at the 8-aligned
	 * offset 8 * data[1] (keeping the input's header_length and tags), so the
	 * fuzzer spends its time on tags, ELF headers and segments.
	 */
	plant = data[0] & 1;
	off = 8 * (size_t)data[1];
	data += 2, size -= 2;
	copy = malloc(size ? size : 1);   /* exact size: ASan catches any over-read */
	memcpy(copy, data, size);
	if (plant && off + sizeof(struct mb2_header) <= size) {
		struct mb2_header h;

		memcpy(&h, copy + off, sizeof(h));
		h.magic = MB2_HEADER_MAGIC;
		h.architecture = MB2_ARCH_I386;
		h.checksum = -(h.magic + h.architecture + h.header_length);
		memcpy(copy + off, &h, sizeof(h));
	}
	if (mb2_load(&m, copy, size, &img) == 0 &&
	    (img.load_start < RAM_BASE || img.load_end > RAM_BASE + RAM_PAGES * PAGE_SIZE))
		abort();
	free(copy);
	return 0;
}
