// SPDX-License-Identifier: MIT
/*
 * TAP (Test Anything Protocol, version 12) on COM1 and the exit through
 * isa-debug-exit: 0x10 when the plan ran and every test passed, else 0x11.
 */
#include <stdarg.h>
#include "tests/guest/guest.h"
#include "tests/guest/fmt.h"

#define LINE_MAX 256

static unsigned planned, done, failures, current;
static const char *current_name;

static void vprint(const char *prefix, const char *fmt, va_list ap)
{
	char line[LINE_MAX];

	uart_puts(prefix);
	gvsnprintf(line, sizeof(line), fmt, ap);
	uart_puts(line);
	uart_puts("\n");
}

void diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint("# ", fmt, ap);
	va_end(ap);
}

void tap_plan(unsigned n)
{
	char line[32];

	planned = n;
	gsnprintf(line, sizeof(line), "1..%u\n", n);
	uart_puts(line);
}

void tap_begin(unsigned num, const char *name)
{
	current = num;
	current_name = name;
}

unsigned tap_current(const char **name)
{
	*name = current_name;
	return current;
}

void tap_result(bool ok, const char *fmt, ...)
{
	char prefix[32];
	va_list ap;

	gsnprintf(prefix, sizeof(prefix), "%sok %u - ", ok ? "" : "not ", current);
	va_start(ap, fmt);
	vprint(prefix, fmt, ap);
	va_end(ap);
	done++;
	if (!ok)
		failures++;
	current = 0;
	current_name = NULL;
}

unsigned tap_failures(void)
{
	return failures;
}

void guest_exit(bool success)
{
	success = success && failures == 0 && done == planned;
	diag("%s: %u of %u tests run, %u failed", success ? "success" : "FAILURE", done, planned,
	     failures);
	outb(DEBUG_EXIT_PORT, success ? DEBUG_EXIT_SUCCESS : DEBUG_EXIT_FAILURE);
	halt_forever();
}
