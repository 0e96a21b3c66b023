/* SPDX-License-Identifier: MIT */
/*
 * The monitor shell on the serial line. Bytes read from the physical UART
 * (never from a guest) go to shell_input(); three Ctrl-X in a row open the
 * `iomon>` prompt, three more (or `exit`) close it; while it is closed every
 * other byte goes to the root (shell_console_getc). Commands are in one
 * table in shell.c, each over kernel/shell/view.h.
 */
#ifndef IOMON_SHELL_H
#define IOMON_SHELL_H

#include "kernel/types.h"

#define SHELL_ESCAPE_KEY   0x18   /* Ctrl-X */
#define SHELL_ESCAPE_COUNT 3
#define SHELL_LINE_MAX     80
#define SHELL_MAX_LINES    200    /* lines one command may print */

/* Feed one byte as if read from the serial line (tests). */
void shell_input(uint8_t c);
bool shell_is_open(void);
/* Run one command line as if typed at the prompt (tests; the open shell). */
void shell_exec(const char *line);
/* Back to the initial state (tests). */
void shell_reset(void);

/*
 * Read the serial line and run what was typed at the prompt; called from
 * idle_poll() (at most once a millisecond, on every VM exit and in the idle
 * loop). One CPU at a time.
 */
void shell_poll(void);
/*
 * The root's console input (its virtual UART's receiver): the next byte
 * typed while the shell is closed, or -1. The escape sequence never reaches
 * the root; one or two Ctrl-X followed by another key do, in order.
 */
int shell_console_getc(void);
/* Bytes for the root dropped because it left them unread (a 256-byte queue). */
uint64_t shell_console_dropped(void);

#endif
