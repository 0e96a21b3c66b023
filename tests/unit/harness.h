/* SPDX-License-Identifier: MIT */
/*
 * Host-side stand-ins for the monitor's seams, shared by every unit test:
 * a log that captures lines, and physical memory as a set of arenas.
 */
#ifndef IOMON_TEST_HARNESS_H
#define IOMON_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "kernel/types.h"
#include "kernel/log.h"

/* Captured log lines ("W/tag: message"). Cleared by log_capture_reset(). */
void log_capture_reset(void);
/* True when some captured line contains `needle`. */
bool log_captured(const char *needle);
/* Number of captured lines at exactly `lvl`. */
unsigned log_captured_count(enum log_level lvl);
/* Print the captured lines to stderr (for a failing test). */
void log_capture_dump(void);

/* Simulated physical memory: [base, base+len) is backed by `buf`. */
void phys_arena_add(paddr_t base, void *buf, uint64_t len);
void phys_arena_reset(void);

#endif
