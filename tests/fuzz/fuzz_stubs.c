/* SPDX-License-Identifier: MIT */
/* Seams for the fuzzers: a silent log and physical memory = the fuzz input. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kernel/log.h"
#include "kernel/phys.h"
#include "tests/fuzz/fuzz.h"

static const uint8_t *arena;
static uint64_t arena_len;
static paddr_t arena_base;
static unsigned counts[4];

void log_printf(enum log_level lvl, const char *tag, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	(void)tag;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);   /* still exercise every format string */
	va_end(ap);
	counts[lvl & 3]++;
}
void log_raw(const char *fmt, ...) { (void)fmt; }
void log_set_level(enum log_level lvl) { (void)lvl; }
unsigned log_count(enum log_level lvl) { return counts[lvl & 3]; }

void fuzz_phys_set(paddr_t base, const uint8_t *data, uint64_t len)
{
	arena_base = base;
	arena = data;
	arena_len = len;
}

static void *(*fallback)(paddr_t pa, uint64_t len);

void fuzz_phys_fallback(void *(*fn)(paddr_t pa, uint64_t len))
{
	fallback = fn;
}

void *phys_map(paddr_t pa, uint64_t len, enum phys_cache cache)
{
	(void)cache;
	if (!arena || len == 0 || pa < arena_base || len > arena_len || pa - arena_base > arena_len - len)
		return fallback && len ? fallback(pa, len) : NULL;
	return (void *)(arena + (pa - arena_base));
}
