/* SPDX-License-Identifier: MIT */
/*
 * Leveled logging. Every line carries a level letter and a subsystem tag:
 *
 *     I/acpi: XSDT at 0x7ffe2000, 9 tables
 *     W/mb2: tag 21 size 4 is shorter than its header, skipped
 *
 * A file defines LOG_TAG before including this header. The monitor sends the
 * lines to the console; unit tests capture them so a test can assert that a
 * hostile input produced its warning.
 */
#ifndef IOMON_LOG_H
#define IOMON_LOG_H

#include "kernel/types.h"

enum log_level {
	LOG_ERR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

void log_printf(enum log_level lvl, const char *tag, const char *fmt, ...) __printf(3, 4);
/* A line without level or tag, for machine-read output such as TAP. */
void log_raw(const char *fmt, ...) __printf(1, 2);
void log_set_level(enum log_level lvl);
/*
 * While held (the debug shell is open) every line goes to a bounded buffer
 * instead of the console; releasing prints them, then how many did not fit.
 */
void log_hold(bool hold);
/* Write straight to the console, past a hold (the shell's own output). */
void log_write_direct(const char *s, size_t n);
/* Number of error / warning lines logged since boot (the boot summary prints them). */
unsigned log_count(enum log_level lvl);

#ifndef LOG_TAG
#define LOG_TAG "iomon"
#endif

#define pr_err(...)   log_printf(LOG_ERR, LOG_TAG, __VA_ARGS__)
#define pr_warn(...)  log_printf(LOG_WARN, LOG_TAG, __VA_ARGS__)
#define pr_info(...)  log_printf(LOG_INFO, LOG_TAG, __VA_ARGS__)
#define pr_debug(...) log_printf(LOG_DEBUG, LOG_TAG, __VA_ARGS__)

#endif
