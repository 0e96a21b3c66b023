/* SPDX-License-Identifier: MIT */
#ifndef IOMON_PANIC_H
#define IOMON_PANIC_H

#include "kernel/types.h"

/* Report a fatal monitor error and stop (through monitor_exit(false)). */
void panic(const char *fmt, ...) __printf(1, 2) __noreturn;

/*
 * The end of a run. With `exit=qemu` the status goes to QEMU's isa-debug-exit
 * port (success 0x10 -> QEMU exits 33, failure 0x11 -> 35); otherwise, and if
 * no such device answers, the CPU halts.
 */
void monitor_exit(bool success) __noreturn;

#endif
