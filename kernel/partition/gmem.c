// SPDX-License-Identifier: MIT
/* Page-wise copies into and out of a partition's RAM (see gmem.h). */
#include <errno.h>
#include <string.h>

#include "kernel/partition/gmem.h"

enum gmem_op { GMEM_WRITE, GMEM_ZERO, GMEM_READ };

static int gmem_copy(const struct gmem *m, uint64_t gpa, void *host, uint64_t len,
		     enum gmem_op op)
{
	uint8_t *h = host;

	if (range_overflows(gpa, len))
		return -EFAULT;
	while (len) {
		uint64_t off = gpa & (PAGE_SIZE - 1);
		uint64_t chunk = MIN(len, PAGE_SIZE - off);
		uint8_t *page = m->page(m->ctx, gpa - off);

		if (!page)
			return -EFAULT;
		if (op == GMEM_WRITE)
			memcpy(page + off, h, chunk);
		else if (op == GMEM_ZERO)
			memset(page + off, 0, chunk);
		else
			memcpy(h, page + off, chunk);
		if (h)
			h += chunk;
		gpa += chunk;
		len -= chunk;
	}
	return 0;
}

int gmem_write(const struct gmem *m, uint64_t gpa, const void *src, uint64_t len)
{
	return gmem_copy(m, gpa, (void *)(uintptr_t)src, len, GMEM_WRITE);
}

int gmem_zero(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	return gmem_copy(m, gpa, NULL, len, GMEM_ZERO);
}

int gmem_read(const struct gmem *m, uint64_t gpa, void *dst, uint64_t len)
{
	return gmem_copy(m, gpa, dst, len, GMEM_READ);
}

bool gmem_range_ok(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	uint64_t p;

	if (range_overflows(gpa, len))
		return false;
	if (!len)
		return true;
	for (p = ALIGN_DOWN(gpa, PAGE_SIZE); p <= gpa + len - 1; p += PAGE_SIZE) {
		if (!m->page(m->ctx, p))
			return false;
		if (p + PAGE_SIZE < p)
			break;
	}
	return true;
}
