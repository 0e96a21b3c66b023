/* SPDX-License-Identifier: MIT */
/*
 * Fixed-width types and the small bit/alignment helpers every module uses.
 * Builds freestanding (newlib headers) and hosted (unit tests) alike.
 */
#ifndef IOMON_TYPES_H
#define IOMON_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BIT(n)              (1ULL << (n))
/* Bits h..l inclusive, h >= l. */
#define GENMASK(h, l)       ((~0ULL >> (63 - (h))) & (~0ULL << (l)))
/* Extract / insert a field described by a GENMASK. */
#define FIELD_GET(mask, v)  (((uint64_t)(v) & (mask)) >> __builtin_ctzll(mask))
#define FIELD_PREP(mask, v) (((uint64_t)(v) << __builtin_ctzll(mask)) & (mask))

#define ARRAY_SIZE(a)       (sizeof(a) / sizeof((a)[0]))
#define ALIGN_DOWN(x, a)    ((x) & ~((uint64_t)(a) - 1))
#define ALIGN_UP(x, a)      ALIGN_DOWN((x) + (uint64_t)(a) - 1, (a))
#define IS_ALIGNED(x, a)    (((x) & ((uint64_t)(a) - 1)) == 0)
#define MIN(a, b)           ((a) < (b) ? (a) : (b))
#define MAX(a, b)           ((a) > (b) ? (a) : (b))

#define PAGE_SHIFT          12
#define PAGE_SIZE           (1ULL << PAGE_SHIFT)
#define KiB                 (1ULL << 10)
#define MiB                 (1ULL << 20)
#define GiB                 (1ULL << 30)

/* newlib's <sys/cdefs.h> defines some of these identically; glibc does not. */
#ifndef __packed
#define __packed            __attribute__((__packed__))
#endif
#ifndef __aligned
#define __aligned(x)        __attribute__((__aligned__(x)))
#endif
#ifndef __unused
#define __unused            __attribute__((__unused__))
#endif
#define __noreturn          __attribute__((noreturn))
#define __printf(a, b)      __attribute__((format(printf, a, b)))
/* A result that must not be ignored: anything that can fail, such as an invalidation. */
#define __must_check        __attribute__((warn_unused_result))

typedef uint64_t paddr_t;

/* True when [base, base+len) wraps past the top of the 64-bit space. */
static inline bool range_overflows(uint64_t base, uint64_t len)
{
	return len != 0 && base + len - 1 < base;
}

#endif
