/* SPDX-License-Identifier: MIT */
/*
 * A small vsnprintf for the test guest (no libc): %d %i %u %x %X %p %s %c %%,
 * the flags '-' and '0', a decimal width, a precision for %s only, and the
 * length modifiers hh h l ll z.
 * Host-buildable, so the unit test compares it against the C library.
 */
#ifndef IOMON_GUEST_FMT_H
#define IOMON_GUEST_FMT_H

#include <stdarg.h>
#include "kernel/types.h"

/* Like vsnprintf: always NUL-terminates when size > 0, returns the full length. */
int gvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int gsnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
