/* SPDX-License-Identifier: MIT */
/*
 * Everything the UEFI loader reads from the stick or the firmware: the
 * configuration file, the monitor image, and an EFI memory map turned into
 * multiboot2 information that the monitor's own parser must then accept.
 */
#include <stdlib.h>
#include <string.h>

#include "boot/efi/config.h"
#include "boot/efi/image.h"
#include "boot/efi/mb2_build.h"
#include "tests/fuzz/fuzz.h"

static void fuzz_info(const uint8_t *data, size_t size)
{
	static union { uint8_t bytes[64 * 1024]; uint64_t align; } buf;
	static struct mem_range scratch[256];
	static struct boot_info bi;
	struct mb2_builder b;
	uint64_t room;
	uint32_t total;
	void *at;

	if (mb2b_init(&b, buf.bytes, sizeof(buf.bytes)) ||
	    mb2b_add_string(&b, MB2_TAG_CMDLINE, "exit=qemu") ||
	    mb2b_add_mmap_and_meminfo(&b, data, size, 48, scratch, 256))
		return;
	at = mb2b_efi_mmap_room(&b, &room);
	size = size / 48 * 48;
	if (size > room)
		return;
	memcpy(at, data, size);
	if (mb2b_finish(&b, size, 48, 1))
		abort();   /* room was checked: finishing cannot fail */
	memcpy(&total, buf.bytes, sizeof(total));
	if (mb2_parse(buf.bytes, total, 0, &bi) || bi.tags_skipped)
		abort();   /* the builder wrote something the monitor refuses */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct loader_config cfg;
	static struct cfg_error err;
	struct mb2_image img;
	const char *why;
	uint8_t *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	(void)!cfg_parse((const char *)copy, size, &cfg, &err);
	if (image_check(copy, size, size, &img, &why) == 0 &&
	    (img.entry < img.load_lo || img.entry >= img.load_hi || img.load_hi > (1ULL << 32)))
		abort();   /* accepted an image the loader could not enter */
	if (size >= 16) {
		static struct image_segment parts[8];
		uint64_t lo, len;
		unsigned n;

		memcpy(&lo, copy, 8);
		memcpy(&len, copy + 8, 8);
		lo &= 0xffffffffull;
		len &= 0xffffffull;
		if (image_plan_target(copy + 16, size - 16, 40, lo, lo + len, parts, 8, &n) == 0)
			for (unsigned i = 0; i < n; i++)
				if (parts[i].paddr < lo || parts[i].paddr + parts[i].memsz > lo + len)
					abort();   /* a part to reserve outside the range asked about */
	}
	free(copy);
	fuzz_info(data, size);
	return 0;
}
