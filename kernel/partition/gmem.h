/* SPDX-License-Identifier: MIT */
/*
 * Guest memory as a loader sees it: a partition's RAM, one 4 KiB guest page
 * at a time. A child's RAM may be scattered over host memory, so nothing here
 * assumes that two guest pages are adjacent on the host; every copy is split
 * at page boundaries and asks for each page anew.
 *
 * The owner of the partition provides `page`; unit tests provide a fake.
 */
#ifndef IOMON_PARTITION_GMEM_H
#define IOMON_PARTITION_GMEM_H

#include "kernel/types.h"

struct gmem {
	/*
	 * Host pointer to the 4 KiB guest page at `gpa_page` (page aligned), or
	 * NULL when that page is not RAM of the partition.
	 */
	void *(*page)(void *ctx, uint64_t gpa_page);
	void *ctx;
	uint64_t size;          /* bytes of guest RAM (for reports and bounds) */
};

/*
 * Copy `len` bytes between guest memory at `gpa` and the host. 0, or -EFAULT
 * when some page of the range is missing (or the range wraps); the pages
 * before the first missing one have then been written, none after it.
 */
int __must_check gmem_write(const struct gmem *m, uint64_t gpa, const void *src, uint64_t len);
int __must_check gmem_zero(const struct gmem *m, uint64_t gpa, uint64_t len);
int __must_check gmem_read(const struct gmem *m, uint64_t gpa, void *dst, uint64_t len);

/* True when every page of [gpa, gpa+len) is RAM of the partition (len 0: true). */
bool gmem_range_ok(const struct gmem *m, uint64_t gpa, uint64_t len);

#endif
