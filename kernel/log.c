/* SPDX-License-Identifier: MIT */
/*
 * The monitor's log: one formatted line at a time onto the console, with a
 * level letter and the subsystem tag ("W/acpi: ..."). Formatting uses
 * newlib's vsnprintf into a stack buffer; nothing allocates.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kernel/log.h"
#include "kernel/spinlock.h"
#include "arch/x86/uart.h"

#define LOG_LINE_MAX 256

static enum log_level threshold = LOG_INFO;
static unsigned counts[LOG_DEBUG + 1];
static spinlock_t log_lock = SPINLOCK_INIT;

/* Lines held while the shell is open, under log_lock. */
#define LOG_HOLD_BYTES (16 * 1024)
static bool held;
static char hold_buf[LOG_HOLD_BYTES];
static size_t hold_len;
static unsigned hold_dropped;

/* log_lock held. */
static void emit(const char *line, size_t n)
{
	if (!held) {
		uart_write(line, n);
		return;
	}
	if (n > sizeof(hold_buf) - hold_len) {
		hold_dropped++;
		return;
	}
	memcpy(hold_buf + hold_len, line, n);
	hold_len += n;
}

void log_hold(bool hold)
{
	char note[96];
	int n = 0;

	spin_lock(&log_lock);
	if (!hold && held) {
		uart_write(hold_buf, hold_len);
		if (hold_dropped)
			n = snprintf(note, sizeof(note), "W/log: %u lines dropped while the shell was open\n",
				     hold_dropped);
		if (n > 0)
			uart_write(note, (size_t)n < sizeof(note) ? (size_t)n : sizeof(note) - 1);
		hold_len = 0;
		hold_dropped = 0;
	}
	held = hold;
	spin_unlock(&log_lock);
}

void log_write_direct(const char *s, size_t n)
{
	spin_lock(&log_lock);
	uart_write(s, n);
	spin_unlock(&log_lock);
}

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
	emit(line, n);
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
	emit(line, n);
	spin_unlock(&log_lock);
}
