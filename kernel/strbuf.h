/* SPDX-License-Identifier: MIT */
/*
 * A bounded line assembled from pieces with snprintf: the boot reports build
 * lines part by part (a device's identity, its capabilities, its BARs) and
 * log them whole. Output past the buffer is cut, never written beyond it.
 */
#ifndef IOMON_STRBUF_H
#define IOMON_STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "kernel/types.h"

struct strbuf {
	char *s;
	size_t size;             /* bytes at s, the NUL included */
	size_t len;              /* characters kept, < size */
};

/* An empty line in the `size` bytes at `s`. */
static inline void strbuf_init(struct strbuf *b, char *s, size_t size)
{
	*b = (struct strbuf){ .s = s, .size = size, .len = 0 };
	s[0] = '\0';
}

static inline void strbuf_reset(struct strbuf *b)
{
	b->len = 0;
	b->s[0] = '\0';
}

static inline __printf(2, 3) void strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->s + b->len, b->size - b->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len = MIN(b->len + (size_t)n, b->size - 1);
}

#endif
