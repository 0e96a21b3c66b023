/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "kernel/phys.h"

#define CAPTURE_LINES 256
#define CAPTURE_LEN   256

static char captured[CAPTURE_LINES][CAPTURE_LEN];
static enum log_level captured_lvl[CAPTURE_LINES];
static unsigned ncaptured;
static enum log_level threshold = LOG_DEBUG;
static unsigned counts[4];

void log_printf(enum log_level lvl, const char *tag, const char *fmt, ...)
{
	static const char letters[] = "EWID";
	char msg[CAPTURE_LEN - 32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (lvl <= LOG_DEBUG)
		counts[lvl]++;
	if (getenv("IOMON_TEST_VERBOSE"))
		fprintf(stderr, "%c/%s: %s\n", letters[lvl & 3], tag, msg);
	if (ncaptured < CAPTURE_LINES) {
		snprintf(captured[ncaptured], CAPTURE_LEN, "%c/%s: %s", letters[lvl & 3], tag, msg);
		captured_lvl[ncaptured++] = lvl;
	}
}

void log_raw(const char *fmt, ...)
{
	char msg[CAPTURE_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ncaptured < CAPTURE_LINES) {
		snprintf(captured[ncaptured], CAPTURE_LEN, "%s", msg);
		captured_lvl[ncaptured++] = LOG_INFO;
	}
}

void log_set_level(enum log_level lvl) { threshold = lvl; }
unsigned log_count(enum log_level lvl) { return lvl <= LOG_DEBUG ? counts[lvl] : 0; }

void log_capture_reset(void)
{
	ncaptured = 0;
}

bool log_captured(const char *needle)
{
	for (unsigned i = 0; i < ncaptured; i++)
		if (strstr(captured[i], needle))
			return true;
	return false;
}

unsigned log_captured_count(enum log_level lvl)
{
	unsigned n = 0;

	for (unsigned i = 0; i < ncaptured; i++)
		n += captured_lvl[i] == lvl;
	return n;
}

void log_capture_dump(void)
{
	for (unsigned i = 0; i < ncaptured; i++)
		fprintf(stderr, "  log: %s\n", captured[i]);
}

struct arena {
	paddr_t base;
	uint64_t len;
	uint8_t *buf;
};

static struct arena arenas[16];
static unsigned narenas;

void phys_arena_add(paddr_t base, void *buf, uint64_t len)
{
	assert_true(narenas < ARRAY_SIZE(arenas));
	arenas[narenas++] = (struct arena){ base, len, buf };
}

void phys_arena_reset(void)
{
	narenas = 0;
}

void *phys_map(paddr_t pa, uint64_t len, enum phys_cache cache)
{
	(void)cache;
	if (range_overflows(pa, len))
		return NULL;
	for (unsigned i = 0; i < narenas; i++) {
		struct arena *a = &arenas[i];

		if (pa >= a->base && len <= a->len && pa - a->base <= a->len - len)
			return a->buf + (pa - a->base);
	}
	return NULL;
}
