/* SPDX-License-Identifier: MIT */
/*
 * A partition's COM1: enough of a 16550 that an ordinary driver works
 * (divisor latch, LCR, scratch register, a transmitter that is always
 * empty, and for the partition that has the console's input a receiver
 * fed from the monitor's UART). IIR reports what is pending (received
 * data, an empty transmitter). The partition with the input also gets the
 * UART's interrupt: its interrupt-enable bits are mirrored to the real
 * UART, whose IRQ line reaches the root through its own interrupt
 * controllers, and every byte it transmits re-arms the transmitter
 * interrupt there (IER off, then on: a new edge), so an interrupt-driven
 * driver such as Linux's 8250 keeps sending and hears keys. Output is collected into lines and printed by the monitor as
 * `[name] line`: a line is cut at VUART_LINE_MAX characters, and lines
 * beyond the rate limit are dropped and counted, so no guest can flood the
 * console or hold up the others.
 */
#ifndef IOMON_VUART_H
#define IOMON_VUART_H

#include "kernel/types.h"

#define VUART_BASE        0x3F8
#define VUART_PORTS       8
#define VUART_LINE_MAX    160
#define VUART_BURST       400      /* lines a guest may print at once */
#define VUART_PER_SECOND  100      /* then this many per second */

struct vuart {
	const char *name;
	uint8_t lcr, ier, mcr, scr, dll, dlm, fcr;
	char line[VUART_LINE_MAX + 1];
	unsigned len;
	uint64_t tokens_us;        /* when the bucket was last refilled */
	unsigned tokens;
	uint64_t lines, dropped, dropped_reported;
	uint64_t first_line_us;    /* when its first line was printed (0: none yet) */
	bool input;                /* it receives the console's input */
	int rx;                    /* the received byte not yet read (-1: none) */
};

/* The printer, replaceable by unit tests. */
typedef void (*vuart_print_fn)(const char *name, const char *line);

void vuart_init(struct vuart *u, const char *name);
/* An access to port VUART_BASE + off; returns what an IN reads. */
uint32_t vuart_io(struct vuart *u, unsigned off, bool in, uint32_t value, uint64_t now_us);
/* Print what is still buffered (the partition stopped). */
void vuart_flush(struct vuart *u, uint64_t now_us);
void vuart_set_printer(vuart_print_fn fn);
/* Where input comes from: a byte, or -1 when none waits (replaceable by unit tests). */
typedef int (*vuart_input_fn)(void);
/* Set the real UART's interrupt enables (bits 0-1 used). */
typedef void (*vuart_ier_fn)(uint8_t ier);
void vuart_set_input(vuart_input_fn fn, vuart_ier_fn ier);

#endif
