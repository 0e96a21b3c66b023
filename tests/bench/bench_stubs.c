/* SPDX-License-Identifier: MIT */
/*
 * The monitor's seams for the benchmark, compiled like the driver (hosted):
 * the log, phys_map() over the arena, and a LIFO page pool.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/log.h"
#include "kernel/phys.h"
#include "tests/bench/bench.h"

static uint8_t *arena;
static uint64_t arena_pages;
static paddr_t *free_stack;       /* pages returned, reused first */
static uint64_t nfree, next_page;

void log_printf(enum log_level lvl, const char *tag, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%d/%s: ", lvl, tag);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void *phys_map(paddr_t pa, uint64_t len, enum phys_cache cache)
{
	uint64_t bytes = arena_pages * PAGE_SIZE;

	(void)cache;
	if (pa < BENCH_ARENA_BASE || len > bytes || pa - BENCH_ARENA_BASE > bytes - len)
		return NULL;
	return arena + (pa - BENCH_ARENA_BASE);
}

void bench_arena_init(uint64_t bytes)
{
	arena_pages = bytes / PAGE_SIZE;
	arena = aligned_alloc(PAGE_SIZE, arena_pages * PAGE_SIZE);
	free_stack = malloc(arena_pages * sizeof(*free_stack));
	if (!arena || !free_stack) {
		fprintf(stderr, "bench: no memory for a %llu-byte arena\n", (unsigned long long)bytes);
		exit(1);
	}
	memset(arena, 0xa5, arena_pages * PAGE_SIZE);   /* fault it in; the engine must zero */
}

uint64_t bench_arena_bytes(void)
{
	return arena_pages * PAGE_SIZE;
}

void *bench_arena_va(void)
{
	return arena;
}

void bench_arena_reset(void)
{
	nfree = 0;
	next_page = 0;
}

static paddr_t pool_alloc(void *ctx)
{
	(void)ctx;
	if (nfree)
		return free_stack[--nfree];
	if (next_page == arena_pages)
		return 0;
	return BENCH_ARENA_BASE + next_page++ * PAGE_SIZE;
}

static void pool_free(void *ctx, paddr_t pa)
{
	(void)ctx;
	free_stack[nfree++] = pa;
}

static const struct pt_pool pool = { pool_alloc, pool_free, NULL };

const struct pt_pool *bench_pool(void)
{
	return &pool;
}
