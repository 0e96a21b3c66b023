/* SPDX-License-Identifier: MIT */
#define LOG_TAG "panic"
#include <stdarg.h>
#include <stdio.h>

#include "kernel/panic.h"
#include "kernel/log.h"
#include "kernel/options.h"
#include "arch/x86/io.h"

/* QEMU's isa-debug-exit: the process exits with (value << 1) | 1. */
#define QEMU_EXIT_PORT     0xf4
#define QEMU_EXIT_SUCCESS  0x10   /* -> 33 */
#define QEMU_EXIT_FAILURE  0x11   /* -> 35 */

void monitor_exit(bool success)
{
	if (boot_options.exit_qemu) {
		log_printf(LOG_INFO, "iomon", "exit: %s (isa-debug-exit 0x%x)",
			   success ? "success" : "FAILURE", success ? QEMU_EXIT_SUCCESS : QEMU_EXIT_FAILURE);
		outb(QEMU_EXIT_PORT, success ? QEMU_EXIT_SUCCESS : QEMU_EXIT_FAILURE);
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
	pr_err("PANIC: %s", msg);
	monitor_exit(false);
}
