/* SPDX-License-Identifier: MIT */
#define LOG_TAG "panic"
#include <stdarg.h>
#include <stdio.h>

#include "kernel/panic.h"
#include "kernel/log.h"
#include "kernel/options.h"
#include "arch/x86/io.h"
#include "arch/x86/uart.h"

/* QEMU's isa-debug-exit: the process exits with (value << 1) | 1. */
#define QEMU_EXIT_PORT     0xf4
#define QEMU_EXIT_SUCCESS  0x10   /* -> 33 */
#define QEMU_EXIT_FAILURE  0x11   /* -> 35 */
/* Bochs' shutdown port: the string "Shutdown" written byte by byte ends the emulator. */
#define BOCHS_SHUTDOWN_PORT 0x8900

static void bochs_shutdown(void)
{
	uart_flush();
	for (const char *c = "Shutdown"; *c; c++)
		outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*c);
}

void monitor_exit(bool success)
{
	log_hold(false);   /* the monitor is ending: show what the open shell held back */
	if (boot_options.exit_qemu) {
		log_printf(LOG_INFO, "iomon", "exit: %s (isa-debug-exit 0x%x)",
			   success ? "success" : "FAILURE", success ? QEMU_EXIT_SUCCESS : QEMU_EXIT_FAILURE);
		outb(QEMU_EXIT_PORT, success ? QEMU_EXIT_SUCCESS : QEMU_EXIT_FAILURE);
		/* Still here: not QEMU. Bochs exits with status 1 either way; the line above says which. */
		bochs_shutdown();
	}
	cpu_halt_forever();
}

void panic(const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_hold(false);
	pr_err("PANIC: %s", msg);
	monitor_exit(false);
}
