/* SPDX-License-Identifier: MIT */
/*
 * The monitor shell on the serial line. Bytes read from the physical UART
 * (never from a guest) go to shell_input(); three Ctrl-X in a row open the
 * `iomon>` prompt, three more (or `exit`) close it. Commands are in one
 * table in shell.c, each over kernel/shell/view.h.
 */
#ifndef IOMON_SHELL_H
#define IOMON_SHELL_H

#include "kernel/types.h"

#define SHELL_ESCAPE_KEY   0x18   /* Ctrl-X */
#define SHELL_ESCAPE_COUNT 3
#define SHELL_LINE_MAX     80
#define SHELL_MAX_LINES    200    /* lines one command may print */

/* Feed one byte from the serial line. */
void shell_input(uint8_t c);
bool shell_is_open(void);
/* Run one command line as if typed at the prompt (tests; the open shell). */
void shell_exec(const char *line);
/* Back to the initial state (tests). */
void shell_reset(void);

/*
 * Read the serial line if the last read is old enough; called from
 * idle_poll() on every VM exit and in the idle loop. One CPU at a time.
 */
void shell_poll(void);

#endif
