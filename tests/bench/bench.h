/* SPDX-License-Identifier: MIT */
/*
 * Host stand-ins for the benchmark: physical memory as one arena behind
 * phys_map(), and a pool handing out its pages.
 */
#ifndef IOMON_BENCH_H
#define IOMON_BENCH_H

#include "iommu/pt/pt.h"

/* Callgrind's client requests (counting one workload at a time), or nothing without valgrind. */
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(s) ((void)(s))
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#define CALLGRIND_TOGGLE_COLLECT
#endif

#define BENCH_ARENA_BASE 0x40000000ULL     /* "physical" address of the arena */

void bench_arena_init(uint64_t bytes);
uint64_t bench_arena_bytes(void);
/* The arena's first byte; the pool hands pages out from there upward. */
void *bench_arena_va(void);
/* Every page back in the pool (the table using them is gone). */
void bench_arena_reset(void);
const struct pt_pool *bench_pool(void);

#endif
