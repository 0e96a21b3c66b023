/* SPDX-License-Identifier: MIT */
/*
 * The test guest's judgement of its multiboot2 information and command line:
 * whatever a (buggy) loader hands over, the guest must fail a test, never
 * read outside the block it was given. The guest trusts total_size (it has
 * nothing else), so the harness makes total_size the input's size.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/guest/mb2view.h"
#include "tests/guest/opts.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mb2_view v;
	static struct guest_opts o;
	static const struct guest_range r = { 0x100000, 0x200000 };
	uint32_t total;
	char why[128];
	uint8_t *copy;

	if (size < 8 || size > MB2_INFO_MAX_SIZE)
		return 0;
	total = (uint32_t)ALIGN_DOWN(size, 8);
	copy = malloc(total);
	memcpy(copy, data, total);
	memcpy(copy, &total, sizeof(total));
	if (mb2_view_parse(MB2_BOOTLOADER_MAGIC, copy, &v, why, sizeof(why)) == 0) {
		guest_opts_parse(v.cmdline, &o);
		mmap_check_sane(&v, why, sizeof(why));
		mmap_check_excluded(&v, &r, 1, why, sizeof(why));
		mmap_check_child(&v, 64 << 20, why, sizeof(why));
		meminfo_check(&v, why, sizeof(why));
	}
	free(copy);
	return 0;
}
