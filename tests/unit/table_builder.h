/* SPDX-License-Identifier: MIT */
/*
 * Building firmware tables byte by byte in unit tests: a buffer that the
 * fixed header and then each structure are appended to, and an end step
 * that stores the final length in the ACPI header.
 */
#ifndef IOMON_TEST_TABLE_BUILDER_H
#define IOMON_TEST_TABLE_BUILDER_H

#include <string.h>

#include "tests/unit/harness.h"
#include "arch/x86/acpi.h"

struct tb {
	uint8_t buf[8192];
	uint32_t len;
};

static inline void tb_put(struct tb *t, const void *p, uint32_t n)
{
	assert_true(t->len + n <= sizeof(t->buf));
	memcpy(t->buf + t->len, p, n);
	t->len += n;
}

/* Start over with a table whose fixed header (an acpi_header first) is `hdr`. */
static inline void tb_begin(struct tb *t, void *hdr, uint32_t hdr_size, const char sig[4], uint8_t rev)
{
	struct acpi_header *h = hdr;

	memcpy(h->signature, sig, 4);
	h->revision = rev;
	t->len = 0;
	tb_put(t, hdr, hdr_size);
}

/* Store the built length in the header; returns it. */
static inline uint32_t tb_end(struct tb *t)
{
	((struct acpi_header *)t->buf)->length = t->len;
	return t->len;
}

#endif
