/* SPDX-License-Identifier: MIT */
/*
 * The monitor's log: one formatted line at a time onto the console, with a
 * level letter and the subsystem tag ("W/acpi: ..."). Formatting uses
 * newlib's vsnprintf into a stack buffer; nothing allocates.
 */
#include <stdarg.h>
#include <stdio.h>

#include "kernel/log.h"
#include "kernel/spinlock.h"
#include "arch/x86/uart.h"

#define LOG_LINE_MAX 256

static enum log_level threshold = LOG_INFO;
static unsigned counts[LOG_DEBUG + 1];
static spinlock_t log_lock = SPINLOCK_INIT;

void log_set_level(enum log_level lvl) { threshold = lvl; }
unsigned log_count(enum log_level lvl) { return lvl <= LOG_DEBUG ? counts[lvl] : 0; }

void log_raw(const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	spin_lock(&log_lock);
	uart_write(line, n);
	spin_unlock(&log_lock);
}

void log_printf(enum log_level lvl, const char *tag, const char *fmt, ...)
{
	static const char letters[] = "EWID";
	char line[LOG_LINE_MAX];
	va_list ap;
	int n;

	if (lvl > LOG_DEBUG)
		lvl = LOG_DEBUG;
	counts[lvl]++;
	if (lvl > threshold)
		return;
	n = snprintf(line, sizeof(line), "%c/%s: ", letters[lvl], tag);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;   /* truncated: still end the line */
	line[n++] = '\n';
	spin_lock(&log_lock);
	uart_write(line, n);
	spin_unlock(&log_lock);
}
