/* SPDX-License-Identifier: MIT */
/* The multiboot2 info block is the loader's word: hostile bytes must never crash the parser. */
#include <stdlib.h>
#include <string.h>

#include "boot/mb2.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_info bi;
	uint64_t *copy;

	if (size > MB2_INFO_MAX_SIZE)
		return 0;
	/* An exact-size, 8-byte aligned copy so any over-read is caught by ASan. */
	copy = malloc(size ? ALIGN_UP(size, 8) : 8);
	memcpy(copy, data, size);
	mb2_parse(copy, (uint32_t)size, 0x10000, &bi);
	free(copy);
	return 0;
}
